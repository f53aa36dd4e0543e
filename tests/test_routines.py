"""Issue 17 item 6: the office's standing duties, scheduled with due days, each round recorded done and the
next one opened; reminders ahead of the due day and one escalation of a late round (claimed once)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from events.models import AuditEntry
from responses.models import Notification
from routines import services
from routines.models import Occurrence

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(y, m, d, h=10):
    return datetime.datetime(y, m, d, h, tzinfo=SHANGHAI)


def test_months_are_added_on_the_calendar_clamped_to_the_months_end():
    assert services.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert services.add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert services.add_months(datetime.date(2026, 12, 15), 12) == datetime.date(2027, 12, 15)


def _monthly(office, first_due=datetime.date(2027, 1, 31)):
    with time_machine.travel(at(2026, 12, 1), tick=False):
        return services.routine_create(actor=office, title="通讯录和值班电话核对", kind="contacts", frequency="monthly",
                                       first_due=first_due, remind_days=3)


def test_the_office_schedules_a_duty_and_each_round_done_opens_the_next(office):
    routine = _monthly(office)
    first = Occurrence.objects.get(routine=routine)
    assert first.due_on == datetime.date(2027, 1, 31)
    with time_machine.travel(at(2027, 1, 30), tick=False):
        services.occurrence_complete(occurrence=first, actor=office, note="已核对50个单位")
        services.occurrence_complete(occurrence=first, actor=office, note="再次提交")  # done already: nothing
    rounds = list(Occurrence.objects.filter(routine=routine).values_list("due_on", "status"))
    # From the schedule's first day: 31 January, then the end of February, then 31 March (no drift to the 28th).
    assert rounds == [(datetime.date(2027, 1, 31), "done"), (datetime.date(2027, 2, 28), "open")]
    second = Occurrence.objects.get(routine=routine, status="open")
    services.occurrence_complete(occurrence=second, actor=office, note="已核对")
    assert Occurrence.objects.get(routine=routine, status="open").due_on == datetime.date(2027, 3, 31)
    assert AuditEntry.objects.filter(action="occurrence_complete", actor=office).count() == 2


def test_only_the_office_keeps_the_duties_and_bad_input_names_its_field(office, leader, member):
    for actor in (leader, member):
        with pytest.raises(PermissionDenied):
            services.routine_create(actor=actor, title="x", kind="drill", frequency="yearly", first_due=datetime.date(2027, 1, 1))
    with pytest.raises(ValidationError) as refused:
        services.routine_create(actor=office, title="", kind="party", frequency="weekly", first_due="2027-01-01",
                                remind_days=-1)
    assert set(refused.value.message_dict) == {"title", "kind", "frequency", "first_due", "remind_days"}
    first = Occurrence.objects.get(routine=_monthly(office))
    with pytest.raises(ValidationError):
        services.occurrence_complete(occurrence=first, actor=office, note=" ")


def test_a_round_is_reminded_ahead_and_escalated_once_when_late(office, leader):
    routine = _monthly(office, first_due=datetime.date(2027, 1, 20))
    with time_machine.travel(at(2027, 1, 16), tick=False):
        assert services.routines_run() == {"opened": 0, "reminded": 0, "escalated": 0}
    with time_machine.travel(at(2027, 1, 17), tick=False):
        assert services.routines_run() == {"opened": 0, "reminded": 1, "escalated": 0}
        assert services.routines_run() == {"opened": 0, "reminded": 0, "escalated": 0}
    with time_machine.travel(at(2027, 1, 20, 23), tick=False):
        assert services.routines_run()["escalated"] == 0
    with time_machine.travel(at(2027, 1, 21, 0), tick=False):
        assert services.routines_run()["escalated"] == 1
        assert services.routines_run()["escalated"] == 0
    occurrence = Occurrence.objects.get(routine=routine)
    remind = Notification.objects.get(idempotency_key=f"routine:remind:{occurrence.pk}")
    assert remind.recipients == [office.email]
    escalation = Notification.objects.get(idempotency_key=f"routine:escalate:{occurrence.pk}")
    assert sorted(escalation.recipients) == sorted([office.email, leader.email])


def test_the_beat_opens_a_round_for_a_duty_without_one(office):
    routine = _monthly(office)
    Occurrence.objects.filter(routine=routine).update(status="done")
    with time_machine.travel(at(2027, 2, 1), tick=False):
        assert services.routines_run()["opened"] == 1
        assert services.routines_run()["opened"] == 0
    assert Occurrence.objects.get(routine=routine, status="open").due_on == datetime.date(2027, 2, 28)


def test_pages_and_api(office, leader, member, api_as):
    client = Client()
    client.force_login(office)
    created = client.post("/routines/", {"title": "年度应急演练", "kind": "drill", "frequency": "yearly",
                                         "first_due": "2027-03-01", "remind_days": "14", "notes": ""})
    assert created.status_code == 302
    occurrence = Occurrence.objects.get(routine__title="年度应急演练")
    assert 'data-due="2027-03-01"' in client.get("/routines/").content.decode()
    assert client.post(f"/routines/rounds/{occurrence.pk}/complete/", {"note": "已组织演练"}).status_code == 302
    assert Occurrence.objects.get(routine__title="年度应急演练", status="open").due_on == datetime.date(2028, 3, 1)
    assert api_as(leader).get("/api/routine-rounds/?status=done").json()["count"] == 1
    opened = Occurrence.objects.get(routine__title="年度应急演练", status="open")
    assert api_as(leader).post(f"/api/routine-rounds/{opened.pk}/complete/", {"note": "x"}, format="json").status_code == 403
    assert api_as(office).post(f"/api/routine-rounds/{opened.pk}/complete/", {"note": ""}, format="json").status_code == 400
    assert api_as(office).post(f"/api/routine-rounds/{opened.pk}/complete/", {"note": "x", "training_record": 999999},
                               format="json").status_code == 400
    assert api_as(member).get("/api/routines/").status_code == 403
    client.force_login(member)
    assert client.get("/routines/").status_code == 403
