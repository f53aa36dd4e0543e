"""Races of the checklists and inspections with the warning's changes, on PostgreSQL with real threads.

The lock order (events/locks.py, step 5): a level change or a lift locks the response's live items in id
order before its first event; a confirmation locks its one item, an inspection the items of its enterprise or
site. None of them deadlocks, and whichever commits second sees the first.
"""

import datetime

import pytest
from django.utils import timezone

from alerts.models import Alert
from alerts.services import alert_create, alert_lift
from foundation.errors import ActionRefused
from reductions.checklists import checklist_item_confirm
from reductions.choices import CheckState, ItemStatus
from reductions.inspections import inspection_record
from reductions.models import ChecklistItem, Enterprise, Inspection
from responses.models import Response
from tests.test_reductions_checklists import sample  # noqa: F401
from tests.threads import race
from units.services import user_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_confirmations_racing_an_upgrade_never_deadlock_and_leave_only_red_items_live(sample, leader):  # noqa: F811
    orange = alert_create(actor=leader, level="orange", reason="AQI 260")
    response = Response.objects.get(alert=orange)
    items = list(ChecklistItem.objects.filter(response=response).select_related("unit").order_by("id")[:3])
    members = [user_create(username=f"race{i}", role="unit", password="x-pass-2026-long", unit=item.unit)
               for i, item in enumerate(items)]
    results = race(
        lambda: alert_create(actor=leader, level="red", reason="AQI 320"),
        *[(lambda item=item, member=member: checklist_item_confirm(item=item, actor=member))
          for item, member in zip(items, members, strict=True)],
    )
    assert all(not isinstance(r, Exception) or isinstance(r, ActionRefused) for r in results), results
    assert not isinstance(results[0], Exception)
    live = ChecklistItem.objects.filter(response=response, status__in=(ItemStatus.PENDING, ItemStatus.CONFIRMED))
    assert set(live.values_list("level", flat=True)) == {"red"}
    for item in items:  # confirmed before the upgrade then replaced, or refused after it: never left live at orange
        assert ChecklistItem.objects.get(pk=item.pk).status == ItemStatus.REPLACED


def test_an_inspection_racing_the_lift_is_recorded_before_it_or_refused_after_it(sample, leader, office):  # noqa: F811
    alert = alert_create(actor=leader, level="orange", reason="AQI 260")
    response = Response.objects.get(alert=alert)
    enterprise = Enterprise.objects.filter(version=sample).order_by("id").first()
    results = race(
        lambda: alert_lift(alert=Alert.objects.get(pk=alert.pk), actor=leader, reason="clean"),
        lambda: inspection_record(
            actor=office, response=Response.objects.get(pk=response.pk), enterprise=enterprise, place="东门",
            result="non_compliant", findings="未停产", rectification="停产",
            rectify_by=timezone.now() + datetime.timedelta(hours=2),
        ),
    )
    assert not isinstance(results[0], Exception), results
    assert not isinstance(results[1], Exception) or isinstance(results[1], ActionRefused), results
    items = ChecklistItem.objects.filter(response=response, enterprise=enterprise)
    assert set(items.values_list("status", flat=True)) == {ItemStatus.ENDED}
    if isinstance(results[1], ActionRefused):
        assert not Inspection.objects.exists()
        assert set(items.values_list("check_state", flat=True)) == {CheckState.UNCHECKED}
    else:
        assert set(items.values_list("check_state", flat=True)) == {CheckState.NON_COMPLIANT}
