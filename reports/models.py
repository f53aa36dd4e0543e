"""The reporting cycle (报送): each unit's daily report during a response, the office's bulletin and its
reports to the city, and each unit's summary after the response (附件1 一、二: 信息上传下达, 向市政府…报告,
应急响应结束后组织开展总结评估、及时汇总上报)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reports.choices import BulletinStatus, DayStatus, ReportStatus
from units.choices import UnitKind


class FigureField(models.Model):
    """One figure a kind of unit reports each day (sites stopped, enterprises checked…): data an admin edits."""

    unit_kind = models.CharField(_("kind of unit"), max_length=20, choices=UnitKind.choices)
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=60)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["unit_kind", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["unit_kind", "key"], name="figure_field_unique_per_kind")]
        verbose_name = _("daily report figure")
        verbose_name_plural = _("daily report figures")

    def __str__(self):
        return f"{self.get_unit_kind_display()} · {self.label}"


class ReportDay(models.Model):
    """One day of a response for which every tasked unit reports by the deadline; the office closes it."""

    response = models.ForeignKey("responses.Response", on_delete=models.PROTECT, related_name="report_days",
                                 verbose_name=_("response"))
    day = models.DateField(_("day"))
    deadline = models.DateTimeField(_("report by"))
    status = models.CharField(_("status"), max_length=10, choices=DayStatus.choices, default=DayStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("closed by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["response", "day"], name="report_day_unique_per_response")]
        verbose_name = _("report day")
        verbose_name_plural = _("report days")

    def __str__(self):
        return f"{self.response} {self.day}"


class DailyReport(models.Model):
    """One unit's report for one response day (每日报送): what it did, its figures, its problems."""

    report_day = models.ForeignKey(ReportDay, on_delete=models.PROTECT, related_name="reports",
                                   verbose_name=_("report day"))
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="daily_reports",
                             verbose_name=_("unit"))
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DUE)
    work = models.TextField(_("work done"), blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    problems = models.TextField(_("problems and requests"), blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("last submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    revisions = models.PositiveIntegerField(_("corrections"), default=0)
    # Set once each by the beat (conditional UPDATE claims): a reminder, then one escalation.
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["unit__order", "id"]
        constraints = [models.UniqueConstraint(fields=["report_day", "unit"], name="daily_report_unique_per_unit")]
        indexes = [models.Index(fields=["status", "report_day"], name="daily_report_status_idx")]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")

    def __str__(self):
        return f"{self.unit} {self.report_day.day}"

    @property
    def late(self) -> bool:
        """First submitted after the day's deadline."""
        return self.first_submitted_at is not None and self.first_submitted_at > self.report_day.deadline


class Bulletin(models.Model):
    """The office's bulletin (应急工作简报): drafted from a day's reports, edited, issued with a number per year."""

    response = models.ForeignKey("responses.Response", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="bulletins", verbose_name=_("response"))
    day = models.DateField(_("day"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    table = models.JSONField(_("table of the units' figures"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT)
    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))
    # The Word file as issued, kept unchanged (what was sent is what is on record).
    docx = models.BinaryField(_("Word file as issued"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], condition=Q(number__isnull=False),
                                    name="bulletin_number_unique_per_year"),
            models.CheckConstraint(condition=Q(status="draft") | Q(number__isnull=False), name="bulletin_issued_has_number"),
        ]
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")

    def __str__(self):
        return f"{self.year}-{self.number or '…'} {self.title}"


class CityReport(models.Model):
    """A report sent up to the city (向市政府…报告): to whom, when, by whom, its number, content and file."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="city_reports", verbose_name=_("bulletin"))
    recipient = models.CharField(_("sent to"), max_length=100)
    number = models.CharField(_("document number"), max_length=60)
    content = models.TextField(_("content"))
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("sent by"))
    deadline = models.DateTimeField(_("due by"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=120, blank=True)
    file = models.BinaryField(_("file"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("report to the city")
        verbose_name_plural = _("reports to the city")

    def __str__(self):
        return f"{self.number} → {self.recipient}"

    @property
    def on_time(self) -> bool | None:
        """Met its deadline (None without one)."""
        return None if self.deadline is None else self.sent_at <= self.deadline


class UnitSummary(models.Model):
    """One unit's summary after a response (总结评估), due N working days after it ended."""

    response = models.ForeignKey("responses.Response", on_delete=models.PROTECT, related_name="unit_summaries",
                                 verbose_name=_("response"))
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="summaries", verbose_name=_("unit"))
    due_on = models.DateField(_("due on"))
    # Counted Monday to Friday for a year the holiday calendar does not know yet (reports.workdays).
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DUE)
    text = models.TextField(_("summary"), blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("last submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["unit__order", "id"]
        constraints = [models.UniqueConstraint(fields=["response", "unit"], name="unit_summary_unique_per_unit")]
        verbose_name = _("unit summary")
        verbose_name_plural = _("unit summaries")

    def __str__(self):
        return f"{self.unit} · {self.response}"

    @property
    def late(self) -> bool:
        """First submitted after its due day (local time)."""
        from django.utils import timezone

        return self.first_submitted_at is not None and timezone.localdate(self.first_submitted_at) > self.due_on
