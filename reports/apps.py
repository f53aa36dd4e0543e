from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reporting: daily reports, bulletins and summaries")

    def ready(self):
        # The day's board is a live screen (reports.screens); events never imports this app.
        from reports.screens import screens_register

        screens_register()
