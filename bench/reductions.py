"""Benchmark: issuing red with an emission-reduction list of 5,000 enterprises and 2,000 sites (issue 16 item 4).

In-process, on the bench database: ``alerts.services.alert_create`` as a leader for a bench-only area, with
the real roster's tasks and a synthetic list in force (each enterprise two measures at red, each site one,
and one at yellow and orange each: 12,000 checklist items at red). Timed from the call to its return
(transaction, commit and after-commit publish included), queries counted with ``CaptureQueriesContext``.
Lists of 50, 500 and 5,000 enterprises (sites = enterprises × 0.4) show the query count does not grow.

Baseline, in the same run: psycopg2's ``execute_values`` inserting the very checklist rows the platform
wrote (read back after the run) into a scratch table made ``LIKE`` the real one, then a commit. The
report gives two ratios: the whole issue against that insert, and what the list adds to the issue (the
same red issued with an empty list, in the same run, subtracted) against it.

Everything it makes is deleted afterwards (with ``session_replication_role = replica`` for that one
transaction: the event log and the audit trail refuse DELETE). A list already in force for this year is
moved aside to year 1900 + its id while the bench runs, and put back.
"""

from __future__ import annotations

import time

from bench import seed
from bench.common import loadavg, log, median, ms, save_result

AREA = "bench-reductions"
SCRATCH = "bench_raw_checklistitem"
MARK = "BENCHLIST"  # the bench list's title, so that an interrupted run's list is found and removed


def _year() -> int:
    from django.utils import timezone

    return timezone.localdate().year


def _move_aside() -> list[tuple[int, int]]:
    """Lists of this year not the bench's: move them to 1900 + id (answer (id, year) to put back)."""
    from reductions.models import ListVersion

    moved = list(ListVersion.objects.filter(year=_year()).exclude(title=MARK).values_list("pk", "year"))
    for pk, _year_was in moved:
        ListVersion.objects.filter(pk=pk).update(year=1900 + pk % 99)
    return moved


def _put_back(moved) -> None:
    from reductions.models import ListVersion

    for pk, year in moved:
        ListVersion.objects.filter(pk=pk).update(year=year)


def _make_list(enterprises: int, sites: int):
    """The bench list for this year: bulk-created, with the roster's towns and departments."""
    from django.db import transaction

    from reductions.models import Enterprise, ListVersion, Measure, Site
    from units.models import Unit

    towns = list(Unit.objects.filter(kind__in=["township", "park"]).values_list("pk", flat=True))
    supervisors = list(Unit.objects.filter(kind="department").values_list("pk", flat=True))
    with transaction.atomic():
        version = ListVersion.objects.create(year=_year(), title=MARK)
        made = Enterprise.objects.bulk_create(
            (Enterprise(version=version, credit_code=f"B{i:017d}", name=f"基准企业{i:05d}", industry=("建材", "化工", "钢铁")[i % 3],
                        address=f"基准路{i}号", town_id=towns[i % len(towns)], supervisor_id=supervisors[i % len(supervisors)],
                        pm=10, so2=5, nox=8, vocs=3) for i in range(enterprises)),
            batch_size=2000,
        )
        made_sites = Site.objects.bulk_create(
            (Site(version=version, ref=f"BG{i:05d}", project=f"基准工地{i:05d}", builder="基准建设公司",
                  town_id=towns[i % len(towns)], supervisor_id=supervisors[i % len(supervisors)], kind="building")
             for i in range(sites)),
            batch_size=2000,
        )
        measures = []
        for e in made:
            measures += [Measure(enterprise=e, level="yellow", text="限产20%", pm=2),
                         Measure(enterprise=e, level="orange", text="限产30%", pm=3),
                         Measure(enterprise=e, level="red", order=1, text="限产50%", pm=5, so2=2, nox=4, vocs=1),
                         Measure(enterprise=e, level="red", order=2, text="停止使用国四及以下柴油货车运输", nox=1)]
        for s in made_sites:
            measures += [Measure(site=s, level=lv, text="停止土石方作业、拆除作业") for lv in ("yellow", "orange", "red")]
        Measure.objects.bulk_create(measures, batch_size=5000)
    return version


def _cleanup(first_event: int | None = None, first_audit: int | None = None) -> None:
    """Delete the bench area's warnings, responses, tasks and items, and the bench list."""
    from django.db import connection, transaction

    area_responses = "SELECT r.id FROM responses_response r JOIN alerts_alert a ON a.id = r.alert_id WHERE a.area = %s"
    bench_versions = "SELECT id FROM reductions_listversion WHERE title = %s"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")  # the bench's own rows in the append-only tables
        if first_event is not None:
            cur.execute("DELETE FROM events_event WHERE id >= %s", [first_event])
        if first_audit is not None:
            cur.execute("DELETE FROM events_auditentry WHERE id >= %s", [first_audit])
        cur.execute(f"DELETE FROM reductions_checklistitem WHERE response_id IN ({area_responses})", [AREA])
        cur.execute(f"DELETE FROM responses_taskassignment WHERE response_id IN ({area_responses})", [AREA])
        cur.execute(f"DELETE FROM responses_response WHERE id IN ({area_responses})", [AREA])
        cur.execute("DELETE FROM alerts_alert WHERE area = %s", [AREA])
        cur.execute(f"DELETE FROM reductions_measure WHERE enterprise_id IN (SELECT id FROM reductions_enterprise "
                    f"WHERE version_id IN ({bench_versions})) OR site_id IN (SELECT id FROM reductions_site "
                    f"WHERE version_id IN ({bench_versions}))", [MARK, MARK])
        cur.execute(f"DELETE FROM reductions_enterprise WHERE version_id IN ({bench_versions})", [MARK])
        cur.execute(f"DELETE FROM reductions_site WHERE version_id IN ({bench_versions})", [MARK])
        cur.execute("DELETE FROM reductions_listversion WHERE title = %s", [MARK])


def _next_ids() -> tuple[int, int]:
    from events.models import AuditEntry, Event

    last_event = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    last_audit = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return last_event + 1, last_audit + 1


def issue_once(enterprises: int, actor, *, keep_rows: bool = False) -> dict:
    """Make the bench list, issue red for the bench area, measure, count, clean up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alerts.services import alert_create
    from reductions.models import ChecklistItem

    _cleanup()
    _make_list(enterprises, int(enterprises * 0.4))
    first_event, first_audit = _next_ids()
    try:
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            alert = alert_create(actor=actor, level="red", reason="bench: the list at red", area=AREA)
            seconds = time.perf_counter() - t0
        items = ChecklistItem.objects.filter(response__alert=alert).count()
        return {"enterprises": enterprises, "seconds": seconds, "queries": len(queries), "items": items,
                "rows": _read_rows(alert.pk) if keep_rows else None}
    finally:
        _cleanup(first_event, first_audit)


def _read_rows(alert_id: int) -> dict:
    """The checklist rows the platform just wrote (every column but the id), for the baseline."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'reductions_checklistitem' "
            "AND column_name <> 'id' ORDER BY ordinal_position"
        )
        columns = [r[0] for r in cur.fetchall()]
        select = ", ".join(f'"{c}"' for c in columns)
        cur.execute(
            f"SELECT {select} FROM reductions_checklistitem WHERE response_id IN "
            "(SELECT id FROM responses_response WHERE alert_id = %s) ORDER BY id",
            [alert_id],
        )
        return {"columns": columns, "values": cur.fetchall()}


def raw_insert(rows: dict) -> float:
    """The floor: ``execute_values`` of the same rows into a scratch table like the real one, then commit."""
    import psycopg2
    from django.conf import settings
    from psycopg2.extras import execute_values

    db = settings.DATABASES["default"]
    conn = psycopg2.connect(dbname=db["NAME"], user=db["USER"] or None, host=db["HOST"] or None,
                            port=db["PORT"] or None, password=db["PASSWORD"] or None)
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
            cur.execute(f"CREATE TABLE {SCRATCH} (LIKE reductions_checklistitem INCLUDING ALL)")
        conn.commit()
        columns = ", ".join(f'"{c}"' for c in rows["columns"])
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            execute_values(cur, f"INSERT INTO {SCRATCH} ({columns}) VALUES %s", rows["values"], page_size=1000)
        conn.commit()
        seconds = time.perf_counter() - t0
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        conn.commit()
        return seconds
    finally:
        conn.close()


def run(sizes=(50, 500, 5000), repeats: int = 3) -> dict:
    seed.ensure_database()
    seed.django_init()
    actor = seed.leader()
    seed.lift_all(actor)
    load_before = loadavg()
    started = time.monotonic()
    moved = _move_aside()
    try:
        issue_once(50, actor)  # warm-up: imports, first queries
        empty = [issue_once(0, actor)["seconds"] for _ in range(repeats)]
        result = {"sizes": {}, "repeats": repeats, "empty_ms": ms(median(empty)), "empty_all_ms": [ms(x) for x in empty]}
        rows = None
        for enterprises in sizes:
            runs = []
            for _ in range(repeats if enterprises == max(sizes) else 1):
                r = issue_once(enterprises, actor, keep_rows=enterprises == max(sizes) and rows is None)
                rows = r.pop("rows") or rows
                runs.append(r)
            result["sizes"][str(enterprises)] = {
                "sites": int(enterprises * 0.4),
                "ms": ms(median([r["seconds"] for r in runs])),
                "all_ms": [ms(r["seconds"]) for r in runs],
                "queries": sorted({r["queries"] for r in runs}),
                "items": runs[0]["items"],
            }
            log(f"reductions {enterprises} enterprises: {result['sizes'][str(enterprises)]['ms']} ms, "
                f"{result['sizes'][str(enterprises)]['queries']} queries, {runs[0]['items']} items")
    finally:
        _cleanup()
        _put_back(moved)
    raw = [raw_insert(rows) for _ in range(repeats)]
    result["raw_ms"] = ms(median(raw))
    result["raw_all_ms"] = [ms(x) for x in raw]
    result["raw_rows"] = len(rows["values"])
    top = result["sizes"][str(max(sizes))]
    result["ratio"] = round(top["ms"] / result["raw_ms"], 2)
    result["added_ms"] = round(top["ms"] - result["empty_ms"], 1)
    result["added_ratio"] = round(result["added_ms"] / result["raw_ms"], 2)
    result["queries_constant"] = len({q for s in result["sizes"].values() for q in s["queries"]}) == 1
    result["seconds"] = round(time.monotonic() - started, 1)
    seed.close_db()
    result["load"] = [load_before, loadavg()]
    save_result("reductions", result)
    return result


# --- Its section of docs/benchmarks.md -----------------------------------------------------------------

START, END = "<!-- bench reductions: start -->", "<!-- bench reductions: end -->"


def summary_line(res) -> str:
    top = res["sizes"][str(max(int(k) for k in res["sizes"]))]
    queries = ", ".join(f"{k}:{'/'.join(map(str, v['queries']))}" for k, v in res["sizes"].items())
    return (
        f"reductions red, {max(int(k) for k in res['sizes'])} enterprises + {top['sites']} sites ({top['items']} items): "
        f"{top['ms']:.0f} ms vs raw insert {res['raw_ms']:.0f} ms = {res['ratio']:.2f}x; the list adds {res['added_ms']:.0f} ms "
        f"= {res['added_ratio']:.2f}x the raw insert; queries by enterprises {queries} "
        f"({'constant' if res['queries_constant'] else 'NOT constant'})"
    )


def section(res) -> str:
    """The markdown section (between markers, so that ``python -m bench reductions`` replaces only it)."""
    if not res:
        return ""
    rows = "\n".join(
        f"| {int(k):,} | {v['sites']:,} | {v['items']:,} | {v['ms']:.0f} ({', '.join(f'{x:.0f}' for x in v['all_ms'])}) | "
        f"{', '.join(map(str, v['queries']))} |"
        for k, v in res["sizes"].items()
    )
    return f"""{START}
## Emission-reduction list at red (issue 16 item 4)

`python -m bench reductions` — in-process, a leader issues red (`alerts.services.alert_create`) for a bench-only area
with the roster's tasks and a synthetic list in force: each enterprise has two measures at red, each site one, so
5,000 enterprises and 2,000 sites make 12,000 checklist items, written by one `INSERT … SELECT` in the issuing
transaction (`reductions/checklists.py`). Timed from the call to its return (commit and publish included), median
of {res['repeats']} runs at the largest size.

| enterprises | sites | checklist items | issue red, ms (runs) | queries |
|---|---|---|---|---|
{rows}

Same run: red with an empty list {res['empty_ms']:.0f} ms; **baseline**: psycopg2 `execute_values` of the same
{res['raw_rows']:,} checklist rows into a scratch table `LIKE reductions_checklistitem`, then commit:
{res['raw_ms']:.0f} ms (runs {', '.join(f'{x:.0f}' for x in res['raw_all_ms'])}).

- **The whole issue ÷ raw insert of its items: {res['ratio']:.2f}×.**
- What the list adds to the issue (red with the list − red with an empty list) ÷ raw insert: {res['added_ratio']:.2f}×
  ({res['added_ms']:.0f} ms).
- Queries {'do not grow' if res['queries_constant'] else 'GROW'} with the list (50, 500, 5,000 enterprises).

1-minute load average {res['load'][0]} → {res['load'][1]} (other helpers' work on the 2 cores counts too).
{END}
"""


def splice(res) -> None:
    """Put this part's section into docs/benchmarks.md, replacing its last one, leaving the rest as it is."""
    from bench.common import DOC

    text = DOC.read_text()
    new = section(res)
    if START in text and END in text:
        head, _sep, rest = text.partition(START)
        _old, _sep, tail = rest.partition(END + "\n")
        text = head + new + tail
    else:
        text = text.rstrip("\n") + "\n\n" + new
    DOC.write_text(text)
