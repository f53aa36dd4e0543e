"""Tests for ``feeds.aqi`` (HJ 633-2026 and HJ 633-2012).

The breakpoint tables and expected values below are written out here
independently of ``feeds.aqi`` (from /work/shared/reference/aqi-standards.md,
cross-checked for 2012 against public transcriptions of HJ 633-2012 table 1).
Neighbour values were worked out with the formula
IAQI = (IAQI_Hi − IAQI_Lo) / (BP_Hi − BP_Lo) × (C − BP_Lo) + IAQI_Lo, rounded up;
a sample is verified by hand in the comments.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.aqi import (
    BREAKPOINTS,
    DEFAULT_STANDARD,
    STANDARDS,
    AqiResult,
    category_for,
    daily_aqi,
    hourly_aqi,
    iaqi,
)

IAQI_COLUMN = (0, 50, 100, 150, 200, 300, 400, 500)

# HJ 633-2012 table 1 (CO mg/m³, the rest µg/m³). SO2 1 h stops at 800
# (IAQI 200) and O3 8 h at 800 (IAQI 300).
TABLE_2012 = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm2_5_24h": (0, 35, 75, 115, 150, 250, 350, 500),
}
# HJ 633-2026: only the particulate IAQI-100 limits change (PM10 150 -> 120,
# PM2.5 75 -> 60).
TABLE_2026 = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm10_24h": (0, 50, 120, 250, 350, 420, 500, 600),
    "pm2_5_24h": (0, 35, 60, 115, 150, 250, 350, 500),
}
TABLES = {"2026": TABLE_2026, "2012": TABLE_2012}
POLLUTANT_KEYS = tuple(TABLE_2026)

BREAKPOINT_CASES = [
    pytest.param(
        pollutant, standard, conc, IAQI_COLUMN[i], id=f"{standard}-{pollutant}-{conc}"
    )
    for standard, table in TABLES.items()
    for pollutant, row in table.items()
    for i, conc in enumerate(row)
]

# One step (1 µg/m³, or 0.1 mg/m³ for CO) each side of every breakpoint.
# Hand checks, e.g.:
#   PM2.5 2026  59: 50 + 50/25 × 24 = 98;        61: 100 + 50/55 × 1 = 100.9 -> 101
#   PM2.5 2012  74: 50 + 50/40 × 39 = 98.75 -> 99;  76: 100 + 50/40 × 1 = 101.25 -> 102
#   PM2.5 2012 114: 100 + 50/40 × 39 = 148.75 -> 149 (2026: 100 + 50/55 × 54 -> 150)
#   CO 24 h  4.1: 100 + 50/10 × 0.1 = 100.5 -> 101
#   CO 24 h 24.1: 200 + 100/12 × 0.1 = 200.8 -> 201
#   SO2 1 h 499: 50 + 50/350 × 349 = 99.86 -> 100; 801: 200 (2026) / None (2012)
#   O3 8 h  264: 150 + 50/50 × 49 = 199;   266: 200 + 100/535 × 1 = 200.19 -> 201
#   above the last breakpoint: 500
NEIGHBOUR_CASES = [
    ("so2_24h", "2026", "1", 1),
    ("so2_24h", "2026", "49", 49),
    ("so2_24h", "2026", "51", 51),
    ("so2_24h", "2026", "149", 100),
    ("so2_24h", "2026", "151", 101),
    ("so2_24h", "2026", "474", 150),
    ("so2_24h", "2026", "476", 151),
    ("so2_24h", "2026", "799", 200),
    ("so2_24h", "2026", "801", 201),
    ("so2_24h", "2026", "1599", 300),
    ("so2_24h", "2026", "1601", 301),
    ("so2_24h", "2026", "2099", 400),
    ("so2_24h", "2026", "2101", 401),
    ("so2_24h", "2026", "2619", 500),
    ("so2_24h", "2026", "2621", 500),
    ("so2_1h", "2026", "1", 1),
    ("so2_1h", "2026", "149", 50),
    ("so2_1h", "2026", "151", 51),
    ("so2_1h", "2026", "499", 100),
    ("so2_1h", "2026", "501", 101),
    ("so2_1h", "2026", "649", 150),
    ("so2_1h", "2026", "651", 151),
    ("so2_1h", "2026", "799", 200),
    ("so2_1h", "2026", "801", 200),
    ("no2_24h", "2026", "1", 2),
    ("no2_24h", "2026", "39", 49),
    ("no2_24h", "2026", "41", 52),
    ("no2_24h", "2026", "79", 99),
    ("no2_24h", "2026", "81", 101),
    ("no2_24h", "2026", "179", 150),
    ("no2_24h", "2026", "181", 151),
    ("no2_24h", "2026", "279", 200),
    ("no2_24h", "2026", "281", 201),
    ("no2_24h", "2026", "564", 300),
    ("no2_24h", "2026", "566", 301),
    ("no2_24h", "2026", "749", 400),
    ("no2_24h", "2026", "751", 401),
    ("no2_24h", "2026", "939", 500),
    ("no2_24h", "2026", "941", 500),
    ("no2_1h", "2026", "1", 1),
    ("no2_1h", "2026", "99", 50),
    ("no2_1h", "2026", "101", 51),
    ("no2_1h", "2026", "199", 100),
    ("no2_1h", "2026", "201", 101),
    ("no2_1h", "2026", "699", 150),
    ("no2_1h", "2026", "701", 151),
    ("no2_1h", "2026", "1199", 200),
    ("no2_1h", "2026", "1201", 201),
    ("no2_1h", "2026", "2339", 300),
    ("no2_1h", "2026", "2341", 301),
    ("no2_1h", "2026", "3089", 400),
    ("no2_1h", "2026", "3091", 401),
    ("no2_1h", "2026", "3839", 500),
    ("no2_1h", "2026", "3841", 500),
    ("co_24h", "2026", "0.1", 3),
    ("co_24h", "2026", "1.9", 48),
    ("co_24h", "2026", "2.1", 53),
    ("co_24h", "2026", "3.9", 98),
    ("co_24h", "2026", "4.1", 101),
    ("co_24h", "2026", "13.9", 150),
    ("co_24h", "2026", "14.1", 151),
    ("co_24h", "2026", "23.9", 200),
    ("co_24h", "2026", "24.1", 201),
    ("co_24h", "2026", "35.9", 300),
    ("co_24h", "2026", "36.1", 301),
    ("co_24h", "2026", "47.9", 400),
    ("co_24h", "2026", "48.1", 401),
    ("co_24h", "2026", "59.9", 500),
    ("co_24h", "2026", "60.1", 500),
    ("co_1h", "2026", "0.1", 1),
    ("co_1h", "2026", "4.9", 49),
    ("co_1h", "2026", "5.1", 51),
    ("co_1h", "2026", "9.9", 99),
    ("co_1h", "2026", "10.1", 101),
    ("co_1h", "2026", "34.9", 150),
    ("co_1h", "2026", "35.1", 151),
    ("co_1h", "2026", "59.9", 200),
    ("co_1h", "2026", "60.1", 201),
    ("co_1h", "2026", "89.9", 300),
    ("co_1h", "2026", "90.1", 301),
    ("co_1h", "2026", "119.9", 400),
    ("co_1h", "2026", "120.1", 401),
    ("co_1h", "2026", "149.9", 500),
    ("co_1h", "2026", "150.1", 500),
    ("o3_1h", "2026", "1", 1),
    ("o3_1h", "2026", "159", 50),
    ("o3_1h", "2026", "161", 52),
    ("o3_1h", "2026", "199", 99),
    ("o3_1h", "2026", "201", 101),
    ("o3_1h", "2026", "299", 150),
    ("o3_1h", "2026", "301", 151),
    ("o3_1h", "2026", "399", 200),
    ("o3_1h", "2026", "401", 201),
    ("o3_1h", "2026", "799", 300),
    ("o3_1h", "2026", "801", 301),
    ("o3_1h", "2026", "999", 400),
    ("o3_1h", "2026", "1001", 401),
    ("o3_1h", "2026", "1199", 500),
    ("o3_1h", "2026", "1201", 500),
    ("o3_8h", "2026", "1", 1),
    ("o3_8h", "2026", "99", 50),
    ("o3_8h", "2026", "101", 51),
    ("o3_8h", "2026", "159", 100),
    ("o3_8h", "2026", "161", 101),
    ("o3_8h", "2026", "214", 150),
    ("o3_8h", "2026", "216", 151),
    ("o3_8h", "2026", "264", 199),
    ("o3_8h", "2026", "266", 201),
    ("o3_8h", "2026", "799", 300),
    ("o3_8h", "2026", "801", 300),
    ("pm10_24h", "2026", "1", 1),
    ("pm10_24h", "2026", "49", 49),
    ("pm10_24h", "2026", "51", 51),
    ("pm10_24h", "2026", "119", 100),
    ("pm10_24h", "2026", "121", 101),
    ("pm10_24h", "2026", "249", 150),
    ("pm10_24h", "2026", "251", 151),
    ("pm10_24h", "2026", "349", 200),
    ("pm10_24h", "2026", "351", 202),
    ("pm10_24h", "2026", "419", 299),
    ("pm10_24h", "2026", "421", 302),
    ("pm10_24h", "2026", "499", 399),
    ("pm10_24h", "2026", "501", 401),
    ("pm10_24h", "2026", "599", 499),
    ("pm10_24h", "2026", "601", 500),
    ("pm2_5_24h", "2026", "1", 2),
    ("pm2_5_24h", "2026", "34", 49),
    ("pm2_5_24h", "2026", "36", 52),
    ("pm2_5_24h", "2026", "59", 98),
    ("pm2_5_24h", "2026", "61", 101),
    ("pm2_5_24h", "2026", "114", 150),
    ("pm2_5_24h", "2026", "116", 152),
    ("pm2_5_24h", "2026", "149", 199),
    ("pm2_5_24h", "2026", "151", 201),
    ("pm2_5_24h", "2026", "249", 299),
    ("pm2_5_24h", "2026", "251", 301),
    ("pm2_5_24h", "2026", "349", 399),
    ("pm2_5_24h", "2026", "351", 401),
    ("pm2_5_24h", "2026", "499", 500),
    ("pm2_5_24h", "2026", "501", 500),
    ("so2_24h", "2012", "1", 1),
    ("so2_24h", "2012", "49", 49),
    ("so2_24h", "2012", "51", 51),
    ("so2_24h", "2012", "149", 100),
    ("so2_24h", "2012", "151", 101),
    ("so2_24h", "2012", "474", 150),
    ("so2_24h", "2012", "476", 151),
    ("so2_24h", "2012", "799", 200),
    ("so2_24h", "2012", "801", 201),
    ("so2_24h", "2012", "1599", 300),
    ("so2_24h", "2012", "1601", 301),
    ("so2_24h", "2012", "2099", 400),
    ("so2_24h", "2012", "2101", 401),
    ("so2_24h", "2012", "2619", 500),
    ("so2_24h", "2012", "2621", 500),
    ("so2_1h", "2012", "1", 1),
    ("so2_1h", "2012", "149", 50),
    ("so2_1h", "2012", "151", 51),
    ("so2_1h", "2012", "499", 100),
    ("so2_1h", "2012", "501", 101),
    ("so2_1h", "2012", "649", 150),
    ("so2_1h", "2012", "651", 151),
    ("so2_1h", "2012", "799", 200),
    ("so2_1h", "2012", "801", None),
    ("no2_24h", "2012", "1", 2),
    ("no2_24h", "2012", "39", 49),
    ("no2_24h", "2012", "41", 52),
    ("no2_24h", "2012", "79", 99),
    ("no2_24h", "2012", "81", 101),
    ("no2_24h", "2012", "179", 150),
    ("no2_24h", "2012", "181", 151),
    ("no2_24h", "2012", "279", 200),
    ("no2_24h", "2012", "281", 201),
    ("no2_24h", "2012", "564", 300),
    ("no2_24h", "2012", "566", 301),
    ("no2_24h", "2012", "749", 400),
    ("no2_24h", "2012", "751", 401),
    ("no2_24h", "2012", "939", 500),
    ("no2_24h", "2012", "941", 500),
    ("no2_1h", "2012", "1", 1),
    ("no2_1h", "2012", "99", 50),
    ("no2_1h", "2012", "101", 51),
    ("no2_1h", "2012", "199", 100),
    ("no2_1h", "2012", "201", 101),
    ("no2_1h", "2012", "699", 150),
    ("no2_1h", "2012", "701", 151),
    ("no2_1h", "2012", "1199", 200),
    ("no2_1h", "2012", "1201", 201),
    ("no2_1h", "2012", "2339", 300),
    ("no2_1h", "2012", "2341", 301),
    ("no2_1h", "2012", "3089", 400),
    ("no2_1h", "2012", "3091", 401),
    ("no2_1h", "2012", "3839", 500),
    ("no2_1h", "2012", "3841", 500),
    ("co_24h", "2012", "0.1", 3),
    ("co_24h", "2012", "1.9", 48),
    ("co_24h", "2012", "2.1", 53),
    ("co_24h", "2012", "3.9", 98),
    ("co_24h", "2012", "4.1", 101),
    ("co_24h", "2012", "13.9", 150),
    ("co_24h", "2012", "14.1", 151),
    ("co_24h", "2012", "23.9", 200),
    ("co_24h", "2012", "24.1", 201),
    ("co_24h", "2012", "35.9", 300),
    ("co_24h", "2012", "36.1", 301),
    ("co_24h", "2012", "47.9", 400),
    ("co_24h", "2012", "48.1", 401),
    ("co_24h", "2012", "59.9", 500),
    ("co_24h", "2012", "60.1", 500),
    ("co_1h", "2012", "0.1", 1),
    ("co_1h", "2012", "4.9", 49),
    ("co_1h", "2012", "5.1", 51),
    ("co_1h", "2012", "9.9", 99),
    ("co_1h", "2012", "10.1", 101),
    ("co_1h", "2012", "34.9", 150),
    ("co_1h", "2012", "35.1", 151),
    ("co_1h", "2012", "59.9", 200),
    ("co_1h", "2012", "60.1", 201),
    ("co_1h", "2012", "89.9", 300),
    ("co_1h", "2012", "90.1", 301),
    ("co_1h", "2012", "119.9", 400),
    ("co_1h", "2012", "120.1", 401),
    ("co_1h", "2012", "149.9", 500),
    ("co_1h", "2012", "150.1", 500),
    ("o3_1h", "2012", "1", 1),
    ("o3_1h", "2012", "159", 50),
    ("o3_1h", "2012", "161", 52),
    ("o3_1h", "2012", "199", 99),
    ("o3_1h", "2012", "201", 101),
    ("o3_1h", "2012", "299", 150),
    ("o3_1h", "2012", "301", 151),
    ("o3_1h", "2012", "399", 200),
    ("o3_1h", "2012", "401", 201),
    ("o3_1h", "2012", "799", 300),
    ("o3_1h", "2012", "801", 301),
    ("o3_1h", "2012", "999", 400),
    ("o3_1h", "2012", "1001", 401),
    ("o3_1h", "2012", "1199", 500),
    ("o3_1h", "2012", "1201", 500),
    ("o3_8h", "2012", "1", 1),
    ("o3_8h", "2012", "99", 50),
    ("o3_8h", "2012", "101", 51),
    ("o3_8h", "2012", "159", 100),
    ("o3_8h", "2012", "161", 101),
    ("o3_8h", "2012", "214", 150),
    ("o3_8h", "2012", "216", 151),
    ("o3_8h", "2012", "264", 199),
    ("o3_8h", "2012", "266", 201),
    ("o3_8h", "2012", "799", 300),
    ("o3_8h", "2012", "801", None),
    ("pm10_24h", "2012", "1", 1),
    ("pm10_24h", "2012", "49", 49),
    ("pm10_24h", "2012", "51", 51),
    ("pm10_24h", "2012", "149", 100),
    ("pm10_24h", "2012", "151", 101),
    ("pm10_24h", "2012", "249", 150),
    ("pm10_24h", "2012", "251", 151),
    ("pm10_24h", "2012", "349", 200),
    ("pm10_24h", "2012", "351", 202),
    ("pm10_24h", "2012", "419", 299),
    ("pm10_24h", "2012", "421", 302),
    ("pm10_24h", "2012", "499", 399),
    ("pm10_24h", "2012", "501", 401),
    ("pm10_24h", "2012", "599", 499),
    ("pm10_24h", "2012", "601", 500),
    ("pm2_5_24h", "2012", "1", 2),
    ("pm2_5_24h", "2012", "34", 49),
    ("pm2_5_24h", "2012", "36", 52),
    ("pm2_5_24h", "2012", "74", 99),
    ("pm2_5_24h", "2012", "76", 102),
    ("pm2_5_24h", "2012", "114", 149),
    ("pm2_5_24h", "2012", "116", 152),
    ("pm2_5_24h", "2012", "149", 199),
    ("pm2_5_24h", "2012", "151", 201),
    ("pm2_5_24h", "2012", "249", 299),
    ("pm2_5_24h", "2012", "251", 301),
    ("pm2_5_24h", "2012", "349", 399),
    ("pm2_5_24h", "2012", "351", 401),
    ("pm2_5_24h", "2012", "499", 500),
    ("pm2_5_24h", "2012", "501", 500),
]


# --- every breakpoint and its neighbours -------------------------------------


@pytest.mark.parametrize(
    ("pollutant", "standard", "concentration", "expected"), BREAKPOINT_CASES
)
def test_every_breakpoint_gives_its_iaqi_level(
    pollutant: str, standard: str, concentration: int, expected: int
) -> None:
    assert iaqi(pollutant, concentration, standard) == expected
    assert iaqi(pollutant, Decimal(concentration), standard) == expected
    assert iaqi(pollutant, float(concentration), standard) == expected


@pytest.mark.parametrize(
    ("pollutant", "standard", "concentration", "expected"), NEIGHBOUR_CASES
)
def test_each_side_of_every_breakpoint_gives_the_hand_computed_iaqi(
    pollutant: str, standard: str, concentration: str, expected: int | None
) -> None:
    assert iaqi(pollutant, Decimal(concentration), standard) == expected
    assert iaqi(pollutant, float(concentration), standard) == expected


def test_module_tables_equal_the_independent_tables() -> None:
    for standard in STANDARDS:
        assert {k: tuple(v) for k, v in BREAKPOINTS[standard].items()} == TABLES[
            standard
        ]


def test_the_neighbour_table_covers_both_sides_of_every_breakpoint() -> None:
    # Guards against a pasted table losing rows: 2 per breakpoint, 1 at zero.
    expected = sum(
        2 * len(row) - 1 for table in TABLES.values() for row in table.values()
    )
    assert len(NEIGHBOUR_CASES) == expected


def test_standards_and_default() -> None:
    assert STANDARDS == ("2026", "2012")
    assert DEFAULT_STANDARD == "2026"


# --- named examples -----------------------------------------------------------


def test_pm2_5_at_60_is_iaqi_100_under_2026() -> None:
    assert iaqi("pm2_5_24h", 60) == 100


def test_pm2_5_at_61_is_iaqi_101_under_2026() -> None:
    assert iaqi("pm2_5_24h", 61) == 101


def test_pm2_5_at_60_is_iaqi_82_under_2012() -> None:
    # 50 + 50/40 × 25 = 81.25 -> 82
    assert iaqi("pm2_5_24h", 60, "2012") == 82


def test_pm2_5_at_75_is_iaqi_100_under_2012_but_114_under_2026() -> None:
    # 2026: 100 + 50/55 × 15 = 113.6 -> 114
    assert iaqi("pm2_5_24h", 75, "2012") == 100
    assert iaqi("pm2_5_24h", 75, "2026") == 114


def test_pm10_at_120_is_iaqi_100_under_2026_and_85_under_2012() -> None:
    # 2012: 50 + 50/100 × 70 = 85
    assert iaqi("pm10_24h", 120) == 100
    assert iaqi("pm10_24h", 120, "2012") == 85


def test_pm10_at_150_is_iaqi_112_under_2026() -> None:
    # 100 + 50/130 × 30 = 111.5 -> 112
    assert iaqi("pm10_24h", 150) == 112


def test_default_standard_is_2026() -> None:
    assert iaqi("pm2_5_24h", 75) == iaqi("pm2_5_24h", 75, "2026")


# --- rounding ----------------------------------------------------------------


def test_2026_rounds_pm2_5_60_5_half_to_even_down_to_60() -> None:
    assert iaqi("pm2_5_24h", 60.5) == 100
    assert iaqi("pm2_5_24h", Decimal("60.5")) == 100


def test_2026_rounds_pm2_5_61_5_half_to_even_up_to_62() -> None:
    # 62: 100 + 50/55 × 2 = 101.8 -> 102
    assert iaqi("pm2_5_24h", 61.5) == 102
    assert iaqi("pm2_5_24h", Decimal("61.5")) == 102


def test_2026_rounds_above_half_up_and_below_half_down() -> None:
    assert iaqi("pm2_5_24h", 60.51) == 101  # -> 61
    assert iaqi("pm2_5_24h", 60.49) == 100  # -> 60


def test_2026_rounds_half_to_even_at_small_values() -> None:
    # 0.5 -> 0 (IAQI 0); 1.5 -> 2 (50/35 × 2 = 2.86 -> 3); 2.5 -> 2 (also 3)
    assert iaqi("pm2_5_24h", 0.5) == 0
    assert iaqi("pm2_5_24h", 1.5) == 3
    assert iaqi("pm2_5_24h", 2.5) == 3
    assert iaqi("pm2_5_24h", 0.4) == 0


def test_2026_rounds_co_to_one_decimal_half_to_even() -> None:
    # 2.25 -> 2.2: 50 + 25 × 0.2 = 55;  2.35 -> 2.4: 60
    assert iaqi("co_24h", 2.25) == 55
    assert iaqi("co_24h", 2.35) == 60
    # 4.05 -> 4.0: 100;  4.15 -> 4.2: 100 + 5 × 0.2 = 101
    assert iaqi("co_24h", Decimal("4.05")) == 100
    assert iaqi("co_24h", Decimal("4.15")) == 101


def test_2026_co_is_not_rounded_to_an_integer() -> None:
    # 1.4 stays 1.4: 25 × 1.4 = 35 (rounding to 1 would give 25).
    assert iaqi("co_1h", 1.4) == 14  # 1-h CO: 10 × 1.4 = 14
    assert iaqi("co_24h", 1.4) == 35


def test_2012_does_not_pre_round_concentrations() -> None:
    # 0.5 is used as given: 50/35 × 0.5 = 0.71 -> 1 (2026 rounds it to 0 -> 0).
    assert iaqi("pm2_5_24h", 0.5, "2012") == 1
    # 60.5: 50 + 50/40 × 25.5 = 81.875 -> 82.
    assert iaqi("pm2_5_24h", 60.5, "2012") == 82
    # CO 4.05 under 2012: 100 + 5 × 0.05 = 100.25 -> 101 (2026 gives 100).
    assert iaqi("co_24h", Decimal("4.05"), "2012") == 101


def test_iaqi_is_rounded_up_not_to_nearest() -> None:
    # 50/35 × 1 = 1.43 -> 2 (nearest would be 1).
    assert iaqi("pm2_5_24h", 1) == 2
    # 2012 PM2.5 36: 50 + 1.25 = 51.25 -> 52.
    assert iaqi("pm2_5_24h", 36, "2012") == 52
    # NO2 24 h 41: 50 + 50/40 = 51.25 -> 52.
    assert iaqi("no2_24h", 41) == 52


def test_iaqi_exactly_on_an_integer_is_not_pushed_up_by_float_error() -> None:
    # CO 24 h 2.2: 50 + 25 × 0.2 = 55 exactly; naive float maths gives
    # 55.00000000000001 and would round up to 56.
    assert iaqi("co_24h", 2.2) == 55
    assert iaqi("co_24h", 2.2, "2012") == 55
    # CO 1 h 65.4: 200 + 100/30 × 5.4 = 218 exactly.
    assert iaqi("co_1h", 65.4, "2012") == 218


def test_2026_rounding_at_the_top_breakpoint() -> None:
    # 500.4 rounds to 500 -> 500; 500.6 rounds to 501 -> above the table -> 500.
    assert iaqi("pm2_5_24h", 500.4) == 500
    assert iaqi("pm2_5_24h", 500.6) == 500


# --- special cases ------------------------------------------------------------


def test_so2_1h_above_800_is_iaqi_200_under_2026() -> None:
    assert iaqi("so2_1h", 800) == 200
    assert iaqi("so2_1h", 801) == 200
    assert iaqi("so2_1h", 5000) == 200


def test_so2_1h_above_800_is_not_computed_under_2012() -> None:
    assert iaqi("so2_1h", 800, "2012") == 200
    assert iaqi("so2_1h", 801, "2012") is None
    assert iaqi("so2_1h", 5000, "2012") is None


def test_so2_1h_800_4_rounds_to_800_under_2026_but_is_above_800_under_2012() -> None:
    assert iaqi("so2_1h", 800.4) == 200
    assert iaqi("so2_1h", 800.4, "2012") is None


def test_o3_8h_above_800_is_iaqi_300_under_2026() -> None:
    assert iaqi("o3_8h", 800) == 300
    assert iaqi("o3_8h", 801) == 300
    assert iaqi("o3_8h", 10_000) == 300


def test_o3_8h_above_800_is_not_computed_under_2012() -> None:
    assert iaqi("o3_8h", 800, "2012") == 300
    assert iaqi("o3_8h", 801, "2012") is None


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize(
    "pollutant",
    [p for p in POLLUTANT_KEYS if p not in ("so2_1h", "o3_8h")],
)
def test_above_the_last_breakpoint_is_iaqi_500(pollutant: str, standard: str) -> None:
    top = TABLES[standard][pollutant][-1]
    assert iaqi(pollutant, top + 1, standard) == 500
    assert iaqi(pollutant, top * 10, standard) == 500
    assert iaqi(pollutant, 1e300, standard) == 500


def test_huge_decimal_concentration_is_iaqi_500() -> None:
    assert iaqi("pm2_5_24h", Decimal("1e40")) == 500


# --- validation ---------------------------------------------------------------


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize("bad", [-1, -0.01, Decimal("-0.5")])
def test_negative_concentration_raises_value_error(bad: object, standard: str) -> None:
    with pytest.raises(ValueError, match="negative"):
        iaqi("pm2_5_24h", bad, standard)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad", [math.nan, Decimal("NaN"), math.inf, -math.inf, Decimal("Infinity")]
)
def test_nan_or_infinite_concentration_raises_value_error(bad: object) -> None:
    with pytest.raises(ValueError):
        iaqi("pm2_5_24h", bad)  # type: ignore[arg-type]


def test_negative_zero_is_zero() -> None:
    assert iaqi("pm2_5_24h", -0.0) == 0


@pytest.mark.parametrize("bad", [True, "60", None, [60]])
def test_non_number_concentration_raises_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        iaqi("pm2_5_24h", bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["pm25", "PM2.5", "pm2_5", "o3", ""])
def test_unknown_pollutant_raises_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown pollutant"):
        iaqi(bad, 10)


@pytest.mark.parametrize("bad", ["2020", "HJ 633-2026", 2026])
def test_unknown_standard_raises_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match="unknown AQI standard"):
        iaqi("pm2_5_24h", 10, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown AQI standard"):
        daily_aqi({"pm2_5": 10}, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown AQI standard"):
        hourly_aqi({"pm2_5": 10}, bad)  # type: ignore[arg-type]


# --- categories ---------------------------------------------------------------

EXCELLENT = ("优", "Excellent", 1, "#00E400")
GOOD = ("良", "Good", 2, "#FFFF00")
LIGHT = ("轻度污染", "Lightly polluted", 3, "#FF7E00")
MODERATE = ("中度污染", "Moderately polluted", 4, "#FF0000")
HEAVY = ("重度污染", "Heavily polluted", 5, "#99004C")
SEVERE = ("严重污染", "Severely polluted", 6, "#7E0023")


@pytest.mark.parametrize(
    ("aqi", "expected"),
    [
        (0, EXCELLENT),
        (50, EXCELLENT),
        (51, GOOD),
        (100, GOOD),
        (101, LIGHT),
        (150, LIGHT),
        (151, MODERATE),
        (200, MODERATE),
        (201, HEAVY),
        (300, HEAVY),
        (301, SEVERE),
        (500, SEVERE),
    ],
)
def test_category_boundaries_and_colours(
    aqi: int, expected: tuple[str, str, int, str]
) -> None:
    assert category_for(aqi) == expected


def test_category_of_negative_aqi_raises_value_error() -> None:
    with pytest.raises(ValueError):
        category_for(-1)


@pytest.mark.parametrize("bad", [50.0, "50", None, True])
def test_category_of_non_int_raises_type_error(bad: object) -> None:
    with pytest.raises(TypeError):
        category_for(bad)  # type: ignore[arg-type]


# --- daily AQI ------------------------------------------------------------------

CLEAN_DAY = {"so2": 5, "no2": 20, "co": 0.5, "pm10": 30, "pm2_5": 20, "o3_8h": 60}


def test_daily_aqi_is_the_largest_iaqi_with_its_category() -> None:
    # PM2.5 116: 150 + 50/35 × 1 = 151.4 -> 152 (中度污染); PM10 200:
    # 100 + 50/130 × 80 = 130.8 -> 131.
    result = daily_aqi({**CLEAN_DAY, "pm2_5": 116, "pm10": 200})
    assert isinstance(result, AqiResult)
    assert result.aqi == 152
    assert result.iaqi["pm2_5"] == 152
    assert result.iaqi["pm10"] == 131
    assert result.primary_pollutants == ("pm2_5",)
    assert (
        result.category,
        result.category_en,
        result.level,
        result.colour,
    ) == MODERATE
    assert result.standard == "2026"
    assert result.missing == ()


def test_daily_aqi_iaqi_is_keyed_by_input_keys() -> None:
    result = daily_aqi(CLEAN_DAY)
    assert set(result.iaqi) == {"so2", "no2", "co", "pm10", "pm2_5", "o3_8h"}
    # so2 5: 50/50 × 5 = 5; no2 20: 25; co 0.5: 12.5 -> 13; pm10 30; pm2_5 20:
    # 28.6 -> 29; o3_8h 60: 30.
    assert result.iaqi == {
        "so2": 5,
        "no2": 25,
        "co": 13,
        "pm10": 30,
        "pm2_5": 29,
        "o3_8h": 30,
    }


def test_primary_pollutant_ties_are_listed_together() -> None:
    # 2026: PM2.5 115 -> 150 and PM10 250 -> 150.
    result = daily_aqi({**CLEAN_DAY, "pm2_5": 115, "pm10": 250})
    assert result.aqi == 150
    assert result.primary_pollutants == ("pm10", "pm2_5")


def test_primary_pollutant_tie_of_three() -> None:
    # PM2.5 150, PM10 350, NO2 280 all give 200.
    result = daily_aqi({**CLEAN_DAY, "pm2_5": 150, "pm10": 350, "no2": 280})
    assert result.aqi == 200
    assert result.primary_pollutants == ("no2", "pm10", "pm2_5")


def test_no_primary_pollutant_when_aqi_is_50() -> None:
    result = daily_aqi({**CLEAN_DAY, "pm2_5": 35})
    assert result.aqi == 50
    assert result.primary_pollutants == ()
    assert result.category == "优"


def test_primary_pollutant_when_aqi_is_51() -> None:
    # O3 8 h 101: 50 + 50/60 = 50.8 -> 51.
    result = daily_aqi({**CLEAN_DAY, "o3_8h": 101})
    assert result.aqi == 51
    assert result.primary_pollutants == ("o3_8h",)
    assert result.category == "良"


def test_daily_aqi_uses_the_2012_particulate_table_under_2012() -> None:
    # 2012 PM2.5 75 -> 100 (良); 2026 -> 114 (轻度污染).
    assert daily_aqi({**CLEAN_DAY, "pm2_5": 75}, "2012").aqi == 100
    assert daily_aqi({**CLEAN_DAY, "pm2_5": 75}).aqi == 114


def test_daily_o3_8h_above_800_is_iaqi_300_under_2026() -> None:
    result = daily_aqi({**CLEAN_DAY, "o3_8h": 900})
    assert result.aqi == 300
    assert result.primary_pollutants == ("o3_8h",)


def test_daily_2012_uses_the_1h_ozone_when_8h_is_above_800() -> None:
    # O3 1 h 900: 300 + 100/200 × 100 = 350.
    result = daily_aqi({**CLEAN_DAY, "o3_8h": 900, "o3_1h": 900}, "2012")
    assert "o3_8h" not in result.iaqi
    assert result.iaqi["o3_1h"] == 350
    assert result.aqi == 350
    assert result.primary_pollutants == ("o3_1h",)
    assert result.missing == ()


def test_daily_2012_8h_ozone_above_800_without_1h_value_is_na_not_excellent() -> None:
    """Issue 15 item 7: a 2012 day with O3-8h 900 and no 1-h O3 was AQI 30 优; it is NA."""
    result = daily_aqi({**CLEAN_DAY, "o3_8h": 900}, "2012")
    assert "o3_8h" not in result.iaqi
    assert result.missing == ("o3_1h",)
    assert result.aqi is None
    assert (result.category, result.level, result.primary_pollutants) == ("", 0, ())


def test_daily_2012_8h_ozone_above_800_is_na_even_when_others_are_polluted() -> None:
    # PM2.5 200 alone would give 250; the ozone's unknown IAQI may be higher.
    result = daily_aqi({**CLEAN_DAY, "pm2_5": 200, "o3_8h": 801}, "2012")
    assert result.aqi is None
    assert result.iaqi["pm2_5"] == 250


def test_issue_example_801_8h_ozone_is_na_and_its_1h_value_decides() -> None:
    """Issue 15 item 7, the API example as a library call: so2 5, no2 10, co 0.4, o3_8h 801, pm10 20, pm2_5 10."""
    day = {"so2": 5, "no2": 10, "co": 0.4, "o3_8h": 801, "pm10": 20, "pm2_5": 10}
    assert daily_aqi(day, "2012").aqi is None
    # O3 1 h 820: 300 + 100/200 × 20 = 310.
    result = daily_aqi({**day, "o3_1h": 820}, "2012")
    assert result.aqi == 310
    assert result.primary_pollutants == ("o3_1h",)
    assert result.category == "严重污染"


def test_daily_2012_ozone_tie_of_8h_and_1h_lists_ozone_once() -> None:
    """Issue 15 item 9: O3-8h 170 and O3-1h 220 both give IAQI 110; ozone is primary once."""
    # o3_8h 170: 100 + 50/55 × 10 = 109.1 -> 110; o3_1h 220: 100 + 50/100 × 20 = 110.
    result = daily_aqi({**CLEAN_DAY, "o3_8h": 170, "o3_1h": 220}, "2012")
    assert result.iaqi["o3_8h"] == result.iaqi["o3_1h"] == 110
    assert result.primary_pollutants == ("o3_8h",)


def test_daily_2012_ozone_tie_keeps_another_tied_pollutant() -> None:
    # PM2.5 83 under 2012: 100 + 50/40 × 8 = 110, tied with both ozone values.
    result = daily_aqi({**CLEAN_DAY, "pm2_5": 83, "o3_8h": 170, "o3_1h": 220}, "2012")
    assert result.aqi == 110
    assert result.primary_pollutants == ("pm2_5", "o3_8h")


def test_daily_2012_includes_the_optional_1h_ozone_max() -> None:
    # O3 1 h 250: 100 + 50/100 × 50 = 125 > every other IAQI.
    result = daily_aqi({**CLEAN_DAY, "o3_1h": 250}, "2012")
    assert result.iaqi["o3_1h"] == 125
    assert result.aqi == 125
    assert result.primary_pollutants == ("o3_1h",)


def test_daily_2026_rejects_the_1h_ozone_key() -> None:
    with pytest.raises(ValueError, match="o3_1h"):
        daily_aqi({**CLEAN_DAY, "o3_1h": 250})


@pytest.mark.parametrize("bad_key", ["pm25", "PM2.5", "o3", "so2_24h"])
def test_daily_aqi_rejects_unknown_keys(bad_key: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        daily_aqi({**CLEAN_DAY, bad_key: 10})


def test_daily_aqi_rejects_a_non_mapping() -> None:
    with pytest.raises(TypeError):
        daily_aqi([("pm2_5", 10)])  # type: ignore[arg-type]


def test_daily_aqi_propagates_invalid_concentrations() -> None:
    with pytest.raises(ValueError):
        daily_aqi({**CLEAN_DAY, "pm2_5": -1})
    with pytest.raises(ValueError):
        daily_aqi({**CLEAN_DAY, "pm2_5": math.nan})


def test_result_is_frozen_hashable_and_json_safe() -> None:
    result = daily_aqi({**CLEAN_DAY, "pm2_5": 115, "pm10": 250})
    with pytest.raises(AttributeError):
        result.aqi = 1  # type: ignore[misc]
    hash(result)
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data["aqi"] == 150
    assert data["primary_pollutants"] == ["pm10", "pm2_5"]
    assert data["category"] == "轻度污染"
    assert data["colour"] == "#FF7E00"


# --- missing data -----------------------------------------------------------------


def test_2026_missing_pollutant_and_aqi_100_is_na() -> None:
    day = {**CLEAN_DAY, "pm2_5": 60}
    del day["co"]
    result = daily_aqi(day)
    assert result.aqi is None
    assert result.is_na
    assert result.missing == ("co",)
    assert result.iaqi["pm2_5"] == 100  # the individual values are still there
    assert result.primary_pollutants == ()
    assert (result.category, result.category_en, result.level, result.colour) == (
        "",
        "",
        0,
        "",
    )


def test_2026_missing_pollutant_and_aqi_101_is_published() -> None:
    day = {**CLEAN_DAY, "pm2_5": 61}
    del day["co"]
    result = daily_aqi(day)
    assert result.aqi == 101
    assert result.missing == ("co",)
    assert result.primary_pollutants == ("pm2_5",)
    assert result.category == "轻度污染"


def test_none_value_counts_as_missing() -> None:
    result = daily_aqi({**CLEAN_DAY, "so2": None, "o3_8h": None})
    assert result.missing == ("so2", "o3_8h")
    assert result.aqi is None
    assert "so2" not in result.iaqi


def test_2026_with_nothing_missing_publishes_a_low_aqi() -> None:
    assert daily_aqi(CLEAN_DAY).aqi == 30


def test_2012_missing_pollutant_and_a_low_aqi_is_na_not_excellent() -> None:
    # HJ 633-2012 has no missing-data rule; the platform applies 2026's, so a
    # missing pollutant never leaves a day reported as 优.
    day = dict(CLEAN_DAY)
    del day["co"]
    result = daily_aqi(day, "2012")
    assert result.aqi is None
    assert result.missing == ("co",)
    assert result.category == ""


def test_2012_missing_pollutant_and_aqi_101_is_published() -> None:
    day = {**CLEAN_DAY, "pm2_5": 76}
    del day["co"]
    result = daily_aqi(day, "2012")
    assert result.aqi == 102
    assert result.category == "轻度污染"


@pytest.mark.parametrize("standard", STANDARDS)
def test_nothing_present_gives_no_aqi(standard: str) -> None:
    result = daily_aqi({}, standard)
    assert result.aqi is None
    assert result.iaqi == {}
    assert result.missing == ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h")


# --- hourly AQI ---------------------------------------------------------------------

CLEAN_HOUR = {"so2": 10, "no2": 40, "co": 0.8, "o3": 80, "pm10": 40, "pm2_5": 25}


def test_hourly_2026_reads_pm2_5_1h_against_the_24h_table() -> None:
    result = hourly_aqi({**CLEAN_HOUR, "pm2_5": 60})
    assert result.iaqi["pm2_5"] == 100
    assert result.aqi == 100
    assert result.primary_pollutants == ("pm2_5",)


def test_hourly_2026_uses_the_1h_tables_for_gases() -> None:
    # so2 10 -> 50/150 × 10 = 3.3 -> 4; no2 40 -> 20; co 0.8 -> 8; o3 80 -> 25.
    result = hourly_aqi(CLEAN_HOUR)
    assert result.iaqi == {
        "so2": 4,
        "no2": 20,
        "co": 8,
        "o3": 25,
        "pm10": 40,
        "pm2_5": 36,
    }


def test_hourly_2026_ozone_1h_at_200_is_iaqi_100() -> None:
    assert hourly_aqi({**CLEAN_HOUR, "o3": 200}).iaqi["o3"] == 100


def test_hourly_2026_so2_above_800_is_iaqi_200() -> None:
    result = hourly_aqi({**CLEAN_HOUR, "so2": 900})
    assert result.iaqi["so2"] == 200
    assert result.aqi == 200


def test_hourly_2012_so2_above_800_falls_back_to_the_24h_value() -> None:
    # so2_24h 900: 200 + 100/800 × 100 = 212.5 -> 213.
    result = hourly_aqi({**CLEAN_HOUR, "so2": 900, "so2_24h": 900}, "2012")
    assert "so2" not in result.iaqi
    assert result.iaqi["so2_24h"] == 213
    assert result.aqi == 213
    assert result.primary_pollutants == ("so2_24h",)


def test_hourly_2012_so2_above_800_without_24h_value_is_na_not_excellent() -> None:
    """Issue 15 item 8: a 2012 hour with SO2 900 and no 24-h SO2 was AQI 40 优; it is NA."""
    result = hourly_aqi({**CLEAN_HOUR, "so2": 900}, "2012")
    assert result.missing == ("so2_24h",)
    assert "so2" not in result.iaqi
    assert result.aqi is None
    assert result.category == ""


def test_hourly_2012_so2_above_800_is_na_even_when_others_are_polluted() -> None:
    result = hourly_aqi({**CLEAN_HOUR, "pm2_5": 200, "so2": 801}, "2012")
    assert result.aqi is None


def test_hourly_2012_ozone_tie_of_1h_and_8h_lists_ozone_once() -> None:
    """Issue 15 item 9 for the hourly report: O3-1h 220 and O3-8h 170 both give 110."""
    result = hourly_aqi({**CLEAN_HOUR, "o3": 220, "o3_8h": 170}, "2012")
    assert result.iaqi["o3"] == result.iaqi["o3_8h"] == 110
    assert result.primary_pollutants == ("o3",)


def test_hourly_2012_ignores_the_24h_so2_when_the_1h_value_is_usable() -> None:
    result = hourly_aqi({**CLEAN_HOUR, "so2_24h": 900}, "2012")
    assert "so2_24h" not in result.iaqi
    assert result.iaqi["so2"] == 4


def test_hourly_2012_reads_pm_moving_averages_against_the_2012_table() -> None:
    # PM2.5 24-h moving average 75 -> 100 under 2012.
    assert hourly_aqi({**CLEAN_HOUR, "pm2_5": 75}, "2012").aqi == 100


def test_hourly_2012_includes_the_optional_8h_ozone() -> None:
    # o3_8h 170: 100 + 50/55 × 10 = 109.1 -> 110.
    result = hourly_aqi({**CLEAN_HOUR, "o3_8h": 170}, "2012")
    assert result.iaqi["o3_8h"] == 110
    assert result.aqi == 110
    # above 800 it has no IAQI and is skipped (the 1-h O3 covers it)
    assert "o3_8h" not in hourly_aqi({**CLEAN_HOUR, "o3_8h": 900}, "2012").iaqi


@pytest.mark.parametrize("bad_key", ["so2_24h", "o3_8h", "o3_1h", "pm25"])
def test_hourly_2026_rejects_keys_it_does_not_use(bad_key: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        hourly_aqi({**CLEAN_HOUR, bad_key: 10})


def test_hourly_2026_missing_rule_applies() -> None:
    hour = {**CLEAN_HOUR, "pm2_5": 60}
    del hour["o3"]
    assert hourly_aqi(hour).aqi is None
    assert hourly_aqi({**hour, "pm2_5": 61}).aqi == 101
    assert hourly_aqi(hour, "2012").aqi is None
    assert hourly_aqi({**hour, "pm2_5": 76}, "2012").aqi == 102


# --- properties -------------------------------------------------------------------


def _upper(pollutant: str, standard: str) -> float:
    """Search range: past the top breakpoint, but not past 800 where 2012
    stops computing SO2 1 h / O3 8 h."""
    top = TABLES[standard][pollutant][-1]
    if standard == "2012" and pollutant in ("so2_1h", "o3_8h"):
        return float(top)
    return top * 1.3


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize("pollutant", POLLUTANT_KEYS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_iaqi_is_monotone_non_decreasing_in_concentration(
    pollutant: str, standard: str, data: st.DataObject
) -> None:
    upper = _upper(pollutant, standard)
    values = st.floats(min_value=0, max_value=upper, allow_nan=False)
    a = data.draw(values, label="a")
    b = data.draw(values, label="b")
    low, high = min(a, b), max(a, b)
    iaqi_low = iaqi(pollutant, low, standard)
    iaqi_high = iaqi(pollutant, high, standard)
    assert iaqi_low is not None and iaqi_high is not None
    assert 0 <= iaqi_low <= iaqi_high <= 500


@pytest.mark.parametrize("pollutant", POLLUTANT_KEYS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_2026_iaqi_depends_only_on_the_rounded_concentration(
    pollutant: str, data: st.DataObject
) -> None:
    places = 1 if pollutant.startswith("co_") else 0
    value = data.draw(
        st.decimals(min_value=0, max_value=_upper(pollutant, "2026"), places=3),
        label="c",
    )
    rounded = round(value, places)  # Decimal rounds half to even
    assert iaqi(pollutant, value) == iaqi(pollutant, rounded)


def _concentration(upper: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=0, max_value=upper, allow_nan=False)


DAILY_STRATEGY = st.fixed_dictionaries(
    {
        "so2": _concentration(3000),
        "no2": _concentration(1000),
        "co": _concentration(70),
        "pm10": _concentration(700),
        "pm2_5": _concentration(600),
        # stay within 800 so 2012 has an 8-h O3 IAQI
        "o3_8h": _concentration(800),
    }
)
DAILY_TABLE_KEYS = {
    "so2": "so2_24h",
    "no2": "no2_24h",
    "co": "co_24h",
    "pm10": "pm10_24h",
    "pm2_5": "pm2_5_24h",
    "o3_8h": "o3_8h",
}


@pytest.mark.parametrize("standard", STANDARDS)
@settings(max_examples=80, deadline=None)
@given(day=DAILY_STRATEGY)
def test_daily_aqi_is_the_max_iaqi(standard: str, day: dict[str, float]) -> None:
    result = daily_aqi(day, standard)
    expected = {k: iaqi(DAILY_TABLE_KEYS[k], v, standard) for k, v in day.items()}
    assert result.iaqi == expected
    assert result.aqi == max(expected.values())
    if result.aqi > 50:
        assert set(result.primary_pollutants) == {
            k for k, v in expected.items() if v == result.aqi
        }
    else:
        assert result.primary_pollutants == ()
    assert (
        result.category,
        result.category_en,
        result.level,
        result.colour,
    ) == category_for(result.aqi)


@pytest.mark.parametrize("standard", STANDARDS)
@settings(max_examples=80, deadline=None)
@given(
    day=DAILY_STRATEGY,
    drop=st.sets(st.sampled_from(sorted(DAILY_TABLE_KEYS)), min_size=1),
)
def test_aqi_with_missing_pollutants_is_na_or_above_100(
    standard: str, day: dict[str, float], drop: set[str]
) -> None:
    present = {k: v for k, v in day.items() if k not in drop}
    result = daily_aqi(present, standard)
    assert set(result.missing) == drop
    if result.aqi is None:
        assert not result.iaqi or max(result.iaqi.values()) <= 100
    else:
        assert result.aqi > 100
        assert result.aqi == max(result.iaqi.values())
