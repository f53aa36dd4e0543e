"""Responses and assignments: who gets what at which level, the unit workflow, uploads and query counts."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.services import alert_approve, alert_lift
from responses.models import Response, TaskAssignment, TaskTemplate
from responses.services import assignment_acknowledge, assignment_complete
from tests.factories import alert_issue
from units.models import Unit

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64


def test_red_gives_every_active_unit_its_level_i_tasks(office, leader):
    red = alert_issue(actor=leader, level="red", reason="severe")
    response = Response.objects.get(alert=red)
    assert response.level == "I"
    expected = set(
        TaskTemplate.objects.filter(level="I", stage="response", active=True, unit__active=True).values_list("unit_id", "key")
    )
    got = set(TaskAssignment.objects.filter(response=response).values_list("unit_id", "key"))
    assert got == expected
    units_with_tasks = {unit_id for unit_id, _ in got}
    assert units_with_tasks == set(Unit.objects.active().values_list("pk", flat=True))


def test_education_tasks_grade_by_level(office, leader, roster):
    education = roster["education"]
    levels = {}
    for level in ("III", "II", "I"):
        levels[level] = set(TaskTemplate.objects.filter(unit=education, level=level).values_list("key", flat=True))
    assert levels["III"] != levels["II"] != levels["I"]


def test_inactive_units_get_nothing(office, roster):
    roster["finance"].active = False
    roster["finance"].save()
    alert_issue(actor=office, level="yellow", reason="x")
    assert not TaskAssignment.objects.filter(unit=roster["finance"]).exists()


def _add_units(n):
    office = Unit.objects.get(code="office")
    for i in range(n):
        unit = Unit.objects.create(code=f"synthetic-{Unit.objects.count()}", kind="department", name=f"单位{i}")
        TaskTemplate.objects.bulk_create(
            TaskTemplate(unit=unit, level=level, key=f"k{j}", title=f"任务{j}") for level in ("III", "II", "I") for j in range(3)
        )
    return office


def test_issuing_takes_the_same_number_of_queries_whatever_the_roster_size(office, leader):
    leader.get_all_permissions()  # the permission cache is per user object: warm it first
    counts = []
    for extra in (0, 40):
        _add_units(extra)
        with CaptureQueriesContext(connection) as ctx:
            alert = alert_issue(actor=leader, level="red", reason="x")
        counts.append(len(ctx.captured_queries))
        alert_lift(alert=alert, actor=leader, reason="done")
    assert counts[0] == counts[1], counts


def test_upgrade_adds_tasks_and_keeps_what_was_done(office, leader, member):
    alert_issue(actor=office, level="yellow", reason="x")
    done = TaskAssignment.objects.filter(unit=member.unit).first()
    assignment_complete(assignment=done, actor=member, report="schools informed")
    orange = alert_issue(actor=office, level="orange", reason="worse")
    alert_approve(alert=orange, actor=leader)
    done.refresh_from_db()
    assert done.status == "completed"
    level_ii_keys = set(TaskTemplate.objects.filter(unit=member.unit, level="II").values_list("key", flat=True))
    live = TaskAssignment.objects.filter(unit=member.unit).exclude(status="cancelled")
    assert level_ii_keys <= set(live.values_list("key", flat=True))
    assert live.filter(key=done.key).count() == 1


def test_downgrade_closes_what_no_longer_applies_with_a_reason(office, leader, member):
    alert_issue(actor=leader, level="red", reason="x")
    alert_issue(actor=leader, level="yellow", reason="better", confirm_downgrade=True)
    level_iii = set(TaskTemplate.objects.filter(unit=member.unit, level="III").values_list("key", flat=True))
    for a in TaskAssignment.objects.filter(unit=member.unit):
        if a.key in level_iii:
            assert a.status == "assigned", (a.key, a.level, a.status)  # still applies at yellow: it goes on
        else:
            assert a.status == "cancelled" and "Ⅲ级" in a.closed_reason  # the level's name in Chinese


def test_lift_closes_open_tasks_and_hands_the_office_the_summary_task(office, member):
    alert = alert_issue(actor=office, level="yellow", reason="x")
    alert_lift(alert=alert, actor=office, reason="clean")
    response = Response.objects.get(alert=alert)
    assert response.status == "ended"
    assert not response.assignments.filter(stage="response", status__in=["assigned", "acknowledged"]).exists()
    closing = response.assignments.get(stage="closing")
    assert closing.unit.code == "office" and closing.status == "assigned"


def test_member_sees_only_own_units_assignments(office, member, other_member, api_as):
    alert_issue(actor=office, level="yellow", reason="x")
    results = api_as(member).get("/api/assignments/?limit=500").json()["results"]
    assert results and {r["unit_code"] for r in results} == {"education"}
    theirs = TaskAssignment.objects.filter(unit=other_member.unit).first()
    assert api_as(member).get(f"/api/assignments/{theirs.pk}/").status_code == 404
    for verb in ("acknowledge", "complete", "progress"):
        assert api_as(member).post(f"/api/assignments/{theirs.pk}/{verb}/", {"text": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "assigned"


def test_acknowledge_records_the_time_once(office, member, api_as):
    alert_issue(actor=office, level="yellow", reason="x")
    mine = TaskAssignment.objects.filter(unit=member.unit).first()
    first = api_as(member).post(f"/api/assignments/{mine.pk}/acknowledge/").json()
    again = api_as(member).post(f"/api/assignments/{mine.pk}/acknowledge/").json()
    assert first["status"] == again["status"] == "acknowledged"
    assert first["acknowledged_at"] == again["acknowledged_at"]


def test_complete_with_report_and_attachments(office, member, api_as):
    alert_issue(actor=office, level="yellow", reason="x")
    mine = TaskAssignment.objects.filter(unit=member.unit).first()
    files = [SimpleUploadedFile("photo.png", PNG, "image/png"), SimpleUploadedFile("notice.pdf", PDF, "application/pdf")]
    answer = api_as(member).post(
        f"/api/assignments/{mine.pk}/complete/", {"report": "all schools notified", "files": files}, format="multipart"
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "completed"
    stored = mine.updates.get(kind="report").attachments.all()
    assert sorted(a.content_type for a in stored) == ["application/pdf", "image/png"]
    assert all("photo" not in a.file.name and ".." not in a.file.name for a in stored)


def test_wrong_type_or_oversize_attachment_is_refused_and_changes_nothing(office, member, api_as, settings):
    settings.UPLOAD_MAX_BYTES = 100
    alert_issue(actor=office, level="yellow", reason="x")
    mine = TaskAssignment.objects.filter(unit=member.unit).first()
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", "image/png")
    answer = api_as(member).post(f"/api/assignments/{mine.pk}/complete/", {"report": "r", "files": [fake]}, format="multipart")
    assert answer.status_code == 400 and "files" in answer.json()
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 200, "application/pdf")
    answer = api_as(member).post(f"/api/assignments/{mine.pk}/complete/", {"report": "r", "files": [big]}, format="multipart")
    assert answer.status_code == 400 and "big.pdf" in str(answer.json()["files"])
    mine.refresh_from_db()
    assert mine.status == "assigned"


def test_report_is_required_where_the_task_says_so(office, member):
    alert_issue(actor=office, level="yellow", reason="x")
    task = TaskAssignment.objects.filter(unit=member.unit, report_required=True).first()
    assert task is not None
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        assignment_complete(assignment=task, actor=member, report="  ")


def test_office_sends_a_task_back_and_the_unit_acts_again(office, member, api_as):
    alert_issue(actor=office, level="yellow", reason="x")
    mine = TaskAssignment.objects.filter(unit=member.unit).first()
    assignment_complete(assignment=mine, actor=member, report="done")
    assert api_as(member).post(f"/api/assignments/{mine.pk}/return/", {"reason": "no"}).status_code == 403
    answer = api_as(office).post(f"/api/assignments/{mine.pk}/return/", {"reason": "photo missing"})
    assert answer.json()["status"] == "returned"
    assert api_as(member).post(f"/api/assignments/{mine.pk}/complete/", {"report": "photo attached"}).json()["status"] == "completed"


def test_assignment_list_query_count_does_not_grow(office, member, api_as):
    alert_issue(actor=office, level="yellow", reason="x")
    client = api_as(office)
    with CaptureQueriesContext(connection) as small:
        client.get("/api/assignments/?limit=10")
    with CaptureQueriesContext(connection) as large:
        client.get("/api/assignments/?limit=200")
    assert len(small.captured_queries) == len(large.captured_queries)


def test_summary_numbers_match_a_scripted_scenario(office, member, api_as):
    alert = alert_issue(actor=office, level="yellow", reason="x")
    mine = list(TaskAssignment.objects.filter(unit=member.unit).order_by("id"))
    assignment_acknowledge(assignment=mine[0], actor=member)
    assignment_complete(assignment=mine[0], actor=member, report="done")
    alert_lift(alert=alert, actor=office, reason="clean")
    response = Response.objects.get(alert=alert)
    summary = api_as(office).get(f"/api/responses/{response.pk}/summary/").json()
    row = next(u for u in summary["units"] if u["unit"] == "education")
    assert (row["assigned"], row["acknowledged"], row["completed"], row["overdue"]) == (len(mine), 1, 1, 0)
    assert row["reports"] == 1
    assert summary["totals"]["completed"] == 1
    assert api_as(member).get(f"/api/responses/{response.pk}/summary/").status_code == 403


def test_attachment_stream_is_never_the_uploaders_path(office, member):
    alert_issue(actor=office, level="yellow", reason="x")
    mine = TaskAssignment.objects.filter(unit=member.unit).first()
    upload = SimpleUploadedFile("../../etc/passwd.png", PNG, "image/png")
    assignment_complete(assignment=mine, actor=member, report="r", files=[upload])
    stored = mine.updates.get(kind="report").attachments.get()
    assert stored.file.name.startswith("reports/") and "passwd" not in stored.file.name
    assert io.BytesIO(stored.file.read()).getvalue() == PNG
