"""Word documents of the reporting cycle, laid out as government bulletins (python-docx), and their PDF.

A bulletin is a Chinese government document (it goes up to the city), so its text is Chinese whatever the
reader's language: title in red, the issue number, the issuing office and date, a red rule, the body, the
units' figures as a table. The PDF comes from LibreOffice (``soffice --headless --convert-to pdf``) when the
server has it (``docx_to_pdf``: no shell, a timeout, its own profile per conversion); without it
``pdf_available()`` is False and the pages offer the Word file only.
"""

import io
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell

from foundation.text import xml_text

RED = RGBColor(0xC0, 0x00, 0x00)
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
logger = logging.getLogger(__name__)


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


def bulletin_docx(*, title: str, number_line: str, issuer: str, day, body: str, table: list[list],
                  charts: list[tuple[str, bytes]] = ()) -> bytes:
    """The bulletin as a ``.docx`` (bytes): red title, "第N期" line, issuer and date over a red rule,
    the body (one paragraph per line; lines opening "一、" … "十、" in bold as headings), the ``charts`` (caption
    and PNG bytes, each an inline picture 16 cm wide under its caption), and ``table`` (first row the header)
    when given."""
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
    for caption, png in charts:
        _paragraph(document, caption, size=14, bold=True)
        document.add_paragraph().add_run().add_picture(io.BytesIO(png), width=Cm(16))
    if table:
        _paragraph(document, "附表：各成员单位报送数据", size=14, bold=True)
        _table(document, table)
    return _save(document)


def summary_docx(*, title: str, subtitle: str, sections: list[tuple[str, list[str]]], tables: list[tuple[str, list[list]]],
                 charts: list[tuple[str, bytes]] = ()) -> bytes:
    """A summary evaluation as a ``.docx``: title, subtitle, sections of paragraphs, the ``charts`` (caption and
    PNG bytes, each an inline picture 16 cm wide under its caption), then captioned tables."""
    document = Document()
    _paragraph(document, title, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    _red_rule(_paragraph(document, subtitle, size=14, align=WD_ALIGN_PARAGRAPH.CENTER))
    for heading, paragraphs in sections:
        _paragraph(document, heading, size=16, bold=True)
        for text in paragraphs:
            _paragraph(document, text, size=14)
    for caption, png in charts:
        _paragraph(document, caption, size=14, bold=True)
        document.add_paragraph().add_run().add_picture(io.BytesIO(png), width=Cm(16))
    for caption, rows in tables:
        _paragraph(document, caption, size=14, bold=True)
        _table(document, rows)
    return _save(document)


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


class PdfUnavailable(RuntimeError):
    """This server has no LibreOffice: the PDF routes answer 404 with this message (the Word file is there)."""


class PdfFailed(RuntimeError):
    """LibreOffice failed, timed out or was busy: the PDF routes answer 503 with this message."""


# At most this many conversions run at once in one web process; a request that waits longer than the timeout
# for a turn gets the 503. Each conversion is a whole LibreOffice (some 200 MB), on a two-core server.
PDF_CONCURRENT = 2
_turns = threading.BoundedSemaphore(PDF_CONCURRENT)


def pdf_available() -> bool:
    """Whether this server can make PDFs (LibreOffice installed: ``soffice`` or ``libreoffice`` on PATH)."""
    return _soffice() is not None


def docx_to_pdf(data: bytes, *, timeout: float | None = None) -> bytes:
    """Convert a ``.docx`` (bytes) to PDF (bytes) with LibreOffice, headless, in a scratch folder.

    Safe to run from a web request: no shell (an argument list), the scratch folder holds the document and
    LibreOffice's own profile (``-env:UserInstallation``) and is its ``HOME``, so concurrent conversions share
    nothing; at most ``PDF_CONCURRENT`` run at once; the whole process group is killed after ``timeout``
    seconds (default ``settings.PDF_TIMEOUT_SECONDS``). Nothing is stored.

    Raises PdfUnavailable when LibreOffice is not installed (the views answer 404 with its message), PdfFailed
    when it exits with an error, writes no PDF, times out or no turn comes within the timeout (503)."""
    soffice = _soffice()
    if soffice is None:
        raise PdfUnavailable(_("PDF is not available on this server (LibreOffice is not installed): download the Word file."))
    timeout = settings.PDF_TIMEOUT_SECONDS if timeout is None else timeout
    if not _turns.acquire(timeout=timeout):
        raise PdfFailed(_("The PDF converter is busy: try again in a minute, or download the Word file."))
    try:
        with tempfile.TemporaryDirectory(prefix="pdf-") as folder:
            source = Path(folder) / "document.docx"
            source.write_bytes(data)
            profile = Path(folder) / "profile"
            env = {"PATH": os.environ.get("PATH", ""), "HOME": folder, "LANG": "C.UTF-8"}
            process = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
                [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", folder, str(source)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=folder,
                start_new_session=True,  # its own process group: a timeout kills LibreOffice's children too
            )
            try:
                _out, err = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                logger.warning("PDF conversion timed out after %s s", timeout)
                raise PdfFailed(_("Making the PDF took too long: try again, or download the Word file.")) from None
            target = Path(folder) / "document.pdf"
            if process.returncode != 0 or not target.exists() or target.read_bytes()[:5] != b"%PDF-":
                logger.warning("PDF conversion failed (exit %s): %s", process.returncode, err[-500:].decode(errors="replace"))
                raise PdfFailed(_("Making the PDF failed: try again, or download the Word file."))
            return target.read_bytes()
    finally:
        _turns.release()


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()


def issuer_name() -> str:
    """The issuing office, as the bulletin's head names it."""
    return f"{settings.DISTRICT_NAME}空气重污染应急指挥部办公室"
