"""Issue 17 acceptance, the reporting cycle end to end with the clock under the test's control: a three-day
response with daily reports (one missed: reminded, escalated once), bulletins numbered 1-3, a report to the
city, the lift, unit summaries due on the right working day across the National Day holiday and an adjusted
working Saturday, and the summary evaluation compiled as a Word file read back with python-docx."""

import datetime
import io
import zoneinfo

import docx
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from alerts.models import Alert
from alerts.services import alert_lift
from reports import bulletins, services, summaries
from reports.models import DailyReport, ReportDay, UnitSummary
from reports.workdays import working_day_add
from responses.models import Notification
from tests.factories import alert_issue, yellow_response_ended

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def test_working_days_follow_chinas_official_calendar():
    # 1-7 October 2026 are the National Day holiday; Saturday 10 October is an adjusted working day.
    assert working_day_add(datetime.date(2026, 9, 29), 5) == (datetime.date(2026, 10, 12), True)
    assert working_day_add(datetime.date(2026, 9, 29), 4) == (datetime.date(2026, 10, 10), True)
    assert working_day_add(datetime.date(2026, 9, 30), 1) == (datetime.date(2026, 10, 8), True)
    # A year the package does not know yet: Monday to Friday, and said so.
    assert working_day_add(datetime.date(2027, 3, 5), 1) == (datetime.date(2027, 3, 8), False)
    with pytest.raises(ValueError):
        working_day_add(datetime.date(2026, 9, 29), 0)


def _submit(unit, day, actor, hour=15, **extra):
    report = DailyReport.objects.get(unit=unit, report_day__day=day)
    with time_machine.travel(at(day.month, day.day, hour), tick=False):
        return services.daily_report_submit(report=report, actor=actor, work=f"{day} 工作", **extra)


def test_a_three_day_response_through_its_reports_bulletins_lift_and_summaries(office, leader, member, other_member):
    days = [datetime.date(2026, 9, 27), datetime.date(2026, 9, 28), datetime.date(2026, 9, 29)]
    with time_machine.travel(at(9, 27, 8), tick=False):
        alert = alert_issue(actor=office, level="yellow", reason="预计9月27日至29日PM2.5重度污染")
    issued = []
    for number, day in enumerate(days, start=1):
        with time_machine.travel(at(day.month, day.day, 8, 5), tick=False):
            services.report_days_open()
        _submit(member.unit, day, member, figures={"notices_published": number})
        if number != 2:
            _submit(other_member.unit, day, other_member, figures={"vehicles_checked": 10 * number})
        for minute in (5, 6):  # the beat runs every minute: reminders go once
            with time_machine.travel(at(day.month, day.day, 15, minute), tick=False):
                services.daily_reports_remind()
        for minute in (16, 17):
            with time_machine.travel(at(day.month, day.day, 16, minute), tick=False):
                services.daily_reports_remind()
        report_day = ReportDay.objects.get(day=day)
        with time_machine.travel(at(day.month, day.day, 17), tick=False):
            services.report_day_close(report_day=report_day, actor=office)
            bulletin = bulletins.bulletin_draft(report_day=report_day, actor=office)
            issued.append(bulletins.bulletin_issue(bulletin=bulletin, actor=office))
    assert [b.number for b in issued] == [1, 2, 3]
    with time_machine.travel(at(9, 29, 17, 30), tick=False):
        sent = bulletins.city_report_record(actor=office, bulletin=issued[2], recipient="重庆市生态环境局")
    assert sent.on_time is True

    missed = DailyReport.objects.get(unit=other_member.unit, report_day__day=days[1])
    assert missed.status == "due" and missed.reminded_at == at(9, 28, 15, 5) and missed.escalated_at == at(9, 28, 16, 16)
    assert Notification.objects.filter(idempotency_key__in=[f"daily-report:remind:{missed.pk}",
                                                            f"daily-report:escalate:{missed.pk}"]).count() == 2
    assert not Notification.objects.filter(idempotency_key__startswith="daily-report:",
                                           idempotency_key__endswith=f":{DailyReport.objects.get(unit=member.unit, report_day__day=days[1]).pk}").exists()
    day_two = docx.Document(io.BytesIO(bytes(issued[1].docx)))
    assert day_two.paragraphs[1].text == "2026年第2期"
    assert [other_member.unit.name, "未报送"] == [c.text for c in day_two.tables[0].rows[[r.cells[0].text for r in day_two.tables[0].rows].index(other_member.unit.name)].cells][:2]

    with time_machine.travel(at(9, 29, 20), tick=False):
        alert_lift(alert=Alert.objects.get(pk=alert.pk), actor=office, reason="污染过程结束")
    with time_machine.travel(at(9, 29, 20, 1), tick=False):
        assert summaries.summaries_open() > 0
        assert summaries.summaries_open() == 0
    own = UnitSummary.objects.get(unit=member.unit)
    # Five working days after Tuesday 29 September: 30 Sept, 8, 9, 10 (an adjusted Saturday) and 12 October.
    assert own.due_on == datetime.date(2026, 10, 12) and not own.due_provisional
    with time_machine.travel(at(10, 9, 10), tick=False):
        summaries.unit_summary_submit(summary=own, actor=member, text="本单位按要求落实各项措施。")
    with time_machine.travel(at(10, 12, 8, 59), tick=False):
        assert summaries.summaries_remind()["summaries_reminded"] == 0
    with time_machine.travel(at(10, 12, 9), tick=False):
        reminded = summaries.summaries_remind()["summaries_reminded"]
    assert reminded == UnitSummary.objects.filter(status="due").count()
    with time_machine.travel(at(10, 12, 23, 59), tick=False):
        assert summaries.summaries_remind()["summaries_escalated"] == 0
    with time_machine.travel(at(10, 13, 0, 1), tick=False):
        assert summaries.summaries_remind()["summaries_escalated"] == reminded
        assert summaries.summaries_remind() == {"summaries_reminded": 0, "summaries_escalated": 0}
    police = UnitSummary.objects.get(unit=other_member.unit)
    with time_machine.travel(at(10, 13, 10), tick=False):
        police = summaries.unit_summary_submit(summary=police, actor=other_member, text="逾期提交的总结。")
    assert police.late is True

    with time_machine.travel(at(10, 14, 9), tick=False):
        evaluation = docx.Document(io.BytesIO(summaries.evaluation_docx(alert.responses.get())))
    texts = [p.text for p in evaluation.paragraphs]
    assert texts[0] == "江津区空气重污染应急响应总结评估"
    assert any("印发简报3期，向市报送1次（超时0次）" in t for t in texts)
    reports_table = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in evaluation.tables[1].rows}
    assert reports_table[member.unit.name] == ["3", "3", "0", "0"]
    assert reports_table[other_member.unit.name] == ["3", "2", "0", "1"]
    summary_table = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in evaluation.tables[2].rows}
    assert summary_table[member.unit.name][:2] == ["2026-10-12", "已提交"]
    assert summary_table[other_member.unit.name][:2] == ["2026-10-12", "逾期提交"]
    tasks_table = {row.cells[0].text: row.cells[1].text for row in evaluation.tables[0].rows}
    assert int(tasks_table[member.unit.name]) >= 1


@pytest.fixture
def ended_response(office, member):
    return yellow_response_ended(office)


def test_only_the_units_members_submit_its_summary_and_an_empty_one_is_refused(ended_response, member, other_member, office):
    own = UnitSummary.objects.get(unit=member.unit)
    for actor in (other_member, office):
        with pytest.raises(PermissionDenied):
            summaries.unit_summary_submit(summary=own, actor=actor, text="x")
    with pytest.raises(ValidationError):
        summaries.unit_summary_submit(summary=own, actor=member, text="  ")


def test_the_summary_api_and_pages(ended_response, member, other_member, office, api_as):
    own = UnitSummary.objects.get(unit=member.unit)
    listed = api_as(member).get("/api/unit-summaries/").json()
    assert [row["id"] for row in listed["results"]] == [own.pk]
    assert listed["results"][0]["due_on"] == "2026-10-12"
    assert api_as(member).post(f"/api/unit-summaries/{own.pk}/submit/", {"text": ""}, format="json").status_code == 400
    assert api_as(other_member).post(f"/api/unit-summaries/{own.pk}/submit/", {"text": "x"}, format="json").status_code == 404
    answer = api_as(member).post(f"/api/unit-summaries/{own.pk}/submit/", {"text": "总结"}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "submitted"
    client = Client()
    client.force_login(office)
    page = client.get("/reports/summaries/").content.decode()
    assert 'data-due="2026-10-12"' in page
    detail = client.get(f"/reports/summaries/responses/{ended_response.pk}/").content.decode()
    assert f'data-unit="{member.unit.code}" data-status="submitted"' in detail
    word = client.get(f"/reports/summaries/responses/{ended_response.pk}/evaluation.docx")
    assert docx.Document(io.BytesIO(word.content)).paragraphs[0].text.endswith("总结评估")
    client.force_login(member)
    assert client.get("/reports/summaries/").status_code == 403
    assert client.get(f"/reports/summaries/responses/{ended_response.pk}/evaluation.docx").status_code == 404
    assert client.post(f"/reports/summaries/{own.pk}/", {"text": "更正后的总结"}).status_code == 302
    own.refresh_from_db()
    assert own.text == "更正后的总结"


def test_the_evaluation_shows_the_forecast_aqi_before_during_and_after(ended_response):
    import io

    from feeds.models import Forecast

    Forecast.objects.create(source="test", provider="manual", issued_at=at(9, 26, 8),
                            days=[{"date": f"2026-09-{d}", "aqi": aqi, "category": "重度污染" if aqi > 200 else "中度污染"}
                                  for d, aqi in ((26, 120), (27, 180), (28, 230), (29, 210), (30, 140))])
    Forecast.objects.create(source="test", provider="manual", issued_at=at(9, 29, 8),
                            days=[{"date": "2026-09-29", "aqi": 190}, {"date": "2026-09-30", "aqi": 110}])
    rows = summaries.aqi_around(ended_response)
    # The response ran 28-29 September: two days either side; each day from the latest forecast issued by then.
    assert [r[:3] for r in rows] == [["2026-09-26", "响应前", 120], ["2026-09-27", "响应前", 180],
                                     ["2026-09-28", "响应期间", 230], ["2026-09-29", "响应期间", 190],
                                     ["2026-09-30", "响应后", 110], ["2026-10-01", "响应后", "—"]]
    document = docx.Document(io.BytesIO(summaries.evaluation_docx(ended_response)))
    assert [c.text for c in document.tables[3].rows[3].cells] == ["2026-09-28", "响应期间", "230", "重度污染"]
    assert len(document.inline_shapes) == 2  # the charts (tests/test_reports_charts.py)
