"""The list as the office keeps it: an ``.xlsx`` workbook, read into checked rows and written back.

One workbook holds the whole list of a year: sheet 企业 (enterprises, keyed by the unified social
credit code), sheet 工地 (construction and dust sites, keyed by the list's number), sheet 措施 (the
measures, each naming its enterprise's code or its site's number, a level and an order), and a
sheet 说明 that explains the columns and is ignored on import. A measure's 适用成因 names the episode
causes it applies to (PM2.5、沙尘、臭氧、烟雾、区域传输, or 全部; blank is every cause). Cells hold the same Chinese words
the office writes (黄色, 引领性, 土石方…); the English keys are accepted too. Towns, streets, parks and
supervising units are named by the roster's name or code (units/data/roster.json).

``workbook_read`` never writes: it answers an ``ImportPlan`` whose ``errors`` name each bad row by
sheet, row number and column. The service writes only a plan without errors (issue 16, item 2).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from alerts.choices import Cause, Level
from reductions.choices import CAUSE_FIELDS, POLLUTANTS, Grade, Livelihood, SiteKind
from reductions.uscc import uscc_problem

MAX_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024  # a zip bomb is refused before openpyxl parses it
MAX_ROWS = 20000
MAX_ERRORS = 200
THOUSANDTH = Decimal("0.001")

SHEET_ENTERPRISES, SHEET_SITES, SHEET_MEASURES, SHEET_README = "企业", "工地", "措施", "说明"

# (key, header written on export) per sheet; the key itself is accepted as a header too.
ENTERPRISE_COLUMNS = [
    ("credit_code", "统一社会信用代码"), ("name", "企业名称"), ("industry", "行业"), ("address", "地址"),
    ("town", "所在镇街或园区"), ("supervisor", "监管部门"), ("grade", "绩效分级"), ("livelihood", "民生保障"),
    ("pm", "PM排放量(t/a)"), ("so2", "SO2排放量(t/a)"), ("nox", "NOx排放量(t/a)"), ("vocs", "VOCs排放量(t/a)"),
]
SITE_COLUMNS = [
    ("ref", "编号"), ("project", "项目名称"), ("builder", "建设单位"), ("address", "地址"),
    ("town", "所在镇街或园区"), ("supervisor", "监管部门"), ("kind", "类型"),
]
MEASURE_COLUMNS = [
    ("owner", "企业信用代码或工地编号"), ("level", "预警级别"), ("order", "序号"), ("text", "措施"), ("causes", "适用成因"),
    ("pm", "PM减排量(t/a)"), ("so2", "SO2减排量(t/a)"), ("nox", "NOx减排量(t/a)"), ("vocs", "VOCs减排量(t/a)"),
]
SHEETS = {SHEET_ENTERPRISES: ENTERPRISE_COLUMNS, SHEET_SITES: SITE_COLUMNS, SHEET_MEASURES: MEASURE_COLUMNS}
REQUIRED = {
    SHEET_ENTERPRISES: {"credit_code", "name", "industry", "town", "supervisor"},
    SHEET_SITES: {"ref", "project", "builder", "town", "supervisor", "kind"},
    SHEET_MEASURES: {"owner", "level", "text"},
}

# The words in the cells, both ways. Export writes the first word of each.
GRADE_WORDS = {Grade.A: ["A"], Grade.B: ["B"], Grade.C: ["C"], Grade.D: ["D"],
               Grade.LEADING: ["引领性", "leading"], Grade.UNGRADED: ["未分级", "ungraded", ""]}
LIVELIHOOD_WORDS = {Livelihood.NO: ["否", "no", ""], Livelihood.EXEMPT: ["豁免", "exempt"],
                    Livelihood.REDUCED: ["减量", "reduced"]}
KIND_WORDS = {SiteKind.BUILDING: ["房屋建筑", "building"], SiteKind.MUNICIPAL: ["市政工程", "municipal"],
              SiteKind.DEMOLITION: ["拆除工程", "demolition"], SiteKind.EARTHWORKS: ["土石方", "earthworks"],
              SiteKind.WHARF_YARD: ["码头堆场", "wharf_yard"], SiteKind.CONCRETE_PLANT: ["混凝土搅拌站", "concrete_plant"]}
LEVEL_WORDS = {Level.YELLOW: ["黄色", "yellow"], Level.ORANGE: ["橙色", "orange"], Level.RED: ["红色", "red"]}
# A measure's causes (alerts.choices.Cause), several in one cell separated by 、 , ; / or spaces; 全部 (or blank) is every cause.
CAUSE_WORDS = {Cause.PM2_5: ["PM2.5", "pm2_5", "静稳"], Cause.DUST: ["沙尘", "dust", "扬尘"], Cause.OZONE: ["臭氧", "ozone", "O3"],
               Cause.SMOKE: ["烟雾", "smoke", "焚烧"], Cause.TRANSPORT: ["区域传输", "transport", "传输"]}
ALL_CAUSES_WORDS = ["全部", "all"]
CAUSE_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def _reverse(words: dict) -> dict[str, str]:
    return {w.lower(): key for key, ws in words.items() for w in ws}


GRADES, LIVELIHOODS, KINDS, LEVELS, CAUSES = map(_reverse, (GRADE_WORDS, LIVELIHOOD_WORDS, KIND_WORDS, LEVEL_WORDS, CAUSE_WORDS))


def word(words: dict, key: str) -> str:
    """The cell text export writes for a choice key."""
    return words[key][0]


def causes_cell(causes) -> str:
    """The 适用成因 cell export writes: 全部 for every cause, else the causes' words joined by 、 in Cause order."""
    chosen = set(causes)
    if chosen >= set(Cause.values):
        return ALL_CAUSES_WORDS[0]
    return "、".join(word(CAUSE_WORDS, c) for c in Cause.values if c in chosen)


def causes_read(cell) -> tuple[list[str], list[str]]:
    """The causes a 适用成因 cell names (Cause order) and the words it holds that name none. Blank or 全部: every cause."""
    text = _text(cell)
    if not text or text.lower() in ALL_CAUSES_WORDS:
        return list(Cause.values), []
    words = [w for w in CAUSE_SEPARATORS.split(text) if w]
    unknown = [w for w in words if w.lower() not in CAUSES and w.lower() not in ALL_CAUSES_WORDS]
    if any(w.lower() in ALL_CAUSES_WORDS for w in words):
        return list(Cause.values), unknown
    named = {CAUSES[w.lower()] for w in words if w.lower() in CAUSES}
    return [c for c in Cause.values if c in named], unknown


@dataclass
class RowError:
    """One problem of the file: where (sheet, Excel row number, column header) and what."""

    sheet: str
    row: int
    column: str
    message: str

    def __str__(self):
        where = _("sheet %(sheet)s, row %(row)d") % {"sheet": self.sheet, "row": self.row} if self.row else _("sheet %(sheet)s") % {"sheet": self.sheet}
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


@dataclass
class ImportPlan:
    """What a workbook says, checked: rows ready to write, or the errors that stop it all."""

    enterprises: list[dict] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    measures: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False

    @property
    def valid(self) -> bool:
        return not self.errors

    def error(self, sheet: str, row: int, column: str, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.errors_truncated = True
            return
        self.errors.append(RowError(sheet, row, column, message))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _tonnes(value) -> Decimal:
    """A non-negative amount in t/yr, rounded to the kilogram; a blank cell is 0. Raises ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0.000")
    if isinstance(value, bool):
        raise ValueError(_("Not a number."))
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(_("Not a number.")) from None
    if not amount.is_finite():
        raise ValueError(_("Not a number."))
    if amount < 0:
        raise ValueError(_("Emissions and reductions cannot be negative."))
    if amount >= Decimal("1e9"):
        raise ValueError(_("Too large (at most 999,999,999 t/a)."))
    return amount.quantize(THOUSANDTH, rounding=ROUND_HALF_UP)


def _open(data: bytes):
    """The workbook, or raise ValueError with a message for the office."""
    if len(data) > MAX_BYTES:
        raise ValueError(_("The file is larger than 5 MB."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise ValueError(_("The workbook unpacks to more than 60 MB."))
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ValueError:
        raise
    except Exception:  # openpyxl raises many kinds (zipfile, KeyError, XML errors) on a file that is not a workbook
        raise ValueError(_("This is not an Excel .xlsx workbook.")) from None


def _sheet_rows(plan: ImportPlan, book, sheet: str) -> list[tuple[int, dict]]:
    """The sheet's data rows as (Excel row number, {key: cell}); records header problems in ``plan``."""
    if sheet not in book.sheetnames:
        plan.error(sheet, 0, "", _("The sheet is missing."))
        return []
    columns = SHEETS[sheet]
    by_header = {header: key for key, header in columns} | {key: key for key, _h in columns}
    rows = book[sheet].iter_rows(values_only=True)
    header = next(rows, None) or ()
    keys = [by_header.get(_text(cell)) for cell in header]
    missing = [h for k, h in columns if k in REQUIRED[sheet] and k not in keys]
    if missing:
        plan.error(sheet, 1, "", _("Missing columns: %(cols)s.") % {"cols": "、".join(missing)})
        return []
    found = []
    for number, cells in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            plan.error(sheet, number, "", _("More than %(n)d rows.") % {"n": MAX_ROWS})
            break
        record = {k: v for k, v in zip(keys, cells, strict=False) if k is not None}
        if all(_text(v) == "" for v in record.values()):
            continue
        found.append((number, record))
    return found


HEADERS = {sheet: dict(columns) for sheet, columns in SHEETS.items()}


def workbook_read(data: bytes, *, places: dict[str, int], supervisors: dict[str, int]) -> ImportPlan:
    """Read and check a list workbook; write nothing.

    ``places`` and ``supervisors`` map each accepted name or code (roster) to a unit id.
    Answers an ImportPlan: cleaned rows (unit ids, Decimal t/yr, choice keys) and, per bad
    cell, a RowError with the sheet, the Excel row number and the column header. A file that
    is not a workbook gives one error on row 0.
    """
    plan = ImportPlan()
    try:
        book = _open(data)
    except ValueError as exc:
        plan.error(_("file"), 0, "", str(exc))
        return plan
    try:
        _read_enterprises(plan, _sheet_rows(plan, book, SHEET_ENTERPRISES), places, supervisors)
        _read_sites(plan, _sheet_rows(plan, book, SHEET_SITES), places, supervisors)
        _read_measures(plan, _sheet_rows(plan, book, SHEET_MEASURES))
    finally:
        book.close()
    return plan


def _common(plan, sheet, number, record, out, places, supervisors, text_keys) -> None:
    head = HEADERS[sheet]
    for key in text_keys:
        value = _text(record.get(key))
        if key in REQUIRED[sheet] and not value:
            plan.error(sheet, number, head[key], _("Required."))
        limit = 300 if key == "address" else 200
        if len(value) > limit:
            plan.error(sheet, number, head[key], _("Longer than %(n)d characters.") % {"n": limit})
        out[key] = value
    for key, lookup, message in (
        ("town", places, _("Unknown town, street or park: %(v)s (use the roster's name or code).")),
        ("supervisor", supervisors, _("Unknown supervising unit: %(v)s (use the roster's name or code).")),
    ):
        value = _text(record.get(key))
        if value and value not in lookup:
            plan.error(sheet, number, head[key], message % {"v": value})
        out[f"{key}_id"] = lookup.get(value)


def _read_enterprises(plan, rows, places, supervisors) -> None:
    sheet, head, seen = SHEET_ENTERPRISES, HEADERS[SHEET_ENTERPRISES], {}
    for number, record in rows:
        out = {"row": number}
        code = _text(record.get("credit_code")).upper()
        problem = uscc_problem(code)
        if problem == "format":
            plan.error(sheet, number, head["credit_code"], _("Not a unified social credit code: 18 digits or capital letters (no I, O, S, V, Z)."))
        elif problem == "checksum":
            plan.error(sheet, number, head["credit_code"], _("The check character of this credit code is wrong (GB 32100-2015)."))
        elif code in seen:
            plan.error(sheet, number, head["credit_code"], _("The same code is on row %(row)d.") % {"row": seen[code]})
        seen.setdefault(code, number)
        out["credit_code"] = code
        _common(plan, sheet, number, record, out, places, supervisors, ("name", "industry", "address"))
        for key, words, message in (
            ("grade", GRADES, _("Grade not in the list (A, B, C, D, 引领性, 未分级): %(v)s")),
            ("livelihood", LIVELIHOODS, _("Use 否, 豁免 or 减量: %(v)s")),
        ):
            value = _text(record.get(key))
            if value.lower() not in words:
                plan.error(sheet, number, head[key], message % {"v": value})
            out[key] = words.get(value.lower())
        _read_tonnes(plan, sheet, number, record, out, head)
        plan.enterprises.append(out)


def _read_sites(plan, rows, places, supervisors) -> None:
    sheet, head, seen = SHEET_SITES, HEADERS[SHEET_SITES], {}
    for number, record in rows:
        out = {"row": number}
        _common(plan, sheet, number, record, out, places, supervisors, ("ref", "project", "builder", "address"))
        if len(out["ref"]) > 40:
            plan.error(sheet, number, head["ref"], _("Longer than %(n)d characters.") % {"n": 40})
        if out["ref"] and out["ref"] in seen:
            plan.error(sheet, number, head["ref"], _("The same number is on row %(row)d.") % {"row": seen[out["ref"]]})
        seen.setdefault(out["ref"], number)
        kind = _text(record.get("kind"))
        if kind.lower() not in KINDS:
            plan.error(sheet, number, head["kind"], _("Unknown kind (房屋建筑, 市政工程, 拆除工程, 土石方, 码头堆场, 混凝土搅拌站): %(v)s") % {"v": kind})
        out["kind"] = KINDS.get(kind.lower())
        plan.sites.append(out)


def _read_tonnes(plan, sheet, number, record, out, head) -> None:
    for key in POLLUTANTS:
        try:
            out[key] = _tonnes(record.get(key))
        except ValueError as exc:
            plan.error(sheet, number, head[key], str(exc))
            out[key] = Decimal("0.000")


def _read_measures(plan, rows) -> None:
    sheet, head = SHEET_MEASURES, HEADERS[SHEET_MEASURES]
    codes = {e["credit_code"] for e in plan.enterprises}
    refs = {s["ref"] for s in plan.sites}
    seen, next_order = {}, {}
    for number, record in rows:
        out = {"row": number}
        owner = _text(record.get("owner"))
        if owner.upper() in codes and owner not in refs:
            out["enterprise"], out["site"] = owner.upper(), None
        elif owner in refs and owner.upper() not in codes:
            out["enterprise"], out["site"] = None, owner
        elif owner:
            message = _("Both an enterprise's code and a site's number: %(v)s") if owner in refs else _(
                "No enterprise or site of this file has this code or number: %(v)s")
            plan.error(sheet, number, head["owner"], message % {"v": owner})
            out["enterprise"] = out["site"] = None
        else:
            plan.error(sheet, number, head["owner"], _("Required."))
            out["enterprise"] = out["site"] = None
        level = _text(record.get("level"))
        if level.lower() not in LEVELS:
            plan.error(sheet, number, head["level"], _("Use 黄色, 橙色 or 红色: %(v)s") % {"v": level})
        out["level"] = LEVELS.get(level.lower())
        text = _text(record.get("text"))
        if not text:
            plan.error(sheet, number, head["text"], _("Required."))
        elif len(text) > 500:
            plan.error(sheet, number, head["text"], _("Longer than %(n)d characters.") % {"n": 500})
        out["text"] = text
        causes, unknown = causes_read(record.get("causes"))
        if unknown:
            plan.error(sheet, number, head["causes"], _(
                "Unknown cause: %(v)s (use PM2.5, 沙尘, 臭氧, 烟雾, 区域传输 or 全部).") % {"v": "、".join(unknown)})
        out.update({name: cause in causes for cause, name in CAUSE_FIELDS.items()})
        key = (out["enterprise"], out["site"], out["level"])
        order = _text(record.get("order"))
        if order == "":
            out["order"] = next_order.get(key, 1)
        elif order.isdigit() and 1 <= int(order) <= 32767:
            out["order"] = int(order)
        else:
            plan.error(sheet, number, head["order"], _("A whole number from 1."))
            out["order"] = 1
        next_order[key] = max(next_order.get(key, 1), out["order"] + 1)
        if (*key, out["order"]) in seen and (out["enterprise"] or out["site"]) and out["level"]:
            plan.error(sheet, number, head["order"], _("The same order at this level is on row %(row)d.") % {"row": seen[(*key, out["order"])]})
        seen.setdefault((*key, out["order"]), number)
        _read_tonnes(plan, sheet, number, record, out, head)
        plan.measures.append(out)


# --- Writing -----------------------------------------------------------------------------------------

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE4EC")

README_LINES = [
    "江津区空气重污染应急减排清单 · Emission-reduction list workbook",
    "",
    "工作表“企业”：每行一家企业，以统一社会信用代码（GB 32100-2015，含校验位）区分。",
    "工作表“工地”：每行一个施工或扬尘工地，以编号区分。",
    "工作表“措施”：每行一条措施，写明企业信用代码或工地编号、预警级别（黄色、橙色、红色）、序号和各污染物减排量。",
    "适用成因：该措施适用的污染成因，可填多个，用顿号分隔：PM2.5、沙尘、臭氧、烟雾、区域传输；填“全部”或留空即适用于所有成因。"
    "预警发布时，只有适用成因包含本次污染成因的措施列入督查清单（如臭氧污染不含仅适用沙尘的措施）。",
    "所在镇街或园区、监管部门：填写成员单位名称或代码（如“几江街道”或 street-jijiang）。",
    "绩效分级：A、B、C、D、引领性、未分级。民生保障：否、豁免、减量。",
    "工地类型：房屋建筑、市政工程、拆除工程、土石方、码头堆场、混凝土搅拌站。",
    "排放量与减排量单位均为吨/年（t/a），不得为负。",
    "导入时整份文件全部校验通过才写入；有错误的行会列出工作表、行号和列名，不写入任何数据。",
    "本说明页导入时忽略。",
]


def _append(sheet, row) -> None:
    """Append a row of plain values: text stays text, whatever it holds.

    openpyxl would store a string starting with "=" as a formula (=HYPERLINK(…) in a name would
    run in the reader's Excel) and refuses control characters (a 500): text cells are stored as
    strings, and the characters a worksheet cannot hold are dropped.
    """
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def _sheet(book: Workbook, title: str, columns, rows) -> None:
    sheet = book.create_sheet(title)
    sheet.append([header for _key, header in columns])
    for cell in sheet[1]:
        cell.font, cell.fill = BOLD, HEAD_FILL
    for row in rows:
        _append(sheet, row)
    for index, (_key, header) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(header) * 2 + 2))
    sheet.freeze_panes = "A2"


def _number(value: Decimal):
    """Write an amount as a number cell: whole tonnes as int, else float (what a reader gets back)."""
    return int(value) if value == value.to_integral_value() else float(value)


def workbook_write(*, enterprises, sites, measures, note: str = "") -> bytes:
    """The list as a workbook in the import format (``workbook_read`` reads it back unchanged).

    ``enterprises`` and ``sites`` are model instances with ``town`` and ``supervisor`` loaded;
    ``measures`` have ``enterprise`` and ``site`` loaded. ``note`` goes first on the 说明 sheet
    (the version's title; "示例数据" for the sample). Answers the .xlsx bytes.
    """
    book = Workbook()
    readme = book.active
    readme.title = SHEET_README
    for line in ([note, ""] if note else []) + README_LINES:
        _append(readme, [line])
    readme.column_dimensions["A"].width = 110
    _sheet(book, SHEET_ENTERPRISES, ENTERPRISE_COLUMNS, (
        [e.credit_code, e.name, e.industry, e.address, e.town.name, e.supervisor.name, word(GRADE_WORDS, e.grade),
         word(LIVELIHOOD_WORDS, e.livelihood), *(_number(getattr(e, p)) for p in POLLUTANTS)]
        for e in enterprises
    ))
    _sheet(book, SHEET_SITES, SITE_COLUMNS, (
        [s.ref, s.project, s.builder, s.address, s.town.name, s.supervisor.name, word(KIND_WORDS, s.kind)] for s in sites
    ))
    _sheet(book, SHEET_MEASURES, MEASURE_COLUMNS, (
        [m.enterprise.credit_code if m.enterprise_id else m.site.ref, word(LEVEL_WORDS, m.level), m.order, m.text,
         causes_cell(m.causes), *(_number(getattr(m, p)) for p in POLLUTANTS)]
        for m in measures
    ))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


RESPONSE_COLUMNS = [
    ("kind", "类别"), ("key", "信用代码或编号"), ("name", "名称"), ("town", "所在镇街或园区"), ("supervisor", "监管部门"),
    ("grade", "绩效分级或类型"), ("order", "序号"), ("text", "措施"),
    ("pm", "PM减排量(t/a)"), ("so2", "SO2减排量(t/a)"), ("nox", "NOx减排量(t/a)"), ("vocs", "VOCs减排量(t/a)"),
]


def response_workbook_write(*, title: str, measures) -> bytes:
    """One response's measures (its level's measures of the list) as a workbook for the units and inspectors."""
    book = Workbook()
    readme = book.active
    readme.title = SHEET_README
    _append(readme, [title])
    readme.column_dimensions["A"].width = 110
    rows = []
    for m in measures:
        owner = m.enterprise or m.site
        if m.enterprise_id:
            kind, key, name, extra = "企业", owner.credit_code, owner.name, word(GRADE_WORDS, owner.grade)
        else:
            kind, key, name, extra = "工地", owner.ref, owner.project, word(KIND_WORDS, owner.kind)
        rows.append([kind, key, name, owner.town.name, owner.supervisor.name, extra, m.order, m.text,
                     *(_number(getattr(m, p)) for p in POLLUTANTS)])
    _sheet(book, SHEET_MEASURES, RESPONSE_COLUMNS, rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
