"""Response levels, assignment statuses and their transition table."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The response levels are defined once, beside the warning levels that start them (alerts.choices).
from alerts.choices import LEVEL_RANK, RESPONSE_LEVEL, ResponseLevel


class Stage(models.TextChoices):
    RESPONSE = "response", _("During the response")
    CLOSING = "closing", _("After the response")


class ResponseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    COMPLETED = "completed", _("Completed")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Closed")


class UpdateKind(models.TextChoices):
    PROGRESS = "progress", _("Progress")
    REPORT = "report", _("Completion report")
    RETURN = "return", _("Sent back")


# Open assignments are closed (cancelled) on a downgrade or a lift.
OPEN_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.RETURNED)

ASSIGNMENT_TRANSITIONS = {
    (AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED),
    (AssignmentStatus.RETURNED, AssignmentStatus.ACKNOWLEDGED),
    (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.COMPLETED),
    (AssignmentStatus.RETURNED, AssignmentStatus.COMPLETED),
    (AssignmentStatus.COMPLETED, AssignmentStatus.RETURNED),
    (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.RETURNED),
    (AssignmentStatus.ASSIGNED, AssignmentStatus.CANCELLED),
    (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.CANCELLED),
    (AssignmentStatus.RETURNED, AssignmentStatus.CANCELLED),
}

# Response levels low to high (III < II < I), from the one level order (alerts.choices.LEVEL_RANK):
# yellow starts level III, orange II, red I.
LEVEL_ORDER = {ResponseLevel(RESPONSE_LEVEL[level]): rank for level, rank in LEVEL_RANK.items()}


# --- The acknowledgement deadline and "overdue": the one definition of each ---


def ack_minutes(level: str, override: int | None = None) -> int:
    """Minutes a unit has to acknowledge a task of response ``level`` ("III", "II", "I"): the template's
    own ``override`` (``TaskTemplate.ack_minutes``), else the level's (settings ``ACK_MINUTES``:
    60 / 30 / 15 by default, ``ACK_MINUTES_III``/``_II``/``_I``). Raises KeyError for an unknown level."""
    return override or settings.ACK_MINUTES[level]


def ack_deadline(*, effective_from: datetime.datetime, level: str, override: int | None = None) -> datetime.datetime:
    """When a task must be acknowledged by: ``ack_minutes`` after it takes effect (``effective_from``,
    the warning's start), not after it was handed out."""
    return effective_from + datetime.timedelta(minutes=ack_minutes(level, override))


def is_overdue(*, status: str, ack_deadline: datetime.datetime, now: datetime.datetime) -> bool:
    """Overdue: still not acknowledged (``assigned``) and its acknowledgement deadline has passed.
    What the grid, the unit's screen, the API's ``overdue`` and the escalation (reminder, then the
    command) count. ``overdue_q`` is the same rule for a query."""
    return status == AssignmentStatus.ASSIGNED and ack_deadline < now


def overdue_q(now: datetime.datetime) -> Q:
    """``is_overdue`` as a filter on TaskAssignment (uses the ``assignment_deadline_idx`` index)."""
    return Q(status=AssignmentStatus.ASSIGNED, ack_deadline__lt=now)


def acknowledged_late(*, acknowledged_at: datetime.datetime | None, ack_deadline: datetime.datetime,
                      now: datetime.datetime) -> bool:
    """Missed its deadline, as the summary evaluation (附件1 二: 总结评估) and the drill register count it:
    acknowledged after the deadline, or not acknowledged by it (``now``: the response's end, or now)."""
    return (acknowledged_at or now) > ack_deadline
