"""Response levels, assignment statuses and their transition table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResponseLevel(models.TextChoices):
    III = "III", _("Level III")
    II = "II", _("Level II")
    I = "I", _("Level I")  # noqa: E741  (the plan's own name)


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
# Not yet acknowledged: what escalation looks at.
UNACKNOWLEDGED = (AssignmentStatus.ASSIGNED,)

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

LEVEL_ORDER = {ResponseLevel.III: 1, ResponseLevel.II: 2, ResponseLevel.I: 3}
