"""Heavy-pollution warning levels from daily AQI forecasts (环大气〔2024〕6号).

Pure Python (stdlib only, no Django). The thresholds live in a ``Criteria``
profile that admins can store as JSON (``to_dict``/``from_dict``), so a local
plan (e.g. Chongqing's 渝府办发〔2022〕115号) can tighten them without code.

Source
------
``/work/shared/reference/aqi-standards.md``, section "Warning criteria:
环大气〔2024〕6号" (关于进一步优化重污染天气应对机制的指导意见, issued 2024-01-23,
read there from news reproductions). The 2024 text itself was not found in
the searchable sources, so these rules rest on that reference file and the
brief. Older national texts found (e.g. the 2017 MEE slides at
https://m.wenke99.com/p-9609601.html, with a blue level and 200/300
thresholds) are **superseded** and were not used.

All values are forecast daily AQI. "Lasting 24 h / 48 h / 72 h" is read as 1
/ 2 / 3 consecutive forecast days:

=========  ========  ==========================================================
Warning    Response  Trigger
=========  ========  ==========================================================
yellow     III       a day with AQI > 200, or AQI > 150 on ≥ 2 consecutive days
orange     II        AQI > 200 on ≥ 2 consecutive days, or > 150 on ≥ 3
red        I         AQI > 200 on ≥ 3 consecutive days **and**, within that same
                     run, AQI > 300 on ≥ 1 day (≥ ``red_severe_days``
                     consecutive days)
=========  ========  ==========================================================

* A level applies only when no higher level's conditions are met, i.e. the
  result is the highest level whose conditions are met.
* "Consecutive" means consecutive calendar dates: a gap in the forecast (a
  missing date) breaks a run just as a day below the threshold does.
* Reading of red: the > 300 day must fall inside the qualifying > 200 run. A
  > 300 day in a separate, shorter episode does not make a later 3-day > 200
  run red.
* ``trigger_days`` are the days of every run (or single day) that meets a
  condition of the level returned, in date order.

Extra triggers (local plans)
----------------------------
Chongqing's plan also counts PM2.5 above 115 µg/m³ and O3-8h above 215 µg/m³
(IAQI 150 for both). Design, kept simple: four optional thresholds on the
forecast concentrations in ``DayForecast``:

* ``pm2_5_above`` / ``o3_8h_above``: a day whose value is above it counts as
  an "above 150" day, i.e. it meets ``yellow_sustained_above`` and
  ``orange_sustained_above`` whatever its AQI;
* ``pm2_5_high_above`` / ``o3_8h_high_above``: a day above it counts as an
  "above 200" day: it meets ``yellow_any_day_above``, ``orange_high_above``,
  ``red_high_above`` and the two sustained thresholds.

No extra trigger stands in for ``red_severe_above`` (> 300): red still needs
a forecast AQI above it. A day with no concentration forecast (``None``)
never meets an extra trigger. Defaults are ``None`` (off), i.e. the national
rules.

Lifting
-------
The reference: lifting is possible "when air quality is below the yellow
conditions and is forecast to stay there for more than 36 h". A day is *below
the yellow conditions* when it cannot contribute to any yellow condition:
its AQI is not above ``yellow_sustained_above`` nor ``yellow_any_day_above``
and it meets no extra trigger. "More than N hours" is read as
``N // 24 + 1`` whole days (36 h → 2 days). ``lift`` is True when a warning
is in force (``current_level != "none"``) and the forecast, from its first
day below the yellow conditions, stays below them for at least that many
consecutive days; ``lift_from`` is that first day. The level is still
computed over the whole horizon, so a later episode can show a level while
``lift`` is True: lifting now and issuing again later is the caller's call.

Advisory-only episodes
----------------------
The 2024 guidance ties mandatory emission reductions to PM2.5 episodes;
ozone episodes get a health advisory plus routine VOCs/NOx supervision, and
dust or cross-border transport episodes get a health advisory. So
``advisory_only`` is True when a level is reached and on every trigger day
the primary pollutants are only ozone (``o3``, ``o3_8h``, ``o3_1h``) or only
PM10 (taken as a proxy for dust; the operator should confirm the dust
origin). Any trigger day with PM2.5 (or another pollutant, or no primary
pollutant given) among its primaries makes the episode a normal one.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Final

__all__ = [
    "LEVELS",
    "NATIONAL_CRITERIA",
    "RESPONSE_LEVELS",
    "Criteria",
    "DayForecast",
    "Evaluation",
    "evaluate",
]

#: Warning levels, lowest first. This module is stdlib-only, so it spells out the platform's one level
#: order (``alerts.choices.LEVELS``) and response levels; tests/test_constants.py holds the two equal.
LEVELS: Final = ("none", "yellow", "orange", "red")
#: Emergency response level (应急响应级别) of each warning level.
RESPONSE_LEVELS: Final = {"none": "", "yellow": "III", "orange": "II", "red": "I"}

_ONE_DAY: Final = datetime.timedelta(days=1)
_OZONE: Final = frozenset({"o3", "o3_8h", "o3_1h"})
_DUST: Final = frozenset({"pm10"})

_ADVISORY_OZONE: Final = (
    "臭氧污染过程：发布健康提示，加强VOCs和NOx常规监管，不启动强制减排。"
    " Ozone episode: health advisory and routine VOCs/NOx supervision;"
    " no mandatory emission reductions."
)
_ADVISORY_DUST: Final = (
    "PM10为唯一首要污染物（按沙尘或传输过程处理，请核实）：发布健康提示，不启动强制减排。"
    " PM10-only episode (treated as dust or transport; confirm the origin):"
    " health advisory; no mandatory emission reductions."
)
_ADVISORY_BOTH: Final = (
    "臭氧与PM10（沙尘）污染过程：发布健康提示，不启动强制减排。"
    " Ozone and PM10 (dust) episode: health advisory; no mandatory emission reductions."
)

# Criteria fields by kind, for validation.
_AQI_THRESHOLDS: Final = (
    "yellow_any_day_above",
    "yellow_sustained_above",
    "orange_high_above",
    "orange_sustained_above",
    "red_high_above",
    "red_severe_above",
)
_DAY_COUNTS: Final = (
    "yellow_sustained_days",
    "orange_high_days",
    "orange_sustained_days",
    "red_high_days",
    "red_severe_days",
)
_CONCENTRATION_TRIGGERS: Final = (
    "pm2_5_above",
    "o3_8h_above",
    "pm2_5_high_above",
    "o3_8h_high_above",
)


def _is_integral(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    # JSON written by some clients turns 200 into 200.0; accept that.
    return isinstance(value, float) and value.is_integer()


@dataclass(frozen=True)
class Criteria:
    """A warning-criteria profile; the defaults are the national 环大气〔2024〕6号.

    AQI thresholds are strict ("above"); day counts are consecutive days.
    See the module docstring for the extra concentration triggers and for
    ``lift_below_hours``.
    """

    version: str = "环大气〔2024〕6号"
    yellow_any_day_above: int = 200
    yellow_sustained_above: int = 150
    yellow_sustained_days: int = 2
    orange_high_above: int = 200
    orange_high_days: int = 2
    orange_sustained_above: int = 150
    orange_sustained_days: int = 3
    red_high_above: int = 200
    red_high_days: int = 3
    red_severe_above: int = 300
    red_severe_days: int = 1
    lift_below_hours: int = 36
    # Optional local triggers on forecast concentrations (µg/m³); None = off.
    pm2_5_above: float | None = None
    o3_8h_above: float | None = None
    pm2_5_high_above: float | None = None
    o3_8h_high_above: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.version, str) or not self.version.strip():
            raise ValueError("version must be a non-empty string")
        for name in _AQI_THRESHOLDS:
            value = getattr(self, name)
            if not _is_integral(value) or not 0 <= value <= 500:
                raise ValueError(
                    f"{name} must be an integer AQI in 0..500, got {value!r}"
                )
            object.__setattr__(self, name, int(value))
        for name in _DAY_COUNTS:
            value = getattr(self, name)
            if not _is_integral(value) or value < 1:
                raise ValueError(
                    f"{name} must be a whole number of days >= 1, got {value!r}"
                )
            object.__setattr__(self, name, int(value))
        if not _is_integral(self.lift_below_hours) or self.lift_below_hours < 0:
            raise ValueError(
                "lift_below_hours must be a whole number of hours >= 0, "
                f"got {self.lift_below_hours!r}"
            )
        object.__setattr__(self, "lift_below_hours", int(self.lift_below_hours))
        for name in _CONCENTRATION_TRIGGERS:
            value = getattr(self, name)
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value < 0
            ):
                raise ValueError(
                    f"{name} must be None or a concentration >= 0, got {value!r}"
                )

    @property
    def lift_days(self) -> int:
        """Whole days needed for "more than ``lift_below_hours`` hours" (36 h → 2)."""
        return self.lift_below_hours // 24 + 1

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Criteria:
        """Build from a stored profile; absent keys take the national defaults.

        Unknown keys raise ``ValueError`` so that a mistyped threshold is not
        silently ignored.
        """
        if not isinstance(d, Mapping):
            raise TypeError(
                f"criteria profile must be a mapping, not {type(d).__name__}"
            )
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown criteria keys {unknown}")
        return cls(**dict(d))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of every field (``from_dict(to_dict())`` round-trips)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class DayForecast:
    """One day's forecast: daily AQI, its primary pollutants and, optionally,
    the forecast PM2.5 24-h mean and O3 max-8-h (µg/m³) for extra triggers."""

    date: datetime.date
    aqi: int
    primary_pollutants: tuple[str, ...] = ()
    pm2_5: float | None = None
    o3_8h: float | None = None

    def __post_init__(self) -> None:
        # datetime is a date subclass; a datetime here is almost always a bug
        # (time zone shifts move the day), so refuse it.
        if not isinstance(self.date, datetime.date) or isinstance(
            self.date, datetime.datetime
        ):
            raise TypeError(f"date must be a datetime.date, got {self.date!r}")
        if not _is_integral(self.aqi) or self.aqi < 0:
            raise ValueError(f"aqi must be a non-negative integer, got {self.aqi!r}")
        object.__setattr__(self, "aqi", int(self.aqi))
        pollutants = self.primary_pollutants
        if isinstance(pollutants, str) or not all(
            isinstance(p, str) for p in pollutants
        ):
            raise TypeError("primary_pollutants must be a sequence of strings")
        object.__setattr__(self, "primary_pollutants", tuple(pollutants))
        for name in ("pm2_5", "o3_8h"):
            value = getattr(self, name)
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value < 0
            ):
                raise ValueError(
                    f"{name} must be None or a concentration >= 0, got {value!r}"
                )


@dataclass(frozen=True)
class Evaluation:
    """Result of ``evaluate``. See the module docstring for the rules."""

    level: str
    lift: bool
    criteria: str
    trigger_days: tuple[datetime.date, ...]
    primary_pollutants: tuple[str, ...]
    advisory_only: bool
    advisory_reason: str
    #: First day of the clean stretch that allows lifting (None when no lift).
    lift_from: datetime.date | None = field(default=None)

    @property
    def response_level(self) -> str:
        """Emergency response level: "III" / "II" / "I", "" for none."""
        return RESPONSE_LEVELS[self.level]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (dates as ISO strings)."""
        return {
            "level": self.level,
            "response_level": self.response_level,
            "lift": self.lift,
            "lift_from": self.lift_from.isoformat() if self.lift_from else None,
            "criteria": self.criteria,
            "trigger_days": [d.isoformat() for d in self.trigger_days],
            "primary_pollutants": list(self.primary_pollutants),
            "advisory_only": self.advisory_only,
            "advisory_reason": self.advisory_reason,
        }


def _normalise_pollutant(name: str) -> str:
    """Normalise a pollutant name: "PM2.5", "pm25" → "pm2_5"; "O3-8h" → "o3_8h"."""
    key = name.strip().lower().replace(".", "_").replace("-", "_").replace(" ", "")
    return "pm2_5" if key == "pm25" else key


def _pollutant_key(name: str) -> str:
    """One key per pollutant: every ozone name ("o3", "O3-8h", "o3_1h") is "o3"."""
    key = _normalise_pollutant(name)
    return "o3" if key in _OZONE else key


def _above(value: float | None, threshold: float | None) -> bool:
    return value is not None and threshold is not None and value > threshold


class _Flags:
    """Per-day threshold tests for one criteria profile."""

    def __init__(self, c: Criteria) -> None:
        self.c = c

    def high_extra(self, d: DayForecast) -> bool:
        return _above(d.pm2_5, self.c.pm2_5_high_above) or _above(
            d.o3_8h, self.c.o3_8h_high_above
        )

    def sustained_extra(self, d: DayForecast) -> bool:
        return (
            _above(d.pm2_5, self.c.pm2_5_above)
            or _above(d.o3_8h, self.c.o3_8h_above)
            or self.high_extra(d)
        )

    def above(self, threshold: int, high: bool) -> Callable[[DayForecast], bool]:
        """Predicate "AQI > threshold", or the matching extra trigger."""
        extra = self.high_extra if high else self.sustained_extra
        return lambda d: d.aqi > threshold or extra(d)


def _runs(
    days: Sequence[DayForecast],
    indices: Iterable[int],
    pred: Callable[[DayForecast], bool],
) -> list[list[int]]:
    """Maximal runs of consecutive calendar days in ``indices`` that meet ``pred``."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i in indices:
        if (
            pred(days[i])
            and current
            and days[current[-1]].date + _ONE_DAY == days[i].date
        ):
            current.append(i)
            continue
        if current:
            runs.append(current)
        current = [i] if pred(days[i]) else []
    if current:
        runs.append(current)
    return runs


def _lasting(
    days: Sequence[DayForecast], pred: Callable[[DayForecast], bool], min_days: int
) -> set[int]:
    """Indices of the days in runs of at least ``min_days`` days meeting ``pred``."""
    hit: set[int] = set()
    for run in _runs(days, range(len(days)), pred):
        if len(run) >= min_days:
            hit.update(run)
    return hit


def _validate(days: Sequence[DayForecast]) -> None:
    if isinstance(days, str | bytes) or not isinstance(days, Sequence):
        raise TypeError("days must be a list of DayForecast")
    for d in days:
        if not isinstance(d, DayForecast):
            raise TypeError(f"days must contain DayForecast, got {type(d).__name__}")
    for prev, cur in itertools.pairwise(days):
        if cur.date == prev.date:
            raise ValueError(f"duplicate forecast date {cur.date.isoformat()}")
        if cur.date < prev.date:
            raise ValueError(
                f"forecast days must be sorted by date: {cur.date.isoformat()} "
                f"after {prev.date.isoformat()}"
            )


def _level_triggers(days: Sequence[DayForecast], c: Criteria) -> tuple[str, set[int]]:
    """Highest level whose conditions are met, and the days that met them."""
    flags = _Flags(c)

    # Red: a run of > red_high_above days that itself contains a run of
    # > red_severe_above days long enough. No extra trigger stands in for the
    # severe threshold, so it tests the AQI only.
    def severe(d: DayForecast) -> bool:
        return d.aqi > c.red_severe_above

    red: set[int] = set()
    for run in _runs(days, range(len(days)), flags.above(c.red_high_above, high=True)):
        if len(run) < c.red_high_days:
            continue
        if any(len(s) >= c.red_severe_days for s in _runs(days, run, severe)):
            red.update(run)
    if red:
        return "red", red

    orange = _lasting(
        days, flags.above(c.orange_high_above, high=True), c.orange_high_days
    )
    orange |= _lasting(
        days, flags.above(c.orange_sustained_above, high=False), c.orange_sustained_days
    )
    if orange:
        return "orange", orange

    yellow = _lasting(days, flags.above(c.yellow_any_day_above, high=True), 1)
    yellow |= _lasting(
        days, flags.above(c.yellow_sustained_above, high=False), c.yellow_sustained_days
    )
    if yellow:
        return "yellow", yellow
    return "none", set()


def _lift(days: Sequence[DayForecast], c: Criteria) -> datetime.date | None:
    """First day of a clean stretch of at least ``c.lift_days`` days, if the
    forecast's first clean day starts one."""
    flags = _Flags(c)
    meets_any_day = flags.above(c.yellow_any_day_above, high=True)
    meets_sustained = flags.above(c.yellow_sustained_above, high=False)

    def clean(d: DayForecast) -> bool:
        return not meets_any_day(d) and not meets_sustained(d)

    first = next((i for i, d in enumerate(days) if clean(d)), None)
    if first is None:
        return None
    run = _runs(days, range(first, len(days)), clean)[0]
    return days[first].date if len(run) >= c.lift_days else None


def _advisory(days: Sequence[DayForecast], trigger: Sequence[int]) -> str:
    """Advisory reason when every trigger day is ozone-only or PM10-only, else ""."""
    kinds: set[str] = set()
    for i in trigger:
        primaries = {_normalise_pollutant(p) for p in days[i].primary_pollutants}
        if primaries and primaries <= _OZONE:
            kinds.add("ozone")
        elif primaries and primaries <= _DUST:
            kinds.add("dust")
        else:
            return ""
    if kinds == {"ozone"}:
        return _ADVISORY_OZONE
    if kinds == {"dust"}:
        return _ADVISORY_DUST
    return _ADVISORY_BOTH if kinds else ""


#: The national profile, shared as ``evaluate``'s default (it is immutable).
NATIONAL_CRITERIA: Final = Criteria()


def evaluate(
    days: list[DayForecast],
    criteria: Criteria = NATIONAL_CRITERIA,
    current_level: str = "none",
) -> Evaluation:
    """Warning level for a daily AQI forecast (环大气〔2024〕6号; module docstring).

    ``days`` must be sorted by date without duplicates (``ValueError``
    otherwise); a gap between dates breaks a run. ``current_level`` is the
    warning in force ("none", "yellow", "orange" or "red") and only affects
    ``lift``.
    """
    if current_level not in LEVELS:
        raise ValueError(
            f"current_level must be one of {LEVELS}, got {current_level!r}"
        )
    if not isinstance(criteria, Criteria):
        raise TypeError(f"criteria must be a Criteria, not {type(criteria).__name__}")
    _validate(days)

    level, hit = _level_triggers(days, criteria)
    trigger = sorted(hit)

    # Union of the trigger days' primary pollutants, most frequent first;
    # ties keep the order of first appearance (Counter preserves it). A
    # pollutant counts once whatever its averaging period: a 2012 forecast may
    # name ozone "o3_8h" one day and "o3_1h" the next, and ozone is listed
    # once, under the name it first appeared with (issue 15, item 9).
    named: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for i in trigger:
        seen = set()
        for p in days[i].primary_pollutants:
            key = _pollutant_key(p)
            named.setdefault(key, p)
            if key not in seen:
                seen.add(key)
                counts[key] += 1
    primary = tuple(named[k] for k, _ in sorted(counts.items(), key=lambda kv: -kv[1]))

    reason = _advisory(days, trigger) if trigger else ""
    lift_from = _lift(days, criteria) if current_level != "none" else None
    return Evaluation(
        level=level,
        lift=lift_from is not None,
        criteria=criteria.version,
        trigger_days=tuple(days[i].date for i in trigger),
        primary_pollutants=primary,
        advisory_only=bool(reason),
        advisory_reason=reason,
        lift_from=lift_from,
    )
