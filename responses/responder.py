"""The response to a warning, registered with ``alerts.responders`` (``responses.apps.ResponsesConfig.ready``).

``alerts`` sits below this app and never imports it; it opens, changes and ends a warning's response, and
tells the office of a leader's decision, through this one object (issue 13 §2: dependencies point one way).
"""

from responses import services
from responses.models import Notification
from responses.permissions import may_supervise


class WarningResponder:
    """``alerts.responders.Responder``: each call runs in the warning's transaction (``alerts.services``)."""

    def lock(self, *, alert, assignments: bool = True) -> None:
        services.response_lock(alert=alert, assignments=assignments)

    def level_applied(self, *, alert, previous, actor) -> None:
        services.response_apply_level(alert=alert, previous=previous, actor=actor)

    def closed(self, *, alert, actor, reason: str) -> None:
        services.response_close(alert=alert, actor=actor, reason=reason)

    def office_told(self, *, key: str, message: str, also=()) -> None:
        services.notify_office(kind=Notification.Kind.DECISION, key=key, message=message, also=also)

    def responses_of(self, *, alert, reader) -> list:
        """The warning's responses, newest first, for the command (``may_supervise``); [] for anyone else."""
        return list(alert.responses.order_by("-started_at")) if may_supervise(reader) else []


RESPONDER = WarningResponder()
