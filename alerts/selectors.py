"""Reads of warnings, scoped to what a user may see."""

from alerts.choices import Status
from alerts.models import Alert
from events.models import AuditEntry
from units.roles import is_command

PUBLIC_STATUSES = (Status.ISSUED, Status.LIFT_PENDING, Status.LIFTED, Status.SUPERSEDED)


def alerts_visible_to(user):
    """The command sees every warning; units see those that were issued."""
    # Two joins, and the other people by id when there are any: six joins of the user table
    # cost PostgreSQL ~10 ms of planning on every list request.
    alerts = Alert.objects.select_related("proposed_by", "issued_by").prefetch_related(
        "approved_by", "lifted_by", "rejected_by", "lift_requested_by"
    )
    if is_command(user):
        return alerts
    return alerts.filter(status__in=PUBLIC_STATUSES)


def alert_in_force(*, drill: bool = False, area: str | None = None) -> Alert | None:
    from django.conf import settings

    # The proposal carries the forecast the health advice is given for (alerts.advice.episode).
    alerts = Alert.objects.in_force().filter(drill=drill, area=area or settings.DISTRICT_NAME)
    return alerts.select_related("proposal").first()


# The steps of a warning that readers outside the command see: those whose event goes to everyone
# (alerts.services._announce with Audience.ALL). A proposal, its rejection, a lift request and its
# refusal are announced to the command only, and so are their history entries and comments (issue 12
# item 15). A step missing here (a new one) stays with the command until it is added.
PUBLIC_HISTORY_ACTIONS = frozenset(
    {"issue", "approve", "supersede", "lift", "approve_lift", "schedule_lift", "approve_lift_schedule", "expire",
     "scheduled_lift"}
)
# Fields of a warning that only the command sees: who refused it and why, and a lift request (the
# status lift_pending reads as issued: the warning is in force until a leader decides).
COMMAND_ONLY_FIELDS = ("rejected_by", "rejected_at", "rejection_reason", "lift_requested_by", "lift_requested_at")


def alert_history(alert: Alert, *, reader):
    """The warning's audit trail, oldest first, as ``reader`` may see it: every entry for the command,
    the public steps (``PUBLIC_HISTORY_ACTIONS``) for anyone else, as on the dashboard socket."""
    entries = AuditEntry.objects.filter(target_type="alert", target_id=alert.pk).select_related("actor").order_by("id")
    if not is_command(reader):
        entries = entries.filter(action__in=PUBLIC_HISTORY_ACTIONS)
    return entries


def alert_as_seen_by(data: dict, reader) -> dict:
    """A serialised warning as ``reader`` may see it: for readers outside the command, without the
    command's own fields (``COMMAND_ONLY_FIELDS``), a pending lift read as issued and its reason hidden."""
    if is_command(reader):
        return data
    for name in COMMAND_ONLY_FIELDS:
        if name in data:
            data[name] = "" if name == "rejection_reason" else None
    if data.get("status") == Status.LIFT_PENDING:
        data["status"] = Status.ISSUED
        if "lift_at" in data:
            data["lift_at"] = None  # the time the request proposed
    if data.get("status") != Status.LIFTED and data.get("lift_at") is None and "lift_reason" in data:
        data["lift_reason"] = ""  # a request's reason; a scheduled or done lift's reason is public
    return data


def alerts_pending_approval():
    return (
        Alert.objects.filter(status__in=(Status.PENDING_APPROVAL, Status.LIFT_PENDING))
        .select_related("proposed_by", "lift_requested_by", "proposal__forecast")
        .order_by("created_at")
    )
