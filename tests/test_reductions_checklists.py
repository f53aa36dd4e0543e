"""On a warning the emission-reduction list becomes work (issue 16 item 4): checklists per response.

Issuing gives each enterprise's and site's supervising unit and town its measures for the level; a level
change replaces them; a lift ends them; the number of queries does not grow with the list.
"""

from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.services import alert_create, alert_lift
from events.models import AuditEntry, Event
from foundation.errors import ActionRefused
from reductions.checklists import CHECKLIST_CHANGED, checklist_item_confirm
from reductions.choices import ItemStatus
from reductions.data.make_sample import SAMPLE, YEAR
from reductions.models import ChecklistItem, Enterprise, ListVersion, Measure, Site
from reductions.services import list_import
from responses.extensions import participants
from responses.models import Response
from tests.test_reductions import _read
from units.services import user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample(admin_user):
    """The shipped sample list (120 enterprises, 60 sites) imported for its year."""
    list_import(actor=admin_user, year=YEAR, plan=_read(SAMPLE.read_bytes()), sample=True)
    return ListVersion.objects.get(year=YEAR)


def _live(response):
    return ChecklistItem.objects.filter(response=response, status__in=(ItemStatus.PENDING, ItemStatus.CONFIRMED))


def _expected(version, level, cause="pm2_5"):
    """(supervising unit, town, measure id) of every measure of the list at ``level`` for the episode ``cause``
    (the warning's default, PM2.5), from the list itself."""
    rows = set()
    for m in Measure.objects.filter(level=level, **{f"for_{cause}": True}).select_related("enterprise", "site"):
        owner = m.enterprise or m.site
        if owner.version_id == version.pk:
            rows.add((owner.supervisor_id, owner.town_id, m.pk))
    return rows


def test_the_reductions_app_takes_part_in_the_response_path_without_an_upward_import():
    assert any(type(p).__name__ == "ChecklistParticipant" for p in participants())
    for module in ("alerts/services.py", "responses/services.py", "responses/extensions.py"):
        with open(module) as source:
            imports = [line for line in source if line.lstrip().startswith(("import ", "from "))]
            assert not any("reductions" in line for line in imports), module


def test_issuing_orange_gives_every_supervising_unit_its_list_at_orange(sample, leader):
    alert = alert_create(actor=leader, level="orange", reason="AQI 260")
    response = Response.objects.get(alert=alert)
    items = set(_live(response).values_list("unit_id", "town_id", "measure_id"))
    expected = _expected(sample, "orange")
    assert items == expected and len(expected) > 100
    assert set(_live(response).values_list("level", "status").distinct()) == {("orange", ItemStatus.PENDING)}
    # Each supervising unit and town heard once how many items it holds; the command heard the total.
    per_unit = Counter()
    for unit_id, town_id, _measure in expected:
        per_unit[unit_id] += 1
        if town_id != unit_id:
            per_unit[town_id] += 1
    told = {e.unit_id: e.payload["items"] for e in Event.objects.filter(type=CHECKLIST_CHANGED, audience="unit")}
    assert told == dict(per_unit)
    command = Event.objects.get(type=CHECKLIST_CHANGED, audience="command")
    assert command.payload["items"] == len(expected) and command.payload["created"] == len(expected)
    audit = AuditEntry.objects.get(action="checklists_apply", target_id=response.pk)
    assert audit.data == {"created": len(expected), "replaced": 0, "cause": "pm2_5"} and audit.to_state == "orange"


def test_an_upgrade_replaces_every_item_by_the_higher_levels_measures_and_a_lift_ends_them(sample, leader):
    orange = alert_create(actor=leader, level="orange", reason="AQI 260")
    response = Response.objects.get(alert=orange)
    orange_count = _live(response).count()
    red = alert_create(actor=leader, level="red", reason="AQI 320")
    assert Response.objects.get(pk=response.pk).alert_id == red.pk
    assert set(_live(response).values_list("unit_id", "town_id", "measure_id")) == _expected(sample, "red")
    replaced = ChecklistItem.objects.filter(response=response, status=ItemStatus.REPLACED)
    assert replaced.count() == orange_count and set(replaced.values_list("level", flat=True)) == {"orange"}
    assert "red" in replaced.first().closed_reason.lower() or "红" in replaced.first().closed_reason
    alert_lift(alert=red, actor=leader, reason="air is clean")
    assert not _live(response).exists()
    assert ChecklistItem.objects.filter(response=response, status=ItemStatus.ENDED).count() == len(_expected(sample, "red"))


def test_a_list_of_another_year_gives_no_items(leader, admin_user):
    alert = alert_create(actor=leader, level="red", reason="no list yet")
    assert not ChecklistItem.objects.filter(response__alert=alert).exists()


def test_the_supervising_unit_confirms_an_item_once_and_others_may_not(sample, leader, roster):
    alert = alert_create(actor=leader, level="orange", reason="AQI 260")
    item = ChecklistItem.objects.filter(response__alert=alert).select_related("unit").first()
    member = user_create(username="sup1", role="unit", password="x-pass-2026-long", unit=item.unit)
    outsider_unit = next(u for u in roster.values() if u.pk not in (item.unit_id, item.town_id) and u.kind == "department")
    outsider = user_create(username="out1", role="unit", password="x-pass-2026-long", unit=outsider_unit)
    with pytest.raises(PermissionDenied):
        checklist_item_confirm(item=item, actor=outsider)
    checklist_item_confirm(item=item, actor=member)
    item.refresh_from_db()
    assert item.status == ItemStatus.CONFIRMED and item.confirmed_by == member
    checklist_item_confirm(item=item, actor=member)  # a repeat changes nothing
    assert AuditEntry.objects.filter(action="checklist_confirm", target_id=item.pk).count() == 1
    alert_lift(alert=alert, actor=leader, reason="clean")
    item.refresh_from_db()
    assert item.status == ItemStatus.ENDED
    with pytest.raises(ActionRefused):
        checklist_item_confirm(item=ChecklistItem.objects.get(pk=item.pk), actor=member)


def _synthetic_list(roster, enterprises: int, sites: int, year: int) -> ListVersion:
    """A list of ``enterprises`` and ``sites`` with one measure each per level (bulk, no validation)."""
    towns = [u for u in roster.values() if u.kind in ("township", "park")]
    supervisors = [u for u in roster.values() if u.kind == "department"]
    version = ListVersion.objects.create(year=year)
    made = Enterprise.objects.bulk_create(
        Enterprise(version=version, credit_code=f"S{i:017d}", name=f"企业{i}", industry="建材", town=towns[i % len(towns)],
                   supervisor=supervisors[i % len(supervisors)], pm=1)
        for i in range(enterprises)
    )
    made_sites = Site.objects.bulk_create(
        Site(version=version, ref=f"G{i}", project=f"工地{i}", builder="某公司", town=towns[i % len(towns)],
             supervisor=supervisors[i % len(supervisors)], kind="building")
        for i in range(sites)
    )
    Measure.objects.bulk_create(
        [Measure(enterprise=e, level=lv, text="限产30%", pm=0.3) for e in made for lv in ("yellow", "orange", "red")]
        + [Measure(site=s, level=lv, text="停止土石方作业") for s in made_sites for lv in ("yellow", "orange", "red")],
        batch_size=5000,
    )
    return version


@pytest.mark.parametrize("action", ["issue", "upgrade", "lift"])
def test_the_checklists_take_the_same_number_of_queries_for_50_500_and_5000_enterprises(roster, leader, action):
    counts = {}
    # Each size is a later year's list, so the newest (the one in force) is that size's.
    for year, size in zip((2020, 2021, 2022), (50, 500, 5000), strict=True):
        _synthetic_list(roster, size, size // 5, year)
        first = alert_create(actor=leader, level="yellow" if action == "upgrade" else "orange", reason=f"size {size}")
        if action == "issue":
            alert_lift(alert=first, actor=leader, reason="next")
        with CaptureQueriesContext(connection) as queries:
            if action == "issue":
                current = alert_create(actor=leader, level="orange", reason=f"size {size}")
            elif action == "upgrade":
                current = alert_create(actor=leader, level="red", reason=f"size {size}")
            else:
                alert_lift(alert=first, actor=leader, reason="clean")
        counts[size] = len(queries)
        if action != "lift":
            alert_lift(alert=current, actor=leader, reason="next")
        response = Response.objects.filter(alert__reason=f"size {size}").first()
        assert ChecklistItem.objects.filter(response=response).count() >= size
    assert counts[50] == counts[500] == counts[5000], counts
