"""bench/history.py (issue 13 §4) on a tiny size: the COPY loader writes what it says, and a page is timed
on the loaded database. The full run (400,000 events) is ``python -m bench history``, outside the suite."""

import pytest
from django.db import connection

from bench import history
from events.models import AuditEntry, Event
from responses.models import AssignmentUpdate, Response, TaskAssignment

pytestmark = pytest.mark.django_db


def test_the_loader_writes_the_history_it_names_and_a_page_is_measured_on_it(roster, leader):
    events_before = Event.objects.count()
    loaded = history.load_history(years=1, warnings=3, events=600, assignments=90, reports=30, vacuum=False)

    assert Response.objects.filter(status="ended").count() == 3
    assert TaskAssignment.objects.count() == 90
    assert AssignmentUpdate.objects.count() == 30
    assert Event.objects.count() - events_before == 600
    assert loaded["events_event"] == 600 and loaded["alerts_alert"] == 3
    assert AuditEntry.objects.filter(action="lift", target_type="alert").count() == 3
    # Sequences continue after the loaded rows: the platform's own writes still work on top of the history.
    newest = Event.objects.latest("id").pk
    current = history.issue_current(leader)
    assert current.status == "issued"
    assert Event.objects.filter(pk__gt=newest, type="alert.issued").count() == 1

    member = history._member(roster["education"])
    state = {"db": connection.settings_dict["NAME"], "current": current, "unit_code": "education",
             "readers": {"member": member, "office": None, "leader": None, "public": None}}
    measured = history.measure_pages({"history": state}, repeat=1, only={"unit dashboard", "public page"})
    assert {k: v["status"] for k, v in measured["history"].items()} == {"unit dashboard": 200, "public page": 200}
    assert measured["history"]["unit dashboard"]["queries"] > 0
