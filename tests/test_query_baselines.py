"""Absolute query counts per request, kept in ``tests/query_counts.json`` (NetBox's ``query_counts.json``).

Each entry of ``REQUESTS`` is one request, by one role, on one fixed world (``world`` below: an ended
yellow with reports, an orange in force, a red awaiting a leader, a forecast, the sample reduction list). Its test asserts
the exact number of SQL statements the request runs, savepoints included: one more query on a
dashboard or list fails here, and the message says how to accept a deliberate change.
``tests/test_query_counts.py`` beside it checks that the counts do not grow with the data.

The counts do not depend on test order or on what ran before in the process:
- each request is made once first (it renews the new session, fills Django's ContentType cache);
- then the shared answers (``events.shared``) are emptied and the request measured: that is the
  **cache miss**, what the first reader of a group pays after every event;
- for the answers shared by a group, the same request again is the **cache hit**, what every
  other reader pays. Entries name which of the two they measure.

Regenerate after a deliberate change (and read the diff before committing it)::

    UPDATE_QUERY_COUNTS=1 make test-fast PYTEST_ARGS=tests/test_query_baselines.py
"""

from __future__ import annotations

import datetime
import fcntl
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

BASELINES = Path(__file__).with_name("query_counts.json")
UPDATING = os.environ.get("UPDATE_QUERY_COUNTS") == "1"
HOW_TO_UPDATE = "UPDATE_QUERY_COUNTS=1 make test-fast PYTEST_ARGS=tests/test_query_baselines.py"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

MISS, HIT, UNSHARED = "cache miss", "cache hit", "not shared"


@dataclass(frozen=True)
class Request:
    role: str  # "member" (education commission), "office", "leader", "admin" or "anonymous"
    path: str  # may name {ended}, {orange}: the world's objects
    cache: str = UNSHARED  # which answer is measured: MISS or HIT of a shared answer, or UNSHARED

    @property
    def name(self) -> str:
        return f"{self.role} GET {self.path}" + ("" if self.cache == UNSHARED else f" ({self.cache})")


def _shared(role: str, path: str) -> list[Request]:
    return [Request(role, path, MISS), Request(role, path, HIT)]


REQUESTS: list[Request] = [
    # The dashboards: the page, and its live part (?fragment=1, what a page asks after a reconnect; the
    # frames carry it otherwise), shared by a unit's members or the command.
    Request("member", "/dashboard/unit/"),
    *_shared("member", "/dashboard/unit/?fragment=1"),
    Request("office", "/dashboard/office/"),
    *_shared("office", "/dashboard/office/?fragment=1"),
    Request("leader", "/dashboard/leader/"),
    *_shared("leader", "/dashboard/leader/?fragment=1"),  # no reader's CSRF token in it: shared by the leaders
    Request("office", "/dashboard/wall/"),
    *_shared("office", "/dashboard/wall/?fragment=1"),
    # The API lists (warnings and tasks are shared by a visibility group).
    *_shared("member", "/api/alerts/"),
    *_shared("member", "/api/assignments/"),
    Request("member", "/api/events/?after=0"),
    *_shared("office", "/api/alerts/"),
    *_shared("office", "/api/assignments/"),
    Request("office", "/api/responses/"),
    Request("office", "/api/events/?after=0"),
    Request("office", "/api/proposals/"),
    Request("office", "/api/alerts/{orange}/history/"),
    Request("office", "/api/units/"),
    Request("office", "/api/enterprises/"),
    Request("member", "/api/enterprises/"),
    Request("office", "/api/sites/"),
    Request("office", "/api/reduction-targets/"),
    Request("office", "/api/responses/{ended}/summary/"),
    # The command's pages.
    Request("office", "/alerts/"),
    Request("office", "/alerts/{orange}/"),
    Request("leader", "/alerts/approvals/"),
    Request("office", "/responses/"),
    Request("office", "/responses/{ended}/summary/"),
    Request("office", "/responses/{ended}/summary.csv"),
    Request("office", "/feeds/proposals/"),
    Request("office", "/reductions/"),
    Request("member", "/reductions/"),
    # The list during the orange response: checklists, inspections, the inspector's page, the compliance view.
    Request("office", "/api/checklist-items/"),
    Request("member", "/api/checklist-items/"),
    Request("office", "/api/inspections/"),
    Request("member", "/api/inspections/"),
    Request("office", "/reductions/inspect/"),
    Request("member", "/reductions/inspect/"),
    Request("office", "/reductions/responses/{orange_response}/compliance/"),
    Request("office", "/reductions/responses/{orange_response}/compliance/?fragment=1"),
    Request("office", "/units/contacts/"),
    # The public's pages and feeds.
    Request("anonymous", "/public/"),
    Request("anonymous", "/public/alerts/{orange}/cap.xml"),
    Request("anonymous", "/public/alerts/{orange}/cap/1.xml"),
    Request("anonymous", "/public/feed.atom"),
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """One fixed state for every request of this module, built once and rolled back at the end."""
    from alerts.services import alert_create, alert_lift
    from feeds import services as feeds_services
    from feeds.choices import Provider
    from responses.models import Response, TaskAssignment
    from responses.services import assignment_acknowledge, assignment_complete, assignment_progress
    from units.models import Unit
    from units.services import user_create

    media = tmp_path_factory.mktemp("media")
    # The module's own block, marked as Django marks a test case's: each service inside it runs in a
    # savepoint, and the lock-order check (events/locks.py) judges each service's transaction alone.
    module_block = transaction.atomic()
    module_block._from_testcase = True
    with django_db_blocker.unblock(), override_settings(
        MEDIA_ROOT=media, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    ), module_block:
        units = {u.code: u for u in Unit.objects.all()}
        users = {
            "office": user_create(username="qc-office", role="office", password="qc-pass-2026", unit=units["office"]),
            "leader": user_create(username="qc-leader", role="leader", password="qc-pass-2026", unit=units["hq"]),
            "member": user_create(username="qc-edu", role="unit", password="qc-pass-2026", unit=units["education"]),
            "police": user_create(username="qc-police", role="unit", password="qc-pass-2026", unit=units["public-security"]),
            "admin": user_create(username="qc-admin", role="admin", password="qc-pass-2026"),
        }
        # The emission-reduction list: the deterministic sample (120 enterprises, 60 sites) and its totals.
        call_command("load_reductions_sample", "--as", "qc-admin", stdout=io.StringIO())

        def tasks(alert, user):
            return list(TaskAssignment.objects.filter(response__alert=alert, unit=user.unit).order_by("id"))

        # An episode that ended: tasks acknowledged, completed with a report and a file.
        yellow = alert_create(actor=users["office"], level="yellow", reason="AQI 210 forecast for tomorrow")
        for who in ("member", "police"):
            first, second, *_ = tasks(yellow, users[who])
            assignment_acknowledge(assignment=first, actor=users[who])
            assignment_complete(assignment=second, actor=users[who], report="done",
                                files=[SimpleUploadedFile("r.png", PNG, content_type="image/png")])
        alert_lift(alert=yellow, actor=users["office"], reason="air is clean")
        # The episode now: an orange in force, the member's unit at work, a red awaiting a leader.
        orange = alert_create(actor=users["leader"], level="orange", reason="AQI 260 for three days")
        first, second, *_ = tasks(orange, users["member"])
        assignment_acknowledge(assignment=first, actor=users["member"])
        assignment_progress(assignment=second, actor=users["member"], text="half the schools told")
        alert_create(actor=users["office"], level="red", reason="AQI 320 forecast")
        # An inspection of the orange response's list: non-compliant, with a photo and a deadline.
        from reductions.inspections import inspection_record
        from reductions.models import ChecklistItem

        orange_response = Response.objects.get(alert=orange)
        item = ChecklistItem.objects.filter(response=orange_response, enterprise__isnull=False).select_related("enterprise").first()
        inspection_record(
            actor=users["office"], response=orange_response, enterprise=item.enterprise, place="east gate",
            result="non_compliant", findings="still producing", rectification="stop production",
            rectify_by=timezone.now() + datetime.timedelta(hours=4),
            photos=[SimpleUploadedFile("i.png", PNG, content_type="image/png")],
        )
        start = timezone.localdate() + datetime.timedelta(days=30)
        feeds_services.forecast_create(
            source="query counts", provider=Provider.PUSH, issued_at=timezone.now(), actor=users["office"],
            days=[{"date": start + datetime.timedelta(days=i), "aqi": a, "primary_pollutants": ["pm2_5"]}
                  for i, a in enumerate([160, 170, 180, 175, 90])],
        )
        objects = {"ended": Response.objects.get(alert=yellow).pk, "orange": orange.pk, "orange_response": orange_response.pk}
        yield {"users": users, "objects": objects}
        transaction.set_rollback(True)


def _baselines() -> dict[str, int]:
    try:
        return json.loads(BASELINES.read_text())
    except FileNotFoundError:
        return {}


def _write(change) -> None:
    """Read, change and write the file under a lock (parallel workers may update it at once)."""
    with open(BASELINES, "a") as lock:  # locks the file itself: no lock file to leave behind
        fcntl.flock(lock, fcntl.LOCK_EX)
        counts = change(_baselines())
        BASELINES.write_text(json.dumps(dict(sorted(counts.items())), indent=2, ensure_ascii=False) + "\n")


def _measure(world, request: Request) -> tuple[int, list[str]]:
    client = Client()
    user = world["users"].get(request.role)
    if user is not None:
        client.force_login(user)
    path = request.path.format(**world["objects"])
    warm = client.get(path)
    assert warm.status_code == 200, (path, warm.status_code)
    cache.clear()
    if request.cache == HIT:
        client.get(path)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return len(queries.captured_queries), [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: r.name)
def test_query_count_is_the_baseline(world, request_):
    count, statements = _measure(world, request_)
    if UPDATING:
        _write(lambda counts: counts | {request_.name: count})
        return
    expected = _baselines().get(request_.name)
    assert expected is not None, f"no baseline for {request_.name!r} in {BASELINES.name}: run {HOW_TO_UPDATE}"
    assert count == expected, (
        f"{request_.name}: {count} queries, the baseline in tests/{BASELINES.name} is {expected}. If the change is "
        f"deliberate, run {HOW_TO_UPDATE} and commit the file.\n" + "\n".join(statements)
    )


def test_every_baseline_names_a_request():
    known = {r.name for r in REQUESTS}
    assert len(known) == len(REQUESTS), "two requests with one name"
    if UPDATING:
        _write(lambda counts: {k: v for k, v in counts.items() if k in known})
        return
    stale = sorted(set(_baselines()) - known)
    assert not stale, f"baselines for requests no longer measured: {stale}; run {HOW_TO_UPDATE}"


def test_a_shared_answer_costs_less_on_a_hit_than_on_a_miss():
    """The hit and miss baselines together say what sharing saves: the file itself must show it."""
    counts = _baselines()
    for request in REQUESTS:
        if request.cache == HIT and not UPDATING:
            miss = Request(request.role, request.path, MISS).name
            assert counts[request.name] < counts[miss], (request.name, counts[request.name], counts[miss])
