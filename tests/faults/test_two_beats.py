"""Fault 5: two beat schedulers running by mistake.

Two ``celery beat`` processes (``tests.faults.beat_app``: escalation and the feeds round
every second each) feed two workers (prefork, two pool processes each) on one Redis and
one database. 30 tasks are overdue past the escalation grace (each due a reminder and
an escalation) and one station forecasts three heavy PM2.5 days (a local HTTP server
playing Open-Meteo). However often the escalation and the fetch run, and however they
overlap, each reminder and escalation is claimed, audited, announced and sent once,
and the forecast makes one proposal.
"""

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
import redis
from django.utils import timezone

from tests.faults.conftest import People, secret_key
from tests.faults.support import beat, stack_env, terminate_all, wait_for, worker
from tests.test_feeds_support import AQ_PATH, WEATHER_PATH, FeedServer

pytestmark = pytest.mark.slow

OVERDUE = 30
ROUNDS = 3  # each beat sends at least this many of each task


def test_two_beat_schedulers_send_no_duplicate_reminders_and_make_no_duplicate_proposals(
    fault_db, redis_server, logdir, fault_report
):
    from alerts.services import alert_create
    from events.models import AuditEntry, Event
    from feeds.models import FetchRecord, Forecast, Proposal, Station
    from responses.models import Notification, TaskAssignment

    people = People()
    alert_create(actor=people.office, level="yellow", reason="燃烧")
    overdue = list(TaskAssignment.objects.order_by("unit__order", "id").values_list("pk", flat=True)[:OVERDUE])
    TaskAssignment.objects.filter(pk__in=overdue).update(ack_deadline=timezone.now() - timedelta(minutes=30))
    Station.objects.create(name="几江街道", latitude=Decimal("29.28300"), longitude=Decimal("106.25000"), fetch_minutes=0)
    feeds = FeedServer().start()
    feeds.reset()  # three heavy PM2.5 days, stagnant weather

    outbox = logdir / "outbox"
    env = stack_env(
        database_url=fault_db.url, redis_url=redis_server.url, secret_key=secret_key(),
        NOTIFICATION_TRANSPORT="responses.transports.FileTransport", NOTIFICATION_OUTBOX=outbox,
        OPEN_METEO_AQ_URL=feeds.url + AQ_PATH, OPEN_METEO_WEATHER_URL=feeds.url + WEATHER_PATH,
        FEED_TIMEOUT_SECONDS=5, ESCALATION_INTERVAL_SECONDS=1, FAULTS_FETCH_EVERY=1,
    )
    workers = [worker(f"worker-{i}", env, logdir, pool="prefork", concurrency=2) for i in (1, 2)]
    beats = [beat(f"beat-{i}", env, logdir) for i in (1, 2)]
    broker = redis.Redis.from_url(redis_server.url)

    def sent(process, entry):
        return process.log_text().count(f"Sending due task {entry}")

    try:
        for p in workers + beats:
            p.spawn()
        for p in workers + beats:
            p.wait_ready()
        wait_for(
            lambda: all(sent(b, e) >= ROUNDS for b in beats for e in ("escalate-overdue-assignments", "fetch-feeds")),
            timeout=30, what=f"{ROUNDS} rounds from each beat",
        )
        terminate_all(beats)
        quiet = []

        def drained():
            idle = broker.llen("celery") == 0 and broker.hlen("unacked") == 0
            quiet.append(idle)
            return len(quiet) >= 5 and all(quiet[-5:])

        wait_for(drained, timeout=20, what="the workers to finish every task", interval=0.1)
    finally:
        terminate_all(beats + workers)
        feeds.stop()

    rounds = {b.name: {e: sent(b, e) for e in ("escalate-overdue-assignments", "fetch-feeds")} for b in beats}
    ran = {w.name: Counter(re.findall(r"Task (responses\.tasks\.escalate_overdue|feeds\.tasks\.fetch_station|"
                                      r"feeds\.tasks\.fetch_all_feeds)\[[^\]]+\] succeeded", w.log_text()))
           for w in workers}
    claimed = [
        (int(r), int(e))
        for w in workers
        for r, e in re.findall(r"escalate_overdue\[[^\]]+\] succeeded in [\d.e-]+s: \{'reminded': (\d+), 'escalated': (\d+)\}",
                               w.log_text())
    ]
    assert len(claimed) >= 2 * ROUNDS  # every round of both beats ran, on either worker
    assert sum(r for r, _ in claimed) == OVERDUE and sum(e for _, e in claimed) == OVERDUE

    notifications = Notification.objects.all()
    assert notifications.count() == 2 * OVERDUE and not notifications.filter(sent_at=None).exists()
    assert Counter(notifications.values_list("kind", flat=True)) == {"reminder": OVERDUE, "escalation": OVERDUE}
    assert len(list(outbox.iterdir())) == 2 * OVERDUE  # each unit reminded once, the command told once per task
    for action in ("remind", "escalate"):
        per_task = Counter(AuditEntry.objects.filter(action=action).values_list("target_id", flat=True))
        assert per_task == dict.fromkeys(overdue, 1), action
    assert Event.objects.filter(type="assignment.overdue").count() == OVERDUE
    assert Event.objects.filter(type="assignment.escalated").count() == OVERDUE

    proposals = list(Proposal.objects.all())
    assert len(proposals) == 1 and (proposals[0].kind, proposals[0].level) == ("issue", "orange")
    assert Event.objects.filter(type="proposal.created").count() == 1
    assert AuditEntry.objects.filter(action="propose").count() == 1
    fetches = sum(ran[w.name]["feeds.tasks.fetch_station"] for w in workers)
    assert fetches >= 2 * ROUNDS
    fault_report["5_two_beats"] = {
        "beats": len(beats),
        "workers": len(workers),
        "beat_rounds_sent": rounds,
        "escalation_runs": len(claimed),
        "claimed_per_run_reminded_escalated": claimed,
        "escalation_runs_per_worker": {w.name: ran[w.name]["responses.tasks.escalate_overdue"] for w in workers},
        "overdue_tasks": OVERDUE,
        "reminders": OVERDUE,
        "escalations": OVERDUE,
        "outbox_files": len(list(outbox.iterdir())),
        "station_fetches": fetches,
        "fetch_records_ok": FetchRecord.objects.filter(status="ok").count(),
        "forecasts_stored": Forecast.objects.count(),
        "proposals": len(proposals),
    }
