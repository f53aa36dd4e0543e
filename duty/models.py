"""The on-duty roster (值班表): who keeps the office's watch, and which leader is on call, when."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from units.phones import validate_cn_phone


class Shift(models.Model):
    """One shift of the watch (附件1 二 应急值守): the office staff member on duty and the leader on call."""

    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duty_shifts",
                                verbose_name=_("staff member on duty"))
    officer_phone = models.CharField(_("on-duty phone"), max_length=40, validators=[validate_cn_phone])
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="on_call_shifts",
                               verbose_name=_("leader on call"))
    leader_phone = models.CharField(_("leader's phone"), max_length=40, validators=[validate_cn_phone])
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Set once by the beat when the shift begins (a conditional UPDATE), so the screens change hands on time.
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start")]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="shift_span_idx")]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.officer} / {self.leader}"
