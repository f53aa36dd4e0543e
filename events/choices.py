"""Event types and audiences."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    ALL = "all", _("Everyone")
    UNIT = "unit", _("One unit")
    COMMAND = "command", _("Command (office and leaders)")


class EventType(models.TextChoices):
    ALERT_PENDING_APPROVAL = "alert.pending_approval", _("Warning awaiting approval")
    ALERT_ISSUED = "alert.issued", _("Warning issued")
    ALERT_REJECTED = "alert.rejected", _("Warning rejected")
    ALERT_LIFT_PENDING = "alert.lift_pending", _("Lift awaiting approval")
    ALERT_LIFT_REFUSED = "alert.lift_refused", _("Lift refused")
    ALERT_LIFT_SCHEDULED = "alert.lift_scheduled", _("Lift scheduled")
    ALERT_LIFTED = "alert.lifted", _("Warning lifted")
    ALERT_SUPERSEDED = "alert.superseded", _("Warning superseded")
    RESPONSE_OPENED = "response.opened", _("Response started")
    RESPONSE_LEVEL_CHANGED = "response.level_changed", _("Response level changed")
    RESPONSE_CLOSED = "response.closed", _("Response ended")
    ASSIGNMENT_CREATED = "assignment.created", _("Task assigned")
    ASSIGNMENT_ACKNOWLEDGED = "assignment.acknowledged", _("Task acknowledged")
    ASSIGNMENT_PROGRESS = "assignment.progress", _("Task progress")
    ASSIGNMENT_COMPLETED = "assignment.completed", _("Task completed")
    ASSIGNMENT_RETURNED = "assignment.returned", _("Task returned")
    ASSIGNMENT_REMINDED = "assignment.reminded", _("Unit reminded of a task")
    ASSIGNMENT_CANCELLED = "assignment.cancelled", _("Task closed")
    ASSIGNMENT_OVERDUE = "assignment.overdue", _("Task overdue")
    ASSIGNMENT_ESCALATED = "assignment.escalated", _("Task escalated")
    PROPOSAL_CREATED = "proposal.created", _("Warning proposed by the feeds")
    PROPOSAL_CLOSED = "proposal.closed", _("Proposal closed")
    CONSULTATION_RECORDED = "consultation.recorded", _("Consultation recorded")
    DIRECTIVE_RECORDED = "directive.recorded", _("Municipal directive recorded")
    FEED_FAILED = "feed.failed", _("Feed failure")
    FEED_STALE = "feed.stale", _("Feed data stale")
    SESSION_REVOKED = "session.revoked", _("Sessions ended")
    DUTY_CHANGED = "duty.changed", _("On-duty roster changed")
    USER_ROLE_CHANGED = "user.role_changed", _("Role changed")
    USER_PASSWORD_RESET = "user.password_reset", _("Password set by someone else")
    DAILY_REPORT_CHANGED = "report.daily", _("Daily report submitted or due")
    BULLETIN_CHANGED = "report.bulletin", _("Bulletin drafted or issued")
    CITY_REPORT_SENT = "report.city", _("Report sent to the city")
    SUMMARY_CHANGED = "report.summary", _("Unit summary submitted or due")
    ROUTINE_CHANGED = "routine.changed", _("Standing duty due or done")
