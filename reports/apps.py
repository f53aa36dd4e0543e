from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reporting: daily reports, bulletins and summaries")

    def ready(self):
        # The day's board is a live screen (reports.screens); events never imports this app.
        from reports.screens import screens_register

        screens_register()

        # The evaluation page offers its Word file and PDF beside its CSV (responses never imports this app).
        from reports.summaries import evaluation_documents
        from responses.extensions import evaluation_documents_register

        evaluation_documents_register(evaluation_documents)
