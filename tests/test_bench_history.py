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


def test_a_page_is_judged_against_the_baseline_with_the_same_answer_and_both_ratios_are_reported():
    """The rule of docs/benchmarks.md §5: the empty database when the answer is the same size, the one-page
    database when it grew (a list of one row became a page); the report shows both ratios on every row."""
    assert history.judged({"bytes": 4000}, {"bytes": 5000}) == "empty"
    assert history.judged({"bytes": 1000}, {"bytes": 60_000}) == "page"
    assert history.judged({"bytes": 2000}, {"bytes": 0}) == "empty"  # the replay's 409: the answer shrank

    def page(ms, size):
        return {"path": "/alerts/", "reader": "office", "status": 200, "queries": 6, "median_ms": ms, "bytes": size}

    replay = {"visible_events": 4, "frames": 1, "events": 4, "reset": False, "seconds": 0.1, "rss_before_mib": 100,
              "rss_growth_mib": 0.1}
    loaded = {"alerts_alert": 150, "seconds": 1.0}
    res = {
        "sizes": history.FULL, "page_sizes": history.ONE_PAGE, "loaded": loaded, "page_loaded": loaded, "repeat": 3,
        "empty": {"pages": {"warnings list": page(50, 4000), "warning page": page(70, 4000)}, "replay": replay},
        "page": {"pages": {"warnings list": page(90, 13000), "warning page": page(70, 4000)}},
        "history": {"pages": {"warnings list": page(99, 13000), "warning page": page(77, 4000)}, "replay": replay},
        "ratios": {"warnings list": 1.98, "warning page": 1.1}, "page_ratios": {"warnings list": 1.1, "warning page": 1.1},
        "judged": {"warnings list": "page", "warning page": "empty"}, "verdict": {"warnings list": 1.1, "warning page": 1.1},
        "load_before": 1.0, "load_after": 1.0, "seconds": 60,
    }
    text = history.section(res)
    assert "| warnings list | `/alerts/` | office | 200/200/200 | 50.0 | 90.0 | 99.0 | 1.98x | **1.10x** | one page |" in text
    assert "| warning page | `/alerts/` | office | 200/200/200 | 70.0 | 70.0 | 77.0 | **1.10x** | 1.10x | empty |" in text
    assert "Above 1.5x against the empty database: warnings list" in text
    assert "warnings list 1.10x its one-page-database time" in history.summary_line(res)
