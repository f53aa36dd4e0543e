"""Reads of the feeds app: proposals, the criteria in force, stations due, feed health and the daily AQI."""

import datetime

from django.conf import settings
from django.db.models import CharField, DateTimeField, IntegerField, JSONField, Max, OuterRef, Subquery
from django.utils import timezone

from feeds.aqi import category_for
from feeds.choices import FetchStatus, ProposalStatus
from feeds.criteria import NATIONAL_CRITERIA, Criteria
from feeds.models import CriteriaProfile, FetchRecord, Forecast, Proposal, Station
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
    """Active stations read by a pull provider whose last fetch is at least their ``fetch_minutes`` old
    at ``now`` (default: the clock), less a small slack. Returns their ids in id order. Raises nothing.
    """
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
    """The health of one feed ``source`` at ``now`` (default: the clock).

    Returns ``{"source", "station", "last_success", "last_ok_record", "data_time", "consecutive_failures",
    "last_error", "last_error_at", "age_minutes", "stale"}``: the last success, the failures since it, the
    last error and the data's age in minutes (None without data), stale past ``FEED_STALE_MINUTES`` or
    without data. Four queries. Raises nothing.
    """
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


def alert_origin_annotations() -> dict:
    """The origin of each warning (``alerts.origins``), as subqueries on ``alerts.Alert``: the proposal that
    became it (``Proposal.alert``) and its forecast.

    Registered with ``alerts.origins`` at start-up (``feeds.apps.FeedsConfig.ready``): alerts reads a
    warning's proposal through this and never imports feeds. Returns a dict of the names of
    ``alerts.origins.ORIGIN_FIELDS`` to ``Subquery`` expressions: the proposal's id (integer), its basis (a
    dict), the forecast's daily figures (a list of dicts, AQI without unit, concentrations in µg/m³), its
    source (text) and issue time (aware datetime); each None for a warning made by hand or, but the first
    two, for a municipal proposal (no forecast). Raises nothing.
    """
    made = Proposal.objects.filter(alert=OuterRef("pk"))
    return {
        "origin_proposal": Subquery(made.values("pk")[:1], output_field=IntegerField()),
        "origin_basis": Subquery(made.values("basis")[:1], output_field=JSONField()),
        "origin_days": Subquery(made.values("forecast__days")[:1], output_field=JSONField()),
        "origin_source": Subquery(made.values("forecast__source")[:1], output_field=CharField()),
        "origin_issued_at": Subquery(made.values("forecast__issued_at")[:1], output_field=DateTimeField()),
    }


def forecast_aqi_days(*, first: datetime.date, last: datetime.date) -> dict:
    """The forecast AQI of each day from ``first`` to ``last`` (inclusive): for each day, the latest forecast
    issued by the end of that day (local) that covers it (the platform keeps forecasts, not observations).

    Returns ``{"days": [{"date": date, "aqi": int | None, "category": str, "colour": "#rrggbb" | ""}, …],
    "thresholds": [150, 200, 300]}``: one row per day, in order, ``aqi`` None where no forecast covered the
    day; the category as the forecast named it, else HJ 633's (``feeds.aqi.category_for``); the thresholds are
    the active criteria's (``criteria_active``: sustained, high and severe). Two queries. Raises nothing.
    Registered as ``responses.extensions.air_quality``'s source (``FeedsConfig.ready``)."""
    forecasts = list(Forecast.objects.filter(
        issued_at__lt=timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time())),
        issued_at__gte=timezone.make_aware(datetime.datetime.combine(first - datetime.timedelta(days=7), datetime.time())),
    ).order_by("-issued_at", "-id").only("issued_at", "days"))
    days, day = [], first
    while day <= last:
        found = None
        for forecast in forecasts:
            if timezone.localdate(forecast.issued_at) > day:
                continue
            found = next((r for r in forecast.days or []
                          if r.get("date") == day.isoformat() and isinstance(r.get("aqi"), int) and r["aqi"] >= 0), None)
            if found:
                break
        if found:
            zh, _en, _level, colour = category_for(found["aqi"])
            days.append({"date": day, "aqi": found["aqi"], "category": found.get("category") or zh, "colour": colour})
        else:
            days.append({"date": day, "aqi": None, "category": "", "colour": ""})
        day += datetime.timedelta(days=1)
    criteria = criteria_active()
    thresholds = sorted({criteria.yellow_sustained_above, criteria.yellow_any_day_above, criteria.red_severe_above})
    return {"days": days, "thresholds": thresholds}
