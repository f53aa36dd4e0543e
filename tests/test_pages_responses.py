"""The response pages: the list, the summary evaluation and its CSV, and report attachments."""

import csv
import io

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alerts.services import alert_lift
from responses.models import Attachment, Response, TaskAssignment
from responses.services import assignment_acknowledge, assignment_complete
from responses.views import csv_cell
from tests.factories import alert_issue

pytestmark = pytest.mark.basis_rule

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def scenario(office, member):
    """Issue yellow; the member acknowledges one task and completes it with a report and a file; the office lifts."""
    alert = alert_issue(actor=office, level="yellow", reason="AQI above 200 tomorrow")
    response = Response.objects.get(alert=alert)
    tasks = list(TaskAssignment.objects.filter(response=response, unit=member.unit).order_by("id"))
    assert len(tasks) >= 2, "the education commission has at least two level III tasks"
    assignment_acknowledge(assignment=tasks[0], actor=member)
    assignment_complete(
        assignment=tasks[0], actor=member, report="Outdoor activities cut at 42 schools",
        files=[SimpleUploadedFile("schools.png", PNG, content_type="image/png")],
    )
    alert_lift(alert=alert, actor=office, reason="air improved")
    response.refresh_from_db()
    return {
        "alert": alert,
        "response": response,
        "assigned": TaskAssignment.objects.filter(response=response, unit=member.unit).count(),
        "attachment": Attachment.objects.get(),
    }


def _csv(answer) -> list[list[str]]:
    body = answer.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _unit_table(rows):
    """The CSV's per-unit table: its header (first cell "Unit"), the unit rows and the totals row."""
    start = next(i for i, r in enumerate(rows) if r[:1] == ["Unit"] or r[:1] == ["单位"])
    end = next(i for i in range(start + 1, len(rows)) if rows[i][:1] in (["Total"], ["合计"]))
    return rows[start], rows[start + 1:end], rows[end]


# --- The summary evaluation ---


def test_summary_numbers_match_the_scripted_scenario(client, office, member, scenario):
    client.force_login(office)
    answer = client.get(reverse("responses:summary", args=[scenario["response"].pk]))
    assert answer.status_code == 200
    row = next(r for r in answer.context["units"] if r["unit"] == member.unit)
    assert row["assigned"] == scenario["assigned"]
    assert row["acknowledged"] == 1
    assert row["completed"] == 1
    assert row["cancelled"] == scenario["assigned"] - 1  # the lift closed the rest
    assert row["overdue"] == 0
    html = answer.content.decode()
    assert f'data-unit="{member.unit.code}"' in html
    assert "Outdoor activities cut at 42 schools" in html
    assert reverse("responses:attachment", args=[scenario["attachment"].pk]) in html
    assert "css/pages.css" in html
    assert "@media print" in open(finders.find("css/pages.css"), encoding="utf-8").read()


def test_summary_totals_add_up_the_units(client, office, scenario):
    client.force_login(office)
    context = client.get(reverse("responses:summary", args=[scenario["response"].pk])).context
    for key in ("assigned", "acknowledged", "completed", "cancelled", "overdue"):
        assert context["totals"][key] == sum(row[key] for row in context["units"])
    assert context["totals"]["reports"] == 1


def test_summary_csv_matches_the_scripted_scenario(client, office, member, scenario):
    client.force_login(office)
    answer = client.get(reverse("responses:summary-csv", args=[scenario["response"].pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert answer["Content-Disposition"].startswith("attachment")
    header, units, total = _unit_table(_csv(answer))
    assert len(header) == len(total)
    row = dict(zip(header, next(r for r in units if r[1] == member.unit.code), strict=True))
    assert row["Assigned"] == str(scenario["assigned"])
    assert row["Acknowledged"] == "1"
    assert row["Completed"] == "1"
    assert row["Reports"] == "1"
    assert total[2] == str(sum(int(r[2]) for r in units))
    assert dict(zip(header, total, strict=True))["Acknowledged"] == "1"
    assert dict(zip(header, total, strict=True))["Completed"] == "1"


def test_summary_csv_escapes_a_formula(client, office, member, scenario):
    member.unit.__class__.objects.filter(pk=member.unit_id).update(name='=HYPERLINK("http://evil.example","x")')
    client.force_login(office)
    rows = _csv(client.get(reverse("responses:summary-csv", args=[scenario["response"].pk])))
    names = [r[0] for r in rows if r]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in names
    assert not any(name.startswith("=") for name in names)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"])
def test_csv_cell_makes_formulas_inert(text):
    assert csv_cell(text) == "'" + text


def test_csv_cell_leaves_plain_values(text="教育委员会"):
    assert csv_cell(text) == text
    assert csv_cell(3) == "3"
    assert csv_cell(None) == ""


def test_drill_summary_is_reported_separately(client, office, leader):
    alert = alert_issue(actor=leader, level="orange", reason="exercise", drill=True)
    response = Response.objects.get(alert=alert)
    client.force_login(office)
    html = client.get(reverse("responses:summary", args=[response.pk])).content.decode()
    assert "banner-drill" in html and "演练/DRILL" in html
    rows = _csv(client.get(reverse("responses:summary-csv", args=[response.pk])))
    assert "演练" in rows[-1][0]  # the last line, after the reports


def test_hostile_text_is_escaped_on_the_summary_and_list(client, office, member):
    alert = alert_issue(actor=office, level="yellow", reason=HOSTILE)
    response = Response.objects.get(alert=alert)
    task = TaskAssignment.objects.filter(response=response, unit=member.unit).first()
    assignment_complete(assignment=task, actor=member, report=HOSTILE)
    alert_lift(alert=alert, actor=office, reason=HOSTILE)
    client.force_login(office)
    for url in (reverse("responses:summary", args=[response.pk]), reverse("responses:list")):
        html = client.get(url).content.decode()
        assert HOSTILE not in html
        assert ESCAPED in html


# --- The list ---


def test_list_shows_active_responses_first(client, office, leader):
    ended = alert_issue(actor=office, level="yellow", reason="first")
    alert_lift(alert=ended, actor=office, reason="clean air")
    active = alert_issue(actor=leader, level="orange", reason="drill", drill=True)
    again = alert_issue(actor=office, level="yellow", reason="third")
    client.force_login(leader)
    answer = client.get(reverse("responses:list"))
    assert answer.status_code == 200
    order = [r.alert_id for r in answer.context["responses"]]
    assert order == [again.pk, active.pk, ended.pk]
    assert "演练/DRILL" in answer.content.decode()


# --- Who may see what ---


@pytest.fixture
def some_response(office):
    return Response.objects.get(alert=alert_issue(actor=office, level="yellow", reason="haze"))


def _pages(response):
    return [
        reverse("responses:list"),
        reverse("responses:summary", args=[response.pk]),
        reverse("responses:summary-csv", args=[response.pk]),
    ]


def test_unit_member_gets_403_on_response_pages(client, member, some_response):
    client.force_login(member)
    for url in _pages(some_response):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_redirected_to_login(client, some_response):
    for url in _pages(some_response):
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer["Location"].startswith(reverse("login"))


def test_leader_sees_the_summary(client, leader, some_response):
    client.force_login(leader)
    assert client.get(reverse("responses:summary", args=[some_response.pk])).status_code == 200


def test_missing_response_is_404(client, office):
    client.force_login(office)
    assert client.get(reverse("responses:summary", args=[999999])).status_code == 404
    assert client.get(reverse("responses:summary-csv", args=[999999])).status_code == 404


# --- Attachments ---


def test_attachment_is_served_to_its_own_unit(client, member, scenario):
    client.force_login(member)
    answer = client.get(reverse("responses:attachment", args=[scenario["attachment"].pk]))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == PNG
    assert answer["Content-Type"] == "image/png"
    assert answer["Content-Disposition"].startswith("attachment")
    assert answer["X-Content-Type-Options"] == "nosniff"


def test_attachment_is_404_for_another_unit(client, other_member, scenario):
    client.force_login(other_member)
    assert client.get(reverse("responses:attachment", args=[scenario["attachment"].pk])).status_code == 404


def test_attachment_is_served_to_the_office_and_the_leaders(client, office, leader, scenario):
    for user in (office, leader):
        client.force_login(user)
        assert client.get(reverse("responses:attachment", args=[scenario["attachment"].pk])).status_code == 200


def test_attachment_is_404_for_the_roster_admin_and_login_for_anonymous(client, admin_user, scenario):
    url = reverse("responses:attachment", args=[scenario["attachment"].pk])
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(admin_user)
    assert client.get(url).status_code == 404


def test_attachment_whose_file_is_gone_is_404_not_500(client, office, scenario):
    scenario["attachment"].file.delete(save=False)
    client.force_login(office)
    assert client.get(reverse("responses:attachment", args=[scenario["attachment"].pk])).status_code == 404
