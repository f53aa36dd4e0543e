"""Issue 17 item 3, the summary evaluation's charts: the AQI before, during and after the response (warning
thresholds marked) and each unit's acknowledgement times (overdue in red), from one selector
(``responses.selectors.response_evaluation_charts``) read by the page, the CSV and the Word file. The Word file is
read back with python-docx (two inline pictures, PNG, and the tables' figures); the page shows both charts as
SVG in the reader's language; without a CJK font the labels fall back to English."""

import base64
import csv
import datetime
import io
import re
import zoneinfo

import docx
import pytest
import time_machine
from django.test import Client

from alerts.models import Alert
from alerts.services import alert_create, alert_lift
from feeds.models import Forecast
from reports import summaries
from responses import charts as drawing
from responses.models import TaskAssignment
from responses.selectors import response_evaluation_charts
from responses.services import assignment_acknowledge

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def evaluated(office, member, other_member):
    """A yellow (level III: 60 minutes to acknowledge) from 28 September 08:00 to 29 September 20:00. The
    education commission acknowledges its first task after 12 minutes, its second after 90 (late); the police
    acknowledge nothing. A forecast covers 26-30 September."""
    Forecast.objects.create(source="test", provider="manual", issued_at=at(9, 26, 8),
                            days=[{"date": f"2026-09-{d}", "aqi": aqi} for d, aqi in ((26, 120), (27, 180), (28, 230), (29, 210), (30, 140))])
    with time_machine.travel(at(9, 28, 8), tick=False):
        alert = alert_create(actor=office, level="yellow", reason="黄色预警")
    first, second = TaskAssignment.objects.filter(response__alert=alert, unit=member.unit).order_by("id")[:2]
    with time_machine.travel(at(9, 28, 8, 12), tick=False):
        assignment_acknowledge(assignment=first, actor=member)
    with time_machine.travel(at(9, 28, 9, 30), tick=False):
        assignment_acknowledge(assignment=second, actor=member)
    with time_machine.travel(at(9, 29, 20), tick=False):
        alert_lift(alert=Alert.objects.get(pk=alert.pk), actor=office, reason="解除")
    return alert.responses.get()


def _svg_comments(page: str, chart: str) -> list[str]:
    """The texts of a chart on the page: matplotlib writes each label as an XML comment beside its glyphs."""
    found = re.search(rf'<figure class="chart" data-chart="{chart}">\s*<img src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert found, chart
    svg = base64.b64decode(found.group(1)).decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    return [c.strip() for c in re.findall(r"<!--(.*?)-->", svg)]


def test_one_selector_holds_the_charts_figures(evaluated, member, other_member):
    charts = response_evaluation_charts(evaluated)
    assert [(d["date"].isoformat(), d["stage"], d["aqi"]) for d in charts["aqi"]] == [
        ("2026-09-26", "before", 120), ("2026-09-27", "before", 180), ("2026-09-28", "during", 230),
        ("2026-09-29", "during", 210), ("2026-09-30", "after", 140), ("2026-10-01", "after", None)]
    assert charts["aqi"][2]["category"] == "重度污染" and charts["aqi"][2]["colour"]
    assert charts["thresholds"] == [150, 200, 300]
    assert charts["ack_deadline_min"] == 60
    by_unit = {row["unit"].pk: row for row in charts["acks"]}
    education = by_unit[member.unit_id]
    assert (education["avg_min"], education["max_min"], education["overdue"]) == (51.0, 90.0, 1)
    police = by_unit[other_member.unit_id]
    assert police["avg_min"] is None and police["acknowledged"] == 0 and police["overdue"] == police["assigned"] > 0


def test_the_word_file_holds_both_charts_as_pictures_and_the_tables_figures(evaluated, member):
    document = docx.Document(io.BytesIO(summaries.evaluation_docx(evaluated)))
    assert len(document.inline_shapes) == 2
    images = [part for part in document.part.related_parts.values() if part.content_type == "image/png"]
    assert len(images) == 2 and all(part.blob[:8] == b"\x89PNG\r\n\x1a\n" for part in images)
    captions = [p.text for p in document.paragraphs if p.text.startswith("附图")]
    assert captions[0].startswith("附图1：响应前后空气质量") and captions[1].startswith("附图2：各单位任务签收用时")
    tasks = {row.cells[0].text: [c.text for c in row.cells] for row in document.tables[0].rows}
    assert tasks[member.unit.name][4:] == ["1", "51.0", "90.0"]  # overdue, average and longest (minutes)
    aqi = [[c.text for c in row.cells] for row in document.tables[3].rows]
    assert aqi[0] == ["日期", "阶段", "AQI", "级别"]
    assert aqi[3] == ["2026-09-28", "响应期间", "230", "重度污染"] and aqi[6][:3] == ["2026-10-01", "响应后", "—"]


@pytest.mark.parametrize(("language", "title", "ack_title", "stage"), [
    ("zh-hans", "响应前后空气质量（预报AQI）", "各单位任务签收用时", "响应期间"),
    ("en", "Forecast AQI before, during and after the response", "Acknowledgement time by unit", "During the response"),
])
def test_the_page_shows_both_charts_in_the_readers_language(evaluated, office, member, language, title, ack_title, stage):
    client = Client()
    client.force_login(office)
    client.cookies["django_language"] = language
    page = client.get(f"/responses/{evaluated.pk}/summary/").content.decode()
    aqi = _svg_comments(page, "aqi")
    assert title in aqi and "230" in aqi and "300" in aqi  # the severe threshold is marked
    ack = _svg_comments(page, "ack")
    assert ack_title in ack
    assert (member.unit.name if language == "zh-hans" else member.unit.name_en) in ack
    assert f'alt="{title}"' in page and f'alt="{ack_title}"' in page
    assert f'<tr data-day="2026-09-28" data-stage="during"><td>2026-09-28</td><td>{stage}</td><td class="num">230</td>' in page


def test_the_csv_carries_the_charts_aqi(evaluated, office):
    client = Client()
    client.force_login(office)
    client.cookies["django_language"] = "en"
    rows = list(csv.reader(io.StringIO(client.get(f"/responses/{evaluated.pk}/summary.csv").content.decode("utf-8-sig"))))
    head = rows.index(["Forecast AQI before, during and after the response", "Stage", "AQI", "Category"])
    assert rows[head + 3] == ["2026-09-28", "During the response", "230", "重度污染"]
    assert rows[head + 6] == ["2026-10-01", "After the response", "", ""]
    assert rows[head + 7] == ["Warning thresholds", "150 / 200 / 300", "Deadline: 60 minutes"]


def test_without_a_cjk_font_the_labels_are_english_rather_than_boxes(evaluated, monkeypatch):
    monkeypatch.setattr(drawing, "cjk_font", lambda: None)
    assert drawing.chart_language("zh-hans") == "en"
    charts = response_evaluation_charts(evaluated)
    svg = drawing.aqi_chart(charts, language="zh-hans", fmt="svg").decode()
    assert "Forecast AQI before, during and after the response" in svg and "响应" not in svg
    ack = drawing.ack_chart(charts, language="zh-hans", fmt="svg").decode()
    assert "Acknowledgement time by unit" in ack and not re.search(r"[\u4e00-\u9fff]", ack)
    with pytest.raises(ValueError):
        drawing.aqi_chart(charts, language="en", fmt="gif")


def test_the_reports_page_of_the_summaries_leads_to_the_evaluation_page(evaluated, office):
    with time_machine.travel(at(9, 29, 20, 5), tick=False):
        summaries.summaries_open()
    client = Client()
    client.force_login(office)
    page = client.get(f"/reports/summaries/responses/{evaluated.pk}/").content.decode()
    assert f'href="/responses/{evaluated.pk}/summary/"' in page
    assert f'href="/reports/summaries/responses/{evaluated.pk}/evaluation.docx"' in page


def test_the_evaluation_page_offers_its_word_file_and_pdf_beside_the_csv(evaluated, office, monkeypatch):
    """Issue 17 item 3: "Output as .docx and PDF beside today's page and CSV" (reports registers its documents in
    responses.extensions). The Word file behind the link opens with python-docx; without LibreOffice no PDF link."""
    client = Client()
    client.force_login(office)
    client.cookies["django_language"] = "en"
    page = client.get(f"/responses/{evaluated.pk}/summary/").content.decode()
    buttons = re.findall(r'<a class="button" href="([^"]+)">([^<]+)</a>', page)
    assert buttons == [
        (f"/responses/{evaluated.pk}/summary.csv", "Download CSV"),
        (f"/reports/summaries/responses/{evaluated.pk}/evaluation.docx", "Download Word (.docx)"),
        (f"/reports/summaries/responses/{evaluated.pk}/evaluation.pdf", "Download PDF"),
    ]
    word = docx.Document(io.BytesIO(client.get(buttons[1][0]).content))
    assert len(word.inline_shapes) == 2
    monkeypatch.setenv("PATH", "")
    page = client.get(f"/responses/{evaluated.pk}/summary/").content.decode()
    assert [href for href, _ in re.findall(r'<a class="button" href="([^"]+)">([^<]+)</a>', page)] == [
        f"/responses/{evaluated.pk}/summary.csv", f"/reports/summaries/responses/{evaluated.pk}/evaluation.docx"]


def test_a_control_character_in_a_units_name_never_reaches_the_charts(evaluated, member):
    """A unit's name is typed by a person; the SVG on the page is XML, which forbids an ESC (the hostile-text walk
    drew one: "Glyph 27 missing"). The chart drops it, as the Word file and the feeds do (foundation.text.xml_text)."""
    import warnings
    from xml.etree import ElementTree

    member.unit.name = "区教委\x1b[31m"
    member.unit.save(update_fields=["name"])
    charts = response_evaluation_charts(evaluated)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of a glyph it cannot draw
        svg = drawing.ack_chart(charts, language="zh-hans", fmt="svg")
    assert ElementTree.fromstring(svg).tag.endswith("svg")
    assert "\x1b" not in svg.decode() and "区教委[31m" in svg.decode()
