"""Fault 6: feeds timing out, answering 500, or answering garbage.

Five stations are read by a real Celery worker from a local HTTP server playing
Open-Meteo, which answers per station (by latitude): a control station always gets
good data; the four others get good data in the first round, then a timeout, an HTTP
500 page, truncated JSON, or well-formed JSON whose PM2.5 is physically implausible
(trusted, it would call for a red warning). Each failure is recorded and announced as a
feed error; once the last good data is older than ``FEED_STALE_MINUTES`` (the first
round's records are moved back by that much, as if it had run then) the office
dashboard served by uvicorn shows those feeds as stale, in English and in Chinese,
and a beat round raises one FEED_STALE per feed. Nothing is proposed from bad data.
"""

import copy
import datetime
import json
import re
import time
from decimal import Decimal

import httpx
import pytest
from celery import Celery
from django.conf import settings
from django.utils import timezone

from tests.faults.conftest import People, secret_key
from tests.faults.support import stack_env, wait_for, worker
from tests.test_feeds_support import AQ_PATH, WEATHER_PATH, Answer, FeedServer, fixture_bytes, fixture_json

pytestmark = pytest.mark.slow

STATIONS = {  # name: (latitude, fault)
    "对照站": ("29.10000", None),
    "超时站": ("29.20000", "timeout"),
    "错误页站": ("29.30000", "http500"),
    "乱码站": ("29.40000", "garbage"),
    "离谱站": ("29.50000", "implausible"),
}
EXPECTED_ERROR = {"timeout": "timeout", "http500": "HTTP 500", "garbage": "invalid JSON", "implausible": "implausible"}
TIMEOUT = 1.0


class FaultyOpenMeteo(FeedServer):
    """Answers each station by its latitude: good data, or the station's fault once ``broken`` is set."""

    def __init__(self):
        super().__init__()
        implausible = fixture_json("aq_heavy_pm25.json")
        implausible["hourly"]["pm2_5"] = [v * 20 if v is not None else None for v in implausible["hourly"]["pm2_5"]]
        self.bodies = {
            "good": {AQ_PATH: fixture_bytes("aq_clean.json"), WEATHER_PATH: fixture_bytes("weather_stagnant.json")},
            "implausible": {AQ_PATH: json.dumps(implausible).encode(), WEATHER_PATH: json.dumps(copy.deepcopy(implausible)).encode()},
        }
        self.broken = False
        self.faults = {lat: fault for lat, fault in STATIONS.values()}
        self.start()

    def answer(self, path: str, query: dict) -> Answer:
        latitude = query.get("latitude", [""])[0]
        fault = self.faults.get(latitude) if self.broken else None
        body = self.bodies["good"].get(path, b"{}")
        if fault == "timeout":
            return Answer(body=body, delay=TIMEOUT * 3)
        if fault == "http500":
            return Answer(status=500, content_type="text/html", body=b"<html><body><h1>500 Internal Server Error</h1></body></html>")
        if fault == "garbage":
            return Answer(body=body[: len(body) // 3])  # cut off mid-answer
        if fault == "implausible":
            return Answer(body=self.bodies["implausible"][path])
        return Answer(body=body)


def feed_rows(html: str) -> dict[str, tuple[bool, str]]:
    """The office dashboard's feed-health table: source → (row marked stale, its last cell)."""
    rows = {}
    for css, source, last in re.findall(
        r'<tr class="(stale|)"><td>([^<]+)</td><td>[^<]*</td><td>([^<]*)</td></tr>', html
    ):
        rows[source] = (css == "stale", last)
    return rows


def test_feeds_that_time_out_answer_500_or_garbage_show_as_errors_then_stale_and_propose_nothing(
    fault_db, redis_server, start_web, logdir, fault_report
):
    from events.models import Event
    from feeds.models import FetchRecord, Forecast, Proposal, Station
    from feeds.services import source_name

    people = People()
    stations = {
        name: Station.objects.create(name=name, latitude=Decimal(lat), longitude=Decimal("106.25000"), fetch_minutes=0)
        for name, (lat, _) in STATIONS.items()
    }
    feeds = FaultyOpenMeteo()
    env = stack_env(
        database_url=fault_db.url, redis_url=redis_server.url, secret_key=secret_key(),
        OPEN_METEO_AQ_URL=feeds.url + AQ_PATH, OPEN_METEO_WEATHER_URL=feeds.url + WEATHER_PATH,
        FEED_TIMEOUT_SECONDS=TIMEOUT,
        # No network retries here: a jittered retry could land inside a round and add an error record;
        # the rounds under test are the beat's. (Retries themselves are tested in tests/test_feeds_fetch.py.)
        FEED_FETCH_RETRIES=0,
    )
    fetcher = worker("worker", env, logdir, pool="prefork", concurrency=2)
    fetcher.spawn()
    web = start_web()
    fetcher.wait_ready()
    beat = Celery("faults-client", broker=redis_server.url, set_as_current=False)
    office = httpx.Client(base_url=web.url, timeout=30, cookies={"sessionid": people.cookie(people.office)})
    aq = {name: source_name("Open-Meteo AQ", s) for name, s in stations.items()}
    weather = {name: source_name("Open-Meteo weather", s) for name, s in stations.items()}
    stale_minutes = settings.FEED_STALE_MINUTES

    def records(status):
        return FetchRecord.objects.filter(status=status)

    try:
        beat.send_task("feeds.tasks.fetch_all_feeds")  # round 1: every feed answers well
        wait_for(lambda: records("ok").count() == 2 * len(STATIONS), timeout=20, what="the first round")
        first_round = list(records("ok").values_list("pk", flat=True))

        feeds.broken = True  # round 2: four feeds fail, each its own way
        beat.send_task("feeds.tasks.fetch_all_feeds")
        wait_for(lambda: records("error").count() == 4 and records("ok").count() == 2 * len(STATIONS) + 2,
                 timeout=20, what="the second round")
        fresh = office.get("/dashboard/office/", headers={"Accept-Language": "en"}).text

        # The first round happened longer ago than FEED_STALE_MINUTES: move its records back by that much.
        ago = timezone.now() - datetime.timedelta(minutes=stale_minutes + 1)
        FetchRecord.objects.filter(pk__in=first_round).update(started_at=ago, data_time=ago)
        page_en = office.get("/dashboard/office/", headers={"Accept-Language": "en"})
        page_zh = office.get("/dashboard/office/")
        assert page_en.status_code == page_zh.status_code == 200

        for _ in range(2):  # two beat rounds while still broken: FEED_STALE once per feed
            beat.send_task("feeds.tasks.fetch_all_feeds")
        wait_for(lambda: records("error").count() == 12, timeout=20, what="two more broken rounds")
        time.sleep(0.3)
    finally:
        fetcher.terminate()
        feeds.stop()

    # Every failure is a feed error, with what went wrong, announced to the command.
    for name, (_, fault) in STATIONS.items():
        errors = FetchRecord.objects.filter(source=aq[name], status="error")
        if fault is None:
            assert not errors.exists()
            continue
        assert errors.count() == 3
        assert all(EXPECTED_ERROR[fault] in e.error for e in errors), (fault, errors[0].error)
    failed = Event.objects.filter(type="feed.failed")
    assert failed.count() == 12 and {e.payload["source"] for e in failed} == {aq[n] for n, (_, f) in STATIONS.items() if f}
    assert max(e.payload["consecutive_failures"] for e in failed) == 3

    # Errors show at once; stale only after the configured age.
    rows_fresh, rows_en, rows_zh = feed_rows(fresh), feed_rows(page_en.text), feed_rows(page_zh.text)
    assert len(rows_fresh) == 2 * len(STATIONS) and not any(stale for stale, _ in rows_fresh.values())
    for name, (_, fault) in STATIONS.items():
        if fault is None:
            assert rows_en[aq[name]] == (False, "") and rows_en[weather[name]] == (False, "")
            continue
        assert rows_fresh[aq[name]] == (False, "1 failure")
        assert rows_en[aq[name]] == (True, "1 failure · stale")
        assert rows_en[weather[name]] == (True, " · stale")  # its weather was not read again: old too
        for source in (aq[name], weather[name]):  # the same in Chinese: 已过期
            assert rows_zh[source][0] and rows_zh[source][1].endswith("已过期"), rows_zh[source]
    assert "stale" not in "".join(last for _, last in rows_zh.values())
    stale_events = Event.objects.filter(type="feed.stale")
    assert sorted(e.payload["source"] for e in stale_events) == sorted(
        s for n, (_, f) in STATIONS.items() if f for s in (aq[n], weather[n])
    )  # one per stale feed, though two rounds checked

    # Nothing was proposed from bad data; only good answers were stored.
    assert not Proposal.objects.exists()
    assert set(Forecast.objects.values_list("source", flat=True)) == set(aq.values())
    assert not Forecast.objects.filter(days__contains=[{"aqi_level": 6}]).exists()
    fault_report["6_feed_faults"] = {
        "stations": len(STATIONS),
        "faults": [f for _, f in STATIONS.values() if f],
        "rounds": 4,
        "feed_errors_recorded": FetchRecord.objects.filter(status="error").count(),
        "feed_failed_events": failed.count(),
        "stale_rows_on_office_dashboard": sum(stale for stale, _ in rows_en.values()),
        "feed_stale_events": stale_events.count(),
        "stale_minutes": stale_minutes,
        "proposals": Proposal.objects.count(),
        "http_requests_to_feed_server": len(feeds.requests),
    }
