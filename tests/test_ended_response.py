"""An ended response is closed (issue 12 item 9): no unit or office action changes its tasks (409), the beat
neither reminds nor escalates them, and its summary evaluation no longer changes. The closing task the office
gets when a response ends (the summary evaluation, 附件1 二) is the work after the response and stays open.

A task left open on an ended response (a RETURNED one, as the office could make until now, or one a race left
behind) is made by a queryset update: no service may make it any more.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from alerts.services import alert_lift
from responses.models import AssignmentUpdate, Attachment, Notification, Response, TaskAssignment
from responses.services import (
    assignment_acknowledge,
    assignment_complete,
    assignments_escalate_overdue,
    notification_send,
)
from tests.factories import alert_issue

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ended(office, member):
    """Yellow issued; the member completes one task and acknowledges another; the office lifts."""
    alert = alert_issue(actor=office, level="yellow", reason="x")
    response = Response.objects.get(alert=alert)
    done, acknowledged = list(TaskAssignment.objects.filter(response=response, unit=member.unit).order_by("id"))[:2]
    assignment_complete(assignment=done, actor=member, report="42 schools informed")
    assignment_acknowledge(assignment=acknowledged, actor=member)
    alert_lift(alert=alert, actor=office, reason="air improved")
    response.refresh_from_db()
    assert response.status == "ended"
    return {"response": response, "done": done, "left": acknowledged}


def _summary(client, response):
    answer = client.get(f"/api/responses/{response.pk}/summary/")
    assert answer.status_code == 200
    return answer.json()


def _reopen(task, status="returned"):
    TaskAssignment.objects.filter(pk=task.pk).update(status=status)


def test_office_cannot_return_a_completed_task_of_an_ended_response(ended, office, api_as):
    answer = api_as(office).post(f"/api/assignments/{ended['done'].pk}/return/", {"reason": "redo"}, format="json")
    assert answer.status_code == 409
    assert "ended" in answer.json()["detail"] or "结束" in answer.json()["detail"]
    ended["done"].refresh_from_db()
    assert ended["done"].status == "completed"
    assert not AssignmentUpdate.objects.filter(assignment=ended["done"], kind="return").exists()


def test_unit_cannot_complete_a_completed_task_of_an_ended_response_again(ended, member, api_as):
    answer = api_as(member).post(f"/api/assignments/{ended['done'].pk}/complete/", {"report": "again"}, format="json")
    assert answer.status_code == 409
    ended["done"].refresh_from_db()
    assert ended["done"].report == "42 schools informed"


@pytest.mark.parametrize("verb", ["acknowledge", "progress", "complete"])
def test_unit_cannot_act_on_a_returned_task_of_an_ended_response(ended, member, api_as, verb):
    _reopen(ended["done"])
    answer = api_as(member).post(f"/api/assignments/{ended['done'].pk}/{verb}/", {"text": "more", "report": "again"})
    assert answer.status_code == 409
    ended["done"].refresh_from_db()
    assert (ended["done"].status, ended["done"].report) == ("returned", "42 schools informed")


def test_unit_cannot_attach_a_file_to_a_task_of_an_ended_response(ended, member, api_as, tmp_path):
    _reopen(ended["done"])
    files = [SimpleUploadedFile("late.png", PNG, content_type="image/png")]
    answer = api_as(member).post(
        f"/api/assignments/{ended['done'].pk}/progress/", {"text": "photo", "files": files}, format="multipart"
    )
    assert answer.status_code == 409
    assert not Attachment.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_the_summary_of_an_ended_response_no_longer_changes(ended, office, member, api_as):
    _reopen(ended["left"], "acknowledged")  # a task a race left open
    before = _summary(api_as(office), ended["response"])
    api_as(office).post(f"/api/assignments/{ended['done'].pk}/return/", {"reason": "redo"}, format="json")
    api_as(member).post(f"/api/assignments/{ended['done'].pk}/complete/", {"report": "changed"}, format="json")
    api_as(member).post(f"/api/assignments/{ended['left'].pk}/complete/", {"report": "late"}, format="json")
    closing = ended["response"].assignments.get(stage="closing")
    assert api_as(office).post(f"/api/assignments/{closing.pk}/complete/", {"report": "总结已报送"}).status_code == 200
    assert _summary(api_as(office), ended["response"]) == before


def test_the_office_still_does_the_closing_task_of_an_ended_response(ended, office, api_as):
    closing = ended["response"].assignments.get(stage="closing")
    assert api_as(office).post(f"/api/assignments/{closing.pk}/acknowledge/").status_code == 200
    assert api_as(office).post(f"/api/assignments/{closing.pk}/progress/", {"text": "draft"}).status_code == 200
    closing.refresh_from_db()
    assert closing.status == "acknowledged"


def test_the_beat_neither_reminds_nor_escalates_tasks_of_an_ended_response(ended, settings):
    _reopen(ended["left"], "assigned")
    closing = ended["response"].assignments.get(stage="closing")
    past = timezone.now() - datetime.timedelta(minutes=settings.ESCALATE_AFTER_MINUTES + 30)
    TaskAssignment.objects.filter(pk__in=[ended["left"].pk, closing.pk]).update(ack_deadline=past)

    assignments_escalate_overdue()
    assert assignments_escalate_overdue() == {"reminded": 0, "escalated": 0}

    ended["left"].refresh_from_db()
    assert (ended["left"].reminded_at, ended["left"].escalated_at) == (None, None)
    assert not Notification.objects.filter(assignment=ended["left"]).exists()
    # The office's summary task is the work after the response: it is reminded and escalated as any.
    assert set(Notification.objects.filter(assignment=closing).values_list("kind", flat=True)) == {"reminder", "escalation"}


def test_a_reminder_queued_before_the_response_ended_is_not_sent(office, member):
    alert = alert_issue(actor=office, level="yellow", reason="x")
    task = TaskAssignment.objects.filter(response__alert=alert, unit=member.unit).first()
    TaskAssignment.objects.filter(pk=task.pk).update(ack_deadline=timezone.now() - datetime.timedelta(minutes=1))
    assignments_escalate_overdue()
    reminder = Notification.objects.get(assignment=task, kind="reminder")
    alert_lift(alert=alert, actor=office, reason="clean")

    assert notification_send(notification_id=reminder.pk) is False
    reminder.refresh_from_db()
    assert reminder.sent_at is None and reminder.last_error == "response ended"
