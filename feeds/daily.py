"""From hourly series to daily values: pollutant means, the max 8-hour O3 and weather signals.

Pure Python (no Django, no I/O), like ``feeds.aqi`` and ``feeds.criteria``: a provider
parses its answer into an ``Hourly`` and the service calls these.

Validity (how many hours make a day). GB 3095-2012 table 4 and HJ 663-2013, as we
read them (not re-checked against the official texts here): a 24-hour mean needs at
least 20 hourly values; an 8-hour O3 mean at least 6 of its 8 hours; the day's
maximum 8-hour O3 mean is taken over the 8-hour windows inside the calendar day
(start hours 00–16, i.e. "8时至24时") and needs at least 14 valid windows. A day that
fails any of these is left out: a partial day at the end of a forecast horizon would
otherwise report a mean of a few hours as a daily value.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MIN_HOURS_DAY = 20
MIN_HOURS_8H = 6
MIN_WINDOWS_8H = 14
_WINDOW_STARTS = range(0, 17)  # 00–07 … 16–23: the 17 windows inside one day

#: Daily keys of feeds.aqi.daily_aqi and the hourly series each one comes from.
DAILY_MEANS = ("so2", "no2", "co", "pm10", "pm2_5")

#: Upper bounds of a believable hourly (or daily) value. Above them a reading is a
#: provider fault, not air: the worst Chinese haze hours stayed under 1,000 µg/m³
#: PM2.5 and the 2021 dust storm near 10,000 µg/m³ PM10. CO is in mg/m³ here.
PLAUSIBLE_MAX = {
    "pm2_5": 2000.0,
    "pm10": 10000.0,
    "co": 100.0,
    "no2": 3000.0,
    "so2": 5000.0,
    "o3": 1500.0,
    "o3_8h": 1500.0,
    "o3_1h": 1500.0,
    "wind_speed_10m": 100.0,
    "relative_humidity_2m": 100.0,
    "boundary_layer_height": 10000.0,
    "precipitation": 500.0,
}


@dataclass(frozen=True)
class Hourly:
    """Hourly values in local time: ``times`` strictly increasing, one list per variable (None = no value)."""

    times: tuple[datetime.datetime, ...]
    series: Mapping[str, Sequence[float | None]]

    def by_day(self, name: str) -> dict[datetime.date, dict[int, float]]:
        """``{date: {hour: value}}`` of one variable, missing hours left out."""
        days: dict[datetime.date, dict[int, float]] = {}
        for t, v in zip(self.times, self.series.get(name, ()), strict=False):
            bucket = days.setdefault(t.date(), {})
            if v is not None:
                bucket[t.hour] = v
        return days


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def day_mean(hours: Mapping[int, float], min_hours: int = MIN_HOURS_DAY) -> float | None:
    return _mean(list(hours.values())) if len(hours) >= min_hours else None


def day_max_8h(hours: Mapping[int, float]) -> float | None:
    """The day's maximum 8-hour mean (HJ 663-2013 reading above), or None if too few windows."""
    windows = []
    for start in _WINDOW_STARTS:
        values = [hours[h] for h in range(start, start + 8) if h in hours]
        if len(values) >= MIN_HOURS_8H:
            windows.append(_mean(values))
    return max(windows) if len(windows) >= MIN_WINDOWS_8H else None


def day_max_1h(hours: Mapping[int, float], min_hours: int = MIN_HOURS_DAY) -> float | None:
    """The day's maximum hourly value, or None with fewer than ``min_hours`` hours."""
    return max(hours.values()) if len(hours) >= min_hours else None


def daily_pollutants(hourly: Hourly) -> list[dict]:
    """Complete days only: ``[{"date", "so2", "no2", "co", "pm10", "pm2_5", "o3_8h", "o3_1h"}]`` by date.

    ``hourly`` holds ``so2 no2 co pm10 pm2_5 o3`` (CO already in mg/m³). Means are
    rounded to 0.1 (CO to 0.001) for storage; feeds.aqi rounds again per the standard.
    ``o3_1h`` is the day's maximum hourly O3 (None with fewer than 20 hours): HJ 633-2012's
    daily AQI uses it, and needs it when the 8-hour O3 is above 800 (issue 15, item 7);
    the service passes it on under 2012 only.
    """
    per_var = {name: hourly.by_day(name) for name in (*DAILY_MEANS, "o3")}
    dates = sorted({t.date() for t in hourly.times})
    rows = []
    for date in dates:
        row: dict = {"date": date}
        for name in DAILY_MEANS:
            row[name] = day_mean(per_var[name].get(date, {}))
        row["o3_8h"] = day_max_8h(per_var["o3"].get(date, {}))
        if any(row[k] is None for k in (*DAILY_MEANS, "o3_8h")):
            continue
        for k in (*DAILY_MEANS, "o3_8h"):
            row[k] = round(row[k], 3 if k == "co" else 1)
        o3_1h = day_max_1h(per_var["o3"].get(date, {}))
        row["o3_1h"] = None if o3_1h is None else round(o3_1h, 1)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class WeatherThresholds:
    """Heuristic thresholds of a stagnant day (settings FEED_*; reference "Weather signals")."""

    static_wind_ms: float = 2.0
    humid_rh: float = 80.0
    low_blh_m: float = 500.0
    rain_mm: float = 1.0


#: Weather signal names; a signal is None when its value is unknown.
SIGNALS = ("static_wind", "humid", "low_boundary_layer", "no_rain")


def daily_weather(hourly: Hourly, thresholds: WeatherThresholds) -> dict[str, dict]:
    """``{"YYYY-MM-DD": {"wind_ms", "rh", "blh_m", "rain_mm", "signals": {name: bool|None}}}``.

    Daily mean wind (m/s), relative humidity (%) and boundary-layer height (m), and
    the day's precipitation total (mm). Days with fewer than 20 hours are left out.
    """
    wind = hourly.by_day("wind_speed_10m")
    rh = hourly.by_day("relative_humidity_2m")
    blh = hourly.by_day("boundary_layer_height")
    rain = hourly.by_day("precipitation")
    out: dict[str, dict] = {}
    for date in sorted({t.date() for t in hourly.times}):
        w = day_mean(wind.get(date, {}))
        h = day_mean(rh.get(date, {}))
        b = day_mean(blh.get(date, {}))
        r_hours = rain.get(date, {})
        r = math.fsum(r_hours.values()) if len(r_hours) >= MIN_HOURS_DAY else None
        if w is None and h is None and b is None and r is None:
            continue
        out[date.isoformat()] = {
            "wind_ms": None if w is None else round(w, 1),
            "rh": None if h is None else round(h),
            "blh_m": None if b is None else round(b),
            "rain_mm": None if r is None else round(r, 1),
            "signals": {
                "static_wind": None if w is None else w < thresholds.static_wind_ms,
                "humid": None if h is None else h > thresholds.humid_rh,
                "low_boundary_layer": None if b is None else b < thresholds.low_blh_m,
                "no_rain": None if r is None else r < thresholds.rain_mm,
            },
        }
    return out
