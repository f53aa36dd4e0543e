"""China's Air Quality Index (AQI) under HJ 633-2026 and HJ 633-2012.

Pure Python (stdlib only, no Django), so that feeds, Celery tasks, the
warning evaluator and the tests can all share one implementation.

Sources, and what was checked against what
------------------------------------------
* ``/work/shared/reference/aqi-standards.md`` (project reference): both
  breakpoint tables, the special cases, rounding, the primary-pollutant rule,
  categories/colours and the 2026 missing-data rule. Its 2026 values were read
  from a scan of the official e-version of HJ 633-2026 (issued 2026-02-14, in
  force 2026-03-01).
* HJ 633-2012 table 1 (空气质量分指数及对应的污染物项目浓度限值) was checked value by
  value against independent public transcriptions, all of which agree with the
  reference file:

  - caiyunapp/aqi-hub ``src/aqi_hub/aqi_cn/common.py`` (2012 tables, based on
    https://www.mee.gov.cn/ywgz/fgbz/bz/bzwb/jcffbz/201203/W020120410332725219541.pdf);
    note: that file's *SO2 24-h* table wrongly repeats the 1-h limits
    (150/500/650/800); every other source gives 50/150/475/800/1600/2100/2620;
  - several independent GitHub implementations (Java, JS, Python) found by
    exact-string search for ``0, 50, 150, 475, 800, 1600, 2100, 2620``: SO2
    24 h, SO2 1 h 150/500/650/800, NO2 24 h 40/80/180/280/565/750/940, NO2 1 h
    100/200/700/1200/2340/3090/3840, CO 24 h 2/4/14/24/36/48/60, CO 1 h
    5/10/35/60/90/120/150, O3 1 h 160/200/300/400/800/1000/1200, O3 8 h
    100/160/215/265/800, PM10 50/150/250/350/420/500/600, PM2.5
    35/75/115/150/250/350/500;
  - the HJ 633-2012 table of contents (§4 计算方法, §5 日报和实时报的发布,
    附录A 颜色) from a copy at https://doc.wtbworld.com/doc/32317.html.
* HJ 633-2026's changes could only be cross-checked against a third party:
  caiyunapp/aqi-hub ``README.md`` and ``src/cn.rs`` (which cite HJ 633-2026)
  say PM2.5's 良/轻度 limit moved 75 → 60, PM10's 150 → 120, SO2 1-h > 800 →
  IAQI 200 and O3 8-h > 800 → IAQI 300, all as in the reference file. The
  2026 rounding rule (GB/T 8170 pre-rounding) rests on the reference file
  alone. The official 2026 text itself was not found in the searchable
  sources.

Rounding
--------
* 2026: the concentration is first rounded per GB/T 8170 (round half to even):
  µg/m³ to an integer and CO (mg/m³) to one decimal. Then the IAQI is rounded
  **up** (ceil) to an integer.
* 2012: HJ 633-2012 sets no pre-rounding, so the value is used as given; the
  IAQI is rounded **up**. Floats are read through their shortest ``repr``
  (``Decimal(repr(x))``), so ``60.1`` means 60.1 and not the nearest binary
  double. All arithmetic is exact (``Fraction``), so a value that lands
  exactly on an integer IAQI is never pushed up by float error.

Inputs
------
Concentrations may be ``int``, ``float`` or ``Decimal``. Negative, NaN or
infinite values raise ``ValueError`` (infinity is not a measurement);
``bool``, ``str`` and other types raise ``TypeError``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Final

__all__ = [
    "BREAKPOINTS",
    "CATEGORIES",
    "DEFAULT_STANDARD",
    "IAQI_LEVELS",
    "POLLUTANTS",
    "STANDARDS",
    "AqiResult",
    "category_for",
    "daily_aqi",
    "hourly_aqi",
    "iaqi",
]

STANDARDS: Final = ("2026", "2012")
DEFAULT_STANDARD: Final = "2026"

#: Table keys: pollutant and averaging period. CO is in mg/m³, the rest µg/m³.
POLLUTANTS: Final = (
    "so2_24h",
    "so2_1h",
    "no2_24h",
    "no2_1h",
    "co_24h",
    "co_1h",
    "o3_1h",
    "o3_8h",
    "pm10_24h",
    "pm2_5_24h",
)

#: IAQI column of HJ 633 table 1. A pollutant's breakpoint tuple is aligned
#: with this tuple; shorter tuples stop where the standard stops (SO2 1 h at
#: IAQI 200, O3 8 h at IAQI 300).
IAQI_LEVELS: Final = (0, 50, 100, 150, 200, 300, 400, 500)

# HJ 633-2012 §4, table 1, as given in the reference file and verified above.
_TABLE_2012: Final[dict[str, tuple[int, ...]]] = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    # Table 1 note (2): above 800 the 1-h SO2 IAQI is not computed.
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    # Table 1 note (3): above 800 the 8-h O3 IAQI is not computed.
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm2_5_24h": (0, 35, 75, 115, 150, 250, 350, 500),
}

# HJ 633-2026 differs only in the particulate 良/轻度污染 limit (IAQI 100).
_TABLE_2026: Final[dict[str, tuple[int, ...]]] = {
    **_TABLE_2012,
    "pm10_24h": (0, 50, 120, 250, 350, 420, 500, 600),
    "pm2_5_24h": (0, 35, 60, 115, 150, 250, 350, 500),
}

#: Read-only breakpoint tables: ``BREAKPOINTS[standard][pollutant]``.
BREAKPOINTS: Final = MappingProxyType(
    {
        "2026": MappingProxyType(_TABLE_2026),
        "2012": MappingProxyType(_TABLE_2012),
    }
)

# The special cases above the last SO2 1-h / O3 8-h breakpoint (reference
# notes (b) and (c)). ``None`` means "not computed; use the other average".
_SPECIAL_ABOVE: Final[dict[str, dict[str, int | None]]] = {
    "2026": {"so2_1h": 200, "o3_8h": 300},
    "2012": {"so2_1h": None, "o3_8h": None},
}

#: (upper AQI bound, zh, en, level, colour), per HJ 633 table 2 and 附录A.
#: The English names are CNEMC's usual renderings (not checked against the
#: standard's text).
CATEGORIES: Final = (
    (50, "优", "Excellent", 1, "#00E400"),
    (100, "良", "Good", 2, "#FFFF00"),
    (150, "轻度污染", "Lightly polluted", 3, "#FF7E00"),
    (200, "中度污染", "Moderately polluted", 4, "#FF0000"),
    (300, "重度污染", "Heavily polluted", 5, "#99004C"),
    (None, "严重污染", "Severely polluted", 6, "#7E0023"),
)

# Input keys of daily_aqi / hourly_aqi, mapped to table keys. Dict order is
# the canonical output order of ``AqiResult.iaqi`` and of primary pollutants.
_DAILY: Final = {
    "so2": "so2_24h",
    "no2": "no2_24h",
    "co": "co_24h",
    "pm10": "pm10_24h",
    "pm2_5": "pm2_5_24h",
    "o3_8h": "o3_8h",
}
_HOURLY: Final = {
    "so2": "so2_1h",
    "no2": "no2_1h",
    "co": "co_1h",
    "o3": "o3_1h",
    # Reference: "For PM10 and PM2.5, the 1-hour concentration is read
    # against the 24-hour breakpoints" (2026); 2012 reads its 24-h moving
    # average against the same (2012) 24-h table.
    "pm10": "pm10_24h",
    "pm2_5": "pm2_5_24h",
}

# Above this AQI a 2026 AQI with missing pollutants is still published.
_NA_PUBLISH_ABOVE: Final = 100
_PRIMARY_ABOVE: Final = 50


def _check_standard(standard: str) -> None:
    if standard not in STANDARDS:
        raise ValueError(
            f"unknown AQI standard {standard!r}; expected one of {STANDARDS}"
        )


def _to_decimal(concentration: Any) -> Decimal:
    """Return the concentration as a finite, non-negative ``Decimal``."""
    # bool is an int subclass; True as a concentration is a caller bug.
    if isinstance(concentration, bool) or not isinstance(
        concentration, int | float | Decimal
    ):
        raise TypeError(
            "concentration must be int, float or Decimal, "
            f"not {type(concentration).__name__}"
        )
    if isinstance(concentration, float):
        if not math.isfinite(concentration):
            raise ValueError(f"concentration must be finite, got {concentration!r}")
        # repr gives the shortest decimal that round-trips: 60.5 -> "60.5".
        value = Decimal(repr(concentration))
    else:
        value = Decimal(concentration)
        if not value.is_finite():
            raise ValueError(f"concentration must be finite, got {concentration!r}")
    if value < 0:
        raise ValueError(f"concentration must not be negative, got {concentration!r}")
    return value


def _round_2026(pollutant: str, value: Decimal) -> Decimal:
    """GB/T 8170 rounding (half to even): CO to 0.1 mg/m³, others to 1 µg/m³."""
    quantum = Decimal("0.1") if pollutant.startswith("co_") else Decimal(1)
    with localcontext() as ctx:
        # quantize() needs enough precision for the integer digits of huge values.
        ctx.prec = max(28, value.adjusted() + 3)
        return value.quantize(quantum, rounding=ROUND_HALF_EVEN)


def iaqi(
    pollutant: str, concentration: float | Decimal, standard: str = DEFAULT_STANDARD
) -> int | None:
    """Individual AQI of one pollutant (HJ 633 §4, formula (1) and table 1).

    ``IAQI = (IAQI_Hi − IAQI_Lo) / (BP_Hi − BP_Lo) × (C − BP_Lo) + IAQI_Lo``,
    rounded up. Under ``"2026"`` the concentration is first rounded half to
    even (see the module docstring).

    Returns 500 above the last breakpoint. Special cases (reference notes b, c):

    * ``so2_1h`` above 800: 200 under 2026; ``None`` under 2012 (the caller
      must use the 24-h SO2 instead);
    * ``o3_8h`` above 800: 300 under 2026; ``None`` under 2012 (the caller
      uses the 1-h O3 instead).

    Raises ``ValueError`` for an unknown pollutant or standard and for a
    negative, NaN or infinite concentration; ``TypeError`` for a non-number.
    """
    _check_standard(standard)
    table = BREAKPOINTS[standard].get(pollutant)
    if table is None:
        raise ValueError(
            f"unknown pollutant {pollutant!r}; expected one of {POLLUTANTS}"
        )
    value = _to_decimal(concentration)
    if standard == "2026":
        value = _round_2026(pollutant, value)

    top = table[-1]
    if value > top:
        special = _SPECIAL_ABOVE[standard]
        if pollutant in special:
            return special[pollutant]
        return IAQI_LEVELS[-1]

    exact = Fraction(value)
    for i in range(1, len(table)):
        bp_lo, bp_hi = table[i - 1], table[i]
        if exact <= bp_hi:
            iaqi_lo, iaqi_hi = IAQI_LEVELS[i - 1], IAQI_LEVELS[i]
            sub = Fraction(iaqi_hi - iaqi_lo, bp_hi - bp_lo) * (exact - bp_lo) + iaqi_lo
            return math.ceil(sub)
    raise AssertionError("unreachable: value <= top breakpoint")  # pragma: no cover


def category_for(aqi: int) -> tuple[str, str, int, str]:
    """Category of an AQI: ``(zh, en, level 1–6, colour)`` (HJ 633 table 2, 附录A).

    0–50 优, 51–100 良, 101–150 轻度污染, 151–200 中度污染, 201–300 重度污染,
    above 300 严重污染.
    """
    if isinstance(aqi, bool) or not isinstance(aqi, int):
        raise TypeError(f"aqi must be an int, not {type(aqi).__name__}")
    if aqi < 0:
        raise ValueError(f"aqi must not be negative, got {aqi}")
    for upper, zh, en, level, colour in CATEGORIES:
        if upper is None or aqi <= upper:
            return zh, en, level, colour
    raise AssertionError("unreachable: last category is open-ended")  # pragma: no cover


@dataclass(frozen=True)
class AqiResult:
    """An AQI with its IAQIs, primary pollutants and category.

    ``aqi`` is ``None`` when nothing was computed, when the missing-data rule
    marks it "NA" (a pollutant missing and the AQI of the others at most 100,
    under either standard), or when a 2012 value above its table lacks the
    average that replaces it; ``category``/``category_en``/``colour``
    are then ``""`` and ``level`` is 0. ``iaqi`` is keyed by the input keys
    (e.g. ``"pm2_5"``, ``"o3_8h"``) and holds every IAQI that could be
    computed, also when the AQI is "NA". ``missing`` lists the input keys that
    were absent or ``None`` (see ``daily_aqi``/``hourly_aqi`` for the 2012
    fallback keys).
    """

    aqi: int | None
    # A dict is unhashable; keep it out of the generated __hash__.
    iaqi: dict[str, int] = field(hash=False)
    primary_pollutants: tuple[str, ...]
    category: str
    category_en: str
    level: int
    colour: str
    standard: str
    missing: tuple[str, ...]

    @property
    def is_na(self) -> bool:
        """True when the AQI is not published ("NA")."""
        return self.aqi is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict."""
        return {
            "aqi": self.aqi,
            "iaqi": dict(self.iaqi),
            "primary_pollutants": list(self.primary_pollutants),
            "category": self.category,
            "category_en": self.category_en,
            "level": self.level,
            "colour": self.colour,
            "standard": self.standard,
            "missing": list(self.missing),
        }


def _accept(
    concentrations: Mapping[str, Any], allowed: tuple[str, ...], what: str
) -> dict[str, Any]:
    """Reject unknown keys, so a typo ("pm25") can't silently become "missing"."""
    if not isinstance(concentrations, Mapping):
        raise TypeError(
            f"concentrations must be a mapping, not {type(concentrations).__name__}"
        )
    unknown = sorted(set(concentrations) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} keys {unknown}; expected keys from {allowed}")
    return dict(concentrations)


def _pollutant(key: str) -> str:
    """The pollutant of an input key: ``o3_8h``/``o3_1h``/``o3`` → ``o3``, ``so2_24h`` → ``so2``."""
    return key.split("_", 1)[0] if key.startswith(("o3", "so2")) else key


def _result(
    iaqis: dict[str, int],
    missing: list[str],
    standard: str,
    unresolved: bool = False,
) -> AqiResult:
    """Combine IAQIs into the AQI (HJ 633 formula (2): AQI = max IAQI).

    ``unresolved`` is True when a value is above its table and the average that
    must replace it (HJ 633-2012 table 1 notes (2), (3)) was not given: that
    pollutant's IAQI is unknown and may well be the highest, so the AQI is
    "NA" whatever the others say (issue 15, items 7 and 8).
    """
    aqi: int | None = max(iaqis.values()) if iaqis else None
    # Missing-data rule of HJ 633-2026 (reference): with pollutants missing,
    # publish the AQI only if it is above 100, otherwise "NA". HJ 633-2012 has
    # no such rule; we apply the same one under 2012, so that a day whose
    # missing pollutant could have made it polluted is never reported as 优 or
    # 良 (issue 15: "NA never becomes 优").
    if aqi is not None and missing and aqi <= _NA_PUBLISH_ABOVE:
        aqi = None
    if unresolved:
        aqi = None
    if aqi is None:
        return AqiResult(None, iaqis, (), "", "", 0, "", standard, tuple(missing))
    # Primary pollutant(s): when AQI > 50, those with the highest IAQI, ties
    # listed together (HJ 633 §4.3). A pollutant is listed once: under 2012 the
    # 8-h and 1-h ozone (or the 1-h and 24-h SO2) may tie, and the first key of
    # the canonical order names it (issue 15, item 9).
    primary: tuple[str, ...] = ()
    if aqi > _PRIMARY_ABOVE:
        named: dict[str, str] = {}
        for k, v in iaqis.items():
            if v == aqi:
                named.setdefault(_pollutant(k), k)
        primary = tuple(named.values())
    zh, en, level, colour = category_for(aqi)
    return AqiResult(
        aqi, iaqis, primary, zh, en, level, colour, standard, tuple(missing)
    )


def daily_aqi(
    concentrations: Mapping[str, Any], standard: str = DEFAULT_STANDARD
) -> AqiResult:
    """Daily AQI (日报) from daily values (HJ 633 §5).

    Keys: ``so2``, ``no2``, ``co``, ``pm10``, ``pm2_5`` (24-h means) and
    ``o3_8h`` (the day's maximum 8-h O3 mean). An absent key, or a ``None``
    value, means not monitored / missing and is listed in ``missing``; with
    anything missing the AQI is published only above 100 (HJ 633-2026's rule,
    applied to 2012 too), otherwise it is "NA".

    Under ``"2012"`` the optional key ``o3_1h`` (the day's maximum 1-h O3) is
    also accepted and, when given, takes part in the AQI as HJ 633-2012's
    daily report did. When ``o3_8h`` is above 800 (no IAQI under 2012), the
    1-h O3 stands in for it; if ``o3_1h`` was not given it is then listed in
    ``missing`` and the AQI is "NA" (``aqi`` None), never a low value computed
    from the other pollutants (issue 15, item 7). Under ``"2026"`` the daily report no longer uses the 1-h O3,
    so ``o3_1h`` is rejected like any unknown key (``ValueError``).
    """
    _check_standard(standard)
    allowed = (*_DAILY, "o3_1h") if standard == "2012" else tuple(_DAILY)
    values = _accept(concentrations, allowed, f"daily ({standard})")

    iaqis: dict[str, int] = {}
    missing: list[str] = []
    unresolved = False
    for key, table_key in _DAILY.items():
        value = values.get(key)
        if value is None:
            missing.append(key)
            continue
        sub = iaqi(table_key, value, standard)
        if sub is None:
            # Only O3-8h > 800 under 2012 gets here: the 1-h O3 replaces it.
            if values.get("o3_1h") is None:
                missing.append("o3_1h")
                unresolved = True
            continue
        iaqis[key] = sub
    if standard == "2012" and values.get("o3_1h") is not None:
        iaqis["o3_1h"] = iaqi("o3_1h", values["o3_1h"], standard)  # type: ignore[assignment]
    return _result(iaqis, missing, standard, unresolved)


def hourly_aqi(
    concentrations: Mapping[str, Any], standard: str = DEFAULT_STANDARD
) -> AqiResult:
    """Real-time hourly AQI (实时报) (HJ 633 §5).

    Keys: ``so2``, ``no2``, ``co``, ``o3``, ``pm10``, ``pm2_5``.

    * ``"2026"``: six 1-hour values. PM10/PM2.5 1-h values are read against
      the 24-h breakpoints; SO2 above 800 gives IAQI 200.
    * ``"2012"``: SO2/NO2/CO/O3 are 1-hour values, but ``pm10``/``pm2_5`` must
      be the 24-hour **moving averages**, as HJ 633-2012 used them; the caller
      is responsible for passing those. Two optional keys are accepted:
      ``so2_24h`` (24-h moving average SO2), used only when the 1-h SO2 is
      above 800 (which then has no IAQI; if ``so2_24h`` is absent it is
      listed in ``missing`` and the AQI is "NA", issue 15 item 8), and ``o3_8h`` (8-h moving average O3), which
      takes part in the AQI when given and is skipped when above 800 (the
      1-h O3 already covers that case).

    Missing keys and the "NA" rule work as in ``daily_aqi``.
    """
    _check_standard(standard)
    allowed = (*_HOURLY, "so2_24h", "o3_8h") if standard == "2012" else tuple(_HOURLY)
    values = _accept(concentrations, allowed, f"hourly ({standard})")

    iaqis: dict[str, int] = {}
    missing: list[str] = []
    unresolved = False
    for key, table_key in _HOURLY.items():
        value = values.get(key)
        if value is None:
            missing.append(key)
            continue
        sub = iaqi(table_key, value, standard)
        if sub is None:
            # Only SO2-1h > 800 under 2012 gets here (table 1 note (2)).
            fallback = values.get("so2_24h")
            if fallback is None:
                missing.append("so2_24h")
                unresolved = True
            else:
                iaqis["so2_24h"] = iaqi("so2_24h", fallback, standard)  # type: ignore[assignment]
            continue
        iaqis[key] = sub
    if standard == "2012" and values.get("o3_8h") is not None:
        o3_8h = iaqi("o3_8h", values["o3_8h"], standard)
        if o3_8h is not None:
            iaqis["o3_8h"] = o3_8h
    return _result(iaqis, missing, standard, unresolved)
