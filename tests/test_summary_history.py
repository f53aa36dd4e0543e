"""The summary evaluation (issue 14 item 14): level history, period, reasons, reports; rates over the tasks due."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.services import alert_lift
from responses.models import Response, TaskAssignment
from responses.services import assignment_acknowledge, assignment_progress
from tests.factories import alert_issue

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]


def _escalated(office, leader, member):
    yellow = alert_issue(actor=office, level="yellow", reason="黄色：预测AQI 160")
    task = TaskAssignment.objects.filter(response__alert=yellow, unit=member.unit).order_by("id").first()
    assignment_acknowledge(assignment=task, actor=member)
    orange = alert_issue(actor=leader, level="orange", reason="橙色：连续三天AQI超过200")
    red = alert_issue(actor=leader, level="red", reason="红色：AQI超过300")
    later = TaskAssignment.objects.filter(response__alert=red, unit=member.unit, status="assigned").order_by("id").first()
    assignment_progress(assignment=later, actor=member, text="已通知全部学校停止户外活动")
    alert_lift(alert=red, actor=leader, reason="冷空气到达，空气质量好转")
    return Response.objects.get(alert=red), (yellow, orange, red)


def test_the_page_names_the_warnings_and_shows_the_level_history_with_reasons(client, office, leader, member):
    response, (yellow, orange, red) = _escalated(office, leader, member)
    client.force_login(office)
    answer = client.get(reverse("responses:summary", args=[response.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = answer.content.decode()
    head = page[page.index("<h1>"):page.index("</h1>")]
    assert f"#{yellow.pk}" in head and f"#{orange.pk}" in head and f"#{red.pk}" in head
    assert [step["level"] for step in answer.context["level_history"]] == ["yellow", "orange", "red"]
    for text in ("黄色：预测AQI 160", "橙色：连续三天AQI超过200", "红色：AQI超过300", "冷空气到达，空气质量好转", "已通知全部学校停止户外活动"):
        assert text in page
    assert "被下一预警取代" in page and "已解除" in page


def test_the_acknowledgement_rate_counts_only_the_tasks_that_were_due(client, office, leader, member):
    response, _ = _escalated(office, leader, member)
    client.force_login(office)
    totals = client.get(reverse("responses:summary", args=[response.pk])).context["totals"]
    # Every task was closed by a level change or the lift before its deadline: only the acknowledged one was due.
    assert totals["assigned"] > 100 and totals["due"] == totals["acknowledged"] <= 2
    assert totals["ack_rate"] == 100 and totals["overdue"] == 0


def test_a_task_open_past_its_deadline_is_due_and_overdue(client, office, member):
    alert = alert_issue(actor=office, level="yellow", reason="x")
    TaskAssignment.objects.filter(response__alert=alert).update(ack_deadline=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(office)
    totals = client.get(reverse("responses:summary", args=[Response.objects.get(alert=alert).pk])).context["totals"]
    assert totals["due"] == totals["assigned"] == totals["overdue"] and totals["ack_rate"] == 0


def test_the_csv_holds_the_history_the_period_the_rates_and_the_reports(client, office, leader, member):
    response, (yellow, orange, red) = _escalated(office, leader, member)
    client.force_login(office)
    body = client.get(reverse("responses:summary-csv", args=[response.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    rows = list(csv.reader(io.StringIO(body[1:])))
    cells = [cell for row in rows for cell in row]
    assert rows[1][0] == "Warnings" and f"#{yellow.pk}" in rows[1][1] and f"#{red.pk}" in rows[1][1]
    assert rows[2][0] == "Period" and rows[2][1] and rows[2][2]
    assert "冷空气到达，空气质量好转" in cells and "已通知全部学校停止户外活动" in cells
    assert any(row[:2] == ["Acknowledged of the tasks due", "100%"] for row in rows)
    assert member.unit.name_en in cells
