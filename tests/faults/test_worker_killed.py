"""Fault 3: the Celery worker killed (kill -9) in the middle of sending a reminder.

A real worker (prefork, one pool process) runs ``responses.tasks.escalate_overdue``
for two overdue tasks, which queues three notifications (two reminders to the unit,
one escalation to the command) through ``tests.faults.slow_transport`` (pauses around a
``FileTransport`` send; one outbox file per idempotency key). The first send is killed
twice:

1. its pool process gets SIGKILL before the send: ``reject_on_worker_lost`` puts the
   message back at once and a new pool process runs it again;
2. the whole worker (master and pool) gets SIGKILL after the send, before ``sent_at``
   is stored: the message stays unacknowledged in Redis, and a second worker started
   after the visibility timeout (``CELERY_VISIBILITY_TIMEOUT=2``) gets it again. The
   transport sees the key already delivered and does nothing; ``sent_at`` is stored.

The unit is notified exactly once: one outbox file per key.
"""

import json
import os
import signal
import time
from datetime import timedelta
from typing import NamedTuple

import pytest
import redis
from celery import Celery
from django.utils import timezone

from tests.faults.conftest import People, secret_key
from tests.faults.support import stack_env, wait_for, worker

pytestmark = pytest.mark.slow

VISIBILITY = 2


class Step(NamedTuple):
    t: float
    pid: int
    step: str
    key: str


def read_trace(path) -> list[Step]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        t, pid, step, key = line.split(" ", 3)
        rows.append(Step(float(t), int(pid), step, key))
    return rows


def test_worker_killed_mid_notification_runs_the_task_again_and_notifies_the_unit_once(
    fault_db, redis_server, logdir, fault_report
):
    from alerts.services import alert_create
    from events.models import AuditEntry
    from responses.models import Notification, TaskAssignment

    people = People()
    alert_create(actor=people.office, level="yellow", reason="燃烧")
    late, later = TaskAssignment.objects.filter(unit=people.members["street-jijiang"].unit).order_by("id")[:2]
    now = timezone.now()
    TaskAssignment.objects.filter(pk=late.pk).update(ack_deadline=now - timedelta(minutes=1))  # reminder
    TaskAssignment.objects.filter(pk=later.pk).update(ack_deadline=now - timedelta(minutes=30))  # reminder + escalation

    outbox, trace = logdir / "outbox", logdir / "trace.txt"
    env = stack_env(
        database_url=fault_db.url, redis_url=redis_server.url, secret_key=secret_key(),
        NOTIFICATION_TRANSPORT="tests.faults.slow_transport.SlowFileTransport", NOTIFICATION_OUTBOX=outbox,
        FAULTS_TRACE=trace, FAULTS_SEND_SECONDS="0.5", CELERY_VISIBILITY_TIMEOUT=VISIBILITY,
    )
    first_worker = worker("worker-a", env, logdir, pool="prefork", concurrency=1)
    second_worker = worker("worker-b", env, logdir, pool="solo")
    broker = redis.Redis.from_url(redis_server.url)
    try:
        first_worker.start()
        Celery("faults-client", broker=redis_server.url, set_as_current=False).send_task(
            "responses.tasks.escalate_overdue"
        )
        begun = wait_for(lambda: [s for s in read_trace(trace) if s.step == "begin"], timeout=20,
                         what="the first send\n" + first_worker.log_text()[-2000:])
        victim, pool_pid = begun[0].key, begun[0].pid
        assert pool_pid in first_worker.children()
        os.kill(pool_pid, signal.SIGKILL)  # 1. the pool process dies before the send

        wait_for(lambda: any(s.step == "delivered" and s.key == victim for s in read_trace(trace)), timeout=20,
                 what="the send to run again in a new pool process")
        first_worker.kill9()  # 2. the whole worker dies after the send, before sent_at is stored
        killed_at = time.time()
        notification = Notification.objects.get(idempotency_key=victim)
        assert notification.sent_at is None and notification.attempts == 2
        unacked = broker.zrange("unacked_index", 0, -1, withscores=True)
        assert unacked, "the interrupted task should be waiting in Redis, unacknowledged"
        handed_out = max(score for _, score in unacked)
        time.sleep(max(0.0, handed_out + VISIBILITY + 0.3 - time.time()))
        second_worker.start()
        wait_for(lambda: Notification.objects.count() == 3 and not Notification.objects.filter(sent_at=None).exists(),
                 timeout=30, what="every notification sent\n" + second_worker.log_text()[-2000:])
        redelivered_after = time.time() - killed_at
    finally:
        first_worker.kill9()
        second_worker.terminate()

    steps = read_trace(trace)
    notifications = list(Notification.objects.order_by("id"))
    files = sorted(p.name for p in outbox.iterdir())
    assert files == sorted(f"{n.idempotency_key.replace(':', '_')}.json" for n in notifications)  # one file per key
    for n in notifications:
        assert json.loads((outbox / f"{n.idempotency_key.replace(':', '_')}.json").read_text())["key"] == n.idempotency_key
        assert n.sent_at is not None and n.last_error == ""
        assert [s.step for s in steps if s.key == n.idempotency_key].count("delivered") == 1
    runs = [s for s in steps if s.key == victim and s.step == "begin"]
    assert len(runs) == 3 and len({s.pid for s in runs}) == 3  # killed twice, ran three times in three processes
    assert [s.step for s in steps if s.key == victim].count("duplicate") == 1  # the third run found it delivered
    assert Notification.objects.get(idempotency_key=victim).attempts == 3
    assert {n.kind for n in notifications} == {"reminder", "escalation"}
    assert AuditEntry.objects.filter(action="remind").count() == 2
    assert AuditEntry.objects.filter(action="escalate").count() == 1
    fault_report["3_worker_killed"] = {
        "notifications": len(notifications),
        "outbox_files": len(files),
        "kills": 2,
        "victim": victim,
        "victim_runs": len(runs),
        "victim_attempts": 3,
        "visibility_timeout_seconds": VISIBILITY,
        "redelivered_and_sent_seconds_after_kill": round(redelivered_after, 1),
    }
