"""Where a warning came from: the proposal and the forecast behind it (issue 13 §2: dependencies point one way).

A warning the office makes from a proposal (a forecast's, or a municipal directive's) is made by ``feeds``,
a floor above this one (units ← events ← alerts ← feeds): ``feeds.services.proposal_act`` locks the
proposal, calls ``alerts.services.alert_create`` and records on the proposal the warning it became
(``feeds.Proposal.alert``). ``alerts`` never imports ``feeds`` and its tables hold no key to it.

Readers here still show what a warning came from (the API's ``proposal``, the forecast table of a
warning's page and of the leaders' queue, the health advice's AQI band). The app that makes warnings
from its records registers, at start-up (``feeds.apps.FeedsConfig.ready``), the *annotations* that bring
a warning's origin along in the warning's own query (no extra query per warning):

- ``origin_proposal``: the proposal's id, or None;
- ``origin_basis``: the figures the proposal rests on (``trigger_days``, ``days``, ``primary_pollutants``);
- ``origin_days``: the forecast's daily figures (``date``, ``aqi``, ``primary_pollutants``, ``pm2_5``, ...);
- ``origin_source``, ``origin_issued_at``: who issued the forecast, and when.

``Alert.objects.with_origin()`` adds them; ``origin_of(alert)`` reads them (or, for a warning read
without them, fetches them in one query).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

ORIGIN_FIELDS = ("origin_proposal", "origin_basis", "origin_days", "origin_source", "origin_issued_at")

_ANNOTATIONS: list[Callable[[], dict]] = []


@dataclass(frozen=True)
class Origin:
    """The proposal a warning came from and the forecast behind it, as the owning app describes them."""

    proposal: int
    basis: dict = field(default_factory=dict)
    forecast_days: list = field(default_factory=list)
    forecast_source: str = ""
    forecast_issued_at: datetime.datetime | None = None


def origins_register(annotations: Callable[[], dict]) -> None:
    """Register ``annotations()``: a dict mapping each name of ``ORIGIN_FIELDS`` to a query expression on
    ``Alert`` (an ``OuterRef("pk")`` subquery). Called once, from the owning app's ``AppConfig.ready``.
    Raises ValueError (a start-up error, no HTTP answer) when one is registered already."""
    if _ANNOTATIONS:
        raise ValueError("a warning's origin is told by one app")
    _ANNOTATIONS.append(annotations)


def origins_annotate(queryset):
    """``queryset`` of warnings with ``ORIGIN_FIELDS`` annotated (unchanged when no app registered).

    Args: a ``QuerySet`` of ``alerts.Alert``. Returns the queryset, still lazy: the figures come in the
    same SQL query as the warnings. Raises nothing."""
    if not _ANNOTATIONS:
        return queryset
    return queryset.annotate(**_ANNOTATIONS[0]())


def origin_of(alert) -> Origin | None:
    """The origin of ``alert`` (an ``alerts.Alert``), or None for a warning made by hand.

    Reads the annotations of ``Alert.objects.with_origin()`` when the warning came with them; else one
    query, cached on the instance. A warning not yet saved has none. Raises nothing.
    """
    if "origin_proposal" not in alert.__dict__:
        values = {}
        if alert.pk is not None and _ANNOTATIONS:
            from alerts.models import Alert

            values = origins_annotate(Alert.objects.filter(pk=alert.pk)).values(*ORIGIN_FIELDS).first() or {}
        for name in ORIGIN_FIELDS:
            alert.__dict__[name] = values.get(name)
    if alert.__dict__["origin_proposal"] is None:
        return None
    return Origin(
        proposal=alert.origin_proposal,
        basis=alert.origin_basis if isinstance(alert.origin_basis, dict) else {},
        forecast_days=alert.origin_days if isinstance(alert.origin_days, list) else [],
        forecast_source=alert.origin_source or "",
        forecast_issued_at=alert.origin_issued_at,
    )
