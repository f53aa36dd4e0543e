"""End to end through a real Celery worker on Redis: beat's task → fetch → forecast → one orange proposal.

The worker is a separate process (``celery -A command_center worker -P solo``) on the
test database (``transactional_db``, so it sees what the test commits and the test
sees what it commits). Open-Meteo is the local fixture server, serving three days of
heavy PM2.5.
"""

import time

import pytest

from events.choices import EventType
from events.models import Event
from feeds.choices import FetchStatus
from feeds.models import FetchRecord, Forecast, Proposal
from feeds.tasks import fetch_all_feeds
from tests.processes import start_worker, stop, wait_for
from tests.test_feeds_support import AQ_PATH, WEATHER_PATH, feed_server, open_meteo, station  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


@pytest.fixture
def worker(transactional_db, open_meteo):
    proc = start_worker(
        OPEN_METEO_AQ_URL=open_meteo.url + AQ_PATH,
        OPEN_METEO_WEATHER_URL=open_meteo.url + WEATHER_PATH,
        FEED_TIMEOUT_SECONDS="5",
    )
    yield proc
    stop(proc)


# Only the tables this test writes are emptied afterwards (TRUNCATE … CASCADE): much faster
# than flushing the whole database and re-creating every permission and role group.
@pytest.mark.django_db(transaction=True, available_apps=["feeds", "events"])
def test_three_days_of_heavy_pm25_through_a_real_worker_propose_orange_once(worker, station):
    station.fetch_minutes = 0  # due at every beat round, so the second round fetches again
    station.save()

    fetch_all_feeds.delay()
    wait_for(Proposal.objects.exists, what="a proposal\n" + "".join(worker.log[-40:]))

    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.level, proposal.status) == ("issue", "orange", "open")
    assert proposal.dedupe_key == "issue:orange:2026-12-09"
    assert proposal.criteria == "环大气〔2024〕6号"
    assert [d["aqi"] for d in proposal.forecast.days] == [110, 169, 186, 175, 70]

    # Beat's next round: the same answer again. It is fetched and recorded, and proposes nothing new.
    fetch_all_feeds.delay()
    ok = FetchRecord.objects.filter(source__startswith="Open-Meteo AQ", status=FetchStatus.OK)
    wait_for(lambda: ok.count() == 2, what="the second fetch")
    wait_for(lambda: FetchRecord.objects.filter(status=FetchStatus.OK).count() == 4, what="the weather fetch")
    time.sleep(0.3)  # let the task finish its transaction
    assert Proposal.objects.count() == 1
    assert Forecast.objects.count() == 1
    assert Event.objects.filter(type=EventType.PROPOSAL_CREATED).count() == 1
