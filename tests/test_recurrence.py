"""Recurring duties (issue 17 item 6) with the clock under the test's control: the re-broadcast duties of the
区委宣传部 and the 区文化和旅游局 repeat every 8 hours at yellow and every 4 hours at orange and red, each
occurrence its own task, made once by the beat (``responses.services.assignments_recur``)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.services import alert_lift
from command_center.celery import app as celery_app
from events.models import AuditEntry, Event
from responses.models import Response, TaskAssignment, TaskTemplate
from responses.services import assignments_recur
from tests.conftest import PASSWORD
from tests.factories import alert_issue
from tests.test_browser import browser, people, server  # noqa: F401 (fixtures)
from tests.threads import race
from units.models import Unit
from units.services import user_create

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)
REBROADCAST = {("publicity", "warning-dissemination"), ("culture-tourism", "broadcast-info")}
pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]


def hours(h: float) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=h)


def _recur_at(when: datetime.datetime) -> int:
    with time_machine.travel(when, tick=False):
        return assignments_recur()["created"]


def _occurrences(response=None) -> dict:
    """{(unit code, key): [occurrence numbers, in order]} of the re-broadcast duties."""
    found: dict = {}
    rows = TaskAssignment.objects.filter(stage="response").select_related("unit").order_by("occurrence")
    if response is not None:
        rows = rows.filter(response=response)
    for a in rows:
        if (a.unit.code, a.key) in REBROADCAST:
            found.setdefault((a.unit.code, a.key), []).append(a.occurrence)
    return found


def test_the_plans_data_sets_the_rebroadcast_intervals_per_level(roster):
    recurring = {
        (t.unit.code, t.key, t.level): t.repeat_minutes
        for t in TaskTemplate.objects.filter(repeat_minutes__isnull=False).select_related("unit")
    }
    assert recurring == {
        (unit, key, level): minutes for unit, key in REBROADCAST for level, minutes in (("III", 480), ("II", 240), ("I", 240))
    }


def test_a_yellow_warnings_rebroadcast_repeats_every_8_hours_once(office):
    with time_machine.travel(T0, tick=False):
        alert = alert_issue(actor=office, level="yellow", reason="PM2.5 重度污染")
    response = Response.objects.get(alert=alert)
    assert response.level_since == T0
    assert _occurrences() == {k: [1] for k in REBROADCAST}

    assert _recur_at(hours(7.99)) == 0
    assert _recur_at(hours(8)) == 2
    assert _recur_at(hours(8)) == 0  # the beat again, at the same moment
    assert _recur_at(hours(8.5)) == 0  # and a minute's beats later
    assert _occurrences() == {k: [1, 2] for k in REBROADCAST}

    second = TaskAssignment.objects.get(unit__code="publicity", key="warning-dissemination", occurrence=2)
    first = TaskAssignment.objects.get(unit__code="publicity", key="warning-dissemination", occurrence=1)
    assert (second.status, second.level, second.title, second.title_en) == ("assigned", "III", first.title, first.title_en)
    assert second.assigned_at == second.effective_from == hours(8)
    assert second.ack_deadline == hours(8) + datetime.timedelta(minutes=settings.ACK_MINUTES["III"])
    event = Event.objects.get(type="assignment.created", payload__id=second.pk)
    assert (event.audience, event.unit_id, event.payload["occurrence"]) == ("unit", second.unit_id, 2)
    entry = AuditEntry.objects.get(target_type="taskassignment", target_id=second.pk)
    assert (entry.action, entry.actor_id, entry.to_state, entry.data["occurrence"]) == ("recur", None, "assigned", 2)

    assert _recur_at(hours(16)) == 2
    assert _occurrences() == {k: [1, 2, 3] for k in REBROADCAST}


def test_an_upgrade_restarts_the_count_at_4_hours_and_a_lift_stops_it(office, leader):
    with time_machine.travel(T0, tick=False):
        alert_issue(actor=office, level="yellow", reason="x")
    assert _recur_at(hours(8)) == 2
    with time_machine.travel(hours(9), tick=False):
        orange = alert_issue(actor=leader, level="orange", reason="worse")
    response = Response.objects.get(alert=orange)
    assert (response.level, response.level_since) == ("II", hours(9))
    assert _occurrences() == {k: [1, 2] for k in REBROADCAST}  # the upgrade itself makes none: the tasks stand

    assert _recur_at(hours(12.99)) == 0
    assert _recur_at(hours(13)) == 2  # 4 hours after the upgrade, not 8 after the last one
    assert _recur_at(hours(13)) == 0
    third = TaskAssignment.objects.get(unit__code="culture-tourism", key="broadcast-info", occurrence=3)
    assert third.level == "II"
    assert third.ack_deadline == hours(13) + datetime.timedelta(minutes=settings.ACK_MINUTES["II"])
    assert _recur_at(hours(16)) == 0  # yellow's slot is gone
    assert _recur_at(hours(17)) == 2

    with time_machine.travel(hours(18), tick=False):
        alert_lift(alert=orange, actor=leader, reason="clean")
    assert _recur_at(hours(21)) == 0
    assert _recur_at(hours(100)) == 0
    assert _occurrences() == {k: [1, 2, 3, 4] for k in REBROADCAST}
    assert not TaskAssignment.objects.filter(stage="response", status="assigned").exists()


def test_a_downgrade_counts_8_hours_from_the_level_change(leader):
    with time_machine.travel(T0, tick=False):
        alert_issue(actor=leader, level="red", reason="x")
    assert _recur_at(hours(4)) == 2
    with time_machine.travel(hours(5), tick=False):
        alert_issue(actor=leader, level="yellow", reason="better", confirm_downgrade=True)
    assert _recur_at(hours(8)) == 0  # red's slot; yellow's first is at 13:00
    assert _recur_at(hours(12.99)) == 0
    assert _recur_at(hours(13)) == 2
    assert _occurrences() == {k: [1, 2, 3] for k in REBROADCAST}


def test_a_beat_that_was_down_makes_only_the_latest_occurrence(office):
    with time_machine.travel(T0, tick=False):
        alert_issue(actor=office, level="yellow", reason="x")
    assert _recur_at(hours(30)) == 2  # slots at 8, 16 and 24 h were missed: one occurrence, not three
    assert _occurrences() == {k: [1, 2] for k in REBROADCAST}
    assert _recur_at(hours(31)) == 0
    assert _recur_at(hours(32)) == 2  # the schedule stays on the level's start
    assert _occurrences() == {k: [1, 2, 3] for k in REBROADCAST}


def test_a_drill_response_repeats_the_same_way_and_a_future_start_waits(office):
    with time_machine.travel(T0, tick=False):
        drill = alert_issue(actor=office, level="yellow", reason="演练", drill=True)
        alert_issue(actor=office, level="yellow", reason="x", area="另一区", starts_at=hours(6))
    drill_response = Response.objects.get(alert=drill)
    assert drill_response.drill
    assert _recur_at(hours(8)) == 2
    assert _occurrences(drill_response) == {k: [1, 2] for k in REBROADCAST}
    assert _recur_at(hours(14)) == 2  # the other area's warning took effect at 14:00 - 8 h
    assert _recur_at(hours(16)) == 2  # the drill's third


def test_each_occurrence_is_unique_in_the_database(office):
    with time_machine.travel(T0, tick=False):
        alert_issue(actor=office, level="yellow", reason="x")
    first = TaskAssignment.objects.filter(key="broadcast-info").first()
    copy = TaskAssignment.objects.get(pk=first.pk)
    copy.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_a_template_repeating_every_0_minutes_is_refused_with_a_message(roster):
    template = TaskTemplate.objects.filter(key="broadcast-info", level="III").get()
    template.repeat_minutes = 0
    with pytest.raises(ValidationError) as refused:
        template.full_clean()
    assert "repeat_minutes" in refused.value.message_dict


def test_the_units_screen_and_the_offices_pages_show_the_occurrence(client, office, roster):
    broadcaster = user_create(username="culture1", role="unit", password=PASSWORD, unit=roster["culture-tourism"],
                              email="culture1@example.test")
    with time_machine.travel(T0, tick=False):
        alert = alert_issue(actor=office, level="yellow", reason="x")
    _recur_at(hours(8))
    response = Response.objects.get(alert=alert)
    second = TaskAssignment.objects.get(unit=roster["culture-tourism"], key="broadcast-info", occurrence=2)
    with time_machine.travel(hours(8.1), tick=False):
        client.force_login(broadcaster)
        screen = {lang: client.get(reverse("dashboard-unit"), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
                  for lang in ("zh-hans", "en")}
        client.force_login(office)
        page = reverse("responses:unit", args=[response.pk, "culture-tourism"])
        office_page = {lang: client.get(page, HTTP_ACCEPT_LANGUAGE=lang).content.decode() for lang in ("zh-hans", "en")}
    tag = '<span class="occurrence" data-occurrence="2">'
    assert f"组织广播电视传播信息 {tag}第2次</span></h3>" in screen["zh-hans"]
    assert f"Broadcast warning information {tag}2nd occurrence</span></h3>" in screen["en"]
    assert f"组织广播电视传播信息 {tag}第2次</span></h3>" in office_page["zh-hans"]
    assert f"Broadcast warning information {tag}2nd occurrence</span></h3>" in office_page["en"]
    # The first occurrence carries no number; a task handed out once never does.
    assert screen["zh-hans"].count('class="occurrence"') == 1
    assert f'id="task-{second.pk}"' in screen["zh-hans"]


@pytest.mark.parametrize(("n", "english"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
                                            (13, "13th"), (21, "21st"), (22, "22nd"), (111, "111th")])
def test_occurrences_read_as_ordinals_in_english_and_as_di_ci_in_chinese(n, english):
    from django.utils import translation

    from responses.templatetags.response_pages import occurrence_label

    with translation.override("en"):
        assert occurrence_label(n) == f"{english} occurrence"
    with translation.override("zh-hans"):
        assert occurrence_label(n) == f"第{n}次"


def test_the_admin_edits_the_interval_and_refuses_0_with_a_message(client, admin_user, rf):
    from django.contrib import admin
    from django.forms.models import model_to_dict

    template = TaskTemplate.objects.get(unit__code="publicity", key="warning-dissemination", level="III")
    client.force_login(admin_user)
    page = client.get(reverse("admin:responses_tasktemplate_change", args=[template.pk])).content.decode()
    assert 'name="repeat_minutes" value="480"' in page
    request = rf.post("/")
    request.user = admin_user
    form_class = admin.site._registry[TaskTemplate].get_form(request, template)
    data = {k: v for k, v in model_to_dict(template).items() if v is not None}
    form = form_class(data={**data, "repeat_minutes": "0"}, instance=template)
    assert not form.is_valid() and "repeat_minutes" in form.errors
    form = form_class(data={**data, "repeat_minutes": "120"}, instance=template)
    assert form.is_valid(), form.errors


def test_the_api_gives_each_tasks_occurrence(office, api_as, roster):
    broadcaster = user_create(username="culture2", role="unit", password=PASSWORD, unit=roster["culture-tourism"],
                              email="culture2@example.test")
    with time_machine.travel(T0, tick=False):
        alert_issue(actor=office, level="yellow", reason="x")
    _recur_at(hours(8))
    with time_machine.travel(hours(8.1), tick=False):
        answer = api_as(broadcaster).get("/api/assignments/", {"limit": 500})
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert sorted(r["occurrence"] for r in rows if r["key"] == "broadcast-info") == [1, 2]


def _add_recurring_units(n: int) -> None:
    for i in range(n):
        unit = Unit.objects.create(code=f"recur-{Unit.objects.count()}", kind="department", name=f"单位{i}")
        TaskTemplate.objects.bulk_create(
            TaskTemplate(unit=unit, level=level, key=f"k{j}", title=f"任务{j}", repeat_minutes=minutes)
            for level, minutes in (("III", 480), ("II", 240), ("I", 240))
            for j in range(2)
        )


def _counted(when) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx, time_machine.travel(when, tick=False):
        created = assignments_recur()["created"]
    return created, len(ctx.captured_queries)


def test_the_beat_takes_the_same_number_of_queries_whatever_the_number_of_responses_and_templates(office):
    sizes = []
    for areas, extra_units in ((1, 0), (3, 15)):
        _add_recurring_units(extra_units)
        start = T0 + datetime.timedelta(days=len(sizes) * 10)
        with time_machine.travel(start, tick=False):
            alerts = [alert_issue(actor=office, level="yellow", reason="x", area=f"区{len(sizes)}-{i}") for i in range(areas)]
        nothing = _counted(start + datetime.timedelta(hours=1))
        made = _counted(start + datetime.timedelta(hours=8))
        sizes.append((nothing, made))
        with time_machine.travel(start + datetime.timedelta(hours=9), tick=False):
            for alert in alerts:
                alert_lift(alert=alert, actor=office, reason="clean")
    print("recurrence beat (created, queries) at two sizes:", sizes)
    (small_nothing, small_made), (large_nothing, large_made) = sizes
    assert small_made[0] == 2 and large_made[0] == 3 * (2 + 15 * 2)
    assert small_nothing[0] == large_nothing[0] == 0
    assert small_nothing[1] == large_nothing[1] == 3, sizes
    assert small_made[1] == large_made[1], sizes


def test_the_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()  # what a worker does at start: the apps' tasks.py
    entry = settings.CELERY_BEAT_SCHEDULE["recur-assignments"]
    assert (entry["task"], entry["schedule"]) == ("responses.tasks.recur_assignments", 60)
    unknown = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()} - set(celery_app.tasks)
    assert unknown == set()


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_the_same_moment_make_each_occurrence_once(office):
    with time_machine.travel(T0, tick=False):
        alert_issue(actor=office, level="yellow", reason="x")
    with time_machine.travel(hours(8), tick=False):
        results = race(assignments_recur, assignments_recur)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r["created"] for r in results) == [0, 2]
    assert _occurrences() == {k: [1, 2] for k in REBROADCAST}
    assert Event.objects.filter(type="assignment.created", payload__occurrence=2).count() == 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_task_and_two_rounds_make_one_occurrence(office):
    """The beat's task sent to Redis and run by a separate worker process (its own clock: the response is
    moved 8 hours into the past instead)."""
    from responses.tasks import recur_assignments
    from tests.processes import start_worker, stop, wait_for

    alert = alert_issue(actor=office, level="yellow", reason="x")
    back = datetime.timedelta(hours=8, minutes=1)
    response = Response.objects.get(alert=alert)
    Response.objects.filter(pk=response.pk).update(level_since=response.level_since - back)
    TaskAssignment.objects.filter(response=response).update(effective_from=response.level_since - back)
    worker = start_worker()
    try:
        recur_assignments.delay()
        recur_assignments.delay()
        wait_for(
            lambda: sum("recur_assignments" in line and "succeeded" in line for line in worker.log) == 2,
            what="two rounds\n" + "".join(worker.log[-30:]),
        )
    finally:
        stop(worker)
    assert _occurrences() == {k: [1, 2] for k in REBROADCAST}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_next_occurrence_comes_to_the_units_screen_in_its_frame(browser, server, people, roster):  # noqa: F811
    """Chromium at 390 px: the beat's occurrence arrives on the 区文化和旅游局's screen, numbered, with no request."""
    from tests.test_browser import PASSWORD as BROWSER_PASSWORD
    from tests.test_browser import login
    from tests.test_browser_live import wait_shown_through, watch_requests

    user_create(username="b-culture", role="unit", password=BROWSER_PASSWORD, unit=roster["culture-tourism"])
    alert = alert_issue(actor=people["office"], level="yellow", reason="x")
    screen = login(browser, server, "b-culture", "/dashboard/unit/", width=390)
    requests = watch_requests(screen)
    response = Response.objects.get(alert=alert)
    back = datetime.timedelta(hours=8, minutes=1)
    Response.objects.filter(pk=response.pk).update(level_since=response.level_since - back)
    TaskAssignment.objects.filter(response=response).update(effective_from=response.level_since - back)
    assert assignments_recur()["created"] == 2
    second = TaskAssignment.objects.get(unit=roster["culture-tourism"], key="broadcast-info", occurrence=2)
    wait_shown_through(screen, Event.objects.filter(type="assignment.created", payload__id=second.pk).get().pk)
    assert screen.locator(f"#task-{second.pk} h3 .occurrence").inner_text() == "第2次"
    screen.wait_for_timeout(500)
    assert requests == [], requests
