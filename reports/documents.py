"""Word documents of the reporting cycle, laid out as government bulletins (python-docx), and their PDF.

A bulletin is a Chinese government document (it goes up to the city), so its text is Chinese whatever the
reader's language: title in red, the issue number, the issuing office and date, a red rule, the body, the
units' figures as a table. The PDF comes from LibreOffice (``soffice --headless --convert-to pdf``) when the
server has it; without it ``pdf_available()`` is False and the pages offer the Word file only.
"""

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.table import _Cell

from foundation.text import xml_text

RED = RGBColor(0xC0, 0x00, 0x00)
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _font(run, name: str, size: float, *, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    # East Asian text takes its font from w:eastAsia, which python-docx's font.name does not set.
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _paragraph(document, text: str, *, size: float = 16, bold: bool = False, align=None, color=None,
               font: str = BODY_FONT):
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    _font(paragraph.add_run(xml_text(text)), font, size, bold=bold, color=color)
    return paragraph


def _red_rule(paragraph) -> None:
    """A red line under ``paragraph`` (the bulletin's 红线), as a bottom border."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _table(document, rows: list[list]) -> None:
    if not rows:
        return
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # Straight through the row and cell elements: python-docx's table.cell(r, c) walks the whole grid on every
    # call (a 50-unit table took 40 s that way).
    for r, (tr, row) in enumerate(zip(table._tbl.tr_lst, rows, strict=True)):
        for tc, value in zip(tr.tc_lst, row, strict=True):
            cell = _Cell(tc, table)
            _font(cell.paragraphs[0].add_run(xml_text(value)), BODY_FONT, 10.5, bold=r == 0)


def _save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _chinese_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def bulletin_docx(*, title: str, number_line: str, issuer: str, day, body: str, table: list[list]) -> bytes:
    """The bulletin as a ``.docx`` (bytes): red title, "第N期" line, issuer and date over a red rule,
    the body (one paragraph per line; lines opening "一、" … "十、" in bold as headings), and ``table``
    (first row the header) when given."""
    document = Document()
    _paragraph(document, title, size=26, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, color=RED, font=TITLE_FONT)
    _paragraph(document, number_line, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    head = document.add_paragraph()
    _font(head.add_run(xml_text(issuer)), BODY_FONT, 14)
    _font(head.add_run("\t" + _chinese_date(day)), BODY_FONT, 14)
    head.paragraph_format.tab_stops.add_tab_stop(Pt(420))
    _red_rule(head)
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        heading = len(line) > 1 and line[1] == "、" and line[0] in "一二三四五六七八九十"
        _paragraph(document, line, size=16, bold=heading)
    if table:
        _paragraph(document, "附表：各成员单位报送数据", size=14, bold=True)
        _table(document, table)
    return _save(document)


def summary_docx(*, title: str, subtitle: str, sections: list[tuple[str, list[str]]], tables: list[tuple[str, list[list]]]) -> bytes:
    """A summary evaluation as a ``.docx``: title, subtitle, sections of paragraphs, then captioned tables."""
    document = Document()
    _paragraph(document, title, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    _red_rule(_paragraph(document, subtitle, size=14, align=WD_ALIGN_PARAGRAPH.CENTER))
    for heading, paragraphs in sections:
        _paragraph(document, heading, size=16, bold=True)
        for text in paragraphs:
            _paragraph(document, text, size=14)
    for caption, rows in tables:
        _paragraph(document, caption, size=14, bold=True)
        _table(document, rows)
    return _save(document)


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_available() -> bool:
    """Whether this server can make PDFs (LibreOffice installed: ``soffice`` or ``libreoffice`` on PATH)."""
    return _soffice() is not None


def docx_to_pdf(data: bytes, *, timeout: int = 60) -> bytes:
    """Convert a ``.docx`` (bytes) to PDF with LibreOffice, headless, in a scratch folder.

    Raises RuntimeError when LibreOffice is not installed or the conversion fails (the view answers 404
    with that message; nothing is stored)."""
    soffice = _soffice()
    if soffice is None:
        raise RuntimeError("LibreOffice is not installed on this server")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.docx"
        source.write_bytes(data)
        profile = Path(folder) / "profile"
        result = subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", folder, str(source)],
            capture_output=True, timeout=timeout, check=False,
        )
        target = Path(folder) / "document.pdf"
        if result.returncode != 0 or not target.exists():
            raise RuntimeError("the PDF conversion failed")
        return target.read_bytes()


def issuer_name() -> str:
    """The issuing office, as the bulletin's head names it."""
    return f"{settings.DISTRICT_NAME}空气重污染应急指挥部办公室"
