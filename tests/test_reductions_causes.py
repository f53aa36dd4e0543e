"""The episode's cause limits which measures apply (issue 16): an ozone episode's checklist holds the VOC
measures and not the dust ones, a dust episode's the reverse; the import names an unknown cause by row and
column; export re-imports the causes unchanged; the targets count a cause's measures."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import load_workbook

from alerts.choices import Cause
from alerts.services import alert_create
from events.models import AuditEntry
from reductions import xlsx
from reductions.choices import CAUSE_FIELDS, ItemStatus
from reductions.data.make_sample import SAMPLE, SAMPLE_INVENTORY, YEAR
from reductions.forms import MeasureForm
from reductions.models import ChecklistItem, Enterprise, ListVersion, Measure
from reductions.selectors import import_diff, target_progress, targets_by_cause
from reductions.services import inventory_save, list_entry_save, list_import
from responses.models import Response
from tests.test_reductions import _edit, _read

pytestmark = pytest.mark.django_db

VOC_MEASURE = "停止喷涂作业"
DUST_MEASURE = "停止土石方作业"


@pytest.fixture
def sample(admin_user):
    list_import(actor=admin_user, year=YEAR, plan=_read(SAMPLE.read_bytes()), sample=True)
    inventory_save(actor=admin_user, year=YEAR, totals=SAMPLE_INVENTORY)
    return ListVersion.objects.get(year=YEAR)


def _live(alert):
    return ChecklistItem.objects.filter(response__alert=alert, status__in=(ItemStatus.PENDING, ItemStatus.CONFIRMED))


def _expected(level: str, cause: str | None) -> set[int]:
    measures = Measure.objects.filter(level=level)
    return set((measures.filter(**{CAUSE_FIELDS[cause]: True}) if cause else measures).values_list("pk", flat=True))


def test_every_cause_of_a_warning_has_its_column_and_a_new_measure_applies_to_every_cause():
    names = {f.name for f in Measure._meta.get_fields()}
    assert set(CAUSE_FIELDS) == set(Cause.values) and set(CAUSE_FIELDS.values()) <= names
    assert Measure(text="限产").causes == list(Cause.values)


def test_the_sample_gives_voc_measures_to_ozone_and_pm25_and_dust_measures_to_dust_and_pm25(sample):
    voc = Measure.objects.filter(text=VOC_MEASURE)
    dust = Measure.objects.filter(text__startswith=DUST_MEASURE)
    assert voc.count() > 5 and dust.count() > 5
    assert {tuple(m.causes) for m in voc} == {("pm2_5", "ozone")}
    assert {tuple(m.causes) for m in dust} == {("pm2_5", "dust")}


def test_an_ozone_episode_omits_dust_only_measures_and_holds_the_voc_measures(sample, leader):
    alert = alert_create(actor=leader, level="orange", reason="O3 8h 240", cause="ozone")
    items = _live(alert)
    assert set(items.values_list("measure_id", flat=True)) == _expected("orange", "ozone")
    texts = set(items.values_list("text", flat=True))
    assert VOC_MEASURE in texts
    assert not any(t.startswith(DUST_MEASURE) for t in texts)
    assert not items.filter(site__isnull=False).exists()  # the sample's sites have dust measures only
    assert not items.filter(text="限产50%").exists()  # production cuts act on fine particles, not ozone
    audit = AuditEntry.objects.get(action="checklists_apply", target_id=items.first().response_id)
    assert audit.data == {"created": len(_expected("orange", "ozone")), "replaced": 0, "cause": "ozone"}


def test_a_dust_episode_holds_the_dust_measures_and_omits_the_voc_ones(sample, leader):
    alert = alert_create(actor=leader, level="orange", reason="PM10 600", cause="dust")
    items = _live(alert)
    assert set(items.values_list("measure_id", flat=True)) == _expected("orange", "dust")
    texts = set(items.values_list("text", flat=True))
    assert any(t.startswith(DUST_MEASURE) for t in texts)
    assert VOC_MEASURE not in texts and not any("VOCs" in t for t in texts)


def test_an_upgrade_with_a_change_of_cause_hands_out_the_higher_levels_measures_of_the_new_cause(sample, leader):
    ozone = alert_create(actor=leader, level="orange", reason="O3", cause="ozone")
    response = Response.objects.get(alert=ozone)
    before = set(_live(ozone).values_list("pk", flat=True))
    red = alert_create(actor=leader, level="red", reason="PM2.5 now", cause="pm2_5")
    assert Response.objects.get(alert=red).pk == response.pk
    assert set(_live(red).values_list("measure_id", flat=True)) == _expected("red", "pm2_5")
    assert set(ChecklistItem.objects.filter(response=response, status=ItemStatus.REPLACED).values_list("pk", flat=True)) == before


def test_a_change_of_cause_at_the_same_level_keeps_what_still_applies_and_replaces_the_rest(sample, leader):
    """The warning's path changes the cause with the level (a same-level warning is refused), but the checklists
    take a change of cause alone too: the items that still apply stay the same rows, the others are replaced."""
    from reductions.checklists import checklists_apply

    alert = alert_create(actor=leader, level="red", reason="PM2.5", cause="pm2_5")
    response = Response.objects.get(alert=alert)
    before = dict(_live(alert).values_list("measure_id", "pk"))
    counts = checklists_apply(response=response, level="red", cause="dust", actor=leader)
    kept = _expected("red", "pm2_5") & _expected("red", "dust")
    live = dict(_live(alert).values_list("measure_id", "pk"))
    assert live == {m: before[m] for m in kept} and kept
    assert counts == {"created": len(_expected("red", "dust") - _expected("red", "pm2_5")),
                      "replaced": len(_expected("red", "pm2_5") - kept)}
    replaced = ChecklistItem.objects.filter(response=response, status=ItemStatus.REPLACED)
    assert {r.closed_reason for r in replaced} == {"污染成因已变更，此措施不再适用。"}  # in the site's language, zh-hans
    assert checklists_apply(response=response, level="red", cause="dust", actor=leader) == {"created": 0, "replaced": 0}


def test_a_leaders_override_of_the_cause_hands_out_every_measure_of_the_level(sample, leader):
    alert = alert_create(actor=leader, level="orange", reason="O3", cause="ozone",
                         tasks_override_reason="双重污染：臭氧与PM2.5同时超标")
    assert set(_live(alert).values_list("measure_id", flat=True)) == _expected("orange", None)


# --- The workbook ---------------------------------------------------------------------------------------


def _causes_column() -> str:
    header = [h for _k, h in xlsx.MEASURE_COLUMNS]
    return "ABCDEFGHIJ"[header.index("适用成因")]


def test_an_unknown_cause_is_named_by_sheet_row_and_column(admin_user):
    data = _edit(SAMPLE.read_bytes(), "措施", {f"{_causes_column()}3": "臭氧、雾霾"})
    with translation.override("en"):
        plan = _read(data)
    (error,) = plan.errors
    assert (error.sheet, error.row, error.column) == ("措施", 3, "适用成因")
    assert error.message == "Unknown cause: 雾霾 (use PM2.5, 沙尘, 臭氧, 烟雾, 区域传输 or 全部)."  # the known word is not named
    with pytest.raises(ValidationError):
        list_import(actor=admin_user, year=YEAR, plan=plan)
    assert not Measure.objects.exists()


@pytest.mark.parametrize(("cell", "causes"), [
    (None, list(Cause.values)),
    ("全部", list(Cause.values)),
    ("臭氧、PM2.5", ["pm2_5", "ozone"]),
    ("dust, transport", ["dust", "transport"]),
    ("扬尘；区域传输", ["dust", "transport"]),
])
def test_the_cause_cell_accepts_the_offices_words_and_blank_is_every_cause(cell, causes):
    assert xlsx.causes_read(cell) == (causes, [])


def test_a_workbook_without_the_cause_column_still_imports_every_measure_for_every_cause(admin_user):
    book = load_workbook(io.BytesIO(SAMPLE.read_bytes()))
    sheet = book["措施"]
    sheet.delete_cols([h for _k, h in xlsx.MEASURE_COLUMNS].index("适用成因") + 1)
    out = io.BytesIO()
    book.save(out)
    plan = _read(out.getvalue())
    assert plan.valid, plan.errors[:3]
    list_import(actor=admin_user, year=YEAR, plan=plan)
    assert Measure.objects.count() == len(plan.measures) and not Measure.objects.filter(for_ozone=False).exists()


def test_a_change_of_causes_in_the_workbook_updates_the_measure_and_export_writes_it_back(sample, admin_user, client):
    row = next(n for n, r in enumerate(load_workbook(io.BytesIO(SAMPLE.read_bytes()))["措施"].iter_rows(values_only=True), 1)
               if r[3] == VOC_MEASURE)
    data = _edit(SAMPLE.read_bytes(), "措施", {f"{_causes_column()}{row}": "臭氧"})
    diff = import_diff(version=sample, plan=_read(data))
    assert diff.counts()["measures_update"] == 1
    list_import(actor=admin_user, year=YEAR, plan=_read(data))
    assert Measure.objects.filter(text=VOC_MEASURE, for_pm2_5=False).count() == 1
    client.force_login(admin_user)
    exported = client.get(f"/reductions/export.xlsx?year={YEAR}").content
    cells = {r[4] for r in load_workbook(io.BytesIO(exported), read_only=True)["措施"].iter_rows(min_row=2, values_only=True)
             if r[3] == VOC_MEASURE}
    assert cells == {"PM2.5、臭氧", "臭氧"}
    assert import_diff(version=sample, plan=_read(exported)).unchanged


# --- The targets, the API and the admin ---------------------------------------------------------------


def test_the_targets_count_only_the_measures_of_the_cause(sample):
    by_cause = targets_by_cause(sample)
    for cause in Cause.values:
        for level in by_cause[cause]:
            wanted = Measure.objects.filter(level=level.level, **{CAUSE_FIELDS[cause]: True})
            cut = {p.pollutant: p.cut for p in level.pollutants}
            assert cut == {p: sum((getattr(m, p) for m in wanted), Decimal(0)) for p in ("pm", "so2", "nox", "vocs")}
    assert [(lv.level, lv.met) for lv in target_progress(sample)] == [(lv.level, lv.met) for lv in by_cause["pm2_5"]]
    ozone_orange = {p.pollutant: p.cut for p in next(lv for lv in by_cause["ozone"] if lv.level == "orange").pollutants}
    assert ozone_orange["so2"] == 0 and ozone_orange["vocs"] > 0  # no SO2 measure applies to ozone


def test_the_issuing_form_shows_the_targets_of_the_forms_cause_and_holds_the_others_hidden(sample, office, client):
    client.force_login(office)
    page = client.get("/alerts/new/").content.decode()
    for cause in Cause.values:
        assert f'data-cause="{cause}" data-follows-select="cause"' in page
    assert 'data-cause="pm2_5" data-follows-select="cause">' in page
    assert 'data-cause="ozone" data-follows-select="cause" hidden>' in page


def test_the_api_gives_each_measure_its_causes_and_a_responses_entries_follow_its_cause(sample, leader, client):
    alert = alert_create(actor=leader, level="orange", reason="PM10", cause="dust")
    response = Response.objects.get(alert=alert)
    client.force_login(leader)
    body = client.get(f"/api/sites/?response={response.pk}&limit=500").json()
    assert body["count"] == 60
    body = client.get(f"/api/enterprises/?response={response.pk}&limit=500").json()
    dusty = set(Enterprise.objects.filter(measures__level="orange", measures__for_dust=True).values_list("pk", flat=True))
    assert {e["id"] for e in body["results"]} == dusty and 0 < len(dusty) < 120
    measure = next(m for e in body["results"] for m in e["measures"] if m["level"] == "orange" and "dust" in m["causes"])
    assert set(measure["causes"]) <= set(Cause.values)


def test_the_admins_measure_form_keeps_the_causes_and_refuses_none(sample, admin_user):
    measure = Measure.objects.filter(text=VOC_MEASURE).first()
    base = {"enterprise": measure.enterprise_id, "level": measure.level, "order": measure.order, "text": measure.text,
            "pm": "0", "so2": "0", "nox": "0", "vocs": str(measure.vocs)}
    form = MeasureForm(instance=measure)
    assert form.initial["causes"] == ["pm2_5", "ozone"]
    form = MeasureForm(base | {"causes": []}, instance=measure)
    assert not form.is_valid() and "causes" in form.errors
    form = MeasureForm(base | {"causes": ["ozone"]}, instance=Measure.objects.get(pk=measure.pk))
    assert form.is_valid(), form.errors
    list_entry_save(actor=admin_user, instance=form.save(commit=False), changed=form.changed_data)
    assert Measure.objects.get(pk=measure.pk).causes == ["ozone"]
