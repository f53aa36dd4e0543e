"""Writes of the feeds app: fetches, forecasts, proposals.

The platform proposes; people decide (issue 6). Nothing here issues or lifts a
warning by itself: a proposal becomes a warning only through ``proposal_act``, called
by a person, which goes through ``alerts.services`` like every other warning.
"""

import datetime
import json
import logging

import httpx
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.choices import LEVEL_RANK, BasisKind, Cause, Level
from alerts.models import Alert
from events.choices import Audience, EventType
from events.services import audit_record, event_record
from feeds import aqi
from feeds.choices import FetchStatus, ProposalKind, ProposalSource, ProposalStatus
from feeds.criteria import DayForecast, evaluate
from feeds.daily import WeatherThresholds, daily_pollutants, daily_weather
from feeds.models import FetchRecord, Forecast, Proposal, Station
from feeds.permissions import may_dismiss_proposal, may_manage_forecasts
from feeds.providers import PULL_PROVIDERS, FeedError, provider_for
from feeds.selectors import criteria_active, source_health
from foundation.display import local_time, pollutant_names
from foundation.errors import ActionRefused
from foundation.text import storable_text

logger = logging.getLogger(__name__)

POLLUTANT_KEYS = ("pm2_5", "pm10", "o3_8h", "no2", "so2", "co")
_RANK = {"none": 0, **{str(k): v for k, v in LEVEL_RANK.items()}}  # the one level order, and "none" below it


def proposal_payload(p: Proposal) -> dict:
    """A proposal as its events carry it: id, kind, level, status, criteria version, advisory flag and
    basis (the evaluation's JSON). Raises nothing."""
    return {
        "id": p.pk, "kind": p.kind, "level": p.level, "status": p.status, "criteria": p.criteria,
        "advisory_only": p.advisory_only, "basis": p.basis, "source": p.source,
    }


# --- Forecast days -------------------------------------------------------------------


def forecast_days_build(days: list[dict], standard: str) -> list[dict]:
    """Stored rows of a forecast, sorted by date, from ``{"date", "aqi"}`` or ``{"date", <six pollutants>}``.

    Each row: ``date`` (ISO), ``aqi``, ``category``/``category_en``/``aqi_level``/``colour``,
    ``primary_pollutants``, ``iaqi`` and, when given, the six concentrations at top level.

    A day with concentrations gets its AQI from ``feeds.aqi.daily_aqi`` (CO in mg/m³,
    O3 as the day's max 8-hour mean; under 2012 also ``o3_1h``, the day's max 1-hour
    O3). Inputs are validated by the caller (serializer, form or provider); this raises
    ValidationError (400) only for duplicated dates. A day whose AQI cannot be reported
    ("NA") keeps ``aqi`` None and an empty category; the evaluation lists it in
    ``na_days`` rather than treating it as clean.
    """
    rows = []
    for day in days:
        date = day["date"]
        if day.get("aqi") is not None:
            aqi_value = int(day["aqi"])
            zh, en, level, colour = aqi.category_for(aqi_value)
            primary = list(day.get("primary_pollutants") or [])
            row = {"aqi": aqi_value, "primary_pollutants": primary if aqi_value > 50 else [], "iaqi": {}}
        else:
            concentrations = {k: day[k] for k in POLLUTANT_KEYS}
            # HJ 633-2012's daily AQI also takes the day's max 1-hour O3 (and needs it when the
            # 8-hour O3 is above 800); 2026's does not use it (issue 15, item 7).
            if standard == "2012" and day.get("o3_1h") is not None:
                concentrations["o3_1h"] = day["o3_1h"]
            result = aqi.daily_aqi(concentrations, standard)
            zh, en, level, colour = result.category, result.category_en, result.level, result.colour
            row = {
                "aqi": result.aqi, "primary_pollutants": list(result.primary_pollutants), "iaqi": result.iaqi,
                **concentrations,
            }
        row.update(date=date.isoformat(), category=zh, category_en=en, aqi_level=level, colour=colour)
        rows.append(row)
    rows.sort(key=lambda r: r["date"])
    dates = [r["date"] for r in rows]
    if len(set(dates)) != len(dates):
        raise ValidationError({"days": _("Each date may appear only once.")})
    return rows


def _day_forecasts(rows: list[dict]) -> list[DayForecast]:
    out = []
    for r in rows:
        if r.get("aqi") is None:
            continue  # "NA" under the 2026 missing-data rule: no AQI to judge
        out.append(
            DayForecast(
                date=datetime.date.fromisoformat(r["date"]), aqi=r["aqi"],
                primary_pollutants=tuple(r.get("primary_pollutants") or ()),
                pm2_5=r.get("pm2_5"), o3_8h=r.get("o3_8h"),
            )
        )
    return out


def forecast_create(
    *,
    source: str,
    provider: str,
    issued_at: datetime.datetime,
    days: list[dict],
    actor=None,
    standard: str | None = None,
    weather: dict | None = None,
) -> tuple[Forecast, Proposal | None, bool]:
    """Store a forecast, evaluate it and propose what the criteria call for.

    Returns ``(forecast, proposal, created)``: the proposal the evaluation calls for
    (new, or the one already made for the same condition) and whether it is new.
    ``actor`` is the person entering it (None: a feed read by the platform itself). Raises
    PermissionDenied (403) for a person who may not manage forecasts.
    """
    if actor is not None and not may_manage_forecasts(actor):
        raise PermissionDenied(_("Only the office enters forecasts."))
    standard = standard or settings.AQI_STANDARD
    rows = forecast_days_build(days, standard)
    with transaction.atomic():
        forecast = Forecast.objects.create(
            source=source, provider=provider, issued_at=issued_at, created_by=actor if actor else None,
            standard=standard, days=rows, weather=weather or {},
        )
        if actor is not None:
            audit_record(actor=actor, action="enter_forecast", target=forecast, comment=source, data={"days": len(rows)})
        proposal, created = forecast_evaluate_and_propose(forecast=forecast, actor=actor)
    return forecast, proposal, created


# --- Evaluation and proposals ----------------------------------------------------------


def _alert_in_force() -> Alert | None:
    return Alert.objects.in_force().official().filter(area=settings.DISTRICT_NAME).first()


def forecast_evaluate_and_propose(*, forecast: Forecast, actor=None) -> tuple[Proposal | None, bool]:
    """Evaluate ``forecast`` under the active criteria; propose if it calls for more than what is in force.

    A proposal is made when the evaluated level is above the official warning in force
    for the district (issue), when a lift is due while one is in force (the forecast stays
    below the yellow conditions for more than ``lift_below_hours``, 36 h nationally), or
    when the forecast meets only a lower level than the one in force (downgrade, issue 15
    item 4). A lift due wins over a downgrade. The same condition never makes two
    proposals: ``dedupe_key`` is unique, e.g. ``issue:orange:2026-01-12`` (level and first
    trigger day), ``lift:<alert id>:<first clean day>`` or ``downgrade:<alert id>:<level>``,
    and a race between two workers ends in the IntegrityError branch. Returns
    ``(proposal, created)``; ``(None, False)`` when nothing is called for.
    """
    criteria = criteria_active()
    current = _alert_in_force()
    current_level = current.level if current else "none"
    result = evaluate(_day_forecasts(forecast.days), criteria, current_level)
    forecast.evaluation = {
        **result.to_dict(),
        # Days without a reportable AQI ("NA") cannot be judged; they break a run like a gap in
        # the forecast. Listed so that no page or client reads them as clean (issue 15, item 7).
        "na_days": [d["date"] for d in forecast.days if d.get("aqi") is None],
        "current_level": current_level,
        "current_alert": current.pk if current else None,
        "days": [
            {k: d.get(k) for k in ("date", "aqi", "category", "category_en", "colour", "primary_pollutants")}
            for d in forecast.days
        ],
    }
    forecast.save(update_fields=["evaluation"])

    if _RANK[result.level] > _RANK[current_level]:
        kind, level = ProposalKind.ISSUE, result.level
        key = f"issue:{level}:{result.trigger_days[0].isoformat()}"
    elif result.lift and current is not None:
        kind, level = ProposalKind.LIFT, current.level
        key = f"lift:{current.pk}:{result.lift_from.isoformat()}"
    elif current is not None and result.level != "none" and _RANK[result.level] < _RANK[current_level]:
        # The forecast no longer meets the conditions of the level in force, only a lower one's
        # (issue 15 item 4; 环大气〔2024〕6号: the level follows the forecast both ways). One
        # proposal per warning in force and target level, however often the forecast repeats it.
        kind, level = ProposalKind.DOWNGRADE, result.level
        key = f"downgrade:{current.pk}:{level}"
    else:
        return None, False

    trigger = {d.isoformat() for d in result.trigger_days}
    basis = {
        "forecast": forecast.pk,
        "source": forecast.source,
        "issued_at": forecast.issued_at.isoformat(),
        "standard": forecast.standard,
        "current_level": current_level,
        "current_alert": current.pk if current else None,
        "trigger_days": sorted(trigger),
        "lift_from": result.lift_from.isoformat() if result.lift_from else None,
        "primary_pollutants": list(result.primary_pollutants),
        "advisory_reason": result.advisory_reason,
        "days": forecast.evaluation["days"],
        "weather": {d: forecast.weather[d] for d in sorted(forecast.weather) if d in trigger},
    }
    with transaction.atomic():
        try:
            with transaction.atomic():
                proposal = Proposal.objects.create(
                    forecast=forecast, kind=kind, level=level, basis=basis, criteria=result.criteria,
                    advisory_only=result.advisory_only and kind != ProposalKind.LIFT, dedupe_key=key,
                    issue_by=proposal_issue_by(kind, basis),
                )
        except IntegrityError:
            return Proposal.objects.filter(dedupe_key=key).first(), False
        audit_record(
            actor=actor, action="propose", target=proposal, to_state=proposal.status, comment=proposal_reason(proposal),
            data={"dedupe_key": key, "criteria": result.criteria},
        )
        event_record(type=EventType.PROPOSAL_CREATED, payload=proposal_payload(proposal), audience=Audience.COMMAND)
    return proposal, True


def proposal_reason(proposal: Proposal) -> str:
    """The reason text a warning made from ``proposal`` starts with, in the active language.

    A forecast's proposal names its trigger days and their AQI and the criteria version; a downgrade the
    level in force; a lift the first clean day; a municipal one the city's document. Returns the text.
    Raises nothing (a basis missing keys reads as empty).
    """
    b = proposal.basis
    if proposal.source == ProposalSource.MUNICIPAL:
        return _municipal_reason(proposal)
    days = [d for d in b.get("days", []) if d["date"] in set(b.get("trigger_days", []))]
    figures = ", ".join(f"{d['date']} AQI {d['aqi']}" for d in days)
    if proposal.kind == ProposalKind.LIFT:
        return _("Forecast below the yellow conditions from %(date)s (%(criteria)s).") % {
            "date": b.get("lift_from"), "criteria": proposal.criteria,
        }
    if proposal.kind == ProposalKind.DOWNGRADE:
        text = _(
            "The forecast no longer meets the conditions of the %(current)s warning in force, only those of a "
            "%(level)s warning: %(figures)s (%(criteria)s)."
        ) % {
            "current": Level(b["current_level"]).label if b.get("current_level") in Level.values else "-",
            "level": Level(proposal.level).label, "figures": figures, "criteria": proposal.criteria,
        }
    else:
        text = _("The forecast meets the conditions of a %(level)s warning: %(figures)s (%(criteria)s).") % {
            "level": Level(proposal.level).label, "figures": figures, "criteria": proposal.criteria,
        }
    if proposal.advisory_only:
        text += " " + b.get("advisory_reason", "")
    return text


def proposal_basis_text(proposal: Proposal) -> str:
    """The forecast figures behind ``proposal`` as plain text, for the warning's ``basis``: the source,
    its issue time (local) and criteria, then one line per day (date, AQI, category, primary pollutants).
    A municipal proposal's is its document. Returns the text. Raises nothing.
    """
    b = proposal.basis
    if proposal.source == ProposalSource.MUNICIPAL:
        return _municipal_reason(proposal)
    # Local time and pollutant names (issue 14 item 6): the text is read by the leader deciding.
    lines = [f"{b.get('source')} · {local_time(b.get('issued_at'))} · {proposal.criteria}"]
    for d in b.get("days", []):
        pollutants = pollutant_names(d.get("primary_pollutants") or [], "/")
        lines.append(f"{d['date']}: AQI {d['aqi']} {d.get('category', '')} {pollutants}".rstrip())
    return "\n".join(lines)


def _local_midnight(iso_date: str | None) -> datetime.datetime | None:
    try:
        day = datetime.date.fromisoformat(iso_date) if iso_date else None
    except ValueError:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time())) if day else None


def proposal_issue_by(kind: str, basis: dict) -> datetime.datetime | None:
    """When the office should act on a proposal of ``kind`` with ``basis`` (aware datetime), or None: at once.

    An issue: ``ALERT_LEAD_HOURS`` (24) before its episode starts, 0:00 local time of the first trigger
    day (环大气〔2024〕6号 asks for a warning about 24 hours ahead of the episode; issue 15 item 5). A lift:
    0:00 of the first day below the yellow conditions, when the measures stop being needed. A downgrade:
    None, it applies at once. A proposal whose time has passed while it is open is late
    (``Proposal.late``); a forecast that comes in less than 24 hours ahead makes one late at once.
    """
    if basis.get("directive") is not None:  # the city's notice: act before it takes effect
        return datetime.datetime.fromisoformat(basis["starts_at"]) if basis.get("starts_at") else None
    if kind == ProposalKind.ISSUE:
        start = _local_midnight(min(basis.get("trigger_days") or [""]) or None)
        return start - datetime.timedelta(hours=settings.ALERT_LEAD_HOURS) if start else None
    if kind == ProposalKind.LIFT:
        return _local_midnight(basis.get("lift_from"))
    return None


def proposal_cause(proposal: Proposal) -> str:
    """The cause of the episode a proposal points to (``alerts.choices.Cause``), from its forecast.

    An advisory-only episode (every trigger day ozone-only or PM10-only, ``feeds.criteria``) is ozone
    or dust, by its first primary pollutant; any other is PM2.5. A forecast cannot tell smoke or
    regional transport apart: the office names those when it issues (issue 15 item 2).
    """
    if proposal.source == ProposalSource.MUNICIPAL:
        return proposal.basis.get("cause") or Cause.PM2_5
    if not proposal.advisory_only:
        return Cause.PM2_5
    primaries = [p.strip().lower() for p in proposal.basis.get("primary_pollutants") or []]
    return Cause.DUST if primaries and primaries[0] == "pm10" else Cause.OZONE


def proposal_start(proposal: Proposal, *, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """When a warning made from ``proposal`` takes effect: 0:00 local time of the first forecast day that
    meets the criteria (a notice's "自X日0时起"), or None (at once) when that day has already begun.

    A proposal acted on during or after its first day never yields a start in the past, which the
    warning services refuse (issue 12 item 8). A downgrade takes effect at once (None): the higher
    level's conditions are no longer forecast, so its measures are not kept a day longer.
    """
    if proposal.kind == ProposalKind.DOWNGRADE:
        return None
    if proposal.source == ProposalSource.MUNICIPAL:  # the city's start (自X时起), never one in the past
        start = proposal.basis.get("starts_at")
        start = datetime.datetime.fromisoformat(start) if start else None
        return start if start is not None and start > (now or timezone.now()) else None
    days = sorted(proposal.basis.get("trigger_days") or [])
    if not days:
        return None
    try:
        first = datetime.date.fromisoformat(days[0])
    except ValueError:
        return None
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time()))
    return start if start > (now or timezone.now()) else None


def proposal_act(
    *, proposal: Proposal, actor, comment: str = "", cause: str = "", confirm_downgrade: bool = False,
    basis_kind: str = "", basis_ref: int | None = None,
) -> Alert:
    """Turn a proposal into a warning (or a lift) through ``alerts.services``, and mark it accepted.

    ``cause`` (``alerts.choices.Cause``) names the episode's cause when the office knows better than
    the forecast (smoke, regional transport); empty: ``proposal_cause``. An unknown one is a
    ValidationError (400) from ``alert_create``.

    Acted on once: the proposal's row is locked first, then its status checked, so two or
    more people acting at once make exactly one warning; the others get ActionRefused (409).
    Lock order: the proposal row, then (in ``alerts.services``) the area lock, then warning rows.
    The authority is asked here every time (``feeds.permissions.may_manage_forecasts``), and
    again by ``alerts.services``, which decides whether the warning is issued or proposed to the
    leaders (``alerts.permissions.create_outcome``; a lift: ``lift_outcome``).

    The basis (``alerts.basis``): a municipal proposal rests on its directive; a forecast's proposal of
    orange or red needs the office to cite a consultation record (``basis_kind``/``basis_ref``), else
    ``alert_create`` answers a ValidationError (400) naming it (issue 15 item 1).

    Raises PermissionDenied (403) for anyone but the office; ActionRefused (409) for a proposal
    no longer open, a lift of a warning no longer in force, or what ``alert_create`` refuses.
    Returns the warning made (or the warning lifted or asked to be lifted).
    """
    from alerts.services import alert_create, alert_lift

    if not may_manage_forecasts(actor):
        raise PermissionDenied(_("Only the office acts on proposals."))
    with transaction.atomic():
        # First in the lock order (events/locks.py), and the status is read under the lock: two
        # people acting on one proposal at once make one warning.
        proposal = proposal_lock(proposal=proposal)
        if proposal.status != ProposalStatus.OPEN:
            raise ActionRefused(_("This proposal is already %(status)s.") % {"status": proposal.get_status_display()})
        reason = proposal_reason(proposal) + (f"\n{comment.strip()}" if comment.strip() else "")
        if proposal.kind != ProposalKind.LIFT:  # an issue, or a downgrade: a new warning at the proposal's level
            alert = alert_create(
                actor=actor, level=proposal.level, reason=reason, basis=proposal_basis_text(proposal),
                starts_at=proposal_start(proposal), cause=cause or proposal_cause(proposal),
                advisory_only=proposal.advisory_only, confirm_downgrade=confirm_downgrade,
                ends_at=_municipal_end(proposal), **_proposal_basis(proposal, basis_kind, basis_ref),
            )
        else:
            alert = Alert.objects.filter(pk=proposal.basis.get("current_alert")).first()
            if alert is None or not alert.in_force:
                raise ActionRefused(_("The warning this proposal would lift is no longer in force."))
            alert = alert_lift(alert=alert, actor=actor, reason=reason)
        proposal_accept(proposal=proposal, actor=actor, alert=alert)
    return alert


def _proposal_basis(proposal: Proposal, basis_kind: str, basis_ref: int | None) -> dict:
    """The basis a warning made from ``proposal`` cites: the one the office names, else a municipal
    proposal's directive."""
    if basis_kind or basis_ref is not None:
        return {"basis_kind": basis_kind, "basis_ref": basis_ref}
    if proposal.source == ProposalSource.MUNICIPAL and proposal.basis.get("directive") is not None:
        return {"basis_kind": BasisKind.DIRECTIVE, "basis_ref": proposal.basis["directive"]}
    return {}


def _municipal_end(proposal: Proposal) -> datetime.datetime | None:
    end = proposal.basis.get("ends_at") if proposal.source == ProposalSource.MUNICIPAL else None
    end = datetime.datetime.fromisoformat(end) if end else None
    return end if end is not None and end > timezone.now() else None


def _municipal_reason(proposal: Proposal) -> str:
    b = proposal.basis
    if proposal.kind == ProposalKind.LIFT:
        return _("The city advises lifting the warning (%(number)s, issued %(at)s).") % {
            "number": b.get("document_number"), "at": local_time(b.get("issued_at")),
        }
    return _("The city orders a %(level)s warning for %(region)s from %(start)s (%(number)s).") % {
        "level": Level(proposal.level).label, "region": b.get("region") or "-",
        "start": local_time(b["starts_at"]) if b.get("starts_at") else _("now"), "number": b.get("document_number"),
    }


def proposal_municipal_create(
    *, actor, directive_id: int, kind: str, document_number: str, issued_at: datetime.datetime,
    level: str = "", starts_at: datetime.datetime | None = None, ends_at: datetime.datetime | None = None,
    region: str = "", cause: str = "",
) -> Proposal | None:
    """Turn a municipal directive (issue 15 item 3) into a proposal the district decides, or None.

    Args: ``directive_id``, the directive's id (``consultations.Directive``, a higher app that calls this);
    ``kind`` ``ProposalKind.ISSUE`` for a warning notice (``level``, ``starts_at``, ``ends_at``, ``region``,
    ``cause``) or ``ProposalKind.LIFT`` for a lift advice (解除建议函).

    The district's level is at least the city's for the same period (Chongqing's practice: districts may go
    earlier or higher, never lower): a notice whose level is above the district's official warning in
    force (or with none in force) becomes an ``issue`` proposal at the city's level and start; one at or
    below it proposes nothing (None). A lift advice becomes a ``lift`` proposal of the warning in force,
    or None when nothing is in force. Deduplicated by the document number. Acting on it goes through
    ``proposal_act``, which cites the directive as the warning's basis; setting one aside is a leader's
    decision with a reason (``proposal_dismiss``). The caller holds no lock: this takes none but the
    event-order lock of its event. Audited (``propose``) and announced to the command after the commit.
    """
    current = _alert_in_force()
    current_level = current.level if current else "none"
    if kind == ProposalKind.LIFT:
        if current is None:
            return None
        level = current.level
    elif _RANK[level] <= _RANK[current_level]:
        return None
    basis = {
        "directive": directive_id, "document_number": document_number, "issued_at": issued_at.isoformat(),
        "region": region, "cause": cause,
        "starts_at": starts_at.isoformat() if starts_at else None,
        "ends_at": ends_at.isoformat() if ends_at else None,
        "current_level": current_level, "current_alert": current.pk if current else None,
    }
    key = f"municipal:{kind}:{document_number}"[:120]
    with transaction.atomic():
        try:
            with transaction.atomic():
                proposal = Proposal.objects.create(
                    forecast=None, source=ProposalSource.MUNICIPAL, kind=kind, level=level, basis=basis,
                    criteria=document_number[:60], dedupe_key=key, issue_by=proposal_issue_by(kind, basis),
                )
        except IntegrityError:
            return Proposal.objects.filter(dedupe_key=key).first()
        audit_record(
            actor=actor, action="propose", target=proposal, to_state=proposal.status, comment=proposal_reason(proposal),
            data={"dedupe_key": key, "directive": directive_id},
        )
        event_record(type=EventType.PROPOSAL_CREATED, payload=proposal_payload(proposal), audience=Audience.COMMAND)
    return proposal


def proposal_lock(*, proposal: Proposal) -> Proposal:
    """Lock ``proposal``'s row and return it fresh: step 1 of the lock order (``events/locks.py``).

    Must run inside the caller's transaction, before the area lock and before any event.
    """
    return Proposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)


def _close(
    proposal: Proposal, *, actor, to_status: str, comment: str = "", locked: bool = False, alert: Alert | None = None
) -> Proposal:
    """Close an open proposal; ``locked``: the caller already holds its row (``proposal_lock``); ``alert``:
    the warning it became, recorded on it."""
    with transaction.atomic():
        proposal = Proposal.objects.get(pk=proposal.pk) if locked else proposal_lock(proposal=proposal)
        if proposal.status == to_status and to_status == ProposalStatus.DISMISSED:
            return proposal  # dismissed twice (a double click): nothing to do
        if proposal.status != ProposalStatus.OPEN:
            raise ActionRefused(_("This proposal is already %(status)s.") % {"status": proposal.get_status_display()})
        from_status = proposal.status
        proposal.status = to_status
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.alert = alert
        proposal.save(update_fields=["status", "decided_by", "decided_at", "alert"])
        audit_record(actor=actor, action=to_status, target=proposal, from_state=from_status, to_state=to_status, comment=comment)
        event_record(type=EventType.PROPOSAL_CLOSED, payload=proposal_payload(proposal), audience=Audience.COMMAND)
    return proposal


def proposal_accept(*, proposal: Proposal, actor, alert: Alert | None = None) -> Proposal:
    """Mark a proposal accepted once the office turned it into a warning (or a lift).

    Args: ``proposal``, whose row the caller holds (``proposal_lock``, taken before the area lock);
    ``alert``, the warning it became (an issue or downgrade proposal: recorded as ``Proposal.alert``, which
    ``alerts.origins`` reads back) or the warning it lifted (named in the audit comment only).
    Returns the proposal, ``accepted``. Raises ActionRefused (409) for a proposal no longer open.
    """
    return _close(
        proposal, actor=actor, to_status=ProposalStatus.ACCEPTED, comment=f"alert #{alert.pk}" if alert else "",
        locked=True, alert=alert if proposal.kind != ProposalKind.LIFT else None,
    )


def proposal_dismiss(*, proposal: Proposal, actor, reason: str = "") -> Proposal:
    """The office sets a proposal aside, with ``reason`` (audited); a second dismissal changes nothing.

    A municipal directive's proposal is the city's order: the district follows it unless a leader records
    why not (issue 15 item 3). Only a leader sets one aside, with a reason.

    Returns the proposal, ``dismissed``. Raises PermissionDenied (403) for anyone but the office (for a
    municipal proposal: anyone but a leader); ValidationError (400) for a municipal proposal without a
    reason; ActionRefused (409) for a proposal already accepted.
    """
    if not may_dismiss_proposal(actor, proposal):
        if proposal.source == ProposalSource.MUNICIPAL:
            raise PermissionDenied(_("The city's directive is followed unless a headquarters leader records why not."))
        raise PermissionDenied(_("Only the office dismisses proposals."))
    if proposal.source == ProposalSource.MUNICIPAL and not storable_text(reason).strip():
        raise ValidationError({"reason": _("Record why the district does not follow the city's directive.")})
    return _close(proposal, actor=actor, to_status=ProposalStatus.DISMISSED, comment=reason)


# --- Fetching ----------------------------------------------------------------------------


def source_name(label: str, station: Station) -> str:
    """One source per feed and station, e.g. "Open-Meteo AQ · 几江街道" (``FetchRecord.source``).

    ``label``: the provider's name; ``station``: the station read. Returns at most 60 characters.
    Raises nothing.
    """
    return f"{label} · {station.name}"[:60]


def fetch_record(
    *, source: str, station: Station | None, status: str, points: int = 0, error: str = "", data_time=None
) -> FetchRecord:
    """Record one read of a feed: ``source`` (``source_name``), the ``station`` read (None: a push),
    its ``status`` (``FetchStatus``), the ``points`` read, the ``error`` text (at most 2,000 characters
    kept) and the time of the data.

    A failure also records ``feed.failed`` for the command (with the consecutive failures so far) and is
    logged. Returns the ``FetchRecord``. Raises nothing (a Celery task's work, no HTTP answer).
    """
    with transaction.atomic():
        record = FetchRecord.objects.create(
            source=source, station=station, status=status, points=points, error=error[:2000], data_time=data_time
        )
        if status == FetchStatus.ERROR:
            logger.warning("feed %s failed: %s", source, record.error)
            failures = source_health(source)["consecutive_failures"]
            event_record(
                type=EventType.FEED_FAILED,
                payload={
                    "source": source, "station": station.pk if station else None, "error": record.error,
                    "consecutive_failures": failures, "fetch": record.pk,
                },
                audience=Audience.COMMAND,
            )
            if failures == settings.FEED_FAILURES_NOTIFY:  # once per run of failures, to whoever is on duty first
                from responses.models import Notification
                from responses.services import notify_command

                notify_command(
                    kind=Notification.Kind.FEED_FAILURE, key=f"{Notification.Kind.FEED_FAILURE}:{record.pk}",
                    message=_("Feed failing: %(source)s has failed %(count)d times in a row (%(error)s).") % {
                        "source": source, "count": failures, "error": record.error[:200],
                    },
                )
    return record


def _read(source: str, station: Station, read):
    """Call one provider read; record the outcome. Transport errors are recorded, then re-raised for a retry."""
    try:
        hourly = read(station)
    except FeedError as exc:
        fetch_record(source=source, station=station, status=FetchStatus.ERROR, error=str(exc))
        return None
    except httpx.TransportError as exc:
        kind = "timeout" if isinstance(exc, httpx.TimeoutException) else "transport error"
        fetch_record(source=source, station=station, status=FetchStatus.ERROR, error=f"{kind}: {exc!r}")
        raise
    except Exception as exc:  # a bug must still show on the health page, then surface in the worker log
        fetch_record(source=source, station=station, status=FetchStatus.ERROR, error=f"unexpected: {exc!r}")
        raise
    return hourly


def _thresholds() -> WeatherThresholds:
    return WeatherThresholds(
        static_wind_ms=settings.FEED_STATIC_WIND_MS, humid_rh=settings.FEED_HUMID_RH,
        low_blh_m=settings.FEED_LOW_BLH_M, rain_mm=settings.FEED_RAIN_MM,
    )


def station_fetch(*, station_id: int) -> Forecast | None:
    """Read a station's air-quality and weather forecast, store it and evaluate it.

    The network reads happen before any transaction (STYLE §6). The air-quality read is
    the one that matters: if it fails, nothing is stored but the FetchRecord and the
    FEED_FAILED event. A failed weather read is recorded the same way, and the
    forecast is stored without weather signals, which are context, not criteria.
    Idempotent: a forecast equal to the last one from the same source is not stored
    again (it is re-evaluated, in case the warning in force changed), and proposals
    are deduplicated by their key.
    """
    station = Station.objects.filter(pk=station_id, active=True).first()
    if station is None:
        return None
    try:
        provider = provider_for(station)
    except FeedError as exc:
        fetch_record(source=source_name(station.get_provider_display(), station), station=station, status=FetchStatus.ERROR, error=str(exc))
        return None
    aq_source = source_name(provider.aq_label, station)
    weather_source = source_name(provider.weather_label, station)
    hourly = _read(aq_source, station, provider.air_quality)
    if hourly is None:
        return None
    try:
        weather_hourly = _read(weather_source, station, provider.weather)
    except httpx.TransportError:
        weather_hourly = None  # recorded; the air-quality forecast still counts
    now = timezone.now()

    rows = daily_pollutants(hourly)
    if not rows:
        fetch_record(
            source=aq_source, station=station, status=FetchStatus.ERROR, points=len(hourly.times),
            error=_("no complete day in the answer (%(hours)s hours)") % {"hours": len(hourly.times)},
        )
        return None
    weather = daily_weather(weather_hourly, _thresholds()) if weather_hourly else {}
    fetch_record(source=aq_source, station=station, status=FetchStatus.OK, points=len(hourly.times), data_time=now)
    if weather_hourly is not None:
        fetch_record(
            source=weather_source, station=station, status=FetchStatus.OK, points=len(weather_hourly.times), data_time=now
        )

    standard = settings.AQI_STANDARD
    stored_rows = forecast_days_build(rows, standard)
    with transaction.atomic():
        # Lock the station, not the last forecast: on the first fetch there is no forecast row to
        # lock, and two workers fetching at once would both store one.
        list(Station.objects.select_for_update(no_key=True).filter(pk=station.pk).values_list("pk", flat=True))
        last = Forecast.objects.filter(source=aq_source).order_by("-issued_at", "-id").first()
        if last is not None and last.days == _jsonable(stored_rows) and last.weather == weather and last.standard == standard:
            forecast_evaluate_and_propose(forecast=last)
            return last
        forecast, _proposal, _created = forecast_create(
            source=aq_source, provider=provider.provider, issued_at=now, days=rows, standard=standard, weather=weather
        )
    return forecast


def _jsonable(rows: list[dict]) -> list[dict]:
    """Rows as they come back from the JSON column (tuples become lists, floats stay floats)."""
    return json.loads(json.dumps(rows, cls=DjangoJSONEncoder))


def feeds_check_stale(now: datetime.datetime | None = None) -> int:
    """Raise FEED_STALE once per stale period for each pulled source of an active station.

    A stale period starts when the last good fetch's data passes FEED_STALE_MINUTES
    and ends with the next good fetch; the last good FetchRecord is claimed with a
    conditional UPDATE, so two beat runs (or two workers) raise it once.
    """
    now = now or timezone.now()
    limit = now - datetime.timedelta(minutes=settings.FEED_STALE_MINUTES)
    raised = 0
    for station in Station.objects.filter(active=True, provider__in=list(PULL_PROVIDERS)):
        provider = PULL_PROVIDERS[station.provider]
        for label in (provider.aq_label, provider.weather_label):
            source = source_name(label, station)
            last_ok = (
                FetchRecord.objects.filter(source=source, status=FetchStatus.OK).order_by("-started_at", "-id").first()
            )
            if last_ok is None or (last_ok.data_time or last_ok.started_at) > limit:
                continue
            with transaction.atomic():
                claimed = FetchRecord.objects.filter(pk=last_ok.pk, stale_notified_at__isnull=True).update(
                    stale_notified_at=now
                )
                if claimed:
                    data_time = last_ok.data_time or last_ok.started_at
                    event_record(
                        type=EventType.FEED_STALE,
                        payload={
                            "source": source, "station": station.pk, "data_time": data_time.isoformat(),
                            "age_minutes": round((now - data_time).total_seconds() / 60),
                        },
                        audience=Audience.COMMAND,
                    )
                    raised += 1
    return raised
