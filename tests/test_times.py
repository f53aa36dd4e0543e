"""Time is part of a warning (issue 12 item 8): the start and the planned end are validated at every
entry, the response and its tasks take effect at the start, a lift may be scheduled, and at its planned
end a warning ends by itself (a beat step claimed once, audited as the platform, pushed), with the public
page, CAP and Atom following.

Time passing is simulated by moving a stored time into the past (as tests/test_escalation.py does with
deadlines); everything else runs as in production.
"""

import datetime
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from alerts.choices import Status
from alerts.models import Alert
from alerts.services import alert_approve, alert_lift, alerts_end_due
from alerts.tasks import end_due_alerts
from events.choices import EventType
from events.models import AuditEntry, Event
from feeds import services as feeds_services
from feeds.choices import Provider
from foundation.errors import ActionRefused
from responses.choices import ack_minutes
from responses.models import Response, TaskAssignment
from responses.services import assignments_escalate_overdue
from tests.factories import alert_issue

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "CAP-v1.2.xsd")))
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2", "atom": "http://www.w3.org/2005/Atom"}

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]


def _now():
    return timezone.now()


def _iso(value: datetime.datetime) -> str:
    return value.isoformat()


def _local_input(value: datetime.datetime) -> str:
    """A datetime-local form value, as the browser sends it (local time, minutes)."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _cap(client, alert):
    answer = client.get(reverse("public-cap", args=[alert.pk]))
    assert answer.status_code == 200, answer.content
    doc = etree.fromstring(answer.content)
    SCHEMA.assertValid(doc)
    return doc


def _cap_times(doc):
    """``sent`` and each info's ``effective``/``expires`` (None when absent), as datetimes."""

    def parse(value):
        return datetime.datetime.fromisoformat(value) if value else None

    sent = parse(doc.findtext("cap:sent", namespaces=NS))
    infos = [
        (parse(info.findtext("cap:effective", namespaces=NS)), parse(info.findtext("cap:expires", namespaces=NS)))
        for info in doc.findall("cap:info", NS)
    ]
    return sent, infos


def _assert_cap_in_order(doc):
    sent, infos = _cap_times(doc)
    for effective, expires in infos:
        assert sent <= effective
        if expires is not None:
            assert effective <= expires


def _pass(alert, **fields):
    """Time passes: move the named stored times of ``alert`` into the past (no service is involved)."""
    Alert.objects.filter(pk=alert.pk).update(**fields)


# --- Validation at every entry ---


def test_api_refuses_a_start_more_than_the_grace_in_the_past(office, api_as, settings):
    settings.ALERT_START_GRACE_MINUTES = 5
    answer = api_as(office).post(
        "/api/alerts/", {"level": "yellow", "reason": "x", "starts_at": _iso(_now() - datetime.timedelta(minutes=10))},
        format="json",
    )
    assert answer.status_code == 400
    assert "starts_at" in answer.json()
    assert not Alert.objects.exists()


def test_api_refuses_a_planned_end_in_the_past(office, api_as):
    answer = api_as(office).post(
        "/api/alerts/", {"level": "yellow", "reason": "x", "ends_at": _iso(_now() - datetime.timedelta(minutes=1))},
        format="json",
    )
    assert answer.status_code == 400
    assert "ends_at" in answer.json()
    assert not Alert.objects.exists()


def test_api_refuses_a_proposal_whose_end_is_not_after_its_start(office, api_as):
    start = _now() + datetime.timedelta(hours=2)
    answer = api_as(office).post(
        "/api/alerts/",
        {"level": "red", "reason": "x", "starts_at": _iso(start), "ends_at": _iso(start - datetime.timedelta(hours=1))},
        format="json",
    )
    assert answer.status_code == 400
    assert "ends_at" in answer.json()
    assert not Alert.objects.exists()


def test_a_start_within_the_grace_takes_effect_at_the_issue(office, api_as):
    answer = api_as(office).post(
        "/api/alerts/", {"level": "yellow", "reason": "x", "starts_at": _iso(_now() - datetime.timedelta(minutes=2))},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    alert = Alert.objects.get()
    assert alert.starts_at == alert.issued_at
    assert Response.objects.get(alert=alert).started_at == alert.issued_at


def test_issue_form_refuses_a_start_long_past_and_creates_nothing(client, office):
    client.force_login(office)
    answer = client.post(
        reverse("alerts:new"),
        {"level": "yellow", "reason": "x", "starts_at": _local_input(_now() - datetime.timedelta(hours=1)), "confirm": "on"},
    )
    assert answer.status_code == 200
    assert "starts_at" in answer.context["form"].errors
    assert not Alert.objects.exists()


def test_issue_form_refuses_an_end_before_the_start(client, office):
    client.force_login(office)
    start = _now() + datetime.timedelta(days=1)
    answer = client.post(
        reverse("alerts:new"),
        {
            "level": "yellow", "reason": "x", "starts_at": _local_input(start),
            "ends_at": _local_input(start - datetime.timedelta(hours=3)), "confirm": "on",
        },
    )
    assert answer.status_code == 200
    assert "ends_at" in answer.context["form"].errors
    assert not Alert.objects.exists()


def test_issue_form_sets_the_start_and_the_tasks_take_effect_then(client, office, member):
    client.force_login(office)
    start = (_now() + datetime.timedelta(days=1)).replace(second=0, microsecond=0)
    answer = client.post(
        reverse("alerts:new"), {"level": "yellow", "reason": "x", "starts_at": _local_input(start), "confirm": "on"}
    )
    assert answer.status_code == 302
    alert = Alert.objects.get()
    assert (alert.status, alert.starts_at) == (Status.ISSUED, start)
    task = TaskAssignment.objects.filter(unit=member.unit).first()
    assert task.effective_from == start


# --- The response takes effect at the start ---


def test_tasks_are_assigned_at_issue_and_count_their_deadline_from_the_start(office, member, settings):
    start = _now() + datetime.timedelta(days=1)
    alert = alert_issue(actor=office, level="yellow", reason="自明日0时起", starts_at=start)
    response = Response.objects.get(alert=alert)
    assert response.started_at == start
    tasks = list(TaskAssignment.objects.filter(response=response, unit=member.unit))
    assert tasks
    for task in tasks:
        assert task.assigned_at <= alert.issued_at + datetime.timedelta(seconds=1)
        assert task.effective_from == start
        minutes = ack_minutes("III", task.template.ack_minutes)
        assert task.ack_deadline == start + datetime.timedelta(minutes=minutes)


def test_tasks_of_a_later_start_are_not_reminded_before_their_deadline(office, member):
    alert_issue(actor=office, level="yellow", reason="x", starts_at=_now() + datetime.timedelta(days=1))
    counts = assignments_escalate_overdue(now=_now() + datetime.timedelta(hours=3))
    assert counts == {"reminded": 0, "escalated": 0}


def test_a_higher_level_in_force_at_once_brings_a_later_starting_response_forward(office, leader, member):
    """A yellow "from tomorrow 0:00", then an orange at once: the response and the yellow's tasks apply now."""
    start = _now() + datetime.timedelta(days=1)
    yellow = alert_issue(actor=office, level="yellow", reason="自明日0时起", starts_at=start)
    kept = TaskAssignment.objects.filter(response__alert=yellow, unit=member.unit).order_by("id").first()
    wait = kept.ack_deadline - kept.effective_from
    orange = alert_issue(actor=leader, level="orange", reason="now")
    response = Response.objects.get(alert=orange)
    assert response.started_at == orange.starts_at < start
    kept.refresh_from_db()
    assert (kept.effective_from, kept.ack_deadline) == (orange.starts_at, orange.starts_at + wait)
    assert not TaskAssignment.objects.filter(response=response, effective_from__gt=orange.starts_at).exists()


def test_a_later_starting_upgrade_leaves_a_running_response_as_it_is(office, leader, member):
    yellow = alert_issue(actor=office, level="yellow", reason="now")
    started = Response.objects.get(alert=yellow).started_at
    orange = alert_issue(actor=leader, level="orange", reason="from tomorrow", starts_at=_now() + datetime.timedelta(days=1))
    assert Response.objects.get(alert=orange).started_at == started


def when_short(value) -> str:
    """What |when_short shows an English reader: 1 Dec 08:10 (local time)."""
    local = timezone.localtime(value)
    return f"{local.day} {local:%b %H:%M}"


def test_the_banner_shows_when_the_warning_takes_effect(client, office, member):
    start = _now() + datetime.timedelta(days=1)
    alert_issue(actor=office, level="yellow", reason="x", starts_at=start)
    client.force_login(member)
    page = client.get(reverse("dashboard-unit"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    banner = page[page.index('class="banner level-yellow"'):]
    banner = banner[:banner.index("</div>")]
    assert f"effective from {when_short(start)}" in banner  # 30 Nov 08:00, in local time


def test_unit_dashboard_and_warning_page_show_effective_from(client, office, member):
    start = _now() + datetime.timedelta(days=1)
    alert = alert_issue(actor=office, level="yellow", reason="x", starts_at=start)
    client.force_login(member)
    page = client.get(reverse("dashboard-unit"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    local = timezone.localtime(start)
    assert "生效时间" in page and f"{local.month}月{local.day}日 {local:%H:%M}" in page
    client.force_login(office)
    page = client.get(reverse("alerts:detail", args=[alert.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Effective from" in page and f"{local.day} {local:%b %Y}, {local:%H:%M}" in page


# --- Proposals from the feeds, and approvals after time has passed ---


def _proposal(first_day: datetime.date, aqis=(210, 120, 90)):
    days = [
        {"date": first_day + datetime.timedelta(days=i), "aqi": a, "primary_pollutants": ["pm2_5"]}
        for i, a in enumerate(aqis)
    ]
    _, proposal, _ = feeds_services.forecast_create(source="test", provider=Provider.PUSH, issued_at=_now(), days=days)
    return proposal


def test_a_proposal_for_a_later_day_takes_effect_at_that_days_midnight(office):
    first_day = timezone.localdate() + datetime.timedelta(days=2)
    alert = feeds_services.proposal_act(proposal=_proposal(first_day), actor=office)
    midnight = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time()))
    assert (alert.status, alert.starts_at) == (Status.ISSUED, midnight)
    assert set(TaskAssignment.objects.filter(response__alert=alert).values_list("effective_from", flat=True)) == {midnight}


def test_a_proposal_acted_on_during_its_first_day_takes_effect_at_once(office):
    alert = feeds_services.proposal_act(proposal=_proposal(timezone.localdate()), actor=office)
    assert alert.status == Status.ISSUED
    assert alert.starts_at == alert.issued_at


def test_approving_a_proposal_whose_start_has_passed_takes_effect_at_the_approval(client, office, leader, member):
    orange = alert_issue(actor=office, level="orange", reason="x", starts_at=_now() + datetime.timedelta(hours=1))
    requested = _now() - datetime.timedelta(hours=2)
    _pass(orange, starts_at=requested)  # the leaders decide three hours later
    alert_approve(alert=orange, actor=leader)
    orange.refresh_from_db()
    assert orange.status == Status.ISSUED
    assert orange.starts_at == orange.issued_at == orange.approved_at
    task = TaskAssignment.objects.filter(response__alert=orange, unit=member.unit).first()
    assert task.effective_from == orange.issued_at
    entry = AuditEntry.objects.get(target_type="alert", target_id=orange.pk, action="approve")
    assert entry.data["requested_start"] == requested.isoformat()
    _assert_cap_in_order(_cap(client, orange))


def test_approving_a_proposal_whose_planned_end_has_passed_is_refused(office, leader, api_as):
    red = alert_issue(
        actor=office, level="red", reason="x", starts_at=_now() + datetime.timedelta(minutes=30),
        ends_at=_now() + datetime.timedelta(hours=1),
    )
    _pass(red, starts_at=_now() - datetime.timedelta(hours=3), ends_at=_now() - datetime.timedelta(hours=1))
    answer = api_as(leader).post(f"/api/alerts/{red.pk}/approve/", {}, format="json")
    assert answer.status_code == 409
    red.refresh_from_db()
    assert red.status == Status.PENDING_APPROVAL
    assert not Response.objects.exists()


# --- CAP and Atom ---


def test_cap_of_a_later_start_is_effective_from_the_start(client, office):
    start = (_now() + datetime.timedelta(days=1)).replace(microsecond=0)
    end = start + datetime.timedelta(days=2)
    alert = alert_issue(actor=office, level="yellow", reason="x", starts_at=start, ends_at=end)
    doc = _cap(client, alert)
    sent, infos = _cap_times(doc)
    assert sent < start
    assert infos == [(start, end), (start, end)]


def test_cap_never_expires_before_it_is_sent(client, office):
    alert = alert_issue(actor=office, level="yellow", reason="x", ends_at=_now() + datetime.timedelta(hours=6))
    _assert_cap_in_order(_cap(client, alert))
    # A row from before the rule, with its end before its issue, still gives an ordered message.
    _pass(alert, ends_at=alert.issued_at - datetime.timedelta(hours=1))
    alert.refresh_from_db()
    _assert_cap_in_order(_cap(client, alert))


# --- Expiry: at its planned end the warning ends by itself ---


def test_a_yellow_ends_by_itself_at_its_planned_end(client, office, member):
    alert = alert_issue(actor=office, level="yellow", reason="x", ends_at=_now() + datetime.timedelta(hours=1))
    _pass(alert, ends_at=_now() - datetime.timedelta(seconds=35))
    last_event = Event.objects.order_by("-id").values_list("id", flat=True).first()

    assert end_due_alerts() == {"expired": 1, "lifted": 0}

    alert.refresh_from_db()
    assert alert.status == Status.LIFTED and alert.lifted_by is None
    entry = AuditEntry.objects.get(target_type="alert", target_id=alert.pk, action="expire")
    assert entry.actor is None and (entry.from_state, entry.to_state) == ("issued", "lifted")
    response = Response.objects.get(alert=alert)
    assert response.status == "ended"
    assert not TaskAssignment.objects.filter(response=response, stage="response", status="assigned").exists()
    pushed = set(Event.objects.filter(id__gt=last_event).values_list("type", flat=True))
    assert {EventType.ALERT_LIFTED, EventType.RESPONSE_CLOSED} <= pushed

    html = client.get(reverse("public-home")).content.decode()
    assert "pub-banner--yellow" not in html and "pub-banner--none" in html
    doc = _cap(client, alert)
    assert doc.findtext("cap:msgType", namespaces=NS) == "Cancel"
    feed = etree.fromstring(client.get(reverse("public-feed")).content)
    links = [link.get("href") for link in feed.iterfind("atom:entry/atom:link", NS)]
    assert any(href.endswith(f"/alerts/{alert.pk}/cap/2.xml") for href in links)


def test_a_red_awaiting_a_lift_decision_also_ends_at_its_planned_end(office, leader):
    red = alert_issue(actor=leader, level="red", reason="x", ends_at=_now() + datetime.timedelta(hours=1))
    alert_lift(alert=red, actor=office, reason="better")
    red.refresh_from_db()
    assert red.status == Status.LIFT_PENDING
    _pass(red, ends_at=_now() - datetime.timedelta(minutes=1))
    assert alerts_end_due() == {"expired": 1, "lifted": 0}
    red.refresh_from_db()
    assert red.status == Status.LIFTED


def test_the_public_page_drops_the_banner_at_the_planned_end_before_the_beat(client, office):
    alert = alert_issue(actor=office, level="yellow", reason="x", ends_at=_now() + datetime.timedelta(hours=1))
    assert "pub-banner--yellow" in client.get(reverse("public-home")).content.decode()
    _pass(alert, ends_at=_now() - datetime.timedelta(seconds=5))
    html = client.get(reverse("public-home")).content.decode()
    assert "pub-banner--yellow" not in html


def test_a_warning_before_its_end_is_left_alone(office):
    alert = alert_issue(actor=office, level="yellow", reason="x", ends_at=_now() + datetime.timedelta(hours=1))
    assert alerts_end_due() == {"expired": 0, "lifted": 0}
    alert.refresh_from_db()
    assert alert.status == Status.ISSUED


def test_the_beat_step_is_in_the_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "alerts.tasks.end_due_alerts" in tasks


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_end_a_warning_once(roster, office):
    alerts = [
        alert_issue(actor=office, level="yellow", reason="x", ends_at=_now() + datetime.timedelta(hours=1), area=f"区{i}")
        for i in range(3)
    ]
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(ends_at=_now() - datetime.timedelta(seconds=1))
    results, barrier = [], threading.Barrier(2)

    def beat():
        try:
            barrier.wait()
            results.append(alerts_end_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["expired"] for r in results) == 3
    assert AuditEntry.objects.filter(action="expire").count() == 3
    assert Event.objects.filter(type=EventType.ALERT_LIFTED).count() == 3
    assert Response.objects.filter(status="ended").count() == 3


# --- A scheduled lift ---


def test_office_schedules_a_yellow_lift_and_the_response_runs_until_then(office, member, api_as):
    alert = alert_issue(actor=office, level="yellow", reason="x")
    lift_at = _now() + datetime.timedelta(hours=4)
    answer = api_as(office).post(f"/api/alerts/{alert.pk}/lift/", {"reason": "自16时起解除", "lift_at": _iso(lift_at)}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["status"], datetime.datetime.fromisoformat(body["lift_at"])) == ("issued", lift_at)
    response = Response.objects.get(alert=alert)
    assert response.status == "active"
    assert alerts_end_due() == {"expired": 0, "lifted": 0}

    task = TaskAssignment.objects.filter(response=response, unit=member.unit).first()
    assert task.status == "assigned"
    _pass(alert, lift_at=_now() - datetime.timedelta(seconds=1))
    assert alerts_end_due() == {"expired": 0, "lifted": 1}
    alert.refresh_from_db()
    assert alert.status == Status.LIFTED and alert.lift_reason == "自16时起解除"
    entry = AuditEntry.objects.get(target_type="alert", target_id=alert.pk, action="scheduled_lift")
    assert entry.actor is None
    response.refresh_from_db()
    assert response.status == "ended"


def test_a_red_lift_for_later_is_a_request_the_leader_approves_and_the_beat_carries_out(office, leader):
    red = alert_issue(actor=leader, level="red", reason="x")
    alert_lift(alert=red, actor=office, reason="转好", lift_at=_now() + datetime.timedelta(hours=2))
    red.refresh_from_db()
    assert red.status == Status.LIFT_PENDING
    _pass(red, lift_at=_now() - datetime.timedelta(minutes=1))
    assert alerts_end_due() == {"expired": 0, "lifted": 0}  # not approved: not carried out
    _pass(red, lift_at=_now() + datetime.timedelta(hours=2))

    alert_approve(alert=red, actor=leader)
    red.refresh_from_db()
    assert red.status == Status.ISSUED and red.lift_at is not None
    assert Response.objects.get(alert=red).status == "active"
    _pass(red, lift_at=_now() - datetime.timedelta(seconds=1))
    assert alerts_end_due() == {"expired": 0, "lifted": 1}
    red.refresh_from_db()
    assert red.status == Status.LIFTED


def test_a_lift_time_long_past_or_after_the_planned_end_is_refused(office, api_as):
    alert = alert_issue(actor=office, level="yellow", reason="x", ends_at=_now() + datetime.timedelta(hours=3))
    client = api_as(office)
    past = client.post(f"/api/alerts/{alert.pk}/lift/", {"lift_at": _iso(_now() - datetime.timedelta(hours=1))}, format="json")
    late = client.post(f"/api/alerts/{alert.pk}/lift/", {"lift_at": _iso(_now() + datetime.timedelta(hours=5))}, format="json")
    assert (past.status_code, late.status_code) == (400, 400)
    assert "lift_at" in past.json() and "lift_at" in late.json()
    alert.refresh_from_db()
    assert (alert.status, alert.lift_at) == (Status.ISSUED, None)


def test_the_lift_form_schedules_a_lift_and_the_page_shows_it(client, office):
    alert = alert_issue(actor=office, level="yellow", reason="x")
    lift_at = (_now() + datetime.timedelta(hours=4)).replace(second=0, microsecond=0)
    client.force_login(office)
    answer = client.post(reverse("alerts:lift", args=[alert.pk]), {"comment": "转好", "lift_at": _local_input(lift_at)})
    assert answer.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.lift_at) == (Status.ISSUED, lift_at)
    page = client.get(reverse("alerts:detail", args=[alert.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Scheduled lift" in page


def test_a_lift_now_replaces_a_scheduled_one(office):
    alert = alert_issue(actor=office, level="yellow", reason="x")
    alert_lift(alert=alert, actor=office, reason="later", lift_at=_now() + datetime.timedelta(hours=4))
    alert_lift(alert=alert, actor=office, reason="now")
    alert.refresh_from_db()
    assert alert.status == Status.LIFTED


def test_a_refused_lift_request_is_not_carried_out_later(office, leader):
    red = alert_issue(actor=leader, level="red", reason="x")
    alert_lift(alert=red, actor=office, reason="转好", lift_at=_now() + datetime.timedelta(hours=2))
    from alerts.services import alert_reject

    alert_reject(alert=red, actor=leader, reason="仍然严重")
    red.refresh_from_db()
    assert (red.status, red.lift_at) == (Status.ISSUED, None)
    with pytest.raises(ActionRefused):
        alert_approve(alert=red, actor=leader)


def test_the_approval_queue_shows_a_proposals_times(client, office, leader):
    start = _now() + datetime.timedelta(days=1)
    end = start + datetime.timedelta(days=2)
    alert_issue(actor=office, level="red", reason="x", starts_at=start, ends_at=end)
    client.force_login(leader)
    page = client.get(reverse("alerts:approvals"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "生效时间" in page
    for value in (start, end):
        local = timezone.localtime(value)
        assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in page
