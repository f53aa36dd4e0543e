"""Section 17: 200 concurrent acknowledgements of distinct tasks, plus 50 duplicates, over HTTP.

A real uvicorn serves the ASGI app on the test database (PostgreSQL, Redis for the push).
Every unit gets a member with an API token; 250 POSTs to ``/api/assignments/<id>/acknowledge/``
(200 distinct tasks of a real and a drill red response, and 50 of them a second time, shuffled
together) go out from 32 threads at once. Each task must be acknowledged exactly once (one
``acknowledge`` audit row and one event each), no answer may be a 5xx, no update may be lost,
and the office dashboard's grid and totals must match the database.
"""

from __future__ import annotations

import random
import re
import statistics
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from alerts.services import alert_create
from events.choices import EventType
from events.models import AuditEntry, Event
from responses.choices import AssignmentStatus
from responses.models import TaskAssignment
from responses.selectors import response_active, unit_grid
from tests.hardening.conftest import record_figure
from tests.processes import LiveServer
from units.models import Unit
from units.services import user_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.load]

DISTINCT, DUPLICATES, THREADS = 200, 50, 32


@pytest.fixture
def server(roster):
    live = LiveServer(EVENTS_REDIS_CHANNEL=f"command-center:hardening-load:{uuid.uuid4().hex[:8]}").start()
    yield live
    live.stop()


def expected_grid(response) -> dict[str, str]:
    """Each active unit's state on the office grid, computed from the rows (not through unit_grid)."""
    states = {}
    for unit in Unit.objects.filter(active=True):
        tasks = list(TaskAssignment.objects.filter(response=response, unit=unit).exclude(status=AssignmentStatus.CANCELLED))
        statuses = Counter(t.status for t in tasks)
        if not tasks:
            states[unit.code] = "none"
        elif any(t.overdue for t in tasks):
            states[unit.code] = "overdue"
        elif statuses[AssignmentStatus.COMPLETED] == len(tasks):
            states[unit.code] = "completed"
        elif statuses[AssignmentStatus.ASSIGNED] == 0:
            states[unit.code] = "acknowledged"
        else:
            states[unit.code] = "assigned"
    return states


def test_two_hundred_concurrent_acknowledgements_and_fifty_duplicates_are_each_recorded_once(server, leader, office):
    alert_create(actor=leader, level="red", reason="load: real")
    alert_create(actor=leader, level="red", reason="load: drill", drill=True)
    tokens = {}
    for unit in Unit.objects.filter(active=True):
        member = user_create(username=f"load-{unit.code}"[:150], role="unit", unit=unit)
        tokens[unit.pk] = Token.objects.create(user=member).key
    tasks = list(TaskAssignment.objects.filter(status=AssignmentStatus.ASSIGNED).order_by("id"))
    assert len(tasks) >= DISTINCT, len(tasks)
    rng = random.Random(2026)
    chosen = rng.sample(tasks, DISTINCT)
    requests = [(t.pk, tokens[t.unit_id]) for t in chosen]
    requests += rng.sample(requests, DUPLICATES)
    rng.shuffle(requests)
    audit_before = AuditEntry.objects.filter(action="acknowledge").count()
    sent_from = timezone.now()

    def acknowledge(item):
        pk, token = item
        started = time.monotonic()
        try:
            answer = client.post(f"/api/assignments/{pk}/acknowledge/", headers={"Authorization": f"Token {token}"})
        except httpx.HTTPError as exc:
            return pk, f"error {type(exc).__name__}", time.monotonic() - started, None
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else None
        return pk, answer.status_code, time.monotonic() - started, body

    limits = httpx.Limits(max_connections=THREADS, max_keepalive_connections=THREADS)
    with httpx.Client(base_url=server.url, timeout=60, limits=limits) as client:
        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(acknowledge, requests))
        elapsed = time.monotonic() - started

    statuses = Counter(status for _, status, _, _ in results)
    latencies = sorted(seconds for _, _, seconds, _ in results)
    assert statuses == Counter({200: DISTINCT + DUPLICATES}), statuses
    # Both answers to a duplicated task carry the same recorded time (the first one wins).
    times = {}
    for pk, _, _, body in results:
        assert body["status"] == "acknowledged" and body["acknowledged_at"]
        assert times.setdefault(pk, body["acknowledged_at"]) == body["acknowledged_at"], pk

    chosen_ids = {t.pk for t in chosen}
    for task in TaskAssignment.objects.filter(pk__in=chosen_ids).select_related("acknowledged_by"):
        assert task.status == AssignmentStatus.ACKNOWLEDGED and task.acknowledged_at is not None
        assert task.acknowledged_by.unit_id == task.unit_id
        assert sent_from <= task.acknowledged_at <= timezone.now()
    # Nothing else moved.
    assert not TaskAssignment.objects.exclude(pk__in=chosen_ids).exclude(status=AssignmentStatus.ASSIGNED).exists()
    audit = Counter(AuditEntry.objects.filter(action="acknowledge").values_list("target_id", flat=True))
    assert sum(audit.values()) - audit_before == DISTINCT and set(audit) == chosen_ids
    assert set(audit.values()) == {1}
    events = Counter(
        e.payload["id"] for e in Event.objects.filter(type=EventType.ASSIGNMENT_ACKNOWLEDGED)
    )
    assert set(events) == chosen_ids and set(events.values()) == {1}

    # The office dashboard, fetched from the same server, shows what the database holds.
    browser = Client()
    browser.force_login(office)
    cookie = browser.cookies["sessionid"].value
    page = httpx.get(f"{server.url}/dashboard/office/?fragment=1", cookies={"sessionid": cookie},
                     headers={"Accept-Language": "en"}, timeout=30)
    assert page.status_code == 200
    html = page.text
    shown = dict(re.findall(r'data-unit="([^"]+)" data-kind="[^"]*" data-state="([^"]+)"', html))
    response = response_active()
    expected = expected_grid(response)
    assert shown == expected
    assert {row["unit"].code: row["state"] for row in unit_grid(response)} == expected
    # The units' line of the labelled totals (issue 14 item 1): each unit counted once, by its worst task state.
    counts = dict(re.findall(r'data-count="units-(assigned|acknowledged|completed|overdue)">(\d+)<', html))
    assert len(counts) == 4, html[:2000]
    by_state = Counter(expected.values())
    assert tuple(int(counts[state]) for state in ("assigned", "acknowledged", "completed", "overdue")) == (
        by_state["assigned"], by_state["acknowledged"], by_state["completed"], by_state["overdue"],
    )
    log = server.stop()
    assert "Traceback" not in log and "Internal Server Error" not in log, log[-3000:]
    acknowledged_real = TaskAssignment.objects.filter(response=response, pk__in=chosen_ids).count()
    record_figure("load", {
        "requests": len(requests), "distinct": DISTINCT, "duplicates": DUPLICATES, "threads": THREADS,
        "statuses": {str(k): v for k, v in statuses.items()}, "seconds": round(elapsed, 2),
        "throughput_per_s": round(len(requests) / elapsed, 1),
        "latency_ms": {"median": round(statistics.median(latencies) * 1000), "p95": round(latencies[int(0.95 * len(latencies)) - 1] * 1000),
                       "max": round(latencies[-1] * 1000)},
        "audit_rows": DISTINCT, "events": DISTINCT, "grid_units": len(expected),
        "grid": dict(by_state), "acknowledged_in_real_response": acknowledged_real,
    })
