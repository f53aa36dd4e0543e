"""The register of publicity, trainings and drills (宣传、培训和演练), with their attachments."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from training.choices import RecordKind


class TrainingRecord(models.Model):
    """One training, exercise, drill or publicity event: when, what kind, who took part, what was practised."""

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=RecordKind.choices)
    title = models.CharField(_("title"), max_length=200)
    units = models.ManyToManyField("units.Unit", related_name="training_records", verbose_name=_("units taking part"))
    practised = models.TextField(_("what was practised"))
    # A drill run in the platform: a warning issued as a drill; its figures come from its response.
    alert = models.ForeignKey("alerts.Alert", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="training_records", verbose_name=_("drill run in the platform"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("training or drill record")
        verbose_name_plural = _("training and drill records")

    def __str__(self):
        return f"{self.date} {self.title}"


def _attachment_path(instance, filename):
    # Never the uploader's name on disk, and one flat folder that the upload sweep reads
    # (responses.uploads.SWEPT_FOLDERS).
    suffix = {"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf", "image/webp": ".webp"}
    return f"training/{uuid.uuid4().hex}{suffix.get(instance.content_type, '')}"


class TrainingAttachment(models.Model):
    """A file of a record (plan, sign-in sheet, photos, evaluation): PNG, JPEG, WebP or PDF, checked by content."""

    record = models.ForeignKey(TrainingRecord, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
