"""Issue 17 acceptance: the person on duty receives an escalation before anyone else, through a real
Celery worker and the file transport (as tests/test_escalation.py)."""

import datetime
import json

import pytest
from django.utils import timezone

from alerts.services import alert_create
from duty.services import shift_create
from responses.models import Notification, TaskAssignment
from responses.tasks import escalate_overdue
from tests.processes import start_worker, stop, wait_for
from units.services import user_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(roster, tmp_path):
    proc = start_worker(
        NOTIFICATION_TRANSPORT="responses.transports.FileTransport",
        NOTIFICATION_OUTBOX=str(tmp_path / "outbox"),
        ESCALATE_AFTER_MINUTES="15",
    )
    yield proc
    stop(proc)


def test_the_person_on_duty_receives_an_escalation_before_anyone_else(office, leader, leader2, member, worker, tmp_path, roster):
    office2 = user_create(username="office2", role="office", password="x", unit=roster["office"], email="office2@example.test")
    now = timezone.now()
    shift_create(actor=office, starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=23),
                 officer=office2, officer_phone="19955500901", leader=leader2, leader_phone="19955500951")
    alert_create(actor=office, level="yellow", reason="黄色预警")
    late = TaskAssignment.objects.filter(unit=member.unit).order_by("id").first()
    TaskAssignment.objects.filter(pk=late.pk).update(ack_deadline=now - datetime.timedelta(minutes=30))
    TaskAssignment.objects.exclude(pk=late.pk).update(ack_deadline=now + datetime.timedelta(hours=1))

    escalate_overdue.delay()
    escalations = Notification.objects.filter(kind="escalation", sent_at__isnull=False)
    wait_for(lambda: escalations.count() == 2, what="both escalations sent\n" + "".join(worker.log[-30:]))

    first = Notification.objects.get(idempotency_key=f"escalation:{late.pk}:duty")
    rest = Notification.objects.get(idempotency_key=f"escalation:{late.pk}")
    assert first.recipients == ["office2@example.test", "leader2@example.test"]
    assert sorted(rest.recipients) == sorted([office.email, leader.email])
    assert first.sent_at <= rest.sent_at
    outbox = {json.loads(p.read_text())["key"]: p.stat().st_mtime_ns for p in (tmp_path / "outbox").iterdir()}
    assert outbox[first.idempotency_key] <= outbox[rest.idempotency_key]
