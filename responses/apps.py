from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsesConfig(AppConfig):
    name = "responses"
    verbose_name = _("Responses and tasks")

    def ready(self):
        # alerts sits below this app and never imports it: a warning opens, changes and ends its response,
        # and a leader's decision reaches the office, through the responder registered here.
        from alerts.responders import responder_register
        from alerts.templatetags.alert_pages import state_labels_register
        from responses.choices import AssignmentStatus, ResponseStatus
        from responses.responder import RESPONDER

        responder_register(RESPONDER)
        state_labels_register(ResponseStatus, AssignmentStatus)
