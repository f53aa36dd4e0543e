"""Issue 17 items 2 and 3, the PDFs: the bulletin and the summary evaluation converted by LibreOffice (installed
by .ci/run) and downloaded through their routes, read back with pypdf; a failing, hanging or missing converter
answers with a message (503, 503, 404), never a 500; concurrent conversions share no profile."""

import datetime
import io
import os
import re
import stat
import threading
import time
import zoneinfo

import pypdf
import pytest
import time_machine
from django.test import Client

from alerts.services import alert_create
from reports import bulletins, documents, services, summaries
from reports.models import DailyReport, ReportDay
from responses.selectors import response_summary
from tests.factories import yellow_response_ended

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def _text(pdf: bytes) -> str:
    """The PDF's text, whitespace removed (pypdf puts spaces between Chinese and digits)."""
    assert pdf[:5] == b"%PDF-"
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages))


@pytest.fixture
def issued_bulletin(office, member):
    """Bulletin 第1期 of 1 December 2026: the education commission reported 7 notices."""
    with time_machine.travel(at(12, 1, 8), tick=False):
        alert_create(actor=office, level="yellow", reason="预计12月1日至3日PM2.5重度污染")
        services.report_days_open()
    day = ReportDay.objects.get()
    with time_machine.travel(at(12, 1, 15), tick=False):
        services.daily_report_submit(report=DailyReport.objects.get(report_day=day, unit=member.unit), actor=member,
                                     work="全区中小学停止户外活动", figures={"notices_published": 7})
    bulletin = bulletins.bulletin_draft(report_day=day, actor=office)
    return bulletins.bulletin_issue(bulletin=bulletin, actor=office)


@pytest.fixture
def ended_response(office, member):
    return yellow_response_ended(office)


@pytest.fixture
def office_client(office):
    client = Client()
    client.force_login(office)
    return client


def _fake_soffice(folder, body: str) -> None:
    script = folder / "soffice"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def test_the_bulletin_pdf_is_converted_and_carries_its_number_date_and_units_figures(issued_bulletin, office_client, member):
    assert documents.pdf_available()  # LibreOffice: .ci/run installs it
    page = office_client.get(f"/reports/bulletins/{issued_bulletin.pk}/").content.decode()
    assert f'href="/reports/bulletins/{issued_bulletin.pk}/bulletin.pdf"' in page
    answer = office_client.get(f"/reports/bulletins/{issued_bulletin.pk}/bulletin.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"].startswith("attachment;")
    text = _text(answer.content)
    assert "空气重污染应急工作简报" in text or issued_bulletin.title.replace(" ", "") in text
    for expected in ("2026年第1期", "2026年12月1日", documents.issuer_name(), "区教委", "发布信息（条）",
                     "全区中小学停止户外活动"):
        assert expected in text, expected
    # The units' table: the education commission's row carries its 7 notices.
    assert re.search(r"区教委已报送[^区]*7", text), text


def test_the_evaluation_pdf_carries_the_units_figures_and_the_aqi(ended_response, office_client):
    from feeds.models import Forecast

    Forecast.objects.create(source="test", provider="manual", issued_at=at(9, 26, 8),
                            days=[{"date": f"2026-09-{d}", "aqi": aqi} for d, aqi in ((26, 120), (27, 180), (28, 230), (29, 210), (30, 140))])
    totals = response_summary(ended_response)["totals"]
    answer = office_client.get(f"/reports/summaries/responses/{ended_response.pk}/evaluation.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = _text(answer.content)
    assert "空气重污染应急响应总结评估" in text
    assert f"共向{totals['units']}个单位下达任务{totals['assigned']}项，已签收{totals['acknowledged']}项" in text
    assert "2026-09-28响应期间230" in text and "2026-09-26响应前120" in text


# The response ends (29 September) before the bulletin's warning is issued (1 December): fixtures in that order.
def test_a_failing_converter_is_a_503_with_its_message_never_a_500(ended_response, issued_bulletin, office_client,
                                                                      tmp_path, monkeypatch):
    _fake_soffice(tmp_path, "echo 'source file could not be loaded' >&2\nexit 1")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    for path in (f"/reports/bulletins/{issued_bulletin.pk}/bulletin.pdf",
                 f"/reports/summaries/responses/{ended_response.pk}/evaluation.pdf"):
        answer = office_client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == 503, path
        assert answer["Retry-After"] == "30"
        assert "Making the PDF failed: try again, or download the Word file." in answer.content.decode()
    office_client.cookies["django_language"] = "zh-hans"
    answer = office_client.get(f"/reports/bulletins/{issued_bulletin.pk}/bulletin.pdf")
    assert answer.status_code == 503 and "生成PDF失败：请重试，或下载Word文件。" in answer.content.decode()


def test_a_hanging_converter_is_killed_with_its_children_at_the_timeout(issued_bulletin, office_client, tmp_path,
                                                                          monkeypatch, settings):
    pid_file = tmp_path / "child.pid"
    # Like LibreOffice, the fake starts a child (soffice.bin) and waits for it.
    _fake_soffice(tmp_path, f"sleep 60 &\necho $! > {pid_file}\nwait")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    settings.PDF_TIMEOUT_SECONDS = 1
    started = time.monotonic()
    answer = office_client.get(f"/reports/bulletins/{issued_bulletin.pk}/bulletin.pdf", HTTP_ACCEPT_LANGUAGE="en")
    assert time.monotonic() - started < 10
    assert answer.status_code == 503
    assert "Making the PDF took too long: try again, or download the Word file." in answer.content.decode()
    assert not _running(int(pid_file.read_text()))


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs (a killed child whose new parent has not reaped it yet is a zombie, "Z")."""
    for _ in range(50):
        try:
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state in "ZX":
            return False
        time.sleep(0.1)
    return True


def test_without_libreoffice_the_routes_say_so_with_a_404_and_the_pages_offer_word_only(
        ended_response, issued_bulletin, office_client, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no soffice, no libreoffice
    assert not documents.pdf_available()
    for path in (f"/reports/bulletins/{issued_bulletin.pk}/bulletin.pdf",
                 f"/reports/summaries/responses/{ended_response.pk}/evaluation.pdf"):
        answer = office_client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == 404
        assert "PDF is not available on this server (LibreOffice is not installed): download the Word file." in answer.content.decode()
    page = office_client.get(f"/reports/bulletins/{issued_bulletin.pk}/").content.decode()
    assert "bulletin.pdf" not in page and "bulletin.docx" in page


def test_concurrent_conversions_each_have_their_own_profile_and_both_succeed(issued_bulletin):
    data = bulletins.bulletin_render(issued_bulletin)
    results, errors = [], []

    def convert():
        try:
            results.append(_text(documents.docx_to_pdf(data)))
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=convert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == [] and len(results) == 2
    assert all("2026年第1期" in text for text in results)
