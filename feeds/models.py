"""Monitoring points, criteria profiles, fetch records, forecasts and the proposals made from them."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from feeds.choices import FetchStatus, ProposalKind, ProposalSource, ProposalStatus, Provider


class Station(models.Model):
    """A monitoring point of the district, read through a provider."""

    name = models.CharField(_("name"), max_length=60)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5)
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices, default=Provider.OPEN_METEO)
    active = models.BooleanField(_("active"), default=True)
    fetch_minutes = models.PositiveIntegerField(_("fetch every (minutes)"), default=30)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("monitoring point")
        verbose_name_plural = _("monitoring points")

    def __str__(self):
        return self.name


class CriteriaProfile(models.Model):
    """Warning thresholds and durations admins can tune; the active one evaluates forecasts."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    active = models.BooleanField(_("active"), default=False)
    params = models.JSONField(_("parameters"), default=dict, blank=True, help_text=_("Fields of feeds.criteria.Criteria."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="criteria_one_active")
        ]
        verbose_name = _("criteria profile")
        verbose_name_plural = _("criteria profiles")

    def __str__(self):
        return self.name


class FetchRecord(models.Model):
    """One read of a feed: source, time, outcome, number of points and the error if any."""

    source = models.CharField(_("source"), max_length=60)
    station = models.ForeignKey(Station, on_delete=models.SET_NULL, null=True, blank=True, related_name="fetches")
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=FetchStatus.choices)
    points = models.PositiveIntegerField(_("points"), default=0)
    error = models.TextField(_("error"), blank=True)
    data_time = models.DateTimeField(_("data time"), null=True, blank=True)
    # Set on the last good fetch when its data went stale and FEED_STALE was raised:
    # one event per stale period, claimed by a conditional UPDATE (services.feeds_check_stale).
    stale_notified_at = models.DateTimeField(_("stale notified"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["source", "-started_at"], name="fetch_source_time_idx")]
        verbose_name = _("feed fetch")
        verbose_name_plural = _("feed fetches")


class Forecast(models.Model):
    """A daily AQI forecast from a provider, a push or a consultation, with its evaluation."""

    source = models.CharField(_("source"), max_length=60)
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    issued_at = models.DateTimeField(_("issued"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    standard = models.CharField(_("AQI standard"), max_length=4, default="2026")
    days = models.JSONField(_("days"), encoder=DjangoJSONEncoder, default=list)
    weather = models.JSONField(_("weather signals"), encoder=DjangoJSONEncoder, default=dict, blank=True)
    evaluation = models.JSONField(_("evaluation"), encoder=DjangoJSONEncoder, default=dict)

    class Meta:
        ordering = ["-issued_at", "-id"]
        permissions = [("manage_forecasts", "Can enter forecasts and act on proposals")]
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")

    def __str__(self):
        return f"{self.source} {self.issued_at:%Y-%m-%d %H:%M}"


class Proposal(models.Model):
    """A warning (or lift) the platform suggests to the office. People decide; nothing is issued automatically."""

    # None for a municipal directive's proposal (``source``), which rests on the city's document.
    forecast = models.ForeignKey(Forecast, on_delete=models.PROTECT, related_name="proposals", null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=ProposalSource.choices, default=ProposalSource.FORECAST)
    kind = models.CharField(_("kind"), max_length=10, choices=ProposalKind.choices)
    level = models.CharField(_("level"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    basis = models.JSONField(_("basis"), encoder=DjangoJSONEncoder, default=dict)
    criteria = models.CharField(_("criteria version"), max_length=60)
    advisory_only = models.BooleanField(_("health advisory only"), default=False)
    # The condition that produced it: the same condition never makes a second proposal.
    dedupe_key = models.CharField(max_length=120, unique=True)
    # Lead time (issue 15 item 5): when the office should act on it (feeds.services.proposal_issue_by);
    # None: at once (a downgrade), or a proposal made before the field existed.
    issue_by = models.DateTimeField(_("issue by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # The warning an accepted issue or downgrade proposal became (``proposal_act``). The link lives here, on
    # the upper floor: feeds calls alerts and alerts never knows feeds (``alerts.origins`` reads it back).
    alert = models.OneToOneField(
        "alerts.Alert", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("warning")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self):
        return f"{self.get_kind_display()} {self.level}"

    @property
    def late(self) -> bool:
        """Open and its "issue by" has passed: the office dashboard flags it (issue 15 item 5)."""
        return self.status == ProposalStatus.OPEN and self.issue_by is not None and self.issue_by <= timezone.now()
