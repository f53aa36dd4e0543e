"""The command sees into the units (issue 14 items 1, 2, 4 and 8): labelled task and unit counts, each
unit's page during the response with remind and send back, repeated submissions stored once, and the
4,000-character limit."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from events.models import AuditEntry, Event, SubmissionKey
from foundation.text import TEXT_MAX
from responses.choices import AssignmentStatus
from responses.models import AssignmentUpdate, Notification, Response, TaskAssignment
from responses.services import assignment_acknowledge, assignment_complete, assignment_progress, assignment_remind
from tests.factories import alert_issue

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def yellow(office):
    alert = alert_issue(actor=office, level="yellow", reason="AQI above 200 tomorrow")
    return Response.objects.get(alert=alert)


def _tasks(response, unit):
    return list(TaskAssignment.objects.filter(response=response, unit=unit).order_by("id"))


# --- Item 1: counts that mean what they say


def test_office_dashboard_counts_tasks_and_units_apart_and_shows_a_units_partial_progress(office, member, yellow):
    tasks = _tasks(yellow, member.unit)
    assignment_acknowledge(assignment=tasks[0], actor=member)
    answer = signed_in(office).get("/dashboard/office/")
    html = answer.content.decode()
    totals = answer.context["totals"]
    live = TaskAssignment.objects.filter(response=yellow).exclude(status=AssignmentStatus.CANCELLED)
    assert totals["tasks"]["total"] == live.count()
    assert totals["tasks"]["acknowledged"] == 1
    assert totals["tasks"]["assigned"] == live.count() - 1
    assert totals["units"]["with_tasks"] == live.values("unit").distinct().count()
    assert totals["units"]["acknowledged"] + totals["units"]["assigned"] + totals["units"]["completed"] \
        + totals["units"]["overdue"] == totals["units"]["with_tasks"]
    assert f'data-count="tasks-total">{live.count()}<' in html
    cell = re.search(rf'data-unit="{member.unit.code}".*?</li>', html, re.S).group(0)
    assert f"已签收 1/{len(tasks)}" in cell and f"已完成 0/{len(tasks)}" in cell


def test_wall_and_leader_show_the_same_labelled_counts(office, leader, yellow):
    total = TaskAssignment.objects.filter(response=yellow).exclude(status=AssignmentStatus.CANCELLED).count()
    for user, path in ((office, "/dashboard/wall/"), (leader, "/dashboard/leader/")):
        html = signed_in(user).get(path).content.decode()
        assert f'data-count="tasks-total">{total}<' in html, path


# --- Item 2: a unit's page during the response


def test_a_grid_cell_opens_the_units_page_with_tasks_notes_attachments_and_contacts(office, member, yellow):
    from units.models import Contact

    unit = member.unit
    unit.duty_phone = "023-47521234"
    unit.save(update_fields=["duty_phone"])
    Contact.objects.create(unit=unit, name="王联络", phone="13800138000", position="办公室主任")
    tasks = _tasks(yellow, unit)
    assignment_progress(assignment=tasks[0], actor=member, text="已通知全部学校",
                        files=[SimpleUploadedFile("notice.png", PNG, content_type="image/png")])
    client = signed_in(office)
    grid = client.get("/dashboard/office/").content.decode()
    url = f"/responses/{yellow.pk}/units/{unit.code}/"
    assert f'href="{url}"' in grid
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "023-47521234" in html and "王联络" in html and "13800138000" in html
    assert all(t.title in html for t in tasks)
    assert "已通知全部学校" in html
    attachment = AssignmentUpdate.objects.get(assignment=tasks[0]).attachments.get()
    assert f'<img class="attachment" src="/responses/attachments/{attachment.pk}/"' in html
    assert f'action="/responses/assignments/{tasks[0].pk}/remind/"' in html
    assert f'action="/responses/assignments/{tasks[0].pk}/return/"' in html  # acknowledged: it may go back


def test_a_unit_member_may_not_open_the_units_page(member, yellow):
    assert signed_in(member).get(f"/responses/{yellow.pk}/units/{member.unit.code}/").status_code == 403


def test_office_reminds_a_unit_audited_announced_and_notified_after_commit(office, member, yellow, django_capture_on_commit_callbacks):
    task = _tasks(yellow, member.unit)[0]
    client = signed_in(office)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = client.post(f"/responses/assignments/{task.pk}/remind/", {"note": "请尽快签收", "idempotency_key": uuid.uuid4().hex})
    assert answer.status_code == 302 and answer["Location"] == f"/responses/{yellow.pk}/units/{member.unit.code}/"
    notification = Notification.objects.get(assignment=task, kind=Notification.Kind.REMINDER)
    assert "请尽快签收" in notification.message and member.email in notification.recipients
    assert notification.sent_at is None  # queued only after the commit
    assert any(getattr(c, "args", None) == (notification.pk,) for c in callbacks)
    assert AuditEntry.objects.filter(action="remind", target_id=task.pk, actor=office).exists()
    assert Event.objects.filter(type="assignment.reminded", unit=member.unit).exists()
    page = client.get(answer["Location"]).content.decode()
    assert "已提醒" in page or "催办" in page  # the message confirms it


def test_reminding_a_completed_task_is_409_in_the_api_and_a_message_on_the_page(office, member, yellow, api_as):
    task = _tasks(yellow, member.unit)[0]
    assignment_complete(assignment=task, actor=member, report="done")
    assert api_as(office).post(f"/api/assignments/{task.pk}/remind/", {}, format="json").status_code == 409
    answer = signed_in(office).post(f"/responses/assignments/{task.pk}/remind/", {}, follow=True)
    assert answer.status_code == 200
    assert not Notification.objects.filter(assignment=task, kind=Notification.Kind.REMINDER).exists()
    assert any(m.level_tag == "error" for m in answer.context["messages"])


def test_a_unit_member_may_not_remind(member, yellow, api_as):
    task = _tasks(yellow, member.unit)[0]
    assert api_as(member).post(f"/api/assignments/{task.pk}/remind/", {}, format="json").status_code == 403
    assert signed_in(member).post(f"/responses/assignments/{task.pk}/remind/", {}).status_code == 403


def test_office_sends_a_task_back_from_the_units_page_and_an_unacknowledged_one_is_refused(office, member, yellow):
    first, second = _tasks(yellow, member.unit)[:2]
    assignment_complete(assignment=first, actor=member, report="done")
    client = signed_in(office)
    answer = client.post(f"/responses/assignments/{first.pk}/return/", {"reason": "缺少照片"}, follow=True)
    first.refresh_from_db()
    assert first.status == AssignmentStatus.RETURNED and first.closed_reason == "缺少照片"
    assert any(m.level_tag == "success" for m in answer.context["messages"])
    answer = client.post(f"/responses/assignments/{second.pk}/return/", {"reason": "x"}, follow=True)
    second.refresh_from_db()
    assert second.status == AssignmentStatus.ASSIGNED
    assert any(m.level_tag == "error" for m in answer.context["messages"])
    answer = client.post(f"/responses/assignments/{first.pk}/return/", {"reason": ""}, follow=True)
    assert any(m.level_tag == "error" for m in answer.context["messages"])


# --- Item 4: the unit sees what it did; a repeat is stored once


def test_the_units_screen_lists_its_notes_and_attachments_in_order_with_a_confirmation(member, yellow):
    task = _tasks(yellow, member.unit)[0]
    assignment_progress(assignment=task, actor=member, text="第一条")
    assignment_progress(assignment=task, actor=member, text="第二条")
    assignment_complete(assignment=task, actor=member, report="完成报告",
                        files=[SimpleUploadedFile("site.png", PNG, content_type="image/png")])
    html = signed_in(member).get("/dashboard/unit/").content.decode()
    assert html.index("第一条") < html.index("第二条") < html.index("完成报告")
    attachment = AssignmentUpdate.objects.get(assignment=task, kind="report").attachments.get()
    assert f'src="/responses/attachments/{attachment.pk}/"' in html
    assert "已收到" in html


def test_a_repeated_progress_note_with_the_same_key_is_stored_once(member, yellow):
    task = _tasks(yellow, member.unit)[0]
    client = signed_in(member)
    key = uuid.uuid4().hex
    first = client.post(f"/api/assignments/{task.pk}/progress/", {"text": "一次", "idempotency_key": key})
    again = client.post(f"/api/assignments/{task.pk}/progress/", {"text": "一次", "idempotency_key": key})
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replay"] == "true" and again.json() == first.json()
    assert AssignmentUpdate.objects.filter(assignment=task, kind="progress").count() == 1
    client.post(f"/api/assignments/{task.pk}/progress/", {"text": "另一次", "idempotency_key": uuid.uuid4().hex})
    assert AssignmentUpdate.objects.filter(assignment=task, kind="progress").count() == 2


def _token_client(user):
    """A real token client: DRF's TokenAuthentication reads the header, no session, no force_authenticate."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_a_token_clients_repeated_note_with_the_same_idempotency_key_is_stored_once(member, yellow):
    task = _tasks(yellow, member.unit)[0]
    client = _token_client(member)
    key = uuid.uuid4().hex
    first = client.post(f"/api/assignments/{task.pk}/progress/", {"text": "一次"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(f"/api/assignments/{task.pk}/progress/", {"text": "一次"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replay"] == "true" and again.json() == first.json()
    assert AssignmentUpdate.objects.filter(assignment=task, kind="progress").count() == 1
    assert SubmissionKey.objects.get(key=key).user == member
    audits = AuditEntry.objects.filter(action="progress").count()
    client.post(f"/api/assignments/{task.pk}/progress/", {"text": "另一次"}, format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert AssignmentUpdate.objects.filter(assignment=task, kind="progress").count() == 2
    assert AuditEntry.objects.filter(action="progress").count() == audits + 1


def test_a_token_clients_repeated_acknowledgement_answers_the_first_answer_not_a_refusal(member, yellow):
    task = _tasks(yellow, member.unit)[0]
    client = _token_client(member)
    key = uuid.uuid4().hex
    first = client.post(f"/api/assignments/{task.pk}/acknowledge/", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(f"/api/assignments/{task.pk}/acknowledge/", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replay"] == "true" and again.json() == first.json()
    assert AuditEntry.objects.filter(action="acknowledge").count() == 1
    assert SubmissionKey.objects.get(key=key).status_code == 200


def test_a_token_client_may_not_replay_another_users_key_and_a_bad_token_is_refused_as_ever(member, other_member, yellow):
    task = _tasks(yellow, member.unit)[0]
    key = uuid.uuid4().hex
    assert _token_client(member).post(f"/api/assignments/{task.pk}/progress/", {"text": "mine"}, format="json",
                                      HTTP_IDEMPOTENCY_KEY=key).status_code == 200
    other = _token_client(other_member).post(f"/api/assignments/{task.pk}/progress/", {"text": "mine"}, format="json",
                                             HTTP_IDEMPOTENCY_KEY=key)
    assert other.status_code == 409 and other.json() == {"detail": "此表单已用于其他操作，请刷新页面。"}
    from rest_framework.test import APIClient

    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    refused = stranger.post(f"/api/assignments/{task.pk}/progress/", {"text": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert refused.status_code == 403 and not SubmissionKey.objects.filter(user=None).exists()


def test_a_refused_submission_releases_its_key_so_the_corrected_one_goes_through(member, yellow):
    task = _tasks(yellow, member.unit)[0]
    client = signed_in(member)
    key = uuid.uuid4().hex
    assert client.post(f"/api/assignments/{task.pk}/progress/", {"text": "", "idempotency_key": key}).status_code == 400
    assert not SubmissionKey.objects.filter(key=key).exists()
    assert client.post(f"/api/assignments/{task.pk}/progress/", {"text": "好了", "idempotency_key": key}).status_code == 200
    assert SubmissionKey.objects.get(key=key).status_code == 200


def test_a_repeated_page_form_is_done_once_and_says_so(office, member, yellow):
    task = _tasks(yellow, member.unit)[0]
    client = signed_in(office)
    key = uuid.uuid4().hex
    client.post(f"/responses/assignments/{task.pk}/remind/", {"idempotency_key": key})
    again = client.post(f"/responses/assignments/{task.pk}/remind/", {"idempotency_key": key}, follow=True)
    assert Notification.objects.filter(assignment=task, kind=Notification.Kind.REMINDER).count() == 1
    assert "已提交过" in again.content.decode()


def test_another_users_key_is_not_replayed_to_them(office, member, other_member, yellow):
    task = _tasks(yellow, member.unit)[0]
    key = uuid.uuid4().hex
    signed_in(member).post(f"/api/assignments/{task.pk}/progress/", {"text": "mine", "idempotency_key": key})
    answer = signed_in(office).post(f"/responses/assignments/{task.pk}/remind/", {"idempotency_key": key})
    assert answer.status_code == 302
    assert not Notification.objects.filter(assignment=task, kind=Notification.Kind.REMINDER).exists()


def test_a_malformed_key_is_400_in_the_api(member, yellow):
    task = _tasks(yellow, member.unit)[0]
    answer = signed_in(member).post(f"/api/assignments/{task.pk}/progress/", {"text": "x", "idempotency_key": "bad key"})
    assert answer.status_code == 400
    assert not AssignmentUpdate.objects.filter(assignment=task).exists()


def test_every_state_changing_form_carries_an_idempotency_key():
    """Every POST form in the templates renders {% idempotency_field %}, except the session's own forms
    (log in, log out, language), which change nothing a repeat could double."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    exempt = ("{% url 'set_language' %}", "{% url 'logout' %}", "registration/login.html")
    missing = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<form\b[^>]*>.*?</form>", text, re.S):
            form = match.group(0)
            head = form[: form.index(">") + 1]
            is_post = 'method="post"' in head.lower() or "data-action=" in head
            if not is_post or any(e in head or e in str(path) for e in exempt):
                continue
            if "idempotency_field" not in form:
                missing.append(f"{path.relative_to(root)}: {head[:80]}")
    assert missing == []


def test_a_live_part_shares_no_key_the_page_renders_a_fresh_one_each_time(office, member, leader, yellow):
    client = signed_in(member)
    html = client.get("/dashboard/unit/?fragment=1").content.decode()
    assert 'name="idempotency_key" value="" data-idempotency="client"' in html
    first = signed_in(office).get("/alerts/new/").content.decode()
    second = signed_in(office).get("/alerts/new/").content.decode()
    key = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')
    assert key.search(first).group(1) != key.search(second).group(1)


# --- Item 8: 4,000 characters, shown, counted and refused


def test_text_over_the_limit_is_refused_by_the_api_and_the_service_never_cut(member, yellow, api_as):
    from django.core.exceptions import ValidationError

    task = _tasks(yellow, member.unit)[0]
    answer = api_as(member).post(f"/api/assignments/{task.pk}/progress/", {"text": "长" * (TEXT_MAX + 1)}, format="json")
    assert answer.status_code == 400 and "text" in answer.json()
    with pytest.raises(ValidationError):
        assignment_progress(assignment=task, actor=member, text="长" * (TEXT_MAX + 1))
    assignment_progress(assignment=task, actor=member, text="长" * TEXT_MAX)
    assert len(AssignmentUpdate.objects.get(assignment=task).text) == TEXT_MAX


def test_long_texts_are_folded_on_the_units_page(office, member, yellow):
    task = _tasks(yellow, member.unit)[0]
    assignment_progress(assignment=task, actor=member, text="很长的进展" * 100)
    html = signed_in(office).get(f"/responses/{yellow.pk}/units/{member.unit.code}/").content.decode()
    assert '<details class="folded">' in html


def test_office_remind_service_refuses_a_closed_response(office, member, yellow):
    from alerts.services import alert_lift
    from foundation.errors import ActionRefused

    task = _tasks(yellow, member.unit)[0]
    alert_lift(alert=yellow.alert, actor=office, reason="air improved")
    task.refresh_from_db()
    with pytest.raises(ActionRefused):
        assignment_remind(assignment=task, actor=office)


# --- Item 3: every approval says what it will do and asks for the tick


def test_every_page_offering_an_approval_says_what_it_does_and_asks_for_the_tick(office, leader):
    from alerts.models import Alert

    orange = alert_issue(actor=office, level="orange", reason="AQI 220 tomorrow")
    client = signed_in(leader)
    for path in ("/dashboard/leader/", "/alerts/approvals/", f"/alerts/{orange.pk}/"):
        html = client.get(path).content.decode()
        assert "批准后：发布橙色预警，启动Ⅱ级响应" in html and "批准后立即生效" in html, path
        assert f'data-confirm-box="{orange.pk}"' in html and 'name="confirm" required' in html, path
    answer = client.post(f"/alerts/{orange.pk}/approve/", {"next": "/dashboard/leader/"}, follow=True)
    assert Alert.objects.get(pk=orange.pk).status == "pending_approval"  # one click issues nothing
    assert any(m.level_tag == "error" for m in answer.context["messages"])
    answer = client.post(f"/alerts/{orange.pk}/approve/", {"confirm": "on", "next": "/dashboard/leader/"}, follow=True)
    assert Alert.objects.get(pk=orange.pk).status == "issued"
    assert answer.redirect_chain[-1][0] == "/dashboard/leader/"
    assert any(m.level_tag == "success" for m in answer.context["messages"])


def test_an_approval_names_its_later_start_and_a_lift_its_time(office, leader):
    import datetime

    from django.utils import timezone

    start = timezone.now() + datetime.timedelta(hours=6)
    alert_issue(actor=office, level="orange", reason="from tonight", starts_at=start)
    html = signed_in(leader).get("/alerts/approvals/").content.decode()
    assert "于 " in html and "生效" in html and "批准后立即生效" not in html


# --- Item 5: a rejection reaches the office live and in its notifications


def test_a_rejection_reaches_the_office_as_an_event_a_notification_and_on_its_screen(office, leader, django_capture_on_commit_callbacks):
    orange = alert_issue(actor=office, level="orange", reason="AQI 220 tomorrow")
    with django_capture_on_commit_callbacks(execute=False):
        answer = signed_in(leader).post(f"/alerts/{orange.pk}/reject/", {"reason": "预报不确定，再观察"}, follow=True)
    assert any(m.level_tag == "success" for m in answer.context["messages"])
    assert Event.objects.filter(type="alert.rejected", audience="command").exists()
    notification = Notification.objects.get(kind=Notification.Kind.DECISION)
    assert "预报不确定，再观察" in notification.message and office.email in notification.recipients
    html = signed_in(office).get("/dashboard/office/?fragment=1").content.decode()
    assert 'data-decision="reject"' in html and "预报不确定，再观察" in html


def test_a_refused_lift_reaches_the_office_too(office, leader):
    from alerts.services import alert_lift, alert_reject

    orange = alert_issue(actor=leader, level="orange", reason="now")
    alert_lift(alert=orange, actor=office, reason="空气转好")
    alert_reject(alert=orange, actor=leader, reason="明天仍有污染")
    notification = Notification.objects.get(kind=Notification.Kind.DECISION)
    assert "明天仍有污染" in notification.message and office.email in notification.recipients


# --- Item 7: a reason for every request a leader decides


def test_a_lift_needs_a_reason_on_the_page_in_the_api_and_in_the_service(office, leader, api_as):
    from django.core.exceptions import ValidationError

    from alerts.models import Alert
    from alerts.services import alert_lift

    orange = alert_issue(actor=leader, level="orange", reason="now")
    answer = signed_in(office).post(f"/alerts/{orange.pk}/lift/", {"comment": "  "}, follow=True)
    assert any(m.level_tag == "error" for m in answer.context["messages"])
    assert api_as(leader).post(f"/api/alerts/{orange.pk}/lift/", {}, format="json").status_code == 400
    with pytest.raises(ValidationError):
        alert_lift(alert=orange, actor=leader, reason="")
    assert Alert.objects.get(pk=orange.pk).status == "issued"
    alert_lift(alert=orange, actor=office, reason="空气转好")  # the request carries the reason
    alert_lift(alert=orange, actor=leader)  # approving the request: its reason stands
    assert Alert.objects.get(pk=orange.pk).status == "lifted"


def test_the_page_says_the_lift_reason_is_required(leader):
    orange = alert_issue(actor=leader, level="orange", reason="now")
    html = signed_in(leader).get(f"/alerts/{orange.pk}/").content.decode()
    assert '<textarea name="comment" rows="2" required data-limit="4000"></textarea>' in html


# --- Item 8 on the warnings: over the limit is refused, never cut


def test_a_rejection_reason_over_the_limit_is_refused_with_a_message(office, leader):
    from alerts.models import Alert

    orange = alert_issue(actor=office, level="orange", reason="AQI 220 tomorrow")
    answer = signed_in(leader).post(f"/alerts/{orange.pk}/reject/", {"reason": "理" * (TEXT_MAX + 1)})
    assert answer.status_code == 200 and "4000" in answer.content.decode()
    assert Alert.objects.get(pk=orange.pk).status == "pending_approval"


def test_an_approval_comment_over_the_limit_is_refused_not_dropped(office, leader):
    from alerts.models import Alert

    orange = alert_issue(actor=office, level="orange", reason="AQI 220 tomorrow")
    answer = signed_in(leader).post(f"/alerts/{orange.pk}/approve/", {"confirm": "on", "comment": "长" * (TEXT_MAX + 1)}, follow=True)
    assert Alert.objects.get(pk=orange.pk).status == "pending_approval"
    assert any(m.level_tag == "error" for m in answer.context["messages"])


def test_an_empty_file_input_is_no_file_not_an_error(member, yellow):
    """A browser sends an empty part for a file input left empty: the note is stored without a file."""
    task = _tasks(yellow, member.unit)[0]
    body = (
        '--B\r\nContent-Disposition: form-data; name="text"\r\n\r\nno file\r\n'
        '--B\r\nContent-Disposition: form-data; name="files"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n'
        "--B--\r\n"
    )
    answer = signed_in(member).generic(
        "POST", f"/api/assignments/{task.pk}/progress/", body.encode(), content_type="multipart/form-data; boundary=B"
    )
    assert answer.status_code == 200
    assert AssignmentUpdate.objects.get(assignment=task).text == "no file"


def test_long_texts_are_folded_in_the_leaders_queues(office, leader):
    long_reason = "预测连续三天AQI超过150，" * 40
    alert_issue(actor=office, level="orange", reason=long_reason)
    client = signed_in(leader)
    for path in ("/alerts/approvals/", "/dashboard/leader/"):
        html = client.get(path).content.decode()
        assert '<details class="folded">' in html, path
        assert long_reason in html.replace("<br>", ""), path  # folded, never cut


def test_submission_keys_older_than_a_week_are_pruned(member, yellow):
    import datetime

    from django.utils import timezone

    from events.idempotency import submission_keys_prune

    task = _tasks(yellow, member.unit)[0]
    client = signed_in(member)
    old, new = uuid.uuid4().hex, uuid.uuid4().hex
    client.post(f"/api/assignments/{task.pk}/progress/", {"text": "old", "idempotency_key": old})
    client.post(f"/api/assignments/{task.pk}/progress/", {"text": "new", "idempotency_key": new})
    SubmissionKey.objects.filter(key=old).update(created_at=timezone.now() - datetime.timedelta(days=8))
    assert submission_keys_prune() == 1
    assert list(SubmissionKey.objects.values_list("key", flat=True)) == [new]
