"""Consultation records (会商记录) and municipal directives (市级指令), with the consultations' minutes.

Both are records of fact: written once through ``consultations.services`` (audited), never edited or
deleted afterwards (a correction is a new record), so a warning that rests on one always shows what the
leaders saw when they decided.
"""


from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alerts.choices import Cause, Level
from consultations.choices import Conclusion, DirectiveKind, Pollutant
from foundation.attachments import UploadedAttachmentFields, attachment_path


class Consultation(models.Model):
    """One consultation of the ecology and meteorological bureaux (and others) on the coming air quality."""

    held_at = models.DateTimeField(_("held at"))
    units = models.ManyToManyField("units.Unit", related_name="consultations", verbose_name=_("units taking part"))
    experts = models.TextField(_("people taking part"), blank=True, help_text=_("Named people and experts, one per line."))
    forecasts = models.ManyToManyField("feeds.Forecast", blank=True, related_name="consultations", verbose_name=_("forecasts looked at"))
    proposals = models.ManyToManyField("feeds.Proposal", blank=True, related_name="consultations", verbose_name=_("proposals looked at"))
    # The forecast basis (预报依据).
    pollutant = models.CharField(_("primary pollutant"), max_length=10, choices=Pollutant.choices)
    aqi_min = models.PositiveIntegerField(_("expected AQI from"))
    aqi_max = models.PositiveIntegerField(_("expected AQI to"))
    duration_hours = models.PositiveIntegerField(_("expected duration (hours)"))
    meteorology = models.TextField(_("meteorological conditions"))
    # The conclusion (会商结论).
    conclusion = models.CharField(_("recommended level"), max_length=10, choices=Conclusion.choices)
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices, blank=True)
    starts_at = models.DateTimeField(_("recommended start"), null=True, blank=True)
    ends_at = models.DateTimeField(_("recommended end"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("consultation record")
        verbose_name_plural = _("consultation records")

    def __str__(self):
        return f"#{self.pk} {self.held_at:%Y-%m-%d %H:%M} {self.get_conclusion_display()}"

    @property
    def recommends_warning(self) -> bool:
        return self.conclusion != Conclusion.NONE


def _minutes_path(instance, filename):
    # The one rule (foundation.attachments.attachment_path); this name stays for the migrations that cite it.
    return attachment_path(instance, filename)


class ConsultationAttachment(UploadedAttachmentFields):
    """The minutes of a consultation (会商纪要) or its charts: PNG, JPEG, WebP or PDF, checked by content."""

    UPLOAD_FOLDER = "consultations"

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=_minutes_path)

    class Meta(UploadedAttachmentFields.Meta):
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")


class Directive(models.Model):
    """A municipal document the district acts on: a warning notice (its level, start and region) or a lift advice."""

    kind = models.CharField(_("kind"), max_length=10, choices=DirectiveKind.choices)
    document_number = models.CharField(_("document number"), max_length=100, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)
    starts_at = models.DateTimeField(_("effective from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The proposal the directive became (feeds.Proposal, source "municipal"); None when the district
    # already stood at or above the city's level, or had nothing to lift.
    proposal = models.OneToOneField(
        "feeds.Proposal", on_delete=models.PROTECT, null=True, blank=True, related_name="directive", verbose_name=_("proposal")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("municipal directive")
        verbose_name_plural = _("municipal directives")

    def __str__(self):
        return f"{self.document_number} ({self.get_kind_display()})"
