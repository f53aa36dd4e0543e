"""The ordered event log pushed to dashboards, and the append-only audit trail."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.choices import Audience, EventType


class Event(models.Model):
    """One change announced to dashboards; ids increase in commit order (see services.lock_event_order)."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    type = models.CharField(_("type"), max_length=40)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder, default=dict)

    class Meta:
        ordering = ["id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            # The leaders' "recent account changes" (events.selectors.account_changes_recent): without it the
            # newest five walk the whole log backwards (183 ms over 400,000 events, bench/history.py).
            models.Index(
                fields=["-id"], condition=models.Q(type__in=[EventType.USER_ROLE_CHANGED, EventType.USER_PASSWORD_RESET]),
                name="event_account_change_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(audience="unit", unit__isnull=False) | ~models.Q(audience="unit"),
                name="event_unit_audience_has_unit",
            )
        ]

    def __str__(self):
        return f"#{self.id} {self.type}"


class AuditEntry(models.Model):
    """Who changed what, when, from which state to which: written in the same transaction, never edited."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty for the platform itself (scheduled tasks)."),
    )
    action = models.CharField(_("action"), max_length=40)
    target_type = models.CharField(_("object type"), max_length=40)
    target_id = models.BigIntegerField(_("object id"))
    from_state = models.CharField(_("from"), max_length=30, blank=True)
    to_state = models.CharField(_("to"), max_length=30, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), encoder=DjangoJSONEncoder, default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self):
        return f"{self.target_type}#{self.target_id} {self.action}"

    def save(self, *args, **kwargs):
        # Append-only: the database refuses UPDATE/DELETE too (migration 0002's trigger).
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")


class SubmissionKey(models.Model):
    """One submitted form or API call, by the idempotency key it carried: a repeat is recognised and done once.

    Claimed before the view runs (the unique key makes a concurrent repeat wait or fail); kept with
    the answer when the view succeeded, removed when it refused the input (issue 14 item 4).
    """

    key = models.CharField(_("key"), max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    path = models.CharField(_("path"), max_length=300)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # Empty while the first request runs.
    status_code = models.PositiveSmallIntegerField(_("answer status"), null=True, blank=True)
    location = models.CharField(_("redirected to"), max_length=500, blank=True)
    body = models.TextField(_("answer"), blank=True)
    content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")

    def __str__(self):
        return f"{self.key} {self.path}"
