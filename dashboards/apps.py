from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The screens on top of every app: the unit, office, leader and wall dashboards."""

    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        # The hub (events, the ground floor) renders the live parts into its frames through this
        # registration; it never imports dashboards.
        from dashboards.screens import screens_register

        screens_register()
