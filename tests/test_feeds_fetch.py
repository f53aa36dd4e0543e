"""Reading Open-Meteo: daily aggregation, the forecast and proposal it makes, and every way a feed can fail."""

import datetime
import json
import re
from decimal import Decimal

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from events.choices import Audience, EventType
from events.models import Event
from feeds import services
from feeds.choices import FetchStatus, ProposalKind
from feeds.daily import Hourly, WeatherThresholds, daily_pollutants, daily_weather, day_max_8h
from feeds.models import FetchRecord, Forecast, Proposal, Station
from feeds.selectors import feed_health, stations_due
from tests.test_feeds_support import (  # noqa: F401 (fixtures)
    AQ_PATH,
    WEATHER_PATH,
    Answer,
    feed_server,
    fixture_bytes,
    fixture_json,
    json_answer,
    open_meteo,
    station,
)

AQ_SOURCE = "Open-Meteo AQ · 几江街道"
WEATHER_SOURCE = "Open-Meteo weather · 几江街道"


def hours(day: datetime.date, values: dict[str, list]) -> Hourly:
    n = len(next(iter(values.values())))
    start = datetime.datetime.combine(day, datetime.time())
    return Hourly(times=tuple(start + datetime.timedelta(hours=h) for h in range(n)), series=values)


# --- Aggregation -----------------------------------------------------------------


def test_daily_values_are_24_hour_means_and_the_max_8_hour_ozone():
    day = datetime.date(2026, 12, 9)
    o3 = [10.0] * 10 + [100.0] * 8 + [10.0] * 6  # hours 10–17 make the best window
    h = hours(day, {"so2": [8.0] * 24, "no2": [40.0, 60.0] * 12, "co": [1.2] * 24, "pm10": [150.0] * 24, "pm2_5": [100.0] * 24, "o3": o3})
    [row] = daily_pollutants(h)
    assert row == {
        "date": day, "so2": 8.0, "no2": 50.0, "co": 1.2, "pm10": 150.0, "pm2_5": 100.0, "o3_8h": 100.0, "o3_1h": 100.0,
    }


def test_a_day_with_too_few_hours_is_left_out():
    day = datetime.date(2026, 12, 9)
    full = {k: [10.0] * 24 for k in ("so2", "no2", "co", "pm10", "pm2_5", "o3")}
    partial = {k: [10.0] * 24 + [10.0] * 12 for k in full}  # day two has 12 hours
    rows = daily_pollutants(hours(day, partial))
    assert [r["date"] for r in rows] == [day]
    gaps = dict(full, pm2_5=[10.0] * 19 + [None] * 5)
    assert daily_pollutants(hours(day, gaps)) == []


def test_max_8_hour_ozone_needs_six_hours_per_window_and_fourteen_windows():
    assert day_max_8h({h: 50.0 for h in range(24)}) == 50.0
    assert day_max_8h({h: 50.0 for h in range(12)}) is None  # only 5 windows have 6+ hours


def test_weather_signals_follow_the_configured_thresholds():
    day = datetime.date(2026, 12, 9)
    h = hours(
        day,
        {"wind_speed_10m": [1.5] * 24, "relative_humidity_2m": [85.0] * 24, "boundary_layer_height": [450.0] * 24, "precipitation": [0.0] * 24},
    )
    signals = daily_weather(h, WeatherThresholds())["2026-12-09"]["signals"]
    assert signals == {"static_wind": True, "humid": True, "low_boundary_layer": True, "no_rain": True}
    strict = WeatherThresholds(static_wind_ms=1.0, humid_rh=90, low_blh_m=400, rain_mm=0.0)
    assert set(daily_weather(h, strict)["2026-12-09"]["signals"].values()) == {False}


# --- A good fetch -----------------------------------------------------------------------------


def test_three_days_of_heavy_pm25_propose_orange(open_meteo, station):
    forecast = services.station_fetch(station_id=station.pk)

    assert [d["aqi"] for d in forecast.days] == [110, 169, 186, 175, 70]
    assert forecast.days[1]["co"] == 1.5  # 1,500 µg/m³ → 1.5 mg/m³
    assert forecast.days[1]["primary_pollutants"] == ["pm2_5"]
    assert forecast.evaluation["level"] == "orange"
    assert forecast.weather["2026-12-10"]["signals"] == {
        "static_wind": True, "humid": True, "low_boundary_layer": True, "no_rain": True,
    }
    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.level, proposal.status) == (ProposalKind.ISSUE, "orange", "open")
    assert proposal.dedupe_key == "issue:orange:2026-12-09"
    assert proposal.criteria == "环大气〔2024〕6号"
    assert proposal.basis["trigger_days"] == ["2026-12-09", "2026-12-10", "2026-12-11"]
    assert set(proposal.basis["weather"]) == {"2026-12-09", "2026-12-10", "2026-12-11"}
    ok = FetchRecord.objects.filter(status=FetchStatus.OK)
    assert sorted(ok.values_list("source", "points")) == [(AQ_SOURCE, 120), (WEATHER_SOURCE, 120)]
    # What was asked of Open-Meteo: local days, m/s wind, the six pollutants.
    asked = dict(open_meteo.requests)
    assert asked[AQ_PATH]["timezone"] == ["Asia/Shanghai"]
    assert asked[AQ_PATH]["hourly"] == ["pm10,pm2_5,carbon_monoxide,nitrogen_dioxide,sulphur_dioxide,ozone"]
    assert asked[WEATHER_PATH]["wind_speed_unit"] == ["ms"]
    assert asked[AQ_PATH]["latitude"] == ["29.28300"]


def test_both_spellings_of_the_micro_sign_are_accepted(open_meteo, station):
    assert "µg/m³" in fixture_bytes("aq_clean.json").decode()  # U+00B5; the heavy one uses U+03BC
    open_meteo.routes[AQ_PATH] = Answer(body=fixture_bytes("aq_clean.json"))
    forecast = services.station_fetch(station_id=station.pk)
    assert forecast.evaluation["level"] == "none"
    assert not Proposal.objects.exists()


def test_fetching_the_same_answer_again_stores_no_second_forecast_or_proposal(open_meteo, station):
    first = services.station_fetch(station_id=station.pk)
    again = services.station_fetch(station_id=station.pk)
    assert again.pk == first.pk
    assert Forecast.objects.count() == 1
    assert Proposal.objects.count() == 1
    assert FetchRecord.objects.filter(source=AQ_SOURCE, status=FetchStatus.OK).count() == 2
    assert Event.objects.filter(type=EventType.PROPOSAL_CREATED).count() == 1


def test_a_failed_weather_read_still_stores_the_air_quality_forecast(open_meteo, station):
    open_meteo.routes[WEATHER_PATH] = Answer(status=500, body=b"Internal Server Error", content_type="text/plain")
    forecast = services.station_fetch(station_id=station.pk)
    assert forecast.weather == {}
    assert forecast.evaluation["level"] == "orange"
    assert FetchRecord.objects.get(source=WEATHER_SOURCE).error == "HTTP 500"


# --- Robustness: each bad answer stores nothing but a clear error --------------------------------


def _heavy(mutate) -> Answer:
    data = fixture_json("aq_heavy_pm25.json")
    mutate(data)
    return json_answer(data)


def _set(key, index, value):
    def mutate(data):
        data["hourly"][key][index] = value

    return mutate


def _duplicate_time(data):
    data["hourly"]["time"][5] = data["hourly"]["time"][4]


def _drop(path):
    def mutate(data):
        *parents, last = path.split(".")
        node = data
        for p in parents:
            node = node[p]
        del node[last]

    return mutate


BAD_ANSWERS = {
    "empty body": (Answer(body=b""), "empty body"),
    "html page with 200": (Answer(body=fixture_bytes("error_page.html"), content_type="text/html"), "HTML page instead of JSON"),
    "html error page": (Answer(status=502, body=fixture_bytes("error_page.html"), content_type="text/html"), "HTTP 502"),
    "http 500": (Answer(status=500, body=b'{"error":true,"reason":"internal"}'), "HTTP 500: internal"),
    "documented 400 error": (Answer(status=400, body=fixture_bytes("error_400.json")), "HTTP 400: Cannot initialize"),
    "invalid json": (Answer(body=fixture_bytes("aq_heavy_pm25.json")[:-40]), "invalid JSON"),
    "json that is not an object": (Answer(body=b"[1, 2, 3]"), "expected an object"),
    "missing hourly": (_heavy(_drop("hourly")), "missing field hourly"),
    "missing pm2_5": (_heavy(_drop("hourly.pm2_5")), "missing field hourly.pm2_5"),
    "missing units": (_heavy(_drop("hourly_units")), "missing field hourly_units"),
    "wrong unit": (_heavy(lambda d: d["hourly_units"].update(carbon_monoxide="mg/m³")), "hourly_units.carbon_monoxide"),
    "nan literal": (
        Answer(body=re.sub(rb'"pm2_5":\[[0-9.]+', b'"pm2_5":[NaN', fixture_bytes("aq_heavy_pm25.json"), count=1)),
        "non-finite number NaN",
    ),
    "negative": (_heavy(_set("pm2_5", 30, -4.0)), "hourly.pm2_5[30] is negative"),
    "absurd pm2_5": (_heavy(_set("pm2_5", 30, 2500.0)), "hourly.pm2_5[30] = 2500.0 is implausible"),
    "string value": (_heavy(_set("ozone", 3, "12")), "hourly.ozone[3] is not a number"),
    "short series": (_heavy(lambda d: d["hourly"]["nitrogen_dioxide"].pop()), "hourly.nitrogen_dioxide has 119 values for 120"),
    "duplicated timestamps": (_heavy(_duplicate_time), "duplicated timestamp 2026-12-08T04:00"),
    "timestamps out of order": (_heavy(lambda d: d["hourly"]["time"].reverse()), "not in order"),
    "other time zone": (_heavy(lambda d: d.update(utc_offset_seconds=0)), "utc_offset_seconds"),
    "all values missing": (_heavy(lambda d: d["hourly"].update(pm10=[None] * 120)), "hourly.pm10 has no values"),
}


@pytest.mark.parametrize("case", list(BAD_ANSWERS))
def test_a_bad_answer_stores_no_forecast_and_records_a_clear_error(open_meteo, station, case):
    answer, message = BAD_ANSWERS[case]
    open_meteo.routes[AQ_PATH] = answer

    assert services.station_fetch(station_id=station.pk) is None

    assert not Forecast.objects.exists()
    assert not Proposal.objects.exists()
    record = FetchRecord.objects.get(source=AQ_SOURCE)
    assert record.status == FetchStatus.ERROR
    assert message in record.error, record.error
    event = Event.objects.get(type=EventType.FEED_FAILED)
    assert event.audience == Audience.COMMAND
    assert event.payload["source"] == AQ_SOURCE and message in event.payload["error"]


def test_a_timeout_is_recorded_then_raised_for_the_task_to_retry(open_meteo, station, settings):
    settings.FEED_TIMEOUT_SECONDS = 0.2
    open_meteo.routes[AQ_PATH] = Answer(body=fixture_bytes("aq_heavy_pm25.json"), delay=1.0)

    with pytest.raises(httpx.TimeoutException):
        services.station_fetch(station_id=station.pk)

    record = FetchRecord.objects.get(source=AQ_SOURCE)
    assert record.status == FetchStatus.ERROR and record.error.startswith("timeout")
    assert not Forecast.objects.exists()
    assert Event.objects.filter(type=EventType.FEED_FAILED).count() == 1


def test_a_refused_connection_is_a_transport_error(open_meteo, station, settings):
    settings.OPEN_METEO_AQ_URL = "http://127.0.0.1:9/v1/air-quality"  # discard port: nothing listens
    with pytest.raises(httpx.TransportError):
        services.station_fetch(station_id=station.pk)
    assert FetchRecord.objects.get(source=AQ_SOURCE).error.startswith("transport error")


def test_the_task_retries_transport_errors_only():
    from feeds.tasks import fetch_station

    assert fetch_station.autoretry_for == (httpx.TransportError,)
    assert fetch_station.acks_late is True
    assert issubclass(httpx.TimeoutException, httpx.TransportError)


# --- Health and staleness ------------------------------------------------------------------


def test_health_counts_consecutive_failures_since_the_last_success(open_meteo, station):
    services.station_fetch(station_id=station.pk)
    open_meteo.routes[AQ_PATH] = Answer(body=b"")
    services.station_fetch(station_id=station.pk)
    services.station_fetch(station_id=station.pk)

    rows = {r["source"]: r for r in feed_health()}
    assert rows[AQ_SOURCE]["consecutive_failures"] == 2
    assert rows[AQ_SOURCE]["last_error"] == "empty body"
    assert rows[AQ_SOURCE]["age_minutes"] == 0 and not rows[AQ_SOURCE]["stale"]
    assert rows[WEATHER_SOURCE]["consecutive_failures"] == 0


def test_stale_data_raise_feed_stale_once_per_stale_period(open_meteo, station, settings):
    settings.FEED_STALE_MINUTES = 60
    services.station_fetch(station_id=station.pk)
    later = timezone.now() + datetime.timedelta(minutes=61)

    assert services.feeds_check_stale(now=later) == 2  # the air-quality and the weather source
    assert services.feeds_check_stale(now=later + datetime.timedelta(minutes=30)) == 0
    stale = Event.objects.filter(type=EventType.FEED_STALE)
    assert sorted(e.payload["source"] for e in stale) == [AQ_SOURCE, WEATHER_SOURCE]
    assert {e.audience for e in stale} == {Audience.COMMAND}

    # A new good fetch ends the period; when it goes stale too, that is a new period.
    open_meteo.routes[AQ_PATH] = Answer(body=fixture_bytes("aq_clean.json"))
    services.station_fetch(station_id=station.pk)
    assert services.feeds_check_stale(now=timezone.now() + datetime.timedelta(minutes=61)) == 2
    assert Event.objects.filter(type=EventType.FEED_STALE).count() == 4


def test_only_active_stations_read_by_a_provider_and_due_are_fetched(open_meteo, station):
    inactive = Station.objects.create(name="停用", latitude=Decimal("29"), longitude=Decimal("106"), active=False)
    pushed = Station.objects.create(name="推送", latitude=Decimal("29"), longitude=Decimal("106"), provider="push")
    assert stations_due() == [station.pk]
    services.station_fetch(station_id=station.pk)
    assert stations_due() == []
    assert stations_due(now=timezone.now() + datetime.timedelta(minutes=29)) == [station.pk]  # 2 minutes of slack
    assert services.station_fetch(station_id=inactive.pk) is None
    assert pushed.pk not in stations_due(now=timezone.now() + datetime.timedelta(days=1))


def test_load_stations_creates_jiangjin_points_once(db):
    call_command("load_stations", stdout=open("/dev/null", "w"))
    call_command("load_stations", stdout=open("/dev/null", "w"))
    names = list(Station.objects.values_list("name", flat=True))
    assert len(names) == 3 and all("约值" in n or "估计" in n for n in names)
    centre = Station.objects.get(name__startswith="江津城区")
    assert (centre.latitude, centre.longitude) == (Decimal("29.29000"), Decimal("106.26000"))


def test_fixtures_are_valid_open_meteo_answers():
    for name in ("aq_heavy_pm25.json", "aq_clean.json", "weather_stagnant.json"):
        data = json.loads(fixture_bytes(name))
        assert len(data["hourly"]["time"]) >= 72  # 3+ days hourly
        assert data["timezone"] == "Asia/Shanghai"


@pytest.mark.django_db(transaction=True)
def test_two_workers_fetching_a_station_for_the_first_time_store_one_forecast(open_meteo, station):
    """Two beat schedulers (or a redelivery) racing on a station's first fetch: one forecast, one proposal."""
    from tests.test_concurrency import race

    results = race(lambda: services.station_fetch(station_id=station.pk), lambda: services.station_fetch(station_id=station.pk))
    assert not any(isinstance(r, Exception) for r in results), results
    assert Forecast.objects.count() == 1
    assert Proposal.objects.count() == 1


def test_the_day_max_1_hour_ozone_decides_a_2012_day_whose_8_hour_ozone_is_above_800():
    """Issue 15 item 7 on the Open-Meteo path: the daily aggregation gives o3_1h, so a 2012 day is never 优."""
    day = datetime.date(2026, 7, 9)
    o3 = [900.0] * 23 + [1000.0]  # every 8-hour mean above 800; the hourly maximum 1000
    clean = {"so2": 5.0, "no2": 10.0, "co": 0.4, "pm10": 20.0, "pm2_5": 10.0}
    h = hours(day, {**{k: [v] * 24 for k, v in clean.items()}, "o3": o3})
    rows = daily_pollutants(h)
    assert rows[0]["o3_1h"] == 1000.0
    [stored] = services.forecast_days_build(rows, "2012")
    assert (stored["aqi"], stored["primary_pollutants"], stored["category"]) == (400, ["o3_1h"], "严重污染")
    [stored_2026] = services.forecast_days_build(rows, "2026")
    assert stored_2026["aqi"] == 300 and "o3_1h" not in stored_2026  # 2026: O3-8h above 800 is IAQI 300
