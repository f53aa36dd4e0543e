"""Deadlines and escalation through a real Celery worker on Redis, and their idempotence.

Time passing is simulated by moving acknowledgement deadlines into the past; everything
else is real: the beat task is sent to Redis, a separate worker process runs it, the
notifications go out through the file transport (one file per idempotency key).
"""

import datetime

import pytest
from django.utils import timezone

from events.models import Event
from responses.models import Notification, TaskAssignment
from responses.services import assignment_acknowledge
from responses.tasks import escalate_overdue
from tests.factories import alert_issue
from tests.processes import start_worker, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.basis_rule]


@pytest.fixture(scope="module")
def module_outbox(tmp_path_factory):
    return tmp_path_factory.mktemp("escalation") / "outbox"


@pytest.fixture(scope="module")
def module_worker(django_db_setup, django_db_blocker, module_outbox):
    """One worker for the module (starting one costs seconds): each test starts with its log and outbox empty,
    every task of the test before it having run (each test waits for its last round)."""
    with django_db_blocker.unblock():
        proc = start_worker(
            NOTIFICATION_TRANSPORT="responses.transports.FileTransport",
            NOTIFICATION_OUTBOX=str(module_outbox),
            ESCALATE_AFTER_MINUTES="15",
        )
    yield proc
    stop(proc)


@pytest.fixture
def outbox(module_outbox):
    if module_outbox.exists():
        for path in module_outbox.iterdir():
            path.unlink()
    return module_outbox


@pytest.fixture
def worker(roster, module_worker, outbox):
    module_worker.log.clear()
    return module_worker


def _late(assignments, minutes):
    TaskAssignment.objects.filter(pk__in=[a.pk for a in assignments]).update(
        ack_deadline=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def test_overdue_tasks_are_reminded_then_escalated_once_each_through_a_real_worker(office, member, other_member, worker, outbox):
    alert_issue(actor=office, level="yellow", reason="黄色预警")
    mine = list(TaskAssignment.objects.filter(unit=member.unit).order_by("id"))
    theirs = list(TaskAssignment.objects.filter(unit=other_member.unit).order_by("id"))
    _late(mine, minutes=5)  # past the deadline: a reminder to the unit
    _late(theirs, minutes=30)  # past the deadline and the grace: a reminder, then an escalation
    assignment_acknowledge(assignment=mine[0], actor=member)  # acknowledged in time for nothing to be sent
    late = len(mine) - 1 + len(theirs)

    # Two beat rounds in flight at once (as with two schedulers by mistake), then a third later.
    escalate_overdue.delay()
    escalate_overdue.delay()
    expected = late + len(theirs)  # reminders + escalations
    sent = Notification.objects.filter(sent_at__isnull=False)
    wait_for(lambda: sent.count() == expected, what=f"{expected} notifications sent\n" + "".join(worker.log[-30:]))
    escalate_overdue.delay()
    wait_for(lambda: sum("escalate_overdue" in line and "succeeded" in line for line in worker.log) == 3, what="third round")

    assert Notification.objects.count() == expected
    assert sorted(p.name for p in outbox.iterdir()) == sorted(
        f"{n.idempotency_key.replace(':', '_')}.json" for n in Notification.objects.all()
    )
    reminders = Notification.objects.filter(kind="reminder")
    assert set(reminders.values_list("assignment_id", flat=True)) == {a.pk for a in mine[1:] + theirs}
    escalations = Notification.objects.filter(kind="escalation")
    assert set(escalations.values_list("assignment_id", flat=True)) == {a.pk for a in theirs}
    assert all(member.email in n.recipients for n in reminders.filter(assignment__unit=member.unit))
    assert all(office.email in n.recipients for n in escalations)

    overdue_events = Event.objects.filter(type="assignment.overdue")
    assert overdue_events.count() == late
    assert set(overdue_events.values_list("unit_id", flat=True)) == {member.unit_id, other_member.unit_id}
    assert Event.objects.filter(type="assignment.escalated", audience="command").count() == len(theirs)
    mine[0].refresh_from_db()
    assert mine[0].reminded_at is None


def test_an_unsent_notification_is_sent_by_the_next_round(office, member, worker, outbox):
    """A notification committed but never queued (the worker died in between) goes out once, later."""
    alert_issue(actor=office, level="yellow", reason="黄色预警")
    task = TaskAssignment.objects.filter(unit=member.unit).first()
    notification = Notification.objects.create(
        assignment=task, kind="reminder", idempotency_key=f"reminder:{task.pk}", recipients=["x"], message="m"
    )
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    escalate_overdue.delay()
    wait_for(lambda: Notification.objects.get(pk=notification.pk).sent_at is not None, what="the orphan sent")
    escalate_overdue.delay()
    wait_for(lambda: sum("escalate_overdue" in line and "succeeded" in line for line in worker.log) == 2, what="second round")
    assert [p.name for p in outbox.iterdir()] == [f"reminder_{task.pk}.json"]
