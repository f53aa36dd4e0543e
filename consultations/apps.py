from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    """Consultation records (会商) and municipal directives (市级指令): the bases of decisions on orange and red."""

    name = "consultations"
    verbose_name = _("Consultations and municipal directives")

    def ready(self):
        # alerts sits below this app and never imports it: it resolves a warning's basis through these.
        from alerts.basis import basis_register, basis_register_city
        from alerts.choices import BasisKind
        from consultations import selectors

        basis_register(BasisKind.CONSULTATION, resolve=selectors.consultation_basis, recent=selectors.consultations_citable)
        basis_register(BasisKind.DIRECTIVE, resolve=selectors.directive_basis, recent=selectors.directives_citable)
        basis_register_city(selectors.city_warning_at)
