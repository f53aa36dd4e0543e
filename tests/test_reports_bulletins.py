"""Issue 17 item 2: the office's bulletin drafted from a day's reports, edited, issued with the year's next
number as a Word file (read back with python-docx), and each report to the city recorded with its deadline."""

import datetime
import io
import zoneinfo

import docx
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from events.models import AuditEntry
from foundation.errors import ActionRefused
from reports import bulletins, documents, services
from reports.models import Bulletin, DailyReport, ReportDay
from tests.factories import alert_issue

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def reported_day(office, member, roster):
    """Day one of a yellow: the education commission reported, everyone else did not."""
    with time_machine.travel(at(1, 8), tick=False):
        alert_issue(actor=office, level="yellow", reason="预计12月1日至3日PM2.5重度污染")
        services.report_days_open()
    day = ReportDay.objects.get()
    with time_machine.travel(at(1, 15), tick=False):
        services.daily_report_submit(report=DailyReport.objects.get(report_day=day, unit=member.unit), actor=member,
                                     work="全区中小学停止户外活动", figures={"notices_published": 7},
                                     problems="部分学校未及时收到通知")
    return day


def _read(data: bytes) -> docx.Document:
    return docx.Document(io.BytesIO(data))


def test_the_draft_is_compiled_from_the_days_reports(reported_day, office, member):
    bulletin = bulletins.bulletin_draft(report_day=reported_day, actor=office)
    assert bulletin.status == "draft" and bulletin.number is None and bulletin.year == 2026
    due = reported_day.reports.count()
    assert f"应报送单位{due}个，已报送1个（其中迟报0个）" in bulletin.body
    assert "区教委：全区中小学停止户外活动" in bulletin.body
    assert "发布信息（条）7" in bulletin.body
    assert "区教委：部分学校未及时收到通知" in bulletin.body
    assert bulletin.table[0] == ["单位", "报送情况", "发布信息（条）"]
    assert [member.unit.name, "已报送", 7] in bulletin.table
    assert bulletin.table[-1] == ["合计", f"1/{due}", 7]


def test_issued_bulletins_are_numbered_1_2_3_per_year_and_the_word_file_reads_back(reported_day, office, member):
    drafts = [bulletins.bulletin_draft(report_day=reported_day, actor=office) for _ in range(3)]
    numbers = [bulletins.bulletin_issue(bulletin=b, actor=office).number for b in drafts]
    assert numbers == [1, 2, 3]
    assert bulletins.bulletin_issue(bulletin=drafts[0], actor=office).number == 1  # issuing twice does nothing
    document = _read(bulletins.bulletin_render(Bulletin.objects.get(pk=drafts[1].pk)))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "空气重污染应急工作简报"
    assert texts[1] == "2026年第2期"
    assert texts[2].startswith("江津区空气重污染应急指挥部办公室") and texts[2].endswith("2026年12月1日")
    assert "一、预警及响应情况" in texts
    table = document.tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["单位", "报送情况", "发布信息（条）"]
    assert [member.unit.name, "已报送", "7"] in rows
    assert AuditEntry.objects.filter(action="bulletin_issue", target_id=drafts[2].pk, data__number=3).exists()
    assert len(document.inline_shapes) == 0  # no forecast for these days: no AQI chart


def test_the_bulletin_carries_the_aqi_chart_when_the_feeds_have_a_forecast(reported_day, office):
    """The response's days and two either side, as the summary evaluation draws them (responses.charts)."""
    from feeds.models import Forecast

    Forecast.objects.create(source="test", provider="manual", issued_at=at(1, 6),
                            days=[{"date": f"2026-12-0{d}", "aqi": aqi} for d, aqi in ((1, 230), (2, 260), (3, 180))])
    with time_machine.travel(at(1, 18), tick=False):
        bulletin = bulletins.bulletin_issue(bulletin=bulletins.bulletin_draft(report_day=reported_day, actor=office),
                                            actor=office)
    document = _read(bulletins.bulletin_render(Bulletin.objects.get(pk=bulletin.pk)))  # as stored at issue
    texts = [p.text for p in document.paragraphs]
    caption = texts.index(bulletins.AQI_CAPTION)
    assert caption > texts.index("六、空气质量")
    (picture,) = document.inline_shapes
    image = document.part.related_parts[picture._inline.graphic.graphicData.pic.blipFill.blip.embed]
    assert image.blob[:8] == b"\x89PNG\r\n\x1a\n" and picture.width == docx.shared.Cm(16)


def test_the_office_edits_a_draft_but_not_an_issued_bulletin(reported_day, office):
    bulletin = bulletins.bulletin_draft(report_day=reported_day, actor=office)
    bulletins.bulletin_edit(bulletin=bulletin, actor=office, title="空气重污染应急工作简报", body="一、概况\n修改后的正文")
    issued = bulletins.bulletin_issue(bulletin=bulletin, actor=office)
    assert "修改后的正文" in [p.text for p in _read(bytes(issued.docx)).paragraphs]
    with pytest.raises(ActionRefused):
        bulletins.bulletin_edit(bulletin=bulletin, actor=office, title="x", body="y")
    with pytest.raises(ValidationError):
        bulletins.bulletin_edit(bulletin=bulletins.bulletin_draft(report_day=reported_day, actor=office), actor=office,
                                title="", body="")


def test_only_the_office_drafts_issues_and_records(reported_day, office, leader, member):
    for actor in (leader, member):
        with pytest.raises(PermissionDenied):
            bulletins.bulletin_draft(report_day=reported_day, actor=actor)
    bulletin = bulletins.bulletin_draft(report_day=reported_day, actor=office)
    with pytest.raises(PermissionDenied):
        bulletins.bulletin_issue(bulletin=bulletin, actor=leader)


def test_a_report_to_the_city_is_recorded_with_its_file_and_the_deadline_met_or_missed(reported_day, office):
    bulletin = bulletins.bulletin_draft(report_day=reported_day, actor=office)
    with pytest.raises(ActionRefused):
        bulletins.city_report_record(actor=office, bulletin=bulletin, recipient="重庆市生态环境局")
    bulletin = bulletins.bulletin_issue(bulletin=bulletin, actor=office)
    with time_machine.travel(at(1, 17, 30), tick=False):
        on_time = bulletins.city_report_record(actor=office, bulletin=bulletin, recipient="重庆市生态环境局")
    with time_machine.travel(at(1, 19), tick=False):
        late = bulletins.city_report_record(actor=office, bulletin=bulletin, recipient="重庆市人民政府", note="补报")
    assert (on_time.on_time, late.on_time) == (True, False)
    assert on_time.deadline == at(1, 18)
    assert on_time.number == f"江津区空气重污染应急工作简报〔2026〕{bulletin.number}号"
    assert late.content.endswith("补报") and on_time.content == bulletin.body
    assert _read(bytes(on_time.file)).paragraphs[1].text == f"2026年第{bulletin.number}期"
    with pytest.raises(ValidationError):
        bulletins.city_report_record(actor=office, bulletin=bulletin, recipient="  ")


def test_the_api_drafts_edits_issues_and_records_and_refuses_others(reported_day, office, member, api_as):
    api = api_as(office)
    draft = api.post("/api/bulletins/", {"report_day": reported_day.pk}, format="json")
    assert draft.status_code == 201, draft.content
    pk = draft.json()["id"]
    assert api.post(f"/api/bulletins/{pk}/edit/", {"title": "简报", "body": ""}, format="json").status_code == 400
    assert api.post(f"/api/bulletins/{pk}/edit/", {"title": "简报", "body": "正文"}, format="json").status_code == 200
    assert api.post("/api/city-reports/", {"bulletin": pk, "recipient": "市政府"}, format="json").status_code == 409
    issued = api.post(f"/api/bulletins/{pk}/issue/")
    assert issued.json()["number"] == 1
    sent = api.post("/api/city-reports/", {"bulletin": pk, "recipient": "市政府"}, format="json")
    assert sent.status_code == 201 and sent.json()["number"].endswith("〔2026〕1号")
    assert api.get("/api/city-reports/").json()["count"] == 1
    unknown = api.post("/api/bulletins/", {"report_day": 999999}, format="json")
    assert unknown.status_code == 400 and "report_day" in unknown.json()
    assert api.post("/api/bulletins/", {"report_day": "x"}, format="json").status_code == 400
    assert api_as(member).get("/api/bulletins/").status_code == 403
    assert api_as(member).post("/api/bulletins/", {"report_day": reported_day.pk}, format="json").status_code == 403


def test_the_pages_draft_issue_download_and_record(reported_day, office, member):
    client = Client()
    client.force_login(office)
    drafted = client.post(f"/reports/days/{reported_day.pk}/bulletin/")
    bulletin = Bulletin.objects.get()
    assert drafted.url == f"/reports/bulletins/{bulletin.pk}/"
    assert client.post(drafted.url, {"action": "edit", "title": "", "body": "x"}).status_code == 200
    assert client.post(drafted.url, {"action": "issue"}).status_code == 302
    word = client.get(f"/reports/bulletins/{bulletin.pk}/bulletin.docx")
    assert word["Content-Type"] == documents.DOCX_TYPE
    assert _read(word.content).paragraphs[1].text == "2026年第1期"
    assert client.post(drafted.url, {"action": "city", "recipient": "重庆市生态环境局", "sent_at": ""}).status_code == 302
    page = client.get("/reports/city/").content.decode()
    assert "重庆市生态环境局" in page and "〔2026〕1号" in page
    client.force_login(member)
    assert client.get(drafted.url).status_code == 403
    assert client.get(f"/reports/bulletins/{bulletin.pk}/bulletin.docx").status_code == 404
