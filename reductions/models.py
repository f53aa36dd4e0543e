"""The emission-reduction list (应急减排清单): yearly versions, enterprises, sites, measures per level, and totals.

The plan makes the district ecology and environment bureau keep this list and update it (附件1,
区生态环境局); it is re-issued each year and edited within it, so every entry belongs to one yearly
version and every edit leaves a history row (django-simple-history).

Emissions, reductions and totals are all annual rates in tonnes per year (t/yr): a measure's
reduction is how much of the enterprise's yearly rate it removes while it is in force, so the
share of the total (the national 10/20/30 % requirement) is unit-free.
"""


from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alerts.choices import Level
from foundation.attachments import IMAGE_TYPES, AttachmentFields, attachment_path
from reductions.choices import (
    CAUSE_FIELDS,
    DEFAULT_TARGET_PCT,
    CheckState,
    Grade,
    InspectionResult,
    InspectionStatus,
    ItemStatus,
    Livelihood,
    SiteKind,
)
from reductions.uscc import uscc_problem

TONNES = {"max_digits": 12, "decimal_places": 3, "default": 0, "validators": [MinValueValidator(0)]}
PLACES = models.Q(kind__in=["township", "park"])


def validate_uscc(value: str) -> None:
    """Model-field validator: the GB 32100-2015 format and check character."""
    problem = uscc_problem(value)
    if problem == "format":
        raise ValidationError(
            _("Not a unified social credit code: 18 digits or capital letters (no I, O, S, V, Z)."), code="format"
        )
    if problem == "checksum":
        raise ValidationError(_("The check character of this credit code is wrong (GB 32100-2015)."), code="checksum")


class ListVersion(models.Model):
    """One year's issue of the list; its entries are edited within the year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=[MinValueValidator(2000)])
    title = models.CharField(_("title"), max_length=200, blank=True)
    sample = models.BooleanField(_("sample data"), default=False, help_text=_("Invented names for demonstration."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        permissions = [("manage_list", _("Import and edit the emission-reduction list"))]
        verbose_name = _("list version")
        verbose_name_plural = _("list versions")

    def __str__(self):
        return self.title or str(self.year)


class Emissions(models.Model):
    """The four pollutants in t/yr (an abstract base of entries, measures and totals)."""

    pm = models.DecimalField("PM (t/a)", **TONNES)
    so2 = models.DecimalField("SO₂ (t/a)", **TONNES)
    nox = models.DecimalField("NOx (t/a)", **TONNES)
    vocs = models.DecimalField("VOCs (t/a)", **TONNES)

    class Meta:
        abstract = True


class Enterprise(Emissions):
    """An enterprise of the list with its baseline emissions (t/yr)."""

    version = models.ForeignKey(ListVersion, on_delete=models.CASCADE, related_name="enterprises", verbose_name=_("list version"))
    credit_code = models.CharField(_("unified social credit code"), max_length=18, validators=[validate_uscc])
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    town = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", limit_choices_to=PLACES,
        verbose_name=_("town, street or park"),
    )
    supervisor = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("supervising unit")
    )
    grade = models.CharField(_("performance grade"), max_length=10, choices=Grade.choices, default=Grade.UNGRADED)
    livelihood = models.CharField(_("essential to livelihoods"), max_length=10, choices=Livelihood.choices, default=Livelihood.NO)
    history = HistoricalRecords()

    class Meta:
        ordering = ["town__order", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "credit_code"], name="enterprise_code_once_per_version")]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self):
        return self.name


class Site(models.Model):
    """A construction or dust site of the list; ``ref`` is the list's own number for it."""

    version = models.ForeignKey(ListVersion, on_delete=models.CASCADE, related_name="sites", verbose_name=_("list version"))
    ref = models.CharField(_("number"), max_length=40)
    project = models.CharField(_("project"), max_length=200)
    builder = models.CharField(_("builder"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    town = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", limit_choices_to=PLACES,
        verbose_name=_("town, street or park"),
    )
    supervisor = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("supervising unit")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SiteKind.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["town__order", "ref", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "ref"], name="site_ref_once_per_version")]
        verbose_name = _("construction or dust site")
        verbose_name_plural = _("construction and dust sites")

    def __str__(self):
        return self.project


class Measure(Emissions):
    """One measure of an enterprise or a site at one warning level, and what it cuts of each pollutant (t/yr)."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="measures", verbose_name=_("enterprise")
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, null=True, blank=True, related_name="measures", verbose_name=_("site"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    text = models.CharField(_("measure"), max_length=500)
    # The episode causes it applies to (reductions.choices.CAUSE_FIELDS; every cause by default): an ozone
    # episode's checklist holds the VOC measures, not the dust ones; a dust episode's the reverse.
    for_pm2_5 = models.BooleanField(_("PM2.5 episodes"), default=True)
    for_dust = models.BooleanField(_("dust episodes"), default=True)
    for_ozone = models.BooleanField(_("ozone episodes"), default=True)
    for_smoke = models.BooleanField(_("smoke episodes"), default=True)
    for_transport = models.BooleanField(_("regional transport episodes"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["level", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False, site__isnull=True) | models.Q(enterprise__isnull=True, site__isnull=False),
                name="measure_of_one_enterprise_or_site",
            ),
            models.UniqueConstraint(fields=["enterprise", "level", "order"], name="measure_order_per_enterprise_level"),
            models.UniqueConstraint(fields=["site", "level", "order"], name="measure_order_per_site_level"),
        ]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self):
        return self.text[:60]

    @property
    def causes(self) -> list[str]:
        """The causes this measure applies to, in the order of ``alerts.choices.Cause``."""
        return [cause for cause, name in CAUSE_FIELDS.items() if getattr(self, name)]

    @causes.setter
    def causes(self, values) -> None:
        chosen = set(values)
        for cause, name in CAUSE_FIELDS.items():
            setattr(self, name, cause in chosen)

    def clean(self):
        super().clean()
        if not self.causes:
            raise ValidationError(_("A measure applies to at least one cause of an episode."), code="no_cause")


class EmissionInventory(Emissions):
    """The district's total emissions (全社会排放总量, t/yr) from its emission inventory, and the target shares."""

    version = models.OneToOneField(ListVersion, on_delete=models.CASCADE, related_name="inventory", verbose_name=_("list version"))
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("The inventory these totals come from."))
    yellow_pct = models.DecimalField(_("yellow target (%)"), max_digits=5, decimal_places=2, default=DEFAULT_TARGET_PCT[Level.YELLOW],
                                     validators=[MinValueValidator(0)])
    orange_pct = models.DecimalField(_("orange target (%)"), max_digits=5, decimal_places=2, default=DEFAULT_TARGET_PCT[Level.ORANGE],
                                     validators=[MinValueValidator(0)])
    red_pct = models.DecimalField(_("red target (%)"), max_digits=5, decimal_places=2, default=DEFAULT_TARGET_PCT[Level.RED],
                                  validators=[MinValueValidator(0)])
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("emission inventory totals")
        verbose_name_plural = _("emission inventory totals")

    def __str__(self):
        return str(self.version)

    def target_pct(self, level: str):
        return getattr(self, f"{level}_pct")


# --- During a response: checklists (issue 16 item 4) and inspections (item 5) ---------------------------


class ChecklistItem(models.Model):
    """One measure of one enterprise or site that its responsible unit must put in place during one response."""

    response = models.ForeignKey("responses.Response", on_delete=models.PROTECT, related_name="+", verbose_name=_("response"))
    version = models.ForeignKey(ListVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("list version"))
    # The measure may be removed from the list later (a re-import): the item keeps its own copy of the text.
    measure = models.ForeignKey(Measure, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("measure"))
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("enterprise"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("site"))
    # Copied from the enterprise or site when the item is made: who must confirm it, and where it is.
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("supervising unit"))
    town = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("town, street or park"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    text = models.CharField(_("measure"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    check_state = models.CharField(_("inspection"), max_length=15, choices=CheckState.choices, default=CheckState.UNCHECKED)
    created_at = models.DateTimeField(_("assigned"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_reason = models.CharField(_("reason closed"), max_length=300, blank=True)

    class Meta:
        ordering = ["town__order", "id"]
        indexes = [
            models.Index(fields=["response", "status"], name="checklist_response_status_idx"),
            models.Index(fields=["unit", "status"], name="checklist_unit_status_idx"),
            models.Index(fields=["town", "status"], name="checklist_town_status_idx"),
        ]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self):
        return self.text[:60]

    @property
    def owner_name(self) -> str:
        return self.enterprise.name if self.enterprise_id else self.site.project


class Inspector(models.Model):
    """A unit member the roster admin names an inspector (督查员): they record inspections in their unit's scope."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inspector",
                                verbose_name=_("user"))
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")

    def __str__(self):
        return str(self.user)


class Inspection(models.Model):
    """One check of an enterprise or site during a response against its measures (督查检查)."""

    response = models.ForeignKey("responses.Response", on_delete=models.PROTECT, related_name="+", verbose_name=_("response"))
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections",
                                   verbose_name=_("enterprise"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections", verbose_name=_("site"))
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("supervising unit"))
    town = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("town, street or park"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector"))
    inspected_at = models.DateTimeField(_("inspected at"))
    place = models.CharField(_("place"), max_length=300)
    result = models.CharField(_("result"), max_length=15, choices=InspectionResult.choices)
    findings = models.TextField(_("problems found"), blank=True)
    rectification = models.TextField(_("rectification asked"), blank=True)
    rectify_by = models.DateTimeField(_("rectify by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=15, choices=InspectionStatus.choices)
    follow_up_of = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_up",
                                        verbose_name=_("follow-up of"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-inspected_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False, site__isnull=True) | models.Q(enterprise__isnull=True, site__isnull=False),
                name="inspection_of_one_enterprise_or_site",
            ),
            models.CheckConstraint(
                condition=~models.Q(result="non_compliant") | models.Q(rectify_by__isnull=False),
                name="inspection_non_compliant_has_deadline",
            ),
        ]
        indexes = [models.Index(fields=["response", "status"], name="inspection_response_status_idx")]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self):
        return f"{self.owner_name} {self.get_result_display()}"

    @property
    def owner_name(self) -> str:
        return self.enterprise.name if self.enterprise_id else self.site.project


def _photo_path(instance, filename):
    # The one rule (foundation.attachments.attachment_path); this name stays for the migrations that cite it.
    return attachment_path(instance, filename)


class InspectionPhoto(AttachmentFields):
    """A photo taken at an inspection: stored under a random name, served only to those who may see the inspection."""

    UPLOAD_FOLDER = "inspections"
    ACCEPTED_TYPES = IMAGE_TYPES

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="photos")
    file = models.FileField(upload_to=_photo_path)

    class Meta(AttachmentFields.Meta):
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
