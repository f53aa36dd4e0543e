from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The screens on top of every app: the unit, office, leader and wall dashboards."""

    name = "dashboards"
    verbose_name = _("Dashboards")
