"""Reads of consultation records and municipal directives, and their description as a warning's basis."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.basis import BasisRecord
from alerts.choices import BasisKind
from consultations.choices import Conclusion, DirectiveKind
from consultations.models import Consultation, Directive
from consultations.permissions import may_view_consultations
from foundation.display import is_english, local_time, localized

# The records a form offers as a basis: those of the last 14 days (an older one can still be cited by id).
CITABLE_DAYS = 14

# A notice's region naming the whole city (a directive's region field as the office copies it from the document).
CITY_WIDE = frozenset({"全市", "全市范围", "全市域", "重庆市", "重庆市全域", "重庆全市", "全市各区县", "重庆市各区县",
                       "chongqing", "the whole city", "whole city", "citywide", "city-wide", "all districts"})


def directive_covers_district(region: str) -> bool:
    """Does a city notice for ``region`` bind this district (``settings.DISTRICT_NAME``)?

    Args: ``region`` as recorded ("" when the document names none). True when it is empty (the whole city),
    one of ``CITY_WIDE`` ("全市", "重庆市", …), or names the district (江津区, 江津, Jiangjin) or a grouping of
    districts that includes it (``settings.DISTRICT_REGIONS``: 主城都市区, 主城新区) among the areas it lists; False for a notice naming only other districts, which can be no basis of this district's warning
    and sets no floor under it (issue 15 item 3). Raises nothing.
    """
    text = " ".join((region or "").split()).casefold()
    if not text or text in CITY_WIDE:
        return True
    names = {settings.DISTRICT_NAME, getattr(settings, "DISTRICT_NAME_EN", "")}
    names |= {name.removesuffix("区") for name in names} | {name.removesuffix(" District") for name in names}
    names |= set(getattr(settings, "DISTRICT_REGIONS", []))
    return any(name.casefold() in text for name in names if len(name.strip()) >= 2)


def consultations_visible_to(user):
    """Every consultation record for whoever may read them (``may_view_consultations``: the command), an
    empty queryset for anyone else; author joined, units and attachments prefetched. Returns a lazy
    queryset. Raises nothing.
    """
    if not may_view_consultations(user):
        return Consultation.objects.none()
    return Consultation.objects.select_related("created_by").prefetch_related("units", "attachments")


def directives_visible_to(user):
    """Every municipal directive for whoever may read the records (``may_view_consultations``), an empty
    queryset for anyone else; author and the proposal it became joined. Returns a lazy queryset.
    Raises nothing.
    """
    if not may_view_consultations(user):
        return Directive.objects.none()
    return Directive.objects.select_related("created_by", "proposal")


def _local(value: datetime.datetime | None) -> str:
    return local_time(value) if value else ""


def consultation_summary(c: Consultation) -> str:
    """Consultation ``c`` as plain text in the active language: when and who, what was forecast (pollutant,
    AQI range, hours, weather) and what was concluded: a warning's basis, a note free of CAP. Reads its
    units (one query unless prefetched). Returns the text. Raises nothing.
    """
    units = (", " if is_english() else "、").join(localized(u, "name") for u in c.units.all())
    lines = [
        _("Consultation of %(at)s: %(units)s") % {"at": _local(c.held_at), "units": units},
        _("Forecast: %(pollutant)s, AQI %(low)d–%(high)d for about %(hours)d hours; %(weather)s") % {
            "pollutant": c.get_pollutant_display(), "low": c.aqi_min, "high": c.aqi_max, "hours": c.duration_hours,
            "weather": c.meteorology,
        },
        _("Conclusion: %(level)s") % {"level": c.get_conclusion_display()}
        + (f" · {c.get_cause_display()}" if c.cause else ""),
    ]
    return "\n".join(lines)


def consultation_basis(pk: int) -> BasisRecord | None:
    """The resolver registered with ``alerts.basis``: consultation #``pk`` as a ``BasisRecord``, or None
    when there is none. One query. Raises nothing.
    """
    c = Consultation.objects.filter(pk=pk).prefetch_related("units").first()
    return _consultation_record(c) if c is not None else None


def _consultation_record(c: Consultation) -> BasisRecord:
    return BasisRecord(
        kind=BasisKind.CONSULTATION, pk=c.pk,
        title=_("Consultation #%(id)s of %(at)s") % {"id": c.pk, "at": _local(c.held_at)},
        summary=consultation_summary(c), level="" if c.conclusion == Conclusion.NONE else c.conclusion,
        cause=c.cause, url=reverse("consultations:detail", args=[c.pk]), at=c.held_at, starts_at=c.starts_at,
        ends_at=c.ends_at,
        details={
            "units": [localized(u, "name") for u in c.units.all()], "experts": c.experts, "pollutant": c.get_pollutant_display(),
            "aqi_min": c.aqi_min, "aqi_max": c.aqi_max, "duration_hours": c.duration_hours,
            "meteorology": c.meteorology, "conclusion": str(c.get_conclusion_display()),
            "cause": str(c.get_cause_display()) if c.cause else "",
        },
    )


def directive_basis(pk: int) -> BasisRecord | None:
    """The resolver registered with ``alerts.basis``: directive #``pk`` as a ``BasisRecord`` (a lift advice
    orders no level), or None when there is none. One query. Raises nothing.
    """
    d = Directive.objects.filter(pk=pk).first()
    return _directive_record(d) if d is not None else None


def _directive_record(d: Directive) -> BasisRecord:
    summary = _("Municipal %(kind)s %(number)s of %(at)s: %(level)s for %(region)s from %(start)s") % {
        "kind": d.get_kind_display(), "number": d.document_number, "at": _local(d.issued_at),
        "level": d.get_level_display() or "-", "region": d.region or "-", "start": _local(d.starts_at) or "-",
    }
    return BasisRecord(
        kind=BasisKind.DIRECTIVE, pk=d.pk, title=_("Municipal directive %(number)s") % {"number": d.document_number},
        summary=summary, level=d.level if d.kind == DirectiveKind.WARNING else "", cause=d.cause,
        url=reverse("consultations:directive-detail", args=[d.pk]), at=d.issued_at, starts_at=d.starts_at,
        ends_at=d.ends_at, elsewhere="" if directive_covers_district(d.region) else d.region,
        details={"document_number": d.document_number, "region": d.region, "level": str(d.get_level_display())},
    )


def _since() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=CITABLE_DAYS)


def consultations_citable() -> list[BasisRecord]:
    """Lister registered with ``alerts.basis``: recent consultations recommending a warning, newest first."""
    rows = Consultation.objects.filter(held_at__gte=_since()).exclude(conclusion=Conclusion.NONE)
    return [_consultation_record(c) for c in rows.prefetch_related("units")[:20]]  # two queries


def directives_citable() -> list[BasisRecord]:
    """Lister registered with ``alerts.basis``: recent warning notices for this district (or the whole city), newest first."""
    rows = Directive.objects.filter(issued_at__gte=_since(), kind=DirectiveKind.WARNING)
    return [_directive_record(d) for d in rows[:40] if directive_covers_district(d.region)][:20]


def city_warning_at(at: datetime.datetime) -> BasisRecord | None:
    """Registered with ``alerts.basis``: the city's warning notice for this district (``directive_covers_district``)
    in effect at ``at`` (started, not ended), unless a lift advice was recorded after it; the latest issued wins.
    A notice for other districts only sets no floor here. Two queries at most."""
    in_effect = (
        Directive.objects.filter(kind=DirectiveKind.WARNING, starts_at__lte=at)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        .order_by("-issued_at", "-id")
    )
    notice = next((d for d in in_effect[:20] if directive_covers_district(d.region)), None)
    if notice is None or Directive.objects.filter(kind=DirectiveKind.LIFT, issued_at__gte=notice.issued_at).exists():
        return None
    return _directive_record(notice)
