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


def alert_history(alert: Alert):
    return AuditEntry.objects.filter(target_type="alert", target_id=alert.pk).select_related("actor").order_by("id")


def alerts_pending_approval():
    return (
        Alert.objects.filter(status__in=(Status.PENDING_APPROVAL, Status.LIFT_PENDING))
        .select_related("proposed_by", "lift_requested_by", "proposal__forecast")
        .order_by("created_at")
    )
