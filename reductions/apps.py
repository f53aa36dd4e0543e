from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReductionsConfig(AppConfig):
    name = "reductions"
    verbose_name = _("Emission-reduction list")
