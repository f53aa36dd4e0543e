"""Responses (应急响应), the task templates derived from the plan's duties, and each unit's assignments."""


from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alerts.choices import all_causes
from foundation.attachments import AttachmentFields, attachment_path
from responses.choices import (
    AssignmentStatus,
    ResponseLevel,
    ResponseStatus,
    Stage,
    UpdateKind,
    acknowledged_late,
    is_overdue,
)


class TaskTemplate(models.Model):
    """What one unit must do at one response level, derived from one of its duties."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="task_templates", verbose_name=_("unit"))
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.RESPONSE)
    level = models.CharField(_("response level"), max_length=3, choices=ResponseLevel.choices, blank=True)
    key = models.SlugField(_("key"), max_length=60, help_text=_("The same key at several levels is the same task."))
    title = models.CharField(_("title"), max_length=100)
    title_en = models.CharField(_("English title"), max_length=150, blank=True)
    instructions = models.TextField(_("instructions"), blank=True)
    instructions_en = models.TextField(_("instructions in English"), blank=True)
    ack_minutes = models.PositiveIntegerField(
        _("acknowledge within (minutes)"), null=True, blank=True, help_text=_("Empty: the level's default.")
    )
    report_required = models.BooleanField(_("completion report required"), default=False)
    duty = models.ForeignKey(
        "units.Duty", on_delete=models.SET_NULL, null=True, blank=True, related_name="task_templates", verbose_name=_("duty")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    # The episode causes this task applies to (alerts.choices.Cause; issue 15 item 2): an ozone or a dust
    # episode is not handed the mandatory production cuts. Filled from task_templates.json.
    causes = models.JSONField(_("causes"), default=all_causes, help_text=_("The episode causes this task applies to."))
    # A duty repeated while the warning is in force (issue 17 item 6): each occurrence is its own task,
    # made by the beat (responses.services.assignments_recur). Empty: handed out once.
    repeat_minutes = models.PositiveIntegerField(
        _("repeat every (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Empty: once. Otherwise a new occurrence of the task every so many minutes while the level is in force."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["unit__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "stage", "level", "key"], name="template_unique_per_unit_level"),
            models.CheckConstraint(
                condition=models.Q(stage="closing") | ~models.Q(level=""), name="template_response_stage_has_level"
            ),
            models.CheckConstraint(
                condition=models.Q(repeat_minutes__isnull=True) | models.Q(repeat_minutes__gte=1),
                name="template_repeat_positive",
                violation_error_message=_("Repeat at least every minute, or leave it empty for once."),
            ),
        ]
        verbose_name = _("task template")
        verbose_name_plural = _("task templates")

    def __str__(self):
        return f"{self.unit} {self.level} {self.title}"



class Response(models.Model):
    """An emergency response at level III/II/I, opened by an issued warning and ended by its lift."""

    alert = models.ForeignKey("alerts.Alert", on_delete=models.PROTECT, related_name="responses", verbose_name=_("warning in force"))
    level = models.CharField(_("level"), max_length=3, choices=ResponseLevel.choices)
    status = models.CharField(_("status"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.ACTIVE)
    area = models.CharField(_("area"), max_length=60)
    drill = models.BooleanField(_("drill"), default=False)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    # When the current level took effect: a recurring task's occurrences count from here (issue 17 item 6).
    level_since = models.DateTimeField(_("level in force since"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "drill"], condition=models.Q(status="active"), name="response_one_active_per_area"
            )
        ]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self):
        return f"{self.get_level_display()} #{self.pk}"


def _attachment_path(instance, filename):
    # The one rule (foundation.attachments.attachment_path); this name stays for the migrations that cite it.
    return attachment_path(instance, filename)


class TaskAssignment(models.Model):
    """One task of one unit in one response, from assignment to completion."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("response"))
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="assignments", verbose_name=_("unit"))
    template = models.ForeignKey(TaskTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    key = models.SlugField(max_length=60)
    # 1 for the task handed out at the issue or level change; 2, 3, … for a recurring duty's later
    # occurrences (issue 17 item 6) and for a task re-assigned after it was closed.
    occurrence = models.PositiveIntegerField(_("occurrence"), default=1)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.RESPONSE)
    level = models.CharField(_("level"), max_length=3, choices=ResponseLevel.choices)
    title = models.CharField(_("title"), max_length=100)
    title_en = models.CharField(_("English title"), max_length=150, blank=True)
    instructions = models.TextField(_("instructions"), blank=True)
    instructions_en = models.TextField(_("instructions in English"), blank=True)
    report_required = models.BooleanField(_("completion report required"), default=False)
    status = models.CharField(_("status"), max_length=15, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED)
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)
    # Units get their tasks when the warning is issued; the tasks take effect, and their
    # deadlines count, from the warning's start (a notice "自X日0时起" is issued the day before).
    effective_from = models.DateTimeField(_("effective from"), default=timezone.now)
    ack_deadline = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    report = models.TextField(_("completion report"), blank=True)
    closed_reason = models.TextField(_("reason closed or returned"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Set once each by the escalation task (conditional UPDATE claims make it idempotent).
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["unit__order", "id"]
        permissions = [
            ("act_on_assignment", "Can acknowledge, report on and complete their own unit's tasks"),
            ("supervise_assignment", "Can follow every unit's tasks and send them back"),
        ]
        constraints = [
            # Each occurrence of a task once per unit per response: a recurring duty's next occurrence is
            # made once however many beats run; a closed task re-assigned on a re-upgrade is the next one.
            models.UniqueConstraint(
                fields=["response", "unit", "stage", "key", "occurrence"], name="assignment_one_per_occurrence"
            )
        ]
        indexes = [
            models.Index(fields=["status", "ack_deadline"], name="assignment_deadline_idx"),
            models.Index(fields=["unit", "status"], name="assignment_unit_status_idx"),
            # A unit's latest tasks of ended responses (responses.selectors.units_tasks_recent), flat with the years.
            models.Index(fields=["unit", "-assigned_at"], name="assignment_unit_recent_idx"),
        ]
        verbose_name = _("task assignment")
        verbose_name_plural = _("task assignments")

    def __str__(self):
        return f"{self.unit} · {self.title}"

    @property
    def overdue(self) -> bool:
        """Not acknowledged and past its acknowledgement deadline (``responses.choices.is_overdue``)."""
        return is_overdue(status=self.status, ack_deadline=self.ack_deadline, now=timezone.now())

    @property
    def acknowledged_late(self) -> bool:
        """Acknowledged, after its deadline (``responses.choices.acknowledged_late``): the task's page marks it."""
        return self.acknowledged_at is not None and acknowledged_late(
            acknowledged_at=self.acknowledged_at, ack_deadline=self.ack_deadline, now=self.acknowledged_at
        )


class AssignmentUpdate(models.Model):
    """A progress note, a completion report, or the office sending a task back."""

    assignment = models.ForeignKey(TaskAssignment, on_delete=models.PROTECT, related_name="updates")
    kind = models.CharField(_("kind"), max_length=10, choices=UpdateKind.choices)
    text = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("task update")
        verbose_name_plural = _("task updates")


class Attachment(AttachmentFields):
    """A file a unit attached to its report: stored under a random name, served only to those who may see the task."""

    UPLOAD_FOLDER = "reports"

    update = models.ForeignKey(AssignmentUpdate, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)

    class Meta(AttachmentFields.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class Notification(models.Model):
    """A reminder or escalation to send; its key makes a retried send happen once."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder to the unit")
        ESCALATION = "escalation", _("Escalation to the command")
        FEED_FAILURE = "feed_failure", _("Feed failure to the command")
        DECISION = "decision", _("A leader's decision to the office")

    # Empty for what is about no task (a feed failure).
    assignment = models.ForeignKey(TaskAssignment, on_delete=models.PROTECT, related_name="notifications", null=True,
                                   blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    idempotency_key = models.CharField(max_length=80, unique=True)
    recipients = models.JSONField(default=list)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Sent only after this one is sent or has failed for good: the person on duty hears first (issue 17 item 4).
    follows = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="followers")

    class Meta:
        ordering = ["id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
