"""Issue 17 item 1: each tasked unit's daily report during a response, the office's view of who has
reported, reminders before the deadline and one escalation after it (claimed once)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.test import Client

from events.models import AuditEntry
from reports import services
from reports.models import DailyReport, ReportDay
from responses.models import Notification, Response
from tests.factories import alert_issue

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def day_one(office, member, other_member):
    """A yellow issued on Tuesday 1 December 2026 at 08:00; the day's reports opened at 08:05."""
    with time_machine.travel(at(1, 8), tick=False):
        alert_issue(actor=office, level="yellow", reason="黄色预警")
    with time_machine.travel(at(1, 8, 5), tick=False):
        services.report_days_open()
    return ReportDay.objects.get()


def _report(unit):
    return DailyReport.objects.get(unit=unit)


def test_each_tasked_member_unit_owes_one_report_for_the_day_due_at_16_00(day_one, member):
    assert day_one.day == datetime.date(2026, 12, 1)
    assert day_one.deadline == at(1, 16)
    units = set(day_one.reports.values_list("unit__kind", flat=True))
    assert units <= {"department", "township", "park"}
    assert _report(member.unit).status == "due"
    with time_machine.travel(at(1, 9), tick=False):
        assert services.report_days_open() == {"days": 0, "reports": 0}  # idempotent


def test_a_unit_member_submits_the_report_with_its_kinds_figures_audited(day_one, member):
    report = _report(member.unit)
    with time_machine.travel(at(1, 15), tick=False):
        services.daily_report_submit(report=report, actor=member, work="检查学校42所，停止户外活动",
                                     figures={"notices_published": 3, "complaints_handled": "2"}, problems="")
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.first_submitted_at == at(1, 15)
    assert report.late is False
    assert report.figures == {"enterprises_checked": 0, "sites_stopped": 0, "vehicles_checked": 0,
                              "violations_found": 0, "complaints_handled": 2, "notices_published": 3}
    assert AuditEntry.objects.filter(target_type="dailyreport", target_id=report.pk, action="daily_report_submit",
                                     actor=member).exists()


def test_a_correction_after_the_deadline_keeps_the_first_time_and_is_counted(day_one, member):
    report = _report(member.unit)
    with time_machine.travel(at(1, 15), tick=False):
        services.daily_report_submit(report=report, actor=member, work="第一稿")
    with time_machine.travel(at(1, 17), tick=False):
        services.daily_report_submit(report=report, actor=member, work="更正", figures={"notices_published": 5})
    report.refresh_from_db()
    assert (report.work, report.revisions, report.first_submitted_at, report.late) == ("更正", 1, at(1, 15), False)
    correction = AuditEntry.objects.get(target_type="dailyreport", target_id=report.pk, action="daily_report_correct")
    assert correction.data["before"]["work"] == "第一稿"


def test_a_report_first_submitted_after_16_00_is_late(day_one, member):
    with time_machine.travel(at(1, 16, 1), tick=False):
        report = services.daily_report_submit(report=_report(member.unit), actor=member, work="迟报")
    assert report.late is True


@pytest.mark.parametrize("figures, message", [
    ({"tons_of_coal": 1}, "tons_of_coal"),
    ({"notices_published": -1}, "notices_published"),
    ({"notices_published": "三"}, "notices_published"),
])
def test_bad_figures_are_refused_with_a_message(day_one, member, figures, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.daily_report_submit(report=_report(member.unit), actor=member, work="x", figures=figures)
    assert "figures" in refused.value.message_dict


def test_only_the_units_own_members_submit(day_one, member, other_member, office):
    from django.core.exceptions import PermissionDenied

    for actor in (other_member, office):
        with pytest.raises(PermissionDenied):
            services.daily_report_submit(report=_report(member.unit), actor=actor, work="x")


def test_once_the_office_closes_the_day_corrections_are_refused_409(day_one, member, office, api_as):
    services.report_day_close(report_day=day_one, actor=office)
    answer = api_as(member).post(f"/api/daily-reports/{_report(member.unit).pk}/submit/",
                                 {"work": "晚了"}, format="json")
    assert answer.status_code == 409
    assert "closed" in answer.json()["detail"] or "关闭" in answer.json()["detail"]


def test_reminders_before_the_deadline_then_one_escalation_to_the_command_once(day_one, member, office, leader):
    with time_machine.travel(at(1, 14), tick=False):
        services.daily_report_submit(report=_report(member.unit), actor=member, work="已落实")
    due = day_one.reports.filter(status="due").count()
    assert due > 0
    with time_machine.travel(at(1, 14, 30), tick=False):
        assert services.daily_reports_remind() == {"reminded": 0, "escalated": 0}  # more than an hour ahead
    with time_machine.travel(at(1, 15, 5), tick=False):
        assert services.daily_reports_remind() == {"reminded": due, "escalated": 0}
        assert services.daily_reports_remind() == {"reminded": 0, "escalated": 0}
    with time_machine.travel(at(1, 16, 10), tick=False):
        assert services.daily_reports_remind() == {"reminded": 0, "escalated": 0}  # within the 15 minutes' grace
    with time_machine.travel(at(1, 16, 16), tick=False):
        assert services.daily_reports_remind() == {"reminded": 0, "escalated": due}
        assert services.daily_reports_remind() == {"reminded": 0, "escalated": 0}
    assert Notification.objects.filter(idempotency_key__startswith="daily-report:remind:").count() == due
    assert not Notification.objects.filter(idempotency_key=f"daily-report:remind:{_report(member.unit).pk}").exists()
    escalation = Notification.objects.filter(idempotency_key__startswith="daily-report:escalate:").first()
    assert sorted(escalation.recipients) == sorted([office.email, leader.email])


def test_a_response_starting_after_the_deadline_reports_from_the_next_day(office, member):
    with time_machine.travel(at(1, 17), tick=False):
        alert_issue(actor=office, level="yellow", reason="傍晚发布")
        services.report_days_open()
    assert not ReportDay.objects.exists()
    response = Response.objects.get()
    # Day 3's reports are open from midnight: the response is still in force, its deadline not yet come.
    assert services.response_report_days(response, until=at(3, 12)) == [datetime.date(2026, 12, 2),
                                                                          datetime.date(2026, 12, 3)]


def test_the_api_lists_and_submits_for_the_members_own_unit_only(day_one, member, other_member, api_as):
    own = _report(member.unit)
    listed = api_as(member).get("/api/daily-reports/").json()
    assert {row["unit"] for row in listed["results"]} == {member.unit_id}
    answer = api_as(member).post(f"/api/daily-reports/{own.pk}/submit/",
                                 {"work": "完成", "figures": {"notices_published": 2}}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "submitted"
    assert api_as(other_member).post(f"/api/daily-reports/{own.pk}/submit/", {"work": "x"}, format="json").status_code == 404
    bad = api_as(member).post(f"/api/daily-reports/{own.pk}/submit/", {"work": "x", "figures": {"nope": 1}}, format="json")
    assert bad.status_code == 400 and "figures" in bad.json()
    assert api_as(member).post(f"/api/daily-reports/{own.pk}/submit/", {"figures": []}, format="json").status_code == 400


def test_the_office_sees_who_has_reported_and_closes_the_day_on_the_pages(day_one, member, office, leader):
    with time_machine.travel(at(1, 15), tick=False):
        services.daily_report_submit(report=_report(member.unit), actor=member, work="已报")
    client = Client()
    client.force_login(member)
    page = client.get(f"/reports/daily/{_report(member.unit).pk}/")
    assert page.status_code == 200 and "daily-report-form" in page.content.decode()
    assert client.get(f"/reports/days/{day_one.pk}/").status_code == 403
    client.force_login(office)
    board = client.get(f"/reports/days/{day_one.pk}/?fragment=1").content.decode()
    assert f'data-unit="{member.unit.code}" data-status="submitted"' in board
    assert 'data-status="due"' in board
    assert client.post(f"/reports/days/{day_one.pk}/close/").status_code == 302
    day_one.refresh_from_db()
    assert day_one.status == "closed"
    client.force_login(leader)
    assert client.post(f"/reports/days/{day_one.pk}/close/").status_code == 403


def test_a_member_submits_on_the_page_and_a_bad_figure_is_a_form_message(day_one, member):
    client = Client()
    client.force_login(member)
    url = f"/reports/daily/{_report(member.unit).pk}/"
    bad = client.post(url, {"work": "x", "figure_notices_published": "-3"})
    assert bad.status_code == 200 and _report(member.unit).status == "due"
    good = client.post(url, {"work": "宣传到位", "figure_notices_published": "4", "problems": ""})
    assert good.status_code == 302
    assert _report(member.unit).figures["notices_published"] == 4
