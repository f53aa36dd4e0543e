"""Reads of the feeds app: proposals, the criteria in force, stations due and feed health."""

import datetime

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from feeds.choices import FetchStatus, ProposalStatus
from feeds.criteria import NATIONAL_CRITERIA, Criteria
from feeds.models import CriteriaProfile, FetchRecord, Proposal, Station
from feeds.providers import PULL_PROVIDERS

# Beat runs every 30 minutes and a fetch takes a few seconds: without some slack a
# station fetched at :00:05 would not be due again at :30:00 and would skip a round.
_DUE_SLACK = datetime.timedelta(minutes=2)


def proposals_open():
    """Open proposals (what the forecast asks the office to act on), newest first, with their forecast:
    a queryset, one query. Authority is asked by the caller (``feeds.permissions``)."""
    return Proposal.objects.filter(status=ProposalStatus.OPEN).select_related("forecast").order_by("-created_at")


def proposals_recent(limit: int = 20):
    """The ``limit`` proposals decided most recently (accepted or dismissed), newest first, with their
    forecast and who decided: a sliced queryset, one query."""
    return (
        Proposal.objects.exclude(status=ProposalStatus.OPEN)
        .select_related("forecast", "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def criteria_active() -> Criteria:
    """The active CriteriaProfile, or the national default (环大气〔2024〕6号).

    A profile without its own ``version`` is recorded as "<name> rev <history id>", so
    every edit of the thresholds shows in the proposals made under it.
    """
    profile = CriteriaProfile.objects.filter(active=True).first()
    if profile is None:
        return NATIONAL_CRITERIA
    params = dict(profile.params or {})
    if not params.get("version"):
        latest = profile.history.order_by("-history_id").values_list("history_id", flat=True).first()
        params["version"] = f"{profile.name} rev {latest}" if latest else profile.name
    return Criteria.from_dict(params)


def stations_due(now: datetime.datetime | None = None) -> list[int]:
    """Active stations read by a provider whose last fetch is at least ``fetch_minutes`` old."""
    now = now or timezone.now()
    stations = Station.objects.filter(active=True, provider__in=list(PULL_PROVIDERS)).annotate(
        last=Max("fetches__started_at")
    )
    return [
        s.pk
        for s in stations.order_by("pk")
        if s.last is None or s.last <= now - datetime.timedelta(minutes=s.fetch_minutes) + _DUE_SLACK
    ]


def source_health(source: str, now: datetime.datetime | None = None) -> dict:
    """Last success, consecutive failures since it, the last error and the data age of one source."""
    now = now or timezone.now()
    records = FetchRecord.objects.filter(source=source).select_related("station")
    last_ok = records.filter(status=FetchStatus.OK).order_by("-started_at", "-id").first()
    failures = records.filter(status=FetchStatus.ERROR)
    if last_ok is not None:
        failures = failures.filter(id__gt=last_ok.id)
    last_error = failures.order_by("-started_at", "-id").first()
    data_time = (last_ok.data_time or last_ok.started_at) if last_ok else None
    age = (now - data_time).total_seconds() if data_time else None
    return {
        "source": source,
        "station": (last_ok or last_error).station if (last_ok or last_error) else None,
        "last_success": last_ok.started_at if last_ok else None,
        "last_ok_record": last_ok,
        "data_time": data_time,
        "consecutive_failures": failures.count(),
        "last_error": last_error.error if last_error else "",
        "last_error_at": last_error.started_at if last_error else None,
        "age_minutes": round(age / 60) if age is not None else None,
        "stale": age is None or age > settings.FEED_STALE_MINUTES * 60,
    }


def feed_health() -> list[dict]:
    """Per source: last success, consecutive failures since it, data age, and whether it is stale."""
    now = timezone.now()
    sources = FetchRecord.objects.values_list("source", flat=True).distinct().order_by("source")
    return [source_health(source, now) for source in sources]
