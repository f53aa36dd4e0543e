"""Issue 17 item 4: the on-duty roster (值班表), who is on duty now on the office dashboard and the wall,
and escalations and feed failures to whoever is on duty first, then to the rest of the command."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from duty.models import Shift
from duty.selectors import on_duty_users, shift_current
from duty.services import shift_create, shift_delete, shifts_hand_over
from events.models import AuditEntry, Event
from responses.models import Notification
from responses.services import notification_send, notify_command
from units.services import user_create

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def _shift(actor, officer, leader, start=None, hours=24, **extra):
    start = start or timezone.now() - HOUR
    return shift_create(actor=actor, starts_at=start, ends_at=start + hours * HOUR, officer=officer,
                        officer_phone="199 5550 0901", leader=leader, leader_phone="19955500951", **extra)


@pytest.fixture
def office2(roster):
    return user_create(username="office2", role="office", password="x", unit=roster["office"], email="office2@example.test")


def test_the_office_adds_a_shift_normalised_audited_and_pushed_to_the_command(office, leader):
    shift = _shift(office, office, leader)
    assert (shift.officer_phone, shift.leader_phone) == ("199-5550-0901", "199-5550-0951")
    assert AuditEntry.objects.get(target_type="shift", target_id=shift.pk).action == "shift_create"
    assert Event.objects.get(type="duty.changed").audience == "command"
    assert shift_current() == shift and on_duty_users() == [office, leader]


@pytest.mark.parametrize("persona", ["leader", "member"])
def test_only_the_office_keeps_the_roster(request, persona, office, leader):
    with pytest.raises(PermissionDenied):
        _shift(request.getfixturevalue(persona), office, leader)
    assert not Shift.objects.exists()


def test_a_shift_that_overlaps_another_is_refused(office, leader):
    first = _shift(office, office, leader)
    with pytest.raises(ValidationError):
        _shift(office, office, leader, start=first.ends_at - HOUR)
    _shift(office, office, leader, start=first.ends_at)  # back to back is fine
    assert Shift.objects.count() == 2


@pytest.mark.parametrize(("swap", "phone", "hours", "field"), [
    (True, "19955500901", 24, "officer"),      # a leader cannot keep the office's watch
    (False, "023-0000-0001", 24, "officer_phone"),
    (False, "19955500901", 49, "ends_at"),
    (False, "19955500901", 0, "ends_at"),
])
def test_a_bad_shift_names_its_field_and_changes_nothing(office, leader, swap, phone, hours, field):
    officer, on_call = (leader, office) if swap else (office, leader)
    start = timezone.now()
    with pytest.raises(ValidationError) as caught:
        shift_create(actor=office, starts_at=start, ends_at=start + hours * HOUR, officer=officer, officer_phone=phone,
                     leader=on_call, leader_phone="19955500951")
    assert field in caught.value.message_dict
    assert not Shift.objects.exists()


def test_removing_a_shift_is_audited(office, leader):
    shift = _shift(office, office, leader)
    pk = shift.pk
    shift_delete(actor=office, shift=shift)
    assert not Shift.objects.exists() and shift_current() is None
    assert list(AuditEntry.objects.filter(target_type="shift", target_id=pk).values_list("action", flat=True).order_by("id")) \
        == ["shift_create", "shift_delete"]


def test_the_handover_at_a_shifts_start_is_pushed_once(office, leader):
    later = _shift(office, office, leader, start=timezone.now() + HOUR)
    before = Event.objects.filter(type="duty.changed").count()  # the shift's creation
    assert shifts_hand_over() == 0
    assert shifts_hand_over(now=later.starts_at + datetime.timedelta(seconds=5)) == 1
    assert shifts_hand_over(now=later.starts_at + datetime.timedelta(seconds=65)) == 0
    assert Event.objects.filter(type="duty.changed").count() == before + 1


# --- Screens -------------------------------------------------------------------------------------


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", ["/dashboard/office/?fragment=1", "/dashboard/wall/?fragment=1", "/duty/"])
def test_the_office_dashboard_the_wall_and_the_roster_show_who_is_on_duty_now(url, office, leader):
    _shift(office, office, leader)
    html = _client(leader).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="on-duty"' in html
    assert '<strong class="officer">office1</strong>' in html and "199-5550-0901" in html
    assert '<strong class="leader">leader1</strong>' in html and "199-5550-0951" in html


def test_the_screens_say_when_nobody_is_on_duty(office):
    html = _client(office).get("/dashboard/wall/?fragment=1", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "当前无值班安排" in html


def test_the_office_adds_a_shift_on_the_roster_page(office, leader):
    start = timezone.localtime() + HOUR
    answer = _client(office).post("/duty/", {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": (start + 24 * HOUR).strftime("%Y-%m-%dT%H:%M"),
        "officer": office.pk, "officer_phone": "19955500901", "leader": leader.pk, "leader_phone": "19955500951",
        "note": "",
    })
    assert answer.status_code == 302
    assert Shift.objects.get().officer == office


def test_an_overlapping_shift_on_the_page_is_a_form_message(office, leader):
    first = _shift(office, office, leader)
    start = timezone.localtime(first.starts_at) + HOUR
    answer = _client(office).post("/duty/", {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": (start + HOUR).strftime("%Y-%m-%dT%H:%M"),
        "officer": office.pk, "officer_phone": "19955500901", "leader": leader.pk, "leader_phone": "19955500951",
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200 and "This overlaps the shift" in answer.content.decode()
    assert Shift.objects.count() == 1


def test_leaders_read_the_roster_but_may_not_change_it(office, leader):
    shift = _shift(office, office, leader)
    client = _client(leader)
    assert client.get("/duty/").status_code == 200
    assert client.post("/duty/", {}).status_code == 403
    assert client.post(f"/duty/shifts/{shift.pk}/remove/").status_code == 403
    assert Shift.objects.filter(pk=shift.pk).exists()


def test_unit_members_do_not_see_the_roster(member):
    assert _client(member).get("/duty/").status_code == 403


# --- Duty first ----------------------------------------------------------------------------------


def test_with_a_shift_the_on_duty_pair_is_notified_first_and_the_rest_follow(office, office2, leader, leader2, settings,
                                                                              tmp_path, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_TRANSPORT = "responses.transports.FileTransport"
    settings.NOTIFICATION_OUTBOX = tmp_path
    from responses.transports import get_transport

    get_transport.cache_clear()
    _shift(office, office, leader)
    with django_capture_on_commit_callbacks() as queued:
        first, rest = notify_command(kind="feed_failure", key="feed_failure:1", message="feed down")
    assert len(queued) == 2  # both sends are queued after the commit
    assert (first.recipients, rest.follows) == ([office.email, leader.email], first)
    assert sorted(rest.recipients) == sorted([office2.email, leader2.email])

    assert notification_send(notification_id=rest.pk) is False  # held until the person on duty has it
    assert list(tmp_path.iterdir()) == []
    assert notification_send(notification_id=first.pk) is True
    assert notification_send(notification_id=rest.pk) is True
    sent = {json.loads(p.read_text())["key"]: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert sent["feed_failure:1:duty"] <= sent["feed_failure:1"]
    get_transport.cache_clear()


def test_the_rest_of_the_command_is_not_held_for_ever_by_a_failing_duty_send(office, office2, leader, settings):
    _shift(office, office, leader)
    first, rest = notify_command(kind="feed_failure", key="feed_failure:2", message="feed down")
    Notification.objects.filter(pk=rest.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=settings.DUTY_FIRST_WAIT_MINUTES, seconds=1))
    assert notification_send(notification_id=rest.pk) is True
    assert Notification.objects.get(pk=first.pk).sent_at is None


def test_without_a_shift_the_whole_command_is_notified_at_once(office, leader):
    (only,) = notify_command(kind="feed_failure", key="feed_failure:3", message="feed down")
    assert only.follows is None and sorted(only.recipients) == sorted([office.email, leader.email])


def test_the_third_failure_in_a_row_of_a_feed_notifies_the_command_once(office, office2, leader, settings):
    from feeds.choices import FetchStatus
    from feeds.services import fetch_record

    settings.FEED_FAILURES_NOTIFY = 3
    _shift(office, office, leader)
    for _ in range(5):
        fetch_record(source="Open-Meteo AQ · test", station=None, status=FetchStatus.ERROR, error="timeout")
    notes = Notification.objects.filter(kind="feed_failure").order_by("id")
    assert [n.idempotency_key.endswith(":duty") for n in notes] == [True, False]
    assert notes[0].recipients == [office.email, leader.email] and notes[1].follows == notes[0]
    assert notes[1].recipients == [office2.email]
