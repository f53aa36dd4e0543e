"""The read path of foundation.serializers.ReadModelSerializer answers exactly what DRF's own does."""

import pytest
from rest_framework import serializers

from alerts.api.serializers import AlertSerializer
from alerts.models import Alert
from alerts.services import alert_lift
from events.api.serializers import EventSerializer
from events.models import Event
from responses.api.serializers import AssignmentSerializer, ResponseSerializer
from responses.models import Response, TaskAssignment
from responses.services import assignment_acknowledge, assignment_complete
from tests.factories import alert_issue

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]


def drf(serializer, instance) -> dict:
    return dict(serializers.ModelSerializer.to_representation(serializer, instance))


@pytest.fixture
def history(office, leader, member):
    first = alert_issue(actor=office, level="yellow", reason="烟花爆竹 <b>&")
    tasks = list(TaskAssignment.objects.filter(unit=member.unit))
    assignment_acknowledge(assignment=tasks[0], actor=member)
    assignment_complete(assignment=tasks[0], actor=member, report="完成 ✓")
    alert_lift(alert=first, actor=leader, reason="好转")
    alert_issue(actor=leader, level="red", reason="重污染")


@pytest.mark.parametrize(
    "serializer_class, queryset",
    [
        (AssignmentSerializer, lambda: TaskAssignment.objects.select_related("unit")),
        (AlertSerializer, lambda: Alert.objects.all()),
        (ResponseSerializer, lambda: Response.objects.all()),
        (EventSerializer, lambda: Event.objects.all()),
    ],
)
def test_the_fast_read_path_equals_drf(history, serializer_class, queryset):
    rows = list(queryset())
    assert len(rows) >= 2
    serializer = serializer_class()
    fast = [serializer.to_representation(row) for row in rows]
    assert fast == [drf(serializer, row) for row in rows]
    # Some field is empty in one row and set in another, so both were compared.
    assert any(any(r[k] is None for r in fast) and any(r[k] is not None for r in fast) for k in fast[0])
    # And it did take the fast path for the plain columns.
    assert any(attname is not None and not stamp for _, attname, _, stamp in serializer._read_plan)
    # And the times too (issue 13 §4): every model DateTimeField shown as DRF's own is written without it.
    assert any(stamp for *_, stamp in serializer._read_plan)


def test_a_time_is_written_as_drfs_datetime_field_writes_it_in_any_zone_naive_or_aware():
    import datetime

    from django.utils import timezone
    from rest_framework import fields

    from foundation.serializers import _stamp

    field = fields.DateTimeField()
    aware = datetime.datetime(2026, 11, 29, 19, 23, 5, 120000, tzinfo=datetime.UTC)
    naive = datetime.datetime(2026, 11, 29, 19, 23)
    for zone in ("UTC", "Asia/Shanghai"):
        with timezone.override(zone):
            for value in (aware, naive, "2026-11-29T19:23:00Z"):
                assert _stamp(value, field, None)[0] == field.to_representation(value)
    with timezone.override("UTC"):
        assert _stamp(aware, field, None)[0] == "2026-11-29T19:23:05.120000Z"
