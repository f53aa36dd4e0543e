"""The emission-reduction list (issue 16, items 1-3 and 7): credit codes, Excel import and export, targets, scope.

Workbooks are read back with openpyxl (a real reader), never compared as bytes.
"""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from events.models import AuditEntry
from reductions import xlsx
from reductions.data.make_sample import SAMPLE, SAMPLE_INVENTORY, TEMPLATE, YEAR
from reductions.models import EmissionInventory, Enterprise, ListVersion, Measure, Site
from reductions.selectors import import_diff, roster_lookups, target_progress
from reductions.services import inventory_save, list_entry_save, list_import
from reductions.uscc import check_char, uscc_problem
from responses.models import Response
from tests.factories import alert_issue

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]


def _read(data: bytes):
    places, supervisors = roster_lookups()
    return xlsx.workbook_read(data, places=places, supervisors=supervisors)


def _edit(data: bytes, sheet: str, cells: dict[str, object]) -> bytes:
    """The workbook with some cells changed (``{"A5": value}``), saved again by openpyxl."""
    book = load_workbook(io.BytesIO(data))
    for ref, value in cells.items():
        book[sheet][ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replace(data: bytes, old, new) -> bytes:
    """The workbook with every cell holding ``old`` set to ``new`` (a code and the measures that name it)."""
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value == old:
                    cell.value = new
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _values(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return {name: [tuple(row) for row in book[name].iter_rows(values_only=True)] for name in xlsx.SHEETS}


@pytest.fixture
def sample(admin_user):
    """The shipped sample list imported for its year, with the sample's district totals."""
    list_import(actor=admin_user, year=YEAR, plan=_read(SAMPLE.read_bytes()), sample=True)
    inventory_save(actor=admin_user, year=YEAR, totals=SAMPLE_INVENTORY)
    return ListVersion.objects.get(year=YEAR)


# --- The unified social credit code (GB 32100-2015) ----------------------------------------------------


def test_credit_code_check_character_follows_gb_32100():
    # The example in python-stdnum's and GB 32100's documentation: 91350100M000100Y4 → check character 3.
    assert check_char("91350100M000100Y4") == "3"
    assert uscc_problem("91350100M000100Y43") is None
    assert uscc_problem("91350100M000100Y44") == "checksum"


@pytest.mark.parametrize("code", ["", "91350100M000100Y4", "91350100M000100Y431", "9135010OM000100Y43", "91350A00M000100Y43",
                                  "91350100m000100y43", None])
def test_credit_code_with_wrong_length_letters_or_division_is_a_format_error(code):
    assert uscc_problem(code) == "format"


def test_model_refuses_an_enterprise_with_a_bad_check_character(sample, admin_user):
    enterprise = Enterprise.objects.filter(version=sample).first()
    enterprise.credit_code = enterprise.credit_code[:17] + ("0" if enterprise.credit_code[17] != "0" else "1")
    with pytest.raises(ValidationError) as error:
        list_entry_save(actor=admin_user, instance=enterprise, changed=["credit_code"])
    assert "credit_code" in error.value.message_dict


# --- Import -------------------------------------------------------------------------------------------


def test_sample_workbook_imports_with_120_enterprises_60_sites_all_marked_sample(sample):
    assert Enterprise.objects.filter(version=sample).count() == 120
    assert Site.objects.filter(version=sample).count() == 60
    assert sample.sample is True
    assert all(name.startswith("【示例】") for name in Enterprise.objects.values_list("name", flat=True))
    assert all(p.startswith("【示例】") for p in Site.objects.values_list("project", flat=True))
    # Every enterprise and site has a measure at every level.
    for level in ("yellow", "orange", "red"):
        assert Measure.objects.filter(level=level, enterprise__isnull=False).values("enterprise").distinct().count() == 120
        assert Measure.objects.filter(level=level, site__isnull=False).values("site").distinct().count() == 60


def test_sample_towns_and_units_are_the_rosters(sample):
    towns = set(Enterprise.objects.values_list("town__kind", flat=True)) | set(Site.objects.values_list("town__kind", flat=True))
    assert towns <= {"township", "park"}
    assert set(Site.objects.values_list("supervisor__code", flat=True)) <= {"housing-construction", "transport", "urban-management"}


def test_importing_the_same_workbook_again_writes_nothing(sample, admin_user):
    histories = Enterprise.history.count() + Site.history.count() + Measure.history.count()
    audits = AuditEntry.objects.count()
    diff = list_import(actor=admin_user, year=YEAR, plan=_read(SAMPLE.read_bytes()))
    assert diff.unchanged
    assert Enterprise.history.count() + Site.history.count() + Measure.history.count() == histories
    assert AuditEntry.objects.count() == audits


def test_a_file_with_bad_rows_imports_nothing_and_names_each_row_and_column(admin_user):
    code = load_workbook(io.BytesIO(SAMPLE.read_bytes()))["企业"]["A3"].value
    bad = code[:17] + ("0" if code[17] != "0" else "1")  # row 3: the check character is wrong
    data = _edit(_replace(SAMPLE.read_bytes(), code, bad), "企业", {
        "E5": "火星镇",  # row 5: no such town
        "G7": "E",  # row 7: not a grade
        "J9": -3,  # row 9: negative SO2
    })
    data = _edit(data, "措施", {"B4": "紫色"})
    plan = _read(data)
    found = {(e.sheet, e.row, e.column) for e in plan.errors}
    assert found == {
        ("企业", 3, "统一社会信用代码"),
        ("企业", 5, "所在镇街或园区"),
        ("企业", 7, "绩效分级"),
        ("企业", 9, "SO2排放量(t/a)"),
        ("措施", 4, "预警级别"),
    }
    with pytest.raises(ValidationError):
        list_import(actor=admin_user, year=YEAR, plan=plan)
    assert not ListVersion.objects.exists()
    assert not Enterprise.objects.exists() and not Measure.objects.exists()


def test_a_measure_naming_an_enterprise_not_in_the_file_is_an_error():
    data = _edit(SAMPLE.read_bytes(), "措施", {"A2": "91350100M000100Y43"})
    (error,) = _read(data).errors
    assert (error.sheet, error.row, error.column) == ("措施", 2, "企业信用代码或工地编号")


def test_duplicate_credit_codes_in_a_file_name_the_first_row():
    book = load_workbook(io.BytesIO(SAMPLE.read_bytes()))
    code = book["企业"]["A2"].value
    data = _edit(SAMPLE.read_bytes(), "企业", {"A6": code})
    errors = [e for e in _read(data).errors if e.sheet == "企业"]
    assert [(e.row, e.column) for e in errors] == [(6, "统一社会信用代码")]
    assert "2" in errors[0].message


def test_a_file_that_is_not_a_workbook_is_one_clear_error():
    with translation.override("en"):
        plan = _read(b"PK\x03\x04 not really a zip")
    assert [e.message for e in plan.errors] == ["This is not an Excel .xlsx workbook."]
    with translation.override("zh-hans"):
        assert [e.message for e in _read(b"not a zip").errors] == ["这不是 Excel .xlsx 工作簿。"]


def test_a_workbook_without_the_sheets_names_the_missing_sheets():
    plan = _read(TEMPLATE.read_bytes())
    assert plan.valid  # the template: all sheets, no rows
    data = _edit(TEMPLATE.read_bytes(), "企业", {"A1": "别的列"})
    (error,) = _read(data).errors
    assert (error.sheet, error.row) == ("企业", 1) and "统一社会信用代码" in error.message


def test_a_changed_row_updates_that_enterprise_only_and_keeps_its_history(sample, admin_user):
    code = load_workbook(io.BytesIO(SAMPLE.read_bytes()))["企业"]["A2"].value
    data = _edit(SAMPLE.read_bytes(), "企业", {"G2": "D"})
    diff = list_import(actor=admin_user, year=YEAR, plan=_read(data))
    assert diff.counts() == {"enterprises_create": 0, "enterprises_update": 1, "enterprises_delete": 0, "sites_create": 0,
                             "sites_update": 0, "sites_delete": 0, "measures_create": 0, "measures_update": 0,
                             "measures_delete": 0}
    enterprise = Enterprise.objects.get(version=sample, credit_code=code)
    assert enterprise.grade == "D"
    assert [h.grade for h in enterprise.history.order_by("history_date")][-1] == "D"
    assert enterprise.history.count() == 2
    assert enterprise.history.latest().history_user == admin_user
    assert AuditEntry.objects.filter(action="reductions_import").count() == 2


def test_a_row_removed_from_the_file_removes_the_enterprise_and_its_measures(sample, admin_user):
    book = load_workbook(io.BytesIO(SAMPLE.read_bytes()))
    code = book["企业"]["A2"].value
    book["企业"].delete_rows(2)
    sheet = book["措施"]
    for row in range(sheet.max_row, 1, -1):
        if sheet.cell(row, 1).value == code:
            sheet.delete_rows(row)
    out = io.BytesIO()
    book.save(out)
    list_import(actor=admin_user, year=YEAR, plan=_read(out.getvalue()))
    assert not Enterprise.objects.filter(credit_code=code).exists()
    assert Enterprise.objects.filter(version=sample).count() == 119
    assert Enterprise.history.filter(credit_code=code, history_type="-").count() == 1


def test_only_the_lists_keepers_may_import(member, leader):
    plan = _read(SAMPLE.read_bytes())
    for user in (member, leader):
        with pytest.raises(PermissionDenied):
            list_import(actor=user, year=YEAR, plan=plan)
    assert not Enterprise.objects.exists()


# --- Export -------------------------------------------------------------------------------------------


def test_export_reimports_unchanged_and_reads_back_as_the_sample(sample, admin_user, client):
    client.force_login(admin_user)
    answer = client.get(f"/reductions/export.xlsx?year={YEAR}")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    exported = answer.content
    plan = _read(exported)
    assert plan.valid, plan.errors[:3]
    assert import_diff(version=sample, plan=plan).unchanged
    # The same rows as the shipped file, in credit-code / number order.
    ours, theirs = _values(exported), _values(SAMPLE.read_bytes())
    for sheet in xlsx.SHEETS:
        assert ours[sheet][0] == theirs[sheet][0]
        key = (lambda r: (r[0], r[1], r[2])) if sheet == "措施" else (lambda r: r[0])
        assert sorted(ours[sheet][1:], key=key) == sorted(theirs[sheet][1:], key=key), sheet


def test_a_response_exports_its_levels_measures(sample, leader, client):
    alert_issue(actor=leader, level="orange", reason="orange for the export")
    response = Response.objects.get()
    client.force_login(leader)
    answer = client.get(f"/reductions/responses/{response.pk}/measures.xlsx")
    assert answer.status_code == 200
    rows = list(load_workbook(io.BytesIO(answer.content), read_only=True)["措施"].iter_rows(values_only=True))
    # The measures its checklists hold: the level's, for the warning's cause (PM2.5 by default).
    assert len(rows) - 1 == Measure.objects.filter(level="orange", for_pm2_5=True).count() < Measure.objects.filter(level="orange").count()
    assert {r[0] for r in rows[1:]} == {"企业", "工地"}


def test_a_unit_member_exports_only_what_it_supervises_or_hosts(sample, roster, client):
    from units.services import user_create

    worker = user_create(username="lingang1", role="unit", unit=roster["park-lingang"], password="x-pass-2026")
    client.force_login(worker)
    rows = _values(client.get(f"/reductions/export.xlsx?year={YEAR}").content)["企业"][1:]
    expected = Enterprise.objects.filter(town__code="park-lingang").count()
    assert len(rows) == expected > 0
    assert {r[4] for r in rows} == {roster["park-lingang"].name}


# --- Targets ------------------------------------------------------------------------------------------


def test_targets_against_a_hand_worked_example(roster, admin_user):
    """Totals PM 100, SO2 200, NOx 400, VOCs 300 t/a; targets 10/20/30 %.

    Yellow: enterprise E cuts PM 6, SO2 15, NOx 30, VOCs 20; site S cuts PM 5.
      PM 11 ≥ 10 met (11.0 %); SO2 15 < 20 short (7.5 %); NOx 30 < 40 short (7.5 %); VOCs 20 < 30 short (6.7 %).
    Orange: E cuts PM 12, SO2 40, NOx 80, VOCs 60 (= exactly 20 % of each but PM) ; S cuts PM 8.
      PM 20 ≥ 20 met; SO2 40 ≥ 40 met; NOx 80 ≥ 80 met; VOCs 60 ≥ 60 met → the level is met.
    Red: nothing → all short, 0.0 %.
    Top at yellow: E's mean share (6/100 + 15/200 + 30/400 + 20/300) / 4 = 6.92 %, S's 5/100/4 = 1.25 %.
    """
    version = ListVersion.objects.create(year=2030)
    e = Enterprise.objects.create(version=version, credit_code="91350100M000100Y43", name="E", industry="水泥",
                                  town=roster["park-lingang"], supervisor=roster["economy-it"])
    s = Site.objects.create(version=version, ref="S-1", project="S", builder="B", town=roster["town-luohuang"],
                            supervisor=roster["housing-construction"], kind="earthworks")
    Measure.objects.create(enterprise=e, level="yellow", text="限产", pm=6, so2=15, nox=30, vocs=20)
    Measure.objects.create(site=s, level="yellow", text="停止土石方作业", pm=5)
    Measure.objects.create(enterprise=e, level="orange", order=1, text="限产50%", pm=10, so2=40, nox=70, vocs=60)
    Measure.objects.create(enterprise=e, level="orange", order=2, text="停止国四柴油货车", pm=2, nox=10)
    Measure.objects.create(site=s, level="orange", text="停止土石方作业", pm=8)
    EmissionInventory.objects.create(version=version, pm=100, so2=200, nox=400, vocs=300)

    yellow, orange, red = target_progress(version)
    assert [(p.pollutant, p.cut, p.required, p.achieved_pct, p.met) for p in yellow.pollutants] == [
        ("pm", Decimal(11), Decimal("10.000"), Decimal("11.0"), True),
        ("so2", Decimal(15), Decimal("20.000"), Decimal("7.5"), False),
        ("nox", Decimal(30), Decimal("40.000"), Decimal("7.5"), False),
        ("vocs", Decimal(20), Decimal("30.000"), Decimal("6.7"), False),
    ]
    assert not yellow.met
    assert [(p.cut, p.met) for p in orange.pollutants] == [(Decimal(20), True), (Decimal(40), True), (Decimal(80), True),
                                                            (Decimal(60), True)]
    assert orange.met
    assert [(p.cut, p.achieved_pct, p.met) for p in red.pollutants] == [(Decimal(0), Decimal("0.0"), False)] * 4
    assert [(c.kind, c.name, c.share_pct) for c in yellow.top] == [("enterprise", "E", Decimal("6.92")),
                                                                   ("site", "S", Decimal("1.25"))]


def test_target_shares_are_configurable_per_year(roster, admin_user):
    inventory_save(actor=admin_user, year=2031, totals={"pm": 100, "so2": 100, "nox": 100, "vocs": 100},
                   target_pct={"yellow": Decimal(5)})
    version = ListVersion.objects.get(year=2031)
    e = Enterprise.objects.create(version=version, credit_code="91350100M000100Y43", name="E", industry="x",
                                  town=roster["park-lingang"], supervisor=roster["economy-it"])
    Measure.objects.create(enterprise=e, level="yellow", text="限产", pm=5, so2=5, nox=5, vocs=5)
    yellow = target_progress(version)[0]
    assert yellow.target_pct == Decimal(5) and yellow.met


def test_targets_need_the_districts_totals(roster):
    assert target_progress(ListVersion.objects.create(year=2032)) is None


def test_sample_meets_yellow_and_falls_short_for_vocs_at_orange_and_red(sample):
    yellow, orange, red = target_progress(sample)
    assert yellow.met
    assert [p.pollutant for p in orange.pollutants if not p.met] == ["vocs"]
    assert [p.pollutant for p in red.pollutants if not p.met] == ["vocs"]


def test_list_page_and_issuing_form_show_the_targets(sample, office, client):
    client.force_login(office)
    page = client.get("/reductions/").content.decode()
    assert 'id="reduction-targets"' in page and 'data-level="orange" data-met="no"' in page
    form = client.get("/alerts/new/").content.decode()
    assert 'data-level="yellow" data-met="yes"' in form
    top = target_progress(sample)[2].top[0]
    assert top.name in form


def test_a_unit_member_sees_no_target_panel(sample, member, client):
    client.force_login(member)
    assert 'id="reduction-targets"' not in client.get("/reductions/").content.decode()


# --- Import page --------------------------------------------------------------------------------------


def test_import_page_previews_then_writes_only_on_confirmation(office, client):
    client.force_login(office)
    with SAMPLE.open("rb") as handle:
        preview = client.post("/reductions/import/", {"year": YEAR, "title": "2026年度清单", "file": handle})
    assert preview.status_code == 200
    assert preview.context["counts"]["enterprises_create"] == 120
    assert not Enterprise.objects.exists()
    done = client.post("/reductions/import/", {"token": preview.context["token"]})
    assert done.status_code == 302
    assert Enterprise.objects.count() == 120
    assert ListVersion.objects.get(year=YEAR).title == "2026年度清单"


def test_import_page_lists_the_bad_rows_and_writes_nothing(office, client):
    client.force_login(office)
    data = _edit(SAMPLE.read_bytes(), "企业", {"E5": "火星镇"})
    answer = client.post("/reductions/import/", {"year": YEAR, "file": io.BytesIO(data)})
    assert answer.status_code == 400
    assert 'data-row="5"' in answer.content.decode() and "火星镇" in answer.content.decode()
    assert not ListVersion.objects.exists()


def test_a_stale_or_foreign_token_imports_nothing(office, client):
    client.force_login(office)
    answer = client.post("/reductions/import/", {"token": "0" * 32})
    assert answer.status_code == 302
    assert not Enterprise.objects.exists()


# --- API ----------------------------------------------------------------------------------------------


def test_api_filters_by_town_unit_grade_and_response(sample, office, leader, api_as):
    api = api_as(office)
    park = Enterprise.objects.filter(town__code="park-lingang")
    answer = api.get("/api/enterprises/", {"town": "park-lingang", "limit": 500}).json()
    assert answer["count"] == park.count() > 0
    answer = api.get("/api/enterprises/", {"unit": "ecology-env", "grade": "C", "limit": 500}).json()
    assert answer["count"] == Enterprise.objects.filter(supervisor__code="ecology-env", grade="C").count()
    assert api.get("/api/sites/", {"kind": "earthworks"}).json()["count"] == Site.objects.filter(kind="earthworks").count()
    alert_issue(actor=leader, level="red", reason="red")
    response = Response.objects.get()
    answer = api.get("/api/sites/", {"response": response.pk, "limit": 500}).json()
    assert answer["count"] == 60
    assert all(any(m["level"] == "red" for m in site["measures"]) for site in answer["results"])
    assert api.get("/api/enterprises/", {"grade": "Z"}).status_code == 400


def test_api_scopes_a_unit_member_to_what_it_supervises_or_hosts(sample, roster, api_as):
    from units.services import user_create

    housing = user_create(username="housing1", role="unit", unit=roster["housing-construction"], password="x-pass-2026")
    answer = api_as(housing).get("/api/sites/", {"limit": 500}).json()
    assert answer["count"] == Site.objects.filter(supervisor__code="housing-construction").count() > 0
    assert api_as(housing).get("/api/enterprises/").json()["count"] == 0
    other = Enterprise.objects.first()
    assert api_as(housing).get(f"/api/enterprises/{other.pk}/").status_code == 404


def test_targets_api_is_for_the_command(sample, office, member, api_as):
    assert api_as(member).get("/api/reduction-targets/").status_code == 403
    body = api_as(office).get("/api/reduction-targets/").json()
    assert body["year"] == YEAR
    assert [(lv["level"], lv["met"]) for lv in body["levels"]] == [("yellow", True), ("orange", False), ("red", False)]


def test_api_list_takes_the_same_queries_for_ten_or_all_enterprises(sample, office, api_as):
    api = api_as(office)
    with CaptureQueriesContext(connection) as few:
        assert api.get("/api/enterprises/", {"limit": 10}).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert api.get("/api/enterprises/", {"limit": 200}).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Admin ---------------------------------------------------------------------------------------------


def _admin_form(enterprise, **changes) -> dict:
    data = {
        "version": enterprise.version_id, "credit_code": enterprise.credit_code, "name": enterprise.name,
        "industry": enterprise.industry, "address": enterprise.address, "town": enterprise.town_id,
        "supervisor": enterprise.supervisor_id, "grade": enterprise.grade, "livelihood": enterprise.livelihood,
        "pm": enterprise.pm, "so2": enterprise.so2, "nox": enterprise.nox, "vocs": enterprise.vocs,
        "measures-TOTAL_FORMS": 0, "measures-INITIAL_FORMS": 0, "measures-MIN_NUM_FORMS": 0, "measures-MAX_NUM_FORMS": 1000,
    }
    return data | changes


def test_an_admin_edit_goes_through_the_service_with_history_and_audit(sample, admin_user, client):
    enterprise = Enterprise.objects.filter(grade="C").first()
    client.force_login(admin_user)
    answer = client.post(f"/admin/reductions/enterprise/{enterprise.pk}/change/", _admin_form(enterprise, grade="B"))
    assert answer.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.grade == "B"
    latest = enterprise.history.latest()
    assert (latest.grade, latest.history_user) == ("B", admin_user)
    entry = AuditEntry.objects.get(action="reductions_change", target_id=enterprise.pk)
    assert entry.data == {"fields": ["grade"]}


def test_an_admin_edit_with_a_bad_credit_code_is_refused_and_changes_nothing(sample, admin_user, client):
    enterprise = Enterprise.objects.first()
    bad = enterprise.credit_code[:17] + ("0" if enterprise.credit_code[17] != "0" else "1")
    client.force_login(admin_user)
    answer = client.post(f"/admin/reductions/enterprise/{enterprise.pk}/change/", _admin_form(enterprise, credit_code=bad))
    assert answer.status_code == 200
    assert "credit_code" in answer.context["adminform"].form.errors
    enterprise.refresh_from_db()
    assert enterprise.credit_code != bad
    assert not AuditEntry.objects.filter(action="reductions_change").exists()


def test_the_committed_sample_is_what_the_script_writes():
    """reductions/data/make_sample.py is deterministic and the shipped sample_list.xlsx is its output."""
    from reductions.data.make_sample import SAMPLE_TITLE, build

    enterprises, sites, measures = build()
    written = xlsx.workbook_write(enterprises=enterprises, sites=sites, measures=measures, note=SAMPLE_TITLE)
    assert _values(written) == _values(SAMPLE.read_bytes())
    again = build()
    assert [e.credit_code for e in again[0]] == [e.credit_code for e in enterprises]


def test_export_writes_formula_like_and_control_text_as_plain_text(roster, admin_user, client):
    """A name starting with "=" stays text (no formula runs in the reader's Excel); control characters are dropped."""
    version = ListVersion.objects.create(year=2033, title='=HYPERLINK("http://evil.example")')
    Enterprise.objects.create(version=version, credit_code="91350100M000100Y43", name='=HYPERLINK("http://evil.example")\x1b企业',
                              industry="+cmd", town=roster["park-lingang"], supervisor=roster["economy-it"])
    client.force_login(admin_user)
    answer = client.get("/reductions/export.xlsx?year=2033")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))  # formulas as written, not computed values
    name = book["企业"]["B2"]
    assert (name.value, name.data_type) == ('=HYPERLINK("http://evil.example")企业', "s")
    assert book["说明"]["A1"].data_type == "s"
    plan = _read(answer.content)
    assert plan.valid and plan.enterprises[0]["name"] == '=HYPERLINK("http://evil.example")企业'
