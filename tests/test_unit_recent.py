"""A unit's "Earlier tasks" (its screen's list of tasks from ended responses, issue 14 item 10), read for
every open unit screen after each batch (issue 13 §1, §4): the newest of each unit whatever the history,
in two queries for any number of units, and its rendered part cached by what it lists."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from alerts.models import Alert
from alerts.services import alert_lift
from dashboards.views import recent_parts
from responses.models import TaskAssignment
from responses.selectors import units_tasks_recent, units_tasks_recent_states
from tests.factories import alert_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(office, roster):
    """Three yellows issued and lifted, then a fourth in force: the units' tasks of three ended responses."""
    for n in range(3):
        alert = alert_issue(actor=office, level="yellow", reason=f"第{n + 1}次")
        alert_lift(alert=Alert.objects.get(pk=alert.pk), actor=office, reason="解除")
    alert_issue(actor=office, level="yellow", reason="在生效")
    return [roster["education"].pk, roster["public-security"].pk]


def expected(unit_id: int, limit: int) -> list[int]:
    ended = TaskAssignment.objects.filter(unit_id=unit_id).exclude(response__status="active")
    return list(ended.order_by("-assigned_at", "-id").values_list("id", flat=True)[:limit])


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_each_unit_gets_its_newest_ended_tasks_in_one_query(history, vendor, monkeypatch):
    """The PostgreSQL query (a correlated subquery per unit, stopping at the limit) and the window the
    embedded SQLite default uses name the same tasks, newest first; the running response's are not there."""
    monkeypatch.setattr(connection, "vendor", vendor)
    education, police = history
    with CaptureQueriesContext(connection) as queries:
        recent = units_tasks_recent([education, police], limit=2)
    assert len(queries.captured_queries) == 1
    assert [t.pk for t in recent[education]] == expected(education, 2)
    assert [t.pk for t in recent[police]] == expected(police, 2)
    assert len(recent[education]) == 2 and all(t.response.status != "active" for t in recent[education])
    with CaptureQueriesContext(connection) as queries:
        states = units_tasks_recent_states([education, police], limit=2)
    assert len(queries.captured_queries) == 1
    assert states[education] == tuple((t.pk, t.status) for t in recent[education])


def test_a_unit_with_no_ended_tasks_has_an_empty_list_and_no_part(office, roster):
    unit = roster["education"].pk
    assert units_tasks_recent([unit]) == {unit: []}
    assert recent_parts([unit]) == {unit: ""}


def test_the_part_is_read_afresh_only_when_what_it_lists_changed(history):
    """Cached: one query (the ids and statuses); a task's new status reads and renders the part again."""
    education, police = history
    with translation.override("zh-hans"):
        with CaptureQueriesContext(connection) as first:
            parts = recent_parts([education, police])
        with CaptureQueriesContext(connection) as again:
            assert recent_parts([education, police]) == parts
        newest = expected(education, 10)
        assert [int(pk) for pk in _listed(parts[education])] == newest
        assert "历史任务" in parts[education]
        TaskAssignment.objects.filter(pk=newest[0]).update(status="completed")
        with CaptureQueriesContext(connection) as changed:
            fresh = recent_parts([education, police])
    assert (len(first.captured_queries), len(again.captured_queries), len(changed.captured_queries)) == (2, 1, 2)
    assert fresh[police] == parts[police] and fresh[education] != parts[education]
    assert f'data-recent-task="{newest[0]}">' in fresh[education] and "已完成" in fresh[education]
    with translation.override("en"):
        assert "Earlier tasks" in recent_parts([education])[education]


def _listed(html: str) -> list[str]:
    import re

    return re.findall(r'data-recent-task="(\d+)"', html)
