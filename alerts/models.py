"""The warning (预警) and its lifecycle fields."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.choices import IN_FORCE, LEVEL_COLOUR, RESPONSE_LEVEL, BasisKind, Cause, Level, ResponseLevel, Status


def _default_area():
    return settings.DISTRICT_NAME


class AlertQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(status__in=IN_FORCE)

    def not_ended(self, now=None):
        """Leave out warnings whose planned end or scheduled lift has come, before the beat records it."""
        now = now or timezone.now()
        return self.exclude(ends_at__lte=now).exclude(status=Status.ISSUED, lift_at__lte=now)

    def with_origin(self):
        """With the proposal and forecast each warning came from, in the same query (``alerts.origins``)."""
        from alerts.origins import origins_annotate

        return origins_annotate(self)

    def official(self):
        """Drills are left out of official statistics and the public "in force" state."""
        return self.filter(drill=False)


class Alert(models.Model):
    """A graded heavy-pollution warning for an area, from proposal to lift."""

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    reason = models.TextField(_("reason"))
    basis = models.TextField(_("basis"), blank=True, help_text=_("Forecast figures and consultation notes."))
    # The record the decision rests on (issue 15 items 1, 3): a consultation (会商) or a municipal
    # directive, by kind and id. Those live in a higher app (consultations), which alerts never imports:
    # ``alerts.basis`` resolves them through the resolver that app registers.
    basis_kind = models.CharField(_("basis kind"), max_length=20, choices=BasisKind.choices, blank=True)
    basis_ref = models.PositiveIntegerField(_("basis record"), null=True, blank=True)
    # The proposal a warning came from is recorded on the proposal's side (``feeds.Proposal.alert``): feeds
    # is a floor above and calls alerts, never the reverse; ``alerts.origins`` reads it back.
    # The episode's cause decides the task set (issue 15 item 2); ``advisory_only`` carries the proposal's
    # health-advisory flag (ozone or dust: no mandatory cuts). A leader's ``tasks_override_reason`` hands out
    # every template of the level whatever the cause.
    cause = models.CharField(_("cause"), max_length=10, choices=Cause.choices, default=Cause.PM2_5)
    advisory_only = models.BooleanField(_("health advisory only"), default=False)
    tasks_override_reason = models.TextField(_("reason for handing out every task"), blank=True)
    area = models.CharField(_("area"), max_length=60, default=_default_area)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("expected end"), null=True, blank=True)
    drill = models.BooleanField(_("drill"), default=False)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by", verbose_name=_("supersedes")
    )
    # The warning in force in the area when this one was proposed: if another is in force when a
    # leader decides, the proposal is stale and is not applied without the leader's confirmation.
    proposed_over = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("in force when proposed")
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True, db_index=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    lift_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_requested_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    # A lift decided for a later time (自X时起解除): the warning and its response stay in force
    # until then, and the beat (``alerts.services.alerts_end_due``) lifts it at that time.
    lift_at = models.DateTimeField(_("scheduled lift"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        permissions = [
            ("issue_yellow", "Can issue and lift yellow warnings, propose orange and red, and ask to lift them"),
            ("propose_alert", "Can propose orange and red warnings"),
            ("approve_alert", "Can approve or reject orange and red, and issue or lift any level"),
        ]
        constraints = [
            # At most one warning in force per area (drills run beside real warnings).
            models.UniqueConstraint(
                fields=["area", "drill"], condition=models.Q(status__in=IN_FORCE), name="alert_one_in_force_per_area"
            ),
        ]

    def __str__(self):
        return f"{self.get_level_display()} #{self.pk}"

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE

    @property
    def effective_from(self):
        """When the warning takes (or took) effect: ``starts_at``, or the issue time for older rows."""
        return self.starts_at or self.issued_at

    @property
    def starts_later(self) -> bool:
        """Set to take effect later than now (``starts_at`` in the future): what an approval says it will do."""
        from django.utils import timezone

        return self.starts_at is not None and self.starts_at > timezone.now()

    @property
    def response_level(self) -> str:
        return RESPONSE_LEVEL[self.level]

    @property
    def response_level_label(self) -> str:
        """"Level III" / "Ⅲ级": the translated name of the response level."""
        return ResponseLevel(self.response_level).label

    @property
    def colour(self) -> str:
        return LEVEL_COLOUR[self.level]
