"""Tests for ``feeds.criteria`` (warning levels per 环大气〔2024〕6号).

Rules, from /work/shared/reference/aqi-standards.md: yellow = a day > 200, or
> 150 for ≥ 2 consecutive days; orange = > 200 for ≥ 2 consecutive days, or
> 150 for ≥ 3; red = > 200 for ≥ 3 consecutive days with a day > 300 within
that run. The highest level met wins.
"""

from __future__ import annotations

import datetime
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.criteria import (
    LEVELS,
    NATIONAL_CRITERIA,
    Criteria,
    DayForecast,
    Evaluation,
    evaluate,
)

START = datetime.date(2026, 1, 10)


def day(n: int) -> datetime.date:
    return START + datetime.timedelta(days=n)


def forecast(
    aqis: list[int], primaries: tuple[str, ...] | list[tuple[str, ...]] = ("pm2_5",)
) -> list[DayForecast]:
    """Consecutive days from START.

    ``primaries`` is one tuple for every day, or a list with one tuple per day.
    """
    per_day = primaries if isinstance(primaries, list) else [primaries] * len(aqis)
    return [
        DayForecast(day(i), a, p)
        for i, (a, p) in enumerate(zip(aqis, per_day, strict=True))
    ]


def level(aqis: list[int], criteria: Criteria = NATIONAL_CRITERIA) -> str:
    return evaluate(forecast(aqis), criteria).level


# --- none ---------------------------------------------------------------------


def test_empty_forecast_is_no_warning() -> None:
    result = evaluate([])
    assert result.level == "none"
    assert result.trigger_days == ()
    assert result.lift is False


def test_clean_forecast_is_no_warning() -> None:
    assert level([50, 80, 100, 120]) == "none"


def test_aqi_200_on_one_day_is_not_yellow() -> None:
    # 200 is not > 200
    assert level([200]) == "none"


def test_aqi_150_on_two_days_is_not_yellow() -> None:
    # 150 is not > 150
    assert level([150, 150]) == "none"


def test_a_single_day_of_151_is_not_yellow() -> None:
    assert level([100, 151, 100]) == "none"


def test_one_day_above_150_and_one_at_150_is_not_yellow() -> None:
    assert level([151, 150, 151]) == "none"


# --- yellow -------------------------------------------------------------------


def test_one_day_above_200_is_yellow() -> None:
    result = evaluate(forecast([100, 201, 100]))
    assert result.level == "yellow"
    assert result.trigger_days == (day(1),)
    assert result.response_level == "III"


def test_two_consecutive_days_above_150_are_yellow() -> None:
    result = evaluate(forecast([100, 151, 151, 100]))
    assert result.level == "yellow"
    assert result.trigger_days == (day(1), day(2))


def test_two_days_above_150_separated_by_a_clean_day_are_not_yellow() -> None:
    assert level([151, 100, 151]) == "none"


def test_two_days_above_150_with_a_missing_date_between_are_not_lasting() -> None:
    days = [DayForecast(day(0), 180), DayForecast(day(2), 180)]
    assert evaluate(days).level == "none"


def test_yellow_trigger_days_combine_both_conditions() -> None:
    # day 0: a single day > 200; days 3-4: > 150 lasting 48 h;
    # day 6 alone (160) does not count.
    result = evaluate(forecast([210, 100, 100, 160, 170, 100, 160]))
    assert result.level == "yellow"
    assert result.trigger_days == (day(0), day(3), day(4))


# --- orange -------------------------------------------------------------------


def test_two_consecutive_days_above_200_are_orange() -> None:
    result = evaluate(forecast([201, 201]))
    assert result.level == "orange"
    assert result.trigger_days == (day(0), day(1))
    assert result.response_level == "II"


def test_three_consecutive_days_above_150_are_orange() -> None:
    result = evaluate(forecast([100, 151, 160, 199, 100]))
    assert result.level == "orange"
    assert result.trigger_days == (day(1), day(2), day(3))


def test_one_day_above_200_then_200_is_yellow_not_orange() -> None:
    assert level([201, 200]) == "yellow"


def test_three_days_with_the_last_at_150_is_yellow_not_orange() -> None:
    assert level([151, 151, 150]) == "yellow"


def test_days_above_200_that_are_not_consecutive_are_yellow_not_orange() -> None:
    assert level([250, 100, 250]) == "yellow"


def test_days_above_200_across_a_missing_date_are_yellow_not_orange() -> None:
    days = [DayForecast(day(0), 250), DayForecast(day(2), 250)]
    result = evaluate(days)
    assert result.level == "yellow"
    assert result.trigger_days == (day(0), day(2))


def test_days_above_150_interrupted_by_one_clean_day_are_yellow_not_orange() -> None:
    assert level([160, 160, 140, 160]) == "yellow"


# --- red ----------------------------------------------------------------------


def test_three_days_above_200_with_one_above_300_are_red() -> None:
    result = evaluate(forecast([201, 201, 301]))
    assert result.level == "red"
    assert result.trigger_days == (day(0), day(1), day(2))
    assert result.response_level == "I"


def test_red_severe_day_may_be_anywhere_in_the_run() -> None:
    assert level([201, 301, 201]) == "red"
    assert level([301, 201, 201]) == "red"


def test_three_days_above_200_without_one_above_300_are_orange() -> None:
    assert level([250, 280, 299]) == "orange"


def test_aqi_300_is_not_above_300() -> None:
    assert level([201, 201, 300]) == "orange"


def test_two_days_above_200_with_one_above_300_are_orange_not_red() -> None:
    assert level([301, 350]) == "orange"


def test_a_day_above_300_outside_the_3_day_run_does_not_make_it_red() -> None:
    # Our reading: the > 300 day must be inside the > 200 run.
    result = evaluate(forecast([301, 100, 201, 201, 201]))
    assert result.level == "orange"
    assert result.trigger_days == (day(2), day(3), day(4))


def test_red_trigger_days_are_the_whole_run() -> None:
    result = evaluate(forecast([100, 210, 320, 230, 240, 100]))
    assert result.level == "red"
    assert result.trigger_days == (day(1), day(2), day(3), day(4))


def test_red_run_broken_by_a_missing_date_is_not_red() -> None:
    days = [
        DayForecast(day(0), 310),
        DayForecast(day(1), 250),
        DayForecast(day(3), 250),
    ]
    assert evaluate(days).level == "orange"


# --- only the highest level ---------------------------------------------------


def test_only_the_highest_level_met_applies() -> None:
    # These days meet yellow, orange and red conditions; the result is red and
    # its trigger days are the red run only.
    result = evaluate(forecast([160, 100, 210, 220, 310, 100]))
    assert result.level == "red"
    assert result.trigger_days == (day(2), day(3), day(4))


def test_orange_trigger_days_exclude_yellow_only_days() -> None:
    result = evaluate(forecast([230, 100, 210, 220]))
    assert result.level == "orange"
    assert result.trigger_days == (day(2), day(3))


# --- primary pollutants and advisory episodes ---------------------------------


def test_primary_pollutants_are_the_union_most_frequent_first() -> None:
    result = evaluate(
        forecast(
            [160, 170, 180, 100],
            [("pm10",), ("pm2_5",), ("pm2_5", "pm10", "no2"), ("o3_8h",)],
        )
    )
    assert result.level == "orange"
    # pm10 ×2, pm2_5 ×2 (pm10 first seen first), no2 ×1; day 3 is not a trigger day.
    assert result.primary_pollutants == ("pm10", "pm2_5", "no2")


def test_pm2_5_episode_is_not_advisory_only() -> None:
    result = evaluate(forecast([210, 220], ("pm2_5",)))
    assert result.advisory_only is False
    assert result.advisory_reason == ""


@pytest.mark.parametrize("ozone", ["o3", "o3_8h", "O3_8H", "O3-8h", "o3_1h"])
def test_ozone_episode_is_advisory_only(ozone: str) -> None:
    result = evaluate(forecast([160, 170], (ozone,)))
    assert result.level == "yellow"
    assert result.advisory_only is True
    assert "臭氧" in result.advisory_reason
    assert "Ozone" in result.advisory_reason


def test_ozone_with_pm2_5_on_one_trigger_day_is_not_advisory_only() -> None:
    result = evaluate(forecast([160, 170], [("o3_8h",), ("o3_8h", "pm2_5")]))
    assert result.advisory_only is False


def test_ozone_on_all_trigger_days_but_pm2_5_on_another_day_is_advisory_only() -> None:
    result = evaluate(forecast([160, 170, 90], [("o3_8h",), ("o3_8h",), ("pm2_5",)]))
    assert result.advisory_only is True


def test_pm10_only_episode_is_advisory_only_as_dust() -> None:
    result = evaluate(forecast([260, 280], ("pm10",)))
    assert result.level == "orange"
    assert result.advisory_only is True
    assert "PM10" in result.advisory_reason


def test_pm10_with_pm2_5_is_not_a_dust_advisory() -> None:
    result = evaluate(forecast([260, 280], ("pm10", "pm2_5")))
    assert result.advisory_only is False


def test_ozone_days_and_dust_days_together_are_advisory_only() -> None:
    result = evaluate(forecast([160, 170], [("o3_8h",), ("pm10",)]))
    assert result.advisory_only is True
    assert "臭氧" in result.advisory_reason and "PM10" in result.advisory_reason


def test_trigger_day_without_primary_pollutants_is_not_advisory_only() -> None:
    result = evaluate(forecast([160, 170], [("o3_8h",), ()]))
    assert result.advisory_only is False


def test_no_warning_is_never_advisory() -> None:
    result = evaluate(forecast([100, 120], ("o3_8h",)))
    assert result.advisory_only is False
    assert result.advisory_reason == ""
    assert result.primary_pollutants == ()


# --- lifting ------------------------------------------------------------------


def test_lift_when_forecast_stays_below_yellow_for_two_days() -> None:
    result = evaluate(forecast([120, 130]), current_level="yellow")
    assert result.lift is True
    assert result.lift_from == day(0)
    assert result.level == "none"


def test_no_lift_when_only_one_clean_day_is_forecast() -> None:
    # 24 h is not more than 36 h
    assert evaluate(forecast([120]), current_level="orange").lift is False


def test_no_lift_when_the_clean_stretch_is_interrupted() -> None:
    assert (
        evaluate(forecast([120, 160, 120, 120]), current_level="yellow").lift is False
    )


def test_lift_from_the_first_clean_day_after_the_episode() -> None:
    result = evaluate(forecast([230, 210, 120, 110]), current_level="orange")
    assert result.lift is True
    assert result.lift_from == day(2)
    # the level still reflects the whole horizon
    assert result.level == "orange"


def test_no_lift_while_the_episode_lasts() -> None:
    result = evaluate(forecast([230, 210, 220]), current_level="orange")
    assert result.lift is False
    assert result.lift_from is None


def test_a_day_of_151_is_not_below_the_yellow_conditions_for_lifting() -> None:
    assert evaluate(forecast([120, 151]), current_level="yellow").lift is False


def test_a_day_of_150_is_below_the_yellow_conditions_for_lifting() -> None:
    assert evaluate(forecast([150, 150]), current_level="yellow").lift is True


def test_no_lift_across_a_missing_date() -> None:
    days = [DayForecast(day(0), 100), DayForecast(day(2), 100)]
    assert evaluate(days, current_level="yellow").lift is False


def test_no_lift_without_a_warning_in_force() -> None:
    result = evaluate(forecast([50, 50, 50]))
    assert result.lift is False
    assert result.lift_from is None


@pytest.mark.parametrize(
    ("hours", "days_needed"), [(0, 1), (23, 1), (24, 2), (36, 2), (48, 3)]
)
def test_lift_hours_become_whole_days(hours: int, days_needed: int) -> None:
    criteria = Criteria(lift_below_hours=hours)
    assert criteria.lift_days == days_needed
    short = evaluate(forecast([100] * (days_needed - 1)), criteria, "red")
    enough = evaluate(forecast([100] * days_needed), criteria, "red")
    assert short.lift is False
    assert enough.lift is True


# --- extra (local) triggers ---------------------------------------------------


def chongqing_days(aqis: list[int], pm2_5: list[float | None]) -> list[DayForecast]:
    return [
        DayForecast(day(i), a, ("pm2_5",), pm2_5=p)
        for i, (a, p) in enumerate(zip(aqis, pm2_5, strict=True))
    ]


def test_extra_pm2_5_trigger_counts_a_day_as_above_150() -> None:
    days = chongqing_days([140, 145], [120.0, 116.0])
    assert evaluate(days).level == "none"
    assert evaluate(days, Criteria(pm2_5_above=115)).level == "yellow"


def test_extra_pm2_5_trigger_is_strictly_above() -> None:
    days = chongqing_days([140, 145], [115.0, 115.0])
    assert evaluate(days, Criteria(pm2_5_above=115)).level == "none"


def test_extra_pm2_5_trigger_ignores_days_without_a_forecast_value() -> None:
    days = chongqing_days([140, 145], [120.0, None])
    assert evaluate(days, Criteria(pm2_5_above=115)).level == "none"


def test_extra_o3_8h_trigger_counts_a_day_as_above_150() -> None:
    days = [DayForecast(day(i), 140, ("o3_8h",), o3_8h=220.0) for i in range(3)]
    result = evaluate(days, Criteria(o3_8h_above=215))
    assert result.level == "orange"
    assert result.advisory_only is True


def test_extra_high_trigger_counts_a_day_as_above_200() -> None:
    days = chongqing_days([140], [160.0])
    assert evaluate(days, Criteria(pm2_5_high_above=150)).level == "yellow"
    days = chongqing_days([140, 150], [160.0, 170.0])
    assert evaluate(days, Criteria(pm2_5_high_above=150)).level == "orange"


def test_extra_triggers_never_stand_in_for_above_300() -> None:
    days = chongqing_days([190, 190, 190], [400.0, 400.0, 400.0])
    assert evaluate(days, Criteria(pm2_5_high_above=150)).level == "orange"


def test_extra_trigger_day_is_not_below_the_yellow_conditions_for_lifting() -> None:
    days = chongqing_days([100, 100], [120.0, 100.0])
    assert evaluate(days, Criteria(pm2_5_above=115), "yellow").lift is False
    assert evaluate(days, Criteria(), "yellow").lift is True


# --- custom thresholds --------------------------------------------------------


def test_custom_profile_changes_the_durations() -> None:
    strict = Criteria(version="local-test", yellow_sustained_days=3)
    assert level([160, 160], strict) == "none"
    result = evaluate(forecast([160, 160, 160]), strict)
    assert result.level == "orange"
    assert result.criteria == "local-test"


def test_red_severe_days_can_require_two_consecutive_days() -> None:
    criteria = Criteria(red_severe_days=2)
    assert level([310, 250, 320], criteria) == "orange"
    assert level([310, 320, 250], criteria) == "red"


# --- validation ---------------------------------------------------------------


def test_unsorted_days_raise_value_error() -> None:
    days = [DayForecast(day(1), 100), DayForecast(day(0), 100)]
    with pytest.raises(ValueError, match="sorted"):
        evaluate(days)


def test_duplicate_dates_raise_value_error() -> None:
    days = [DayForecast(day(0), 100), DayForecast(day(0), 210)]
    with pytest.raises(ValueError, match="duplicate"):
        evaluate(days)


@pytest.mark.parametrize("bad", ["None", "blue", "", "RED"])
def test_unknown_current_level_raises_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="current_level"):
        evaluate([], current_level=bad)


def test_non_forecast_items_raise_type_error() -> None:
    with pytest.raises(TypeError):
        evaluate([{"date": day(0), "aqi": 100}])  # type: ignore[list-item]


def test_non_criteria_raises_type_error() -> None:
    with pytest.raises(TypeError):
        evaluate([], {"yellow_any_day_above": 200})  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 1.5, "200", None, True])
def test_day_forecast_rejects_a_bad_aqi(bad: object) -> None:
    with pytest.raises(ValueError):
        DayForecast(day(0), bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["2026-01-10", datetime.datetime(2026, 1, 10, 8), None])
def test_day_forecast_rejects_a_non_date(bad: object) -> None:
    with pytest.raises(TypeError):
        DayForecast(bad, 100)  # type: ignore[arg-type]


def test_day_forecast_rejects_a_bare_string_of_pollutants() -> None:
    with pytest.raises(TypeError):
        DayForecast(day(0), 100, "pm2_5")  # type: ignore[arg-type]


def test_day_forecast_turns_a_list_of_pollutants_into_a_tuple() -> None:
    assert DayForecast(day(0), 100, ["pm2_5"]).primary_pollutants == ("pm2_5",)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "120"])
def test_day_forecast_rejects_a_bad_concentration(bad: object) -> None:
    with pytest.raises(ValueError):
        DayForecast(day(0), 100, pm2_5=bad)  # type: ignore[arg-type]


# --- Criteria profiles --------------------------------------------------------


def test_default_criteria_are_the_national_ones() -> None:
    c = Criteria()
    assert c.version == "环大气〔2024〕6号"
    assert (
        c.yellow_any_day_above,
        c.yellow_sustained_above,
        c.yellow_sustained_days,
    ) == (
        200,
        150,
        2,
    )
    assert (c.orange_high_above, c.orange_high_days) == (200, 2)
    assert (c.orange_sustained_above, c.orange_sustained_days) == (150, 3)
    assert (
        c.red_high_above,
        c.red_high_days,
        c.red_severe_above,
        c.red_severe_days,
    ) == (
        200,
        3,
        300,
        1,
    )
    assert c.lift_below_hours == 36
    assert c.pm2_5_above is None and c.o3_8h_above is None


def test_criteria_round_trip_through_json() -> None:
    c = Criteria(version="渝府办发〔2022〕115号", pm2_5_above=115, o3_8h_above=215.0)
    stored = json.dumps(c.to_dict(), ensure_ascii=False)
    assert Criteria.from_dict(json.loads(stored)) == c


def test_criteria_from_partial_dict_uses_defaults() -> None:
    c = Criteria.from_dict({"yellow_sustained_days": 3})
    assert c.yellow_sustained_days == 3
    assert c.orange_sustained_days == 3
    assert c.version == "环大气〔2024〕6号"


def test_criteria_accept_integral_floats_from_json() -> None:
    assert Criteria.from_dict({"red_severe_above": 300.0}).red_severe_above == 300


def test_criteria_from_dict_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="unknown"):
        Criteria.from_dict({"yellow_any_day_abov": 200})


def test_criteria_from_dict_rejects_a_non_mapping() -> None:
    with pytest.raises(TypeError):
        Criteria.from_dict([("version", "x")])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        {"version": ""},
        {"version": 6},
        {"yellow_any_day_above": -1},
        {"yellow_any_day_above": 501},
        {"yellow_any_day_above": 200.5},
        {"yellow_any_day_above": "200"},
        {"orange_high_days": 0},
        {"red_high_days": True},
        {"lift_below_hours": -1},
        {"pm2_5_above": -5},
        {"o3_8h_above": "215"},
        {"pm2_5_high_above": float("nan")},
    ],
)
def test_criteria_reject_bad_values(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Criteria.from_dict(bad)


def test_criteria_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Criteria().yellow_any_day_above = 100  # type: ignore[misc]


# --- Evaluation ---------------------------------------------------------------


def test_evaluation_to_dict_is_json_safe() -> None:
    result = evaluate(
        forecast([210, 230, 120, 110], ("o3_8h",)), current_level="yellow"
    )
    assert isinstance(result, Evaluation)
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert data == {
        "level": "orange",
        "response_level": "II",
        "lift": True,
        "lift_from": "2026-01-12",
        "criteria": "环大气〔2024〕6号",
        "trigger_days": ["2026-01-10", "2026-01-11"],
        "primary_pollutants": ["o3_8h"],
        "advisory_only": True,
        "advisory_reason": result.advisory_reason,
    }


def test_evaluation_is_frozen() -> None:
    with pytest.raises(AttributeError):
        evaluate([]).level = "red"  # type: ignore[misc]


# --- properties ---------------------------------------------------------------

AQI_LISTS = st.lists(st.integers(min_value=0, max_value=500), min_size=0, max_size=7)


@settings(max_examples=150, deadline=None)
@given(aqis=AQI_LISTS, data=st.data())
def test_raising_one_days_aqi_never_lowers_the_level(
    aqis: list[int], data: st.DataObject
) -> None:
    if not aqis:
        return
    i = data.draw(st.integers(min_value=0, max_value=len(aqis) - 1), label="i")
    higher = list(aqis)
    higher[i] = data.draw(st.integers(min_value=aqis[i], max_value=500), label="new")
    assert LEVELS.index(level(higher)) >= LEVELS.index(level(aqis))


@settings(max_examples=150, deadline=None)
@given(aqis=AQI_LISTS)
def test_levels_match_a_brute_force_reading_of_the_rules(aqis: list[int]) -> None:
    def lasting(threshold: int, n: int) -> bool:
        return any(
            all(a > threshold for a in aqis[i : i + n])
            for i in range(len(aqis) - n + 1)
        )

    def red() -> bool:
        # maximal runs of > 200 days; red if one lasts 3 days and has a day > 300
        run: list[int] = []
        for a in [*aqis, 0]:
            if a > 200:
                run.append(a)
                continue
            if len(run) >= 3 and max(run) > 300:
                return True
            run = []
        return False

    if red():
        expected = "red"
    elif lasting(200, 2) or lasting(150, 3):
        expected = "orange"
    elif lasting(200, 1) or lasting(150, 2):
        expected = "yellow"
    else:
        expected = "none"
    assert level(aqis) == expected


@settings(max_examples=100, deadline=None)
@given(aqis=AQI_LISTS)
def test_trigger_days_are_within_the_forecast_and_sorted(aqis: list[int]) -> None:
    days = forecast(aqis)
    result = evaluate(days)
    assert list(result.trigger_days) == sorted(set(result.trigger_days))
    assert set(result.trigger_days) <= {d.date for d in days}
    assert (result.level == "none") == (result.trigger_days == ())


def test_ozone_named_by_both_averaging_periods_is_one_primary_pollutant() -> None:
    """Issue 15 item 9 at the episode level: a 2012 forecast names ozone o3_8h one day and o3_1h the next."""
    result = evaluate(forecast([160, 170], [("o3_8h",), ("o3_1h", "pm2_5")]))
    assert result.primary_pollutants == ("o3_8h", "pm2_5")
