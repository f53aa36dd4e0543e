"""Feed providers: one class per kind of source, chosen by ``Station.provider``.

A provider does the network I/O and turns an answer into ``feeds.daily.Hourly``. It
raises ``FeedError`` for an answer that is wrong (an error page, bad JSON, missing or
absurd values): recorded, not retried. Transport problems (``httpx.TransportError``,
timeouts included) propagate so the Celery task retries them with backoff.

Open-Meteo, as documented (see /work/shared/reference/aqi-standards.md, "Feeds"):
every pollutant is in µg/m³, CO included (÷1000 for the AQI's mg/m³); unit strings
use "μ" (U+03BC) or "µ" (U+00B5); an error is HTTP 400 with ``{"error": true,
"reason": ...}``. Times are local (we ask for ``timezone=Asia/Shanghai``).
"""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

import httpx
from django.conf import settings

from feeds.choices import Provider
from feeds.daily import PLAUSIBLE_MAX, Hourly
from foundation.parsers import MAX_JSON_DEPTH, json_too_deep

TIMEZONE = "Asia/Shanghai"
UTC_OFFSET_SECONDS = 8 * 3600

#: Open-Meteo air-quality variable → our key, with the factor to the AQI's unit.
AQ_VARIABLES = {
    "pm10": ("pm10", 1.0),
    "pm2_5": ("pm2_5", 1.0),
    "carbon_monoxide": ("co", 0.001),  # µg/m³ → mg/m³
    "nitrogen_dioxide": ("no2", 1.0),
    "sulphur_dioxide": ("so2", 1.0),
    "ozone": ("o3", 1.0),
}
WEATHER_VARIABLES = {
    "wind_speed_10m": "m/s",
    "relative_humidity_2m": "%",
    "boundary_layer_height": "m",
    "precipitation": "mm",
}


class FeedError(Exception):
    """The provider answered, but not with usable data. Recorded as a failed fetch; not retried."""


def _unit(text: Any) -> str:
    """Normalise a unit string: the Greek mu and the micro sign are the same here."""
    return str(text or "").strip().replace("\u03bc", "\u00b5").replace(" ", "")


def _reject_constant(name: str):
    raise FeedError(f"invalid JSON: non-finite number {name}")


def decode_json(response: httpx.Response) -> dict:
    """The JSON object of an answer, or ``FeedError`` saying clearly what came instead."""
    body = response.content
    ctype = response.headers.get("content-type", "")
    if response.status_code >= 400:
        reason = ""
        try:
            data = json.loads(body) if not json_too_deep(body.decode("utf-8")) else None
            if isinstance(data, dict):
                reason = str(data.get("reason") or "")
        except ValueError:
            pass
        raise FeedError(f"HTTP {response.status_code}" + (f": {reason}" if reason else ""))
    if not body.strip():
        raise FeedError("empty body")
    if "html" in ctype or body.lstrip()[:1] == b"<":
        raise FeedError(f"HTML page instead of JSON (content-type {ctype or 'none'})")
    try:
        if json_too_deep(body.decode("utf-8")):  # json recurses per level: 1,000 levels are a RecursionError
            raise FeedError(f"invalid JSON: nested more than {MAX_JSON_DEPTH} levels deep")
        # Python's json accepts NaN and Infinity by default; a feed must not.
        data = json.loads(body, parse_constant=_reject_constant)
    except FeedError:
        raise
    except ValueError as exc:
        raise FeedError(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise FeedError(f"invalid JSON: expected an object, got {type(data).__name__}")
    if data.get("error"):
        raise FeedError(f"provider error: {data.get('reason') or 'no reason given'}")
    return data


def _times(raw: Any) -> tuple[datetime.datetime, ...]:
    if not isinstance(raw, list) or not raw:
        raise FeedError("missing field hourly.time")
    times = []
    for text in raw:
        try:
            t = datetime.datetime.fromisoformat(text)
        except (TypeError, ValueError):
            raise FeedError(f"bad timestamp {text!r} in hourly.time") from None
        if t.tzinfo is not None or t.minute or t.second:
            raise FeedError(f"bad timestamp {text!r} in hourly.time (expected local whole hours)")
        times.append(t)
    seen = set()
    for t in times:
        if t in seen:
            raise FeedError(f"duplicated timestamp {t.isoformat(timespec='minutes')} in hourly.time")
        seen.add(t)
    if times != sorted(times):
        raise FeedError("timestamps in hourly.time are not in order")
    return tuple(times)


def _values(name: str, raw: Any, n: int, key: str, factor: float) -> list[float | None]:
    if raw is None:
        raise FeedError(f"missing field hourly.{name}")
    if not isinstance(raw, list) or len(raw) != n:
        raise FeedError(f"hourly.{name} has {len(raw) if isinstance(raw, list) else 'no'} values for {n} timestamps")
    limit = PLAUSIBLE_MAX[key]
    out: list[float | None] = []
    for i, v in enumerate(raw):
        if v is None:
            out.append(None)
            continue
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise FeedError(f"hourly.{name}[{i}] is not a number: {v!r}")
        if not math.isfinite(v):
            raise FeedError(f"hourly.{name}[{i}] is not finite: {v!r}")
        value = v * factor
        if value < 0:
            raise FeedError(f"hourly.{name}[{i}] is negative: {v!r}")
        if value > limit:
            raise FeedError(f"hourly.{name}[{i}] = {v!r} is implausible (limit {limit:g} in our units)")
        out.append(value)
    if all(v is None for v in out):
        raise FeedError(f"hourly.{name} has no values")
    return out


def parse_hourly(data: dict, variables: dict[str, tuple[str, float]], units: dict[str, str]) -> Hourly:
    """Validate an Open-Meteo answer and return its hourly series under our keys."""
    offset = data.get("utc_offset_seconds")
    if offset is not None and offset != UTC_OFFSET_SECONDS:
        raise FeedError(f"unexpected utc_offset_seconds {offset!r} (asked for {TIMEZONE})")
    hourly = data.get("hourly")
    if not isinstance(hourly, dict):
        raise FeedError("missing field hourly")
    hourly_units = data.get("hourly_units")
    if not isinstance(hourly_units, dict):
        raise FeedError("missing field hourly_units")
    times = _times(hourly.get("time"))
    series = {}
    for name, (key, factor) in variables.items():
        if name not in hourly_units:
            raise FeedError(f"missing field hourly_units.{name}")
        if _unit(hourly_units[name]) != _unit(units[name]):
            raise FeedError(f"hourly_units.{name} is {hourly_units[name]!r}, expected {units[name]!r}")
        series[key] = _values(name, hourly.get(name), len(times), key, factor)
    return Hourly(times=times, series=series)


class OpenMeteo:
    """Open-Meteo air-quality and weather forecast APIs, one station (latitude/longitude) per call."""

    provider = Provider.OPEN_METEO
    aq_label = "Open-Meteo AQ"
    weather_label = "Open-Meteo weather"

    def __init__(self, timeout: float | None = None):
        self.timeout = settings.FEED_TIMEOUT_SECONDS if timeout is None else timeout

    def _get(self, url: str, params: dict) -> dict:
        with httpx.Client(timeout=self.timeout, headers={"Accept": "application/json"}) as client:
            return decode_json(client.get(url, params=params))

    def _params(self, station, hourly: list[str]) -> dict:
        return {
            "latitude": str(station.latitude),
            "longitude": str(station.longitude),
            "hourly": ",".join(hourly),
            "timezone": TIMEZONE,
            "forecast_days": settings.OPEN_METEO_FORECAST_DAYS,
        }

    def air_quality(self, station) -> Hourly:
        data = self._get(settings.OPEN_METEO_AQ_URL, self._params(station, list(AQ_VARIABLES)))
        return parse_hourly(data, AQ_VARIABLES, {name: "µg/m³" for name in AQ_VARIABLES})

    def weather(self, station) -> Hourly:
        params = self._params(station, list(WEATHER_VARIABLES)) | {"wind_speed_unit": "ms"}
        data = self._get(settings.OPEN_METEO_WEATHER_URL, params)
        return parse_hourly(data, {name: (name, 1.0) for name in WEATHER_VARIABLES}, WEATHER_VARIABLES)


#: Providers that are read by the platform (the others push or are typed in).
PULL_PROVIDERS = {Provider.OPEN_METEO: OpenMeteo}


def provider_for(station):
    try:
        return PULL_PROVIDERS[station.provider]()
    except KeyError:
        raise FeedError(f"provider {station.provider!r} is not read by the platform") from None
