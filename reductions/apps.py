from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReductionsConfig(AppConfig):
    name = "reductions"
    verbose_name = _("Emission-reduction list")

    def ready(self):
        # The list becomes work when a warning is issued (issue 16 item 4): take part in the response path
        # through its extension point, so that ``alerts`` and ``responses`` never import this app.
        from reductions.checklists import ChecklistParticipant
        from responses.extensions import participant_register

        participant_register(ChecklistParticipant())
        # The compliance page is a live screen (reductions.screens).
        from reductions.screens import screens_register

        screens_register()
