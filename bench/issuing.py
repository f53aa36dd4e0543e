"""Benchmark 2: the cost of issuing a red warning for a roster of 2,000 synthetic units × 3 tasks.

In-process, on the bench database: ``alerts.services.alert_create`` as a leader, timed
from the call to its return (transaction, commit and the after-commit Redis publish
included), its queries counted with ``CaptureQueriesContext``. Roster sizes 50, 500
and 2,000 show the query count does not grow with the roster.

Baseline, in the same run: psycopg2's ``execute_values`` inserting the very rows the
platform wrote (6,000 assignments and 6,000 events, read back after the platform run)
into scratch tables made ``LIKE`` the real ones (columns, defaults, identity, checks and
indexes; no foreign keys), then a commit.

The roster's real 54 units are set inactive while it runs (so exactly 3 × units
assignments are made), and everything it made is deleted afterwards (with
``session_replication_role = replica`` for that one transaction, since the event log and
the audit trail refuse DELETE); the area is a bench-only one, so nothing in force
elsewhere is touched.
"""

from __future__ import annotations

import time

from bench import seed
from bench.common import loadavg, log, median, ms, save_result

AREA = "bench-issuing"
TASKS_PER_UNIT = 3
SCRATCH = {"responses_taskassignment": "bench_raw_assignment", "events_event": "bench_raw_event"}


def _make_roster(units: int) -> list[int]:
    from django.db import transaction

    from responses.models import TaskTemplate
    from units.models import Unit

    with transaction.atomic():
        Unit.objects.exclude(code__startswith="bench-").update(active=False)
        made = Unit.objects.bulk_create(
            Unit(
                code=f"bench-{i:05d}",
                kind="department",
                name=f"基准单位{i:05d}",
                name_en=f"Bench unit {i}",
                order=1000 + i,
            )
            for i in range(units)
        )
        TaskTemplate.objects.bulk_create(
            TaskTemplate(
                unit=u,
                stage="response",
                level="I",
                key=f"task-{k}",
                title=f"一级响应任务{k}",
                title_en=f"Level I task {k}",
                instructions="按照预案落实一级响应措施，并及时报告进展。" * 3,
                report_required=k == 0,
                order=k,
            )
            for u in made
            for k in range(TASKS_PER_UNIT)
        )
    return [u.pk for u in made]


def _cleanup(first_event: int | None = None, first_audit: int | None = None) -> None:
    """Delete what the issue made and the synthetic roster; bring the real roster back."""
    from django.db import connection, transaction

    from units.models import Unit

    bench_units = "SELECT id FROM units_unit WHERE code LIKE 'bench-%%'"
    area_responses = "SELECT r.id FROM responses_response r JOIN alerts_alert a ON a.id = r.alert_id WHERE a.area = %s"
    with transaction.atomic(), connection.cursor() as cur:
        # The event log and the audit trail are append-only (a trigger refuses DELETE). This is the
        # bench's own database and these are its own synthetic rows: skip triggers for this transaction.
        cur.execute("SET LOCAL session_replication_role = replica")
        if first_event is not None:
            cur.execute("DELETE FROM events_event WHERE id >= %s", [first_event])
        if first_audit is not None:
            cur.execute("DELETE FROM events_auditentry WHERE id >= %s", [first_audit])
        cur.execute(f"DELETE FROM events_event WHERE unit_id IN ({bench_units})")
        cur.execute(f"DELETE FROM responses_taskassignment WHERE response_id IN ({area_responses})", [AREA])
        cur.execute(f"DELETE FROM responses_taskassignment WHERE unit_id IN ({bench_units})")
        cur.execute(f"DELETE FROM responses_response WHERE id IN ({area_responses})", [AREA])
        cur.execute("DELETE FROM alerts_alert WHERE area = %s", [AREA])
        cur.execute(f"DELETE FROM responses_tasktemplate WHERE unit_id IN ({bench_units})")
        cur.execute("DELETE FROM units_unit WHERE code LIKE 'bench-%%'")
        Unit.objects.filter(active=False).update(active=True)


def _next_ids() -> tuple[int, int]:
    from events.models import AuditEntry, Event

    last_event = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_audit = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return last_event + 1, last_audit + 1


def issue_once(units: int, actor) -> dict:
    """Make a roster of ``units``, issue red for it, measure, count, clean up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alerts.services import alert_create
    from events.models import Event
    from responses.models import TaskAssignment

    _cleanup()  # whatever an interrupted run left
    _make_roster(units)
    first_event, first_audit = _next_ids()
    try:
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            alert = alert_create(actor=actor, level="red", reason="bench: issuing cost", area=AREA)
            seconds = time.perf_counter() - t0
        assignments = TaskAssignment.objects.filter(response__alert=alert).count()
        events = Event.objects.filter(id__gte=first_event).count()
        rows = None
        if units == 2000:
            rows = _read_rows(alert.pk, first_event)
        return {
            "units": units,
            "seconds": seconds,
            "queries": len(queries),
            "assignments": assignments,
            "events": events,
            "rows": rows,
        }
    finally:
        _cleanup(first_event, first_audit)


def _read_rows(alert_id: int, first_event: int) -> dict:
    """The rows the platform just wrote (all columns but the id), for the baseline to insert again."""
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for table, where, args in (
            (
                "responses_taskassignment",
                "response_id IN (SELECT id FROM responses_response WHERE alert_id = %s)",
                [alert_id],
            ),
            ("events_event", "id >= %s", [first_event]),
        ):
            cur.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
                "ORDER BY ordinal_position",
                [table],
            )
            columns = [r[0] for r in cur.fetchall()]
            # JSON columns come back as text so they go in again exactly as they were.
            select = ", ".join(f'"{c}"::text' if c in ("payload",) else f'"{c}"' for c in columns)
            cur.execute(f"SELECT {select} FROM {table} WHERE {where} ORDER BY id", args)
            out[table] = {"columns": columns, "values": cur.fetchall()}
    return out


def raw_insert(rows: dict) -> float:
    """The floor: ``execute_values`` of the same rows into scratch tables like the real ones, then commit."""
    import psycopg2
    from django.conf import settings
    from psycopg2.extras import execute_values

    db = settings.DATABASES["default"]
    conn = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        password=db["PASSWORD"] or None,
    )
    try:
        with conn.cursor() as cur:
            for real, scratch in SCRATCH.items():
                cur.execute(f"DROP TABLE IF EXISTS {scratch}")
                cur.execute(f"CREATE TABLE {scratch} (LIKE {real} INCLUDING ALL)")
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            for real, scratch in SCRATCH.items():
                columns = ", ".join(f'"{c}"' for c in rows[real]["columns"])
                execute_values(
                    cur, f"INSERT INTO {scratch} ({columns}) VALUES %s", rows[real]["values"], page_size=1000
                )
        conn.commit()
        seconds = time.perf_counter() - t0
        with conn.cursor() as cur:
            for scratch in SCRATCH.values():
                cur.execute(f"DROP TABLE IF EXISTS {scratch}")
        conn.commit()
        return seconds
    finally:
        conn.close()


def run(sizes=(50, 500, 2000), repeats: int = 3) -> dict:
    seed.ensure_database()
    seed.django_init()
    actor = seed.leader()
    load_before = loadavg()
    started = time.monotonic()
    issue_once(50, actor)  # warm-up: imports, first queries
    result = {"sizes": {}, "repeats": repeats}
    rows = None
    for units in sizes:
        runs = []
        for _ in range(repeats if units == max(sizes) else 1):
            r = issue_once(units, actor)
            rows = r.pop("rows") or rows
            runs.append(r)
        result["sizes"][str(units)] = {
            "ms": ms(median([r["seconds"] for r in runs])),
            "all_ms": [ms(r["seconds"]) for r in runs],
            "queries": sorted({r["queries"] for r in runs}),
            "assignments": runs[0]["assignments"],
            "events": runs[0]["events"],
        }
        log(
            f"issuing {units} units: {result['sizes'][str(units)]['ms']} ms, "
            f"{result['sizes'][str(units)]['queries']} queries, {runs[0]['assignments']} assignments"
        )
    raw = [raw_insert(rows) for _ in range(repeats)]
    result["raw_ms"] = ms(median(raw))
    result["raw_all_ms"] = [ms(x) for x in raw]
    result["raw_rows"] = {t: len(rows[t]["values"]) for t in rows}
    top = result["sizes"][str(max(sizes))]
    result["ratio"] = round(top["ms"] / result["raw_ms"], 2)
    result["queries_constant"] = len({q for s in result["sizes"].values() for q in s["queries"]}) == 1
    result["seconds"] = round(time.monotonic() - started, 1)
    seed.close_db()
    result["load"] = [load_before, loadavg()]
    save_result("issuing", result)
    return result
