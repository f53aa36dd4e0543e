"""The register of publicity, trainings and drills (宣传、培训和演练), with their attachments."""


from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from foundation.attachments import UploadedAttachmentFields, attachment_path
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
    # The one rule (foundation.attachments.attachment_path); this name stays for the migrations that cite it.
    return attachment_path(instance, filename)


class TrainingAttachment(UploadedAttachmentFields):
    """A file of a record (plan, sign-in sheet, photos, evaluation): PNG, JPEG, WebP or PDF, checked by content."""

    UPLOAD_FOLDER = "training"

    record = models.ForeignKey(TrainingRecord, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path)

    class Meta(UploadedAttachmentFields.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
