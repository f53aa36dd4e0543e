"""Benchmark 5: costs that stay flat as the years of history pile up (issue 13 §4).

One run, three databases of its own cloned from one template (migrated, with the roster and the task
templates): ``cc_bench_history`` (``BENCH_HISTORY_DATABASE_URL`` names it), ``…_empty`` and ``…_page``.

1. **Empty**: the roster, the bench's accounts and one red warning in force (its response and tasks), as a
   district on its first day.
2. **One page**: the same on top of the smallest history that fills the first page of every list measured
   (``ONE_PAGE``): the baseline for a page whose answer had to grow (a list that held one row holds a page).
3. **History**: the same, on top of **three years of history** loaded with PostgreSQL ``COPY``
   (``--history-scale`` scales it: by default 150 lifted warnings with their responses, 60,000 task
   assignments, 20,000 reports (progress notes and completion reports, a tenth with an attachment row),
   400,000 events and the audit entries of those steps), dated over the three years before last week, then
   ``VACUUM ANALYZE`` as autovacuum would after such a load. The red warning is issued after it, exactly as in 1.
4. Every page and API is timed on the three, the databases taking turns request by request (so the machine's
   load falls on all alike), and a unit member's WebSocket replay from ``?after=0`` is run on the empty and the
   history database against a fresh uvicorn process whose RSS is sampled throughout.

A page is timed in this process through Django's test client (the whole middleware stack, real SQL, no
network), logged in as the reader the page is for; the per-process answer cache (``events.shared``) is
cleared before every request, so each answer is built. Each figure is the median of ``--repeat`` requests
after two warm-ups, with its query count. The target: each within 1.5x of the baseline with the same answer
(``judged``): the empty database's time when the answer is the same size, the one-page database's when it grew;
both ratios are reported for every page. The replay's target: its memory stays bounded (the web process's RSS
growth during the replay).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import random
import statistics
import subprocess
import threading
import time
from urllib.parse import urlparse, urlunparse

from bench.common import PY, ROOT, Stack, bench_env, free_port, loadavg, log, save_result, uvicorn_argv, wait_port

TARGET = 1.5
FULL = {"years": 3, "warnings": 150, "events": 400_000, "assignments": 60_000, "reports": 20_000}
# The second baseline: the smallest history that fills the first page of every list measured, so that a page
# whose answer must grow with the district's first weeks (a list that held the one current warning now holds a
# page) is compared with the same answer size. 99 warnings and the current one: exactly one page of the largest
# warnings and responses lists (the API's 100; the pages' 25 and 50, the Atom feed's 50 entries and the public
# page's 10 are full too); each warning with one set of its level's tasks (at most 148: a unit's 2 tasks a
# warning, about 200 in all, fill its 100-task page); 4,000 events, inside the replay window (5,000), so that
# ?after=0 still answers a full page of 500; a report on every tenth task.
ONE_PAGE = {"years": 3, "warnings": 99, "events": 4_000, "assignments": 99 * 148, "reports": 1_450}
# A page is judged against the one-page database when its answer grew with the first page of history (its size
# on the history database more than this many times its size on the empty one), else against the empty one.
GREW = 1.5
MIB = 1024 * 1024


# --- The database ------------------------------------------------------------------------


def history_url() -> str:
    """``BENCH_HISTORY_DATABASE_URL``, else the bench database's URL with ``_history`` appended to its name."""
    if os.environ.get("BENCH_HISTORY_DATABASE_URL"):
        return os.environ["BENCH_HISTORY_DATABASE_URL"]
    url = urlparse(bench_env()["DATABASE_URL"])
    return urlunparse(url._replace(path=url.path + "_history"))


def _admin_connection(url):
    import psycopg2

    conn = psycopg2.connect(
        host=url.hostname or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
        password=url.password or None, dbname="postgres",
    )
    conn.autocommit = True
    return conn


def _manage(env: dict, *args: str) -> None:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def fresh_database(url_text: str, template: str | None = None, *, migrate: bool = True) -> None:
    """Drop ``url_text``'s database and clone it from ``template`` (default ``<name>_template``; migrated,
    with the roster and the task templates).

    The template is made on first use and migrated again on every run (a no-op when nothing changed)."""
    url = urlparse(url_text)
    name = url.path.lstrip("/")
    template = template or f"{name}_template"
    conn = _admin_connection(url)
    env = bench_env() | {"DATABASE_URL": urlunparse(url._replace(path="/" + template))}
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        if cur.fetchone() is None:
            log(f"history: creating the template database {template}")
            cur.execute(f'CREATE DATABASE "{template}"')
    if migrate:  # once a run is enough when the three databases share the template
        _manage(env, "migrate", "--noinput")
        _manage(env, "load_roster")
        _manage(env, "load_task_templates")  # the units' tasks are the responses' data since the re-floor
    with conn.cursor() as cur:
        for db in (template, name):  # nothing may hold either open while it is cloned or dropped
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [db])
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    conn.close()


# --- Loading the history with COPY ---------------------------------------------------------


def _csv(value) -> str:
    """One value in PostgreSQL's CSV format: unquoted empty is NULL, anything else is quoted."""
    if value is None:
        return ""
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return '"' + str(value).replace('"', '""') + '"'


class Copier:
    """Rows for one model, written with one ``COPY … FROM STDIN`` per ``flush``. Columns not given take the
    field's default (or NULL / empty string)."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.columns = columns
        self.defaults = []
        for name, field in fields.items():
            if name in columns or name == "id":
                continue
            if field.has_default():
                default = field.get_default()
            elif field.null:
                default = None
            else:
                default = ""
            self.defaults.append((name, default))
        self.buf = io.StringIO()
        self.count = 0
        self.next_id = None

    def start_ids(self, cursor) -> None:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{self.table}"')
        self.next_id = cursor.fetchone()[0] + 1

    def add(self, *values) -> int:
        row_id = self.next_id
        self.next_id += 1
        self.buf.write(",".join([str(row_id), *map(_csv, values), *(_csv(d) for _, d in self.defaults)]))
        self.buf.write("\n")
        self.count += 1
        return row_id

    def flush(self, cursor) -> None:
        cols = ", ".join(f'"{c}"' for c in ["id", *self.columns, *(n for n, _ in self.defaults)])
        self.buf.seek(0)
        cursor.copy_expert(f'COPY "{self.table}" ({cols}) FROM STDIN WITH (FORMAT csv)', self.buf)
        self.buf = io.StringIO()
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{self.table}\"', 'id'), (SELECT MAX(id) FROM \"{self.table}\"))"
        )


def _spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def load_history(
    *, years: int, warnings: int, events: int, assignments: int, reports: int, seed: int = 13, vacuum: bool = True
) -> dict:
    """Insert ``warnings`` lifted warnings over ``years`` years ending a week ago, each with its ended
    response, its share of ``assignments`` (the level's templates, then cancelled re-assignments as when a
    level changes), ``reports`` updates (a tenth with an attachment), the audit entries of those steps and
    ``events`` events (the steps' own, then the log's other traffic: unit progress and command-only feed
    events). Returns the row counts and the seconds it took."""
    from django.db import connection

    from alerts.models import Alert
    from bench import seed as bench_seed
    from events.models import AuditEntry, Event
    from responses.models import AssignmentUpdate, Attachment, Response, TaskAssignment, TaskTemplate
    from units.models import Unit

    started = time.monotonic()
    rng = random.Random(seed)
    leader = bench_seed.leader()
    units = list(Unit.objects.filter(active=True).order_by("order", "code"))
    authors = {u.pk: _member(u) for u in units}
    by_level = {}
    for t in TaskTemplate.objects.filter(active=True, stage="response").select_related("unit"):
        by_level.setdefault(t.level, []).append(t)
    all_templates = [t for ts in by_level.values() for t in ts]
    levels = [("yellow", "III"), ("orange", "II"), ("red", "I")]

    c_alert = Copier(Alert, ["level", "status", "reason", "cause", "area", "drill", "starts_at", "ends_at",
                             "created_at", "issued_by_id", "issued_at", "lifted_by_id", "lifted_at", "lift_reason"])
    c_resp = Copier(Response, ["alert_id", "level", "status", "area", "drill", "started_at", "ended_at"])
    c_asg = Copier(TaskAssignment, ["response_id", "unit_id", "template_id", "key", "occurrence", "stage", "level", "title",
                                    "instructions", "report_required", "status", "assigned_at", "effective_from",
                                    "ack_deadline", "acknowledged_at", "acknowledged_by_id", "completed_at",
                                    "completed_by_id", "report", "closed_at"])
    c_upd = Copier(AssignmentUpdate, ["assignment_id", "kind", "text", "author_id", "at"])
    c_att = Copier(Attachment, ["update_id", "file", "original_name", "content_type", "size"])
    c_evt = Copier(Event, ["created_at", "type", "audience", "unit_id", "payload"])
    c_aud = Copier(AuditEntry, ["at", "actor_id", "action", "target_type", "target_id", "from_state", "to_state",
                                "comment", "data"])
    copiers = (c_alert, c_resp, c_asg, c_upd, c_att, c_evt, c_aud)
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # psycopg2's own, for copy_expert
        for c in copiers:
            c.start_ids(cursor)
        from django.conf import settings

        area = settings.DISTRICT_NAME
        end = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=7)
        begin = end - datetime.timedelta(days=365 * years)
        span = (end - begin) / warnings
        per_warning_asg = _spread(assignments, warnings)
        per_warning_rep = _spread(reports, warnings)
        per_warning_evt = _spread(events, warnings)
        made_events = 0
        for w in range(warnings):
            level, rlevel = levels[rng.choice((0, 0, 0, 1, 1, 2))]
            issued = begin + span * w + datetime.timedelta(hours=rng.randint(0, 48))
            lifted = issued + datetime.timedelta(hours=rng.randint(24, 120))
            evt_budget = per_warning_evt[w]
            evts = []  # (at, type, audience, unit_id, payload)

            alert_id = c_alert.add(level, "lifted", f"History warning {w}", "pm2_5", area, False, issued,
                                   lifted, issued, leader.pk, issued, leader.pk, lifted, "bench history")
            alert_payload = {"id": alert_id, "level": level, "status": "issued", "response_level": rlevel,
                             "area": area, "drill": False, "issued_at": issued.isoformat()}
            response_id = c_resp.add(alert_id, rlevel, "ended", area, False, issued, lifted)
            evts.append((issued, "alert.issued", "all", None, alert_payload))
            evts.append((issued, "response.opened", "all", None, {"id": response_id, "level": rlevel}))
            for action, target, tid, at, frm, to in (
                ("issue", "alert", alert_id, issued, "", "issued"),
                ("open", "response", response_id, issued, "", "active"),
                ("lift", "alert", alert_id, lifted, "issued", "lifted"),
                ("close", "response", response_id, lifted, "active", "ended"),
            ):
                c_aud.add(at, leader.pk, action, target, tid, frm, to, "", {})

            templates = list(by_level.get(rlevel) or all_templates)
            n_asg = per_warning_asg[w]
            live_keys = set()
            occurrences: dict = {}
            asg_rows = []
            for i in range(n_asg):
                t = templates[i % len(templates)] if i < len(templates) else rng.choice(templates)
                first_copy = (t.unit_id, t.key) not in live_keys
                live_keys.add((t.unit_id, t.key))
                # Each copy of a key is its next occurrence (the unique constraint assignment_one_per_occurrence).
                occurrence = occurrences[t.unit_id, t.key] = occurrences.get((t.unit_id, t.key), 0) + 1
                at = issued + datetime.timedelta(seconds=rng.randint(0, 60))
                deadline = at + datetime.timedelta(minutes=60)
                author = authors[t.unit_id]
                if not first_copy or rng.random() < 0.1:
                    status, ack, done = "cancelled", None, None
                else:
                    ack = at + datetime.timedelta(minutes=rng.randint(1, 90))
                    done = ack + datetime.timedelta(hours=rng.randint(1, 48)) if rng.random() < 0.85 else None
                    status = "completed" if done else "cancelled"
                closed = lifted if status == "cancelled" else None
                asg_id = c_asg.add(response_id, t.unit_id, t.pk, t.key, occurrence, "response", rlevel, t.title,
                                   t.instructions, t.report_required, status, at, issued, deadline, ack,
                                   author.pk if ack else None, done, author.pk if done else None,
                                   "Done as planned." if done else "", closed)
                asg_rows.append((asg_id, t.unit_id, author.pk, at, ack, done, status))
                payload = {"id": asg_id, "response": response_id, "unit": t.unit_id, "title": t.title,
                           "level": rlevel, "stage": "response", "status": "assigned",
                           "ack_deadline": deadline.isoformat()}
                evts.append((at, "assignment.created", "unit", t.unit_id, payload))
                if ack:
                    evts.append((ack, "assignment.acknowledged", "unit", t.unit_id, payload | {"status": "acknowledged"}))
                    c_aud.add(ack, author.pk, "acknowledge", "assignment", asg_id, "assigned", "acknowledged", "", {})
                if done:
                    evts.append((done, "assignment.completed", "unit", t.unit_id, payload | {"status": "completed"}))
                    c_aud.add(done, author.pk, "complete", "assignment", asg_id, "acknowledged", "completed", "", {})
                if status == "cancelled":
                    evts.append((lifted, "assignment.cancelled", "unit", t.unit_id, payload | {"status": "cancelled"}))
            # Reports: completion reports on the completed tasks first, then progress notes.
            with_report = [r for r in asg_rows if r[5] is not None] or asg_rows
            for i in range(per_warning_rep[w]):
                asg_id, unit_id, author_id, at, ack, done, status = with_report[i % len(with_report)]
                kind = "report" if i < len(with_report) and done else "progress"
                when = (done if kind == "report" else (ack or at) + datetime.timedelta(minutes=30 + i))
                upd_id = c_upd.add(asg_id, kind, f"Report {i} of warning {w}: inspections and closures as planned.",
                                   author_id, when)
                if i % 10 == 0:
                    c_att.add(upd_id, f"reports/bench-{upd_id}.pdf", f"report-{upd_id}.pdf", "application/pdf", 48_000)
                if kind == "progress":
                    evts.append((when, "assignment.progress", "unit", unit_id,
                                 {"id": asg_id, "response": response_id, "unit": unit_id, "status": "acknowledged"}))
            evts.append((lifted, "alert.lifted", "all", None, alert_payload | {"status": "lifted"}))
            evts.append((lifted, "response.closed", "all", None, {"id": response_id, "level": rlevel}))
            # The rest of the log's traffic over the warning's weeks: command-only feed and proposal events,
            # and units' progress between episodes.
            gap_end = begin + span * (w + 1)
            while len(evts) < evt_budget:
                at = lifted + (gap_end - lifted) * rng.random()
                if rng.random() < 0.5:
                    evts.append((at, "feed.stale", "command", None, {"source": "bench", "minutes": rng.randint(60, 600)}))
                else:
                    u = rng.choice(units)
                    evts.append((at, "assignment.progress", "unit", u.pk, {"unit": u.pk, "note": "routine"}))
            evts.sort(key=lambda e: e[0])
            for e in evts[:evt_budget]:
                c_evt.add(*e)
            made_events += min(len(evts), evt_budget)
            if c_evt.count >= 50_000 or w == warnings - 1:
                for c in copiers:
                    c.flush(cursor)
                for c in copiers:
                    c.count_flushed = getattr(c, "count_flushed", 0) + c.count
                    c.count = 0
    # What autovacuum does after such a load: statistics, and the visibility map index-only scans need
    # (``vacuum=False`` inside a transaction, as in the test that runs the loader on a tiny size).
    with connection.cursor() as cursor:
        for c in copiers if vacuum else ():
            cursor.execute(f'VACUUM ANALYZE "{c.table}"')
    counts = {c.table: c.count_flushed for c in copiers}
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


def _member(unit):
    from units.models import User
    from units.services import user_create

    name = f"bench-hist-{unit.code}"[:150]
    return User.objects.filter(username=name).first() or user_create(username=name, role="unit", unit=unit)


# --- The current state: one red warning in force -------------------------------------------


def issue_current(actor):
    """A red warning issued by a leader now, as a district's screens would show it."""
    from alerts.services import alert_create

    return alert_create(actor=actor, level="red", reason="bench: the current episode")


# --- Measuring ------------------------------------------------------------------------------


def pages(current, member_unit_code: str) -> list[tuple[str, str, str]]:
    """(name, reader, path) for every page and API the target covers."""
    alert_id = current.pk
    response_id = current.responses.get().pk
    return [
        ("unit dashboard", "member", "/dashboard/unit/"),
        ("unit dashboard live part", "member", "/dashboard/unit/?fragment=1"),
        ("office dashboard", "office", "/dashboard/office/"),
        ("office dashboard live part", "office", "/dashboard/office/?fragment=1"),
        ("leader dashboard", "leader", "/dashboard/leader/"),
        ("wall", "office", "/dashboard/wall/"),
        ("warnings list", "office", "/alerts/"),
        ("warning page", "office", f"/alerts/{alert_id}/"),
        ("responses list", "office", "/responses/"),
        ("summary evaluation", "office", f"/responses/{response_id}/summary/"),
        ("summary evaluation API", "office", f"/api/responses/{response_id}/summary/"),
        ("API warnings", "office", "/api/alerts/"),
        ("API warnings (unit)", "member", "/api/alerts/"),
        ("API current warning", "member", "/api/alerts/?status=issued"),
        ("API responses", "office", "/api/responses/"),
        ("API assignments", "office", "/api/assignments/"),
        ("API assignments (unit)", "member", "/api/assignments/"),
        ("API assignments of the response", "office", f"/api/assignments/?response={response_id}"),
        ("API assignments of one unit", "office", f"/api/assignments/?unit={member_unit_code}"),
        ("API events ?after=0 (unit)", "member", "/api/events/?after=0"),
        ("API events ?after=0 (command)", "office", "/api/events/?after=0"),
        ("public page", "public", "/public/"),
        ("public Atom feed", "public", "/public/feed.atom"),
        ("public CAP message", "public", f"/public/alerts/{alert_id}/cap.xml"),
    ]


def use_database(name: str) -> None:
    """Point this process's Django connection at database ``name`` (same server, same schema)."""
    from django.db import connection

    if connection.settings_dict["NAME"] != name:
        connection.close()
        connection.settings_dict["NAME"] = name
    connection.ensure_connection()


def measure_pages(states: dict, repeat: int, only: set | None = None) -> dict:
    """Every page of ``pages()`` on each database of ``states`` (name -> {"db", "current", "readers",
    "unit_code"}), the databases taking turns request by request, so that the machine's load falls on
    both alike. Answers {state: {page: {"path", "reader", "status", "queries", "median_ms", "min_ms", "bytes"}}}."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    plans, clients = {}, {}
    for state, st in states.items():
        use_database(st["db"])
        plans[state] = [p for p in pages(st["current"], st["unit_code"]) if only is None or p[0] in only]
        for reader, user in st["readers"].items():
            client = Client(HTTP_HOST="127.0.0.1")
            if user is not None:
                client.force_login(user)
            clients[state, reader] = client
    out = {state: {} for state in states}
    labels = [p[0] for p in next(iter(plans.values()))]
    for index, label in enumerate(labels):
        times = {state: [] for state in states}
        last = {}
        for i in range(repeat + 2):
            for state, st in states.items():
                _, reader, path = plans[state][index]
                use_database(st["db"])
                cache.clear()
                # The log keeps the last 9,000 queries: full, it stops growing and every count read 0.
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    answer = clients[state, reader].get(path)
                    took = time.perf_counter() - t0
                if i >= 2:
                    times[state].append(took)
                last[state] = (path, reader, answer, len(ctx))
        for state in states:
            path, reader, answer, queries = last[state]
            out[state][label] = {
                "path": path, "reader": reader, "status": answer.status_code, "queries": queries,
                "median_ms": round(statistics.median(times[state]) * 1000, 2),
                "min_ms": round(min(times[state]) * 1000, 2), "bytes": len(answer.content),
            }
    return out


def _rss(pid: int, key: str = "VmRSS") -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def measure_replay(env: dict, member) -> dict:
    """A unit member's ``/ws/dashboard/?after=0`` against a fresh, warmed uvicorn process: time to the end of
    the replay (its last visible event, or a reset frame), frames, events, and the process's RSS sampled
    every 5 ms (growth over its warmed RSS, and ``VmHWM``)."""
    from websockets.sync.client import connect

    from events.selectors import events_visible_to

    last_visible = events_visible_to(member).order_by("-id").values_list("id", flat=True).first() or 0
    visible = events_visible_to(member).count()
    session = _session(member)
    with Stack() as stack:
        port = free_port()
        proc = stack.start("history-web", uvicorn_argv("command_center.asgi:application", port), env=env)
        wait_port(port, proc)
        headers = {"Cookie": f"sessionid={session}", "Origin": f"http://127.0.0.1:{port}"}
        url = f"ws://127.0.0.1:{port}/ws/dashboard/"
        # Warm: Django, Channels and the hub loaded; one live socket opened and closed.
        with connect(url, additional_headers=headers, open_timeout=30) as ws:
            ws.send("ping")
            ws.recv(timeout=30)
        time.sleep(1.0)
        rss_before = _rss(proc.pid)
        peak = [rss_before]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                try:
                    peak[0] = max(peak[0], _rss(proc.pid))
                except OSError:
                    return
                time.sleep(0.005)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        frames = events = 0
        reset = False
        last = 0
        t0 = time.perf_counter()
        try:
            with connect(url + "?after=0", additional_headers=headers, open_timeout=30, max_size=None) as ws:
                while last < last_visible and not reset:
                    frame = json.loads(ws.recv(timeout=120))
                    frames += 1
                    for item in frame:
                        if item.get("type") == "reset":
                            reset = True
                        elif item.get("id"):
                            events += 1
                            last = max(last, item["id"])
                took = time.perf_counter() - t0
        finally:
            stop.set()
            sampler.join()
        time.sleep(0.2)
        return {
            "visible_events": visible, "frames": frames, "events": events, "reset": reset,
            "seconds": round(took, 3), "rss_before_mib": round(rss_before / MIB, 1),
            "rss_peak_mib": round(peak[0] / MIB, 1), "rss_growth_mib": round((peak[0] - rss_before) / MIB, 1),
            "vmhwm_mib": round(_rss(proc.pid, "VmHWM") / MIB, 1),
        }


def _session(user) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _prepare(db: str, sizes: dict | None) -> dict:
    """On database ``db``: the bench's readers, the history when ``sizes`` is given, then the current red warning."""
    from alerts.models import Alert
    from alerts.services import alert_lift
    from bench import seed
    from units.models import Unit

    use_database(db)
    leader, office = seed.leader(), seed.office()
    member = _member(Unit.objects.get(code="education"))
    loaded = None
    if sizes is not None:
        log("history: loading {warnings} warnings, {events} events, {assignments} assignments, {reports} reports"
            .format(**sizes))
        loaded = load_history(**sizes)
        log(f"history: loaded in {loaded['seconds']} s: {loaded}")
    for alert in Alert.objects.in_force():
        alert_lift(alert=alert, actor=leader, reason="bench: clean start")
    current = issue_current(leader)
    return {"db": db, "current": current, "member": member, "unit_code": member.unit.code, "loaded": loaded,
            "readers": {"member": member, "office": office, "leader": leader, "public": None}}


def one_page_sizes(sizes: dict) -> dict:
    """``ONE_PAGE``, never more than the history itself (``--history-scale`` below 1)."""
    return {k: min(v, sizes[k]) for k, v in ONE_PAGE.items()}


def judged(empty: dict, history: dict) -> str:
    """Which baseline a page is judged against: ``"page"`` (the one-page database) when its answer on the
    history database is more than ``GREW`` times its size on the empty one (the answer had to grow: a list
    that held one row holds a page), else ``"empty"`` (the same answer, so any growth is the years')."""
    return "page" if history["bytes"] > GREW * max(empty["bytes"], 1) else "empty"


def run(*, sizes: dict | None = None, repeat: int = 15, save: bool = True) -> dict:
    """The whole benchmark; returns (and saves as ``bench/out/history.json``) the figures."""
    sizes = FULL | (sizes or {})
    page_sizes = one_page_sizes(sizes)
    url = history_url()
    path = urlparse(url).path
    empty_url = urlunparse(urlparse(url)._replace(path=path + "_empty"))
    page_url = urlunparse(urlparse(url)._replace(path=path + "_page"))
    os.environ["BENCH_DATABASE_URL"] = url  # the in-process Django starts on it
    load_before = loadavg()
    started = time.monotonic()
    template = f"{path.lstrip('/')}_template"  # one template, three clones
    for i, u in enumerate((url, empty_url, page_url)):
        log(f"history: fresh database {urlparse(u).path.lstrip('/')}")
        fresh_database(u, template, migrate=i == 0)

    from bench import seed

    seed.django_init()
    states = {"empty": _prepare(urlparse(empty_url).path.lstrip("/"), None),
              "page": _prepare(urlparse(page_url).path.lstrip("/"), page_sizes),
              "history": _prepare(urlparse(url).path.lstrip("/"), sizes)}
    log("history: timing the pages, the three databases taking turns")
    measured = measure_pages(states, repeat)
    from django.db import connections

    connections.close_all()
    replays = {}
    for state, u in (("empty", empty_url), ("history", url)):
        log(f"history: replay ?after=0 on the {state} database")
        use_database(states[state]["db"])
        replays[state] = measure_replay(bench_env() | {"DATABASE_URL": u}, states[state]["member"])
        connections.close_all()
    def ratio(k, base):
        return round(measured["history"][k]["median_ms"] / max(measured[base][k]["median_ms"], 0.001), 2)

    against = {k: judged(measured["empty"][k], measured["history"][k]) for k in measured["empty"]}
    result = {
        "sizes": sizes, "page_sizes": page_sizes, "loaded": states["history"]["loaded"],
        "page_loaded": states["page"]["loaded"], "repeat": repeat,
        "empty": {"pages": measured["empty"], "replay": replays["empty"]},
        "page": {"pages": measured["page"]},
        "history": {"pages": measured["history"], "replay": replays["history"]},
        # history / empty, and history / one page, for every page; "judged" names the one the target reads.
        "ratios": {k: ratio(k, "empty") for k in measured["empty"]},
        "page_ratios": {k: ratio(k, "page") for k in measured["empty"]},
        "judged": against,
        "verdict": {k: ratio(k, against[k]) for k in measured["empty"]},
        "load_before": load_before, "load_after": loadavg(), "seconds": round(time.monotonic() - started),
        "databases": [states[s]["db"] for s in ("empty", "page", "history")],
    }
    if save:
        save_result("history", result)
    return result


# --- The report -------------------------------------------------------------------------------


def section(res: dict) -> str:
    """The markdown section of docs/benchmarks.md for these results: every page with both ratios (history over
    the empty database, history over the one-page database) and the one its target is judged against."""
    s = res["sizes"]
    loaded, page_loaded = res["loaded"], res["page_loaded"]
    rows = []
    for label, e in res["empty"]["pages"].items():
        p, h = res["page"]["pages"][label], res["history"]["pages"][label]
        base = res["judged"][label]
        verdict = res["verdict"][label]
        r_empty, r_page = res["ratios"][label], res["page_ratios"][label]
        mark = {"empty": (f"**{r_empty:.2f}x**", f"{r_page:.2f}x"), "page": (f"{r_empty:.2f}x", f"**{r_page:.2f}x**")}
        rows.append(
            f"| {label} | `{_generic(e['path'])}` | {e['reader']} | {e['status']}/{p['status']}/{h['status']} | "
            f"{e['median_ms']:.1f} | {p['median_ms']:.1f} | {h['median_ms']:.1f} | {mark[base][0]} | {mark[base][1]} | "
            f"{'empty' if base == 'empty' else 'one page'} | {e['queries']}/{p['queries']}/{h['queries']} | "
            f"{e['bytes'] / 1024:.0f}/{p['bytes'] / 1024:.0f}/{h['bytes'] / 1024:.0f} | "
            f"{'met' if verdict <= TARGET else 'MISSED'} |")
    worst = max(res["verdict"].items(), key=lambda kv: kv[1])
    missed_empty = [k for k, v in res["ratios"].items() if v > TARGET]
    re_, rh = res["empty"]["replay"], res["history"]["replay"]

    def counts(c):
        return (f"{c.get('alerts_alert', 0):,} warnings, {c.get('events_event', 0):,} events, "
                f"{c.get('responses_taskassignment', 0):,} assignments, {c.get('responses_assignmentupdate', 0):,} "
                f"reports")

    lines = [
        "## 5. History: costs as the years pile up\n",
        "```sh\npython -m bench history            # about "
        f"{max(1, round(res['seconds'] / 60))} min; --history-scale 0.1 loads a tenth\n```\n",
        "One run, three databases cloned from one template (migrated, roster, task templates), each then given "
        "the bench's accounts and one red warning issued the same way:\n",
        "- **empty**: nothing else, a district on its first day;",
        f"- **one page**: the smallest history that fills the first page of every list measured — {counts(page_loaded)} "
        f"(loaded in {page_loaded['seconds']} s{'' if res['page_sizes'] == ONE_PAGE else '; capped by --history-scale, so not full'}): 99 warnings and the current one are exactly one page of the "
        "largest warnings and responses lists (the API's 100), and fill the pages' 25 and 50, the Atom feed's 50 "
        "entries and the public page's 10; one set of tasks per warning gives a unit about 200, a full page of "
        "100; 4,000 events stay inside the replay window, so `?after=0` still answers a full page of 500;",
        f"- **history**: {s['years']} years loaded with `COPY` — {counts(loaded)} "
        f"({loaded.get('responses_attachment', 0):,} attachments), {loaded.get('events_auditentry', 0):,} audit "
        f"entries, in {loaded['seconds']} s.\n",
        f"Every page timed on the three in turns, request by request (in-process Django test client, the answer "
        f"cache cleared before each request), median of {res['repeat']} after 2 warm-ups. Load average "
        f"{res['load_before']:.1f} before, {res['load_after']:.1f} after (the machine is shared: the ratios, taken "
        "in the same turns, are what to read).\n",
        f"**How the target is read.** Each page within **{TARGET}x** of a baseline with the same answer. Both ratios "
        "are shown for every page; the one judged is in bold:\n",
        "- against the **empty** database when the answer is the same size on both (the history database's answer "
        f"at most {GREW}x the empty one's bytes): whatever it costs more is the years';",
        f"- against the **one-page** database when the answer grew (more than {GREW}x the bytes): a list that held "
        "the one current warning now holds a page of them, and rendering a page of rows costs what it costs on the "
        "district's first weeks too. The ratio against the empty database is shown beside it, so a reader sees "
        "what the page costs over the first day, and why.\n",
        f"Worst judged: **{worst[0]} {worst[1]:.2f}x** ({'met' if worst[1] <= TARGET else 'missed'}). "
        + (f"Above {TARGET}x against the empty database: {', '.join(missed_empty)} — every one a page whose answer "
           "grew from the current row to a full page; against one page of history each is the ratio in bold."
           if missed_empty and all(res["judged"][k] == "page" for k in missed_empty) else
           f"Above {TARGET}x against the empty database: {', '.join(missed_empty) or 'none'}.") + "\n",
        "| page | path | reader | status e/p/h | empty ms | one page ms | history ms | ×empty | ×one page | judged against | queries e/p/h | KiB e/p/h | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "e/p/h: the empty, one-page and history databases. `?after=0` on the history database answers 409 (the "
        "replay's retention rule below), so its answer is smaller, not larger.\n",
        *ADDED,
        "A unit member's `/ws/dashboard/?after=0` replay, against a fresh warmed uvicorn process, its RSS "
        "sampled every 5 ms:\n",
        "| database | visible events | frames | events sent | reset | seconds | RSS before MiB | RSS growth MiB |",
        "|---|---|---|---|---|---|---|---|",
        *(f"| {name} | {r['visible_events']:,} | {r['frames']} | {r['events']:,} | {'yes' if r['reset'] else 'no'} | "
          f"{r['seconds']:.2f} | {r['rss_before_mib']} | {r['rss_growth_mib']} |"
          for name, r in (("empty", re_), ("history", rh))),
        "",
    ]
    return "\n".join(lines)


# What the runs showed and what was added for it, oldest first (kept with the code that writes the section).
ADDED = [
    "What the first run on 2026-11-30 showed, before the first additions (same bench, load average ~9): the "
    "leaders' dashboard 2.10x (its five latest account changes walked the whole event log backwards: 183 ms); the "
    "unfiltered `/api/assignments/` 2.75x (sorting all 60,000 by the roster's order: 270 ms); "
    "`/api/events/?after=0` 9.94x for a unit member and 3.02x for the command (a `COUNT(*)` over 400,000 "
    "events: 155 ms); the member's socket replay streamed 5,111 events in 26 frames in 1.35 s (0.24 s empty), "
    "its RSS growth bounded already (+0.7 MiB: the replay's flow control holds one frame at a time). Added: "
    "a partial index for the account changes (`events` 0005), an index for a unit's recent tasks "
    "(`responses` 0008), newest response first in `/api/assignments/` (its foreign-key index, walked "
    "backwards), and the replay's retention rule `EVENTS_REPLAY_WINDOW` (5,000 events): an older cursor, on the "
    "socket or `/api/events/`, gets the reset (the page reloads; its render is the snapshot) instead of the "
    "years between (`events.selectors.replay_too_long`).\n",
    "What the second round found (issue 13 §4 again, 2026-11-30). The section's previous table missed on the "
    "warnings list (1.94x), the responses list (3.59x), `/api/alerts/` (2.16x; 2.44x for a member), "
    "`/api/responses/` (1.55x), a member's `/api/assignments/` (1.78x) and `?unit=education` (2.03x), the Atom "
    "feed (3.15x); rerun on main before this round (load average ~7): 1.57x, 2.32x, 2.11x and 1.89x, 1.45x, 1.84x, "
    "2.12x, 2.00x, and the public page 1.51x. Every one of them answered one row on the empty database and a full "
    "page on the history database, with the same queries, each a `LIMIT` on an index: the cost was the page's "
    "rows, not the years. Profiled row by row (cProfile, `bench/history.py`'s databases): the lists' templates "
    "spent their time reversing three URLs a row (`reverse`, ~40 µs each), translating each choice's label "
    "(`get_*_display`, a lazy string each time) and formatting two times a row with Django's `dateformat` "
    "(~60 µs each). Added: the warnings and responses lists work their rows out once per page (labels "
    "translated once, links reversed once by `foundation.urls.pk_url`, times formatted in Python by "
    "`foundation.display`, held to Django's output by `tests/test_display.py`); the warnings list no longer "
    "fetches the people the selector joins for the API (one query fewer: 6 on every database). The API's pages "
    "spent theirs in DRF's `DateTimeField`, which looks the current time zone up through asgiref's thread-local "
    "for every time of every row (ten a warning, 362 on a page of 100 tasks); `foundation.serializers` writes "
    "them the same way with the zone looked up once a row (`tests/test_api_serializers.py` holds it to DRF's). The one cost that "
    "did grow with the years was the API's `COUNT(*)`: the command's unfiltered `/api/assignments/` counted all "
    "60,000 assignments on every page, 18–20 ms on this machine (0.13 ms now); an API list's `count` is now "
    "exact while at most `API_EXACT_COUNT` (1,000) items follow the offset, and a floor beyond it "
    "(`foundation.pagination.BoundedLimitOffsetPagination.get_count`, in the schema and README). And the second "
    "baseline, above: a database holding one page of history, so that a list that must grow from one row to a "
    "page is judged against the same page.\n",
]


def _generic(path: str) -> str:
    import re

    return re.sub(r"response=\d+", "response=<id>", re.sub(r"/\d+(?=[/.])", "/<id>", path))


START, END = "<!-- bench history: start -->", "<!-- bench history: end -->"


def write_section(res: dict | None = None) -> None:
    """Put this benchmark's section into docs/benchmarks.md between its markers (replacing an older one),
    leaving the other benchmarks' sections as they are."""
    from bench.common import DOC, load_result

    res = res or load_result("history")
    if res is None or "page_ratios" not in res:  # none, or from before the one-page baseline: leave the section
        return
    block = f"{START}\n{section(res)}\n{END}\n"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    DOC.write_text(text)


def summary_line(res: dict) -> str:
    worst = max(res["verdict"].items(), key=lambda kv: kv[1])
    base = "empty" if res["judged"][worst[0]] == "empty" else "one-page"
    r = res["history"]["replay"]
    return (f"history: worst page {worst[0]} {worst[1]:.2f}x its {base}-database time (target {TARGET}x); "
            f"replay ?after=0 {r['events']:,} events in {r['seconds']:.2f} s, RSS +{r['rss_growth_mib']} MiB")
