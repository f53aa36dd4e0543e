"""The note under the tables: what bounds each figure, and what changed to reach it.

The figures in the text come from this run's results; ``BEFORE`` is the one thing written
by hand: the summary of the run that landed first (2026-11-28, docs/benchmarks.md as of
commit 4c79379), before the changes listed in ``CHANGES``.
"""

from __future__ import annotations

BEFORE_DATE = "2026-11-28"
# target key: (figure before, how it was read)
BEFORE = {
    "alert": (1.72, "warning last 40.9 ms vs baseline 23.8 ms"),
    "assignment": (6.21, "own assignment last 147.8 ms"),
    "cpu": (7.05, "fan-out CPU per issue"),
    "api": (13.12, "office grid p99 3,379 ms ÷ the ASGI floor's 258 ms, one web process; no trivial Django view then"),
}

CHANGES = [
    (
        "One publication per transaction",
        "`events/services.py`",
        "A warning records its own event, the response's and every assignment's in three `events_record` calls; "
        "they are now published as one batch once the transaction commits (the events of a rolled-back "
        "savepoint are left out, as Django drops their on-commit hooks).",
    ),
    (
        "One frame per socket per batch",
        "`events/hub.py`, `static/js/dashboard.js`",
        "The listener builds one frame per kind of reader (the command, each unit, everyone else): a JSON array "
        "of the events that reader may see. A unit member gets the warning and its own tasks in one frame, "
        "instead of ~4.7 frames.",
    ),
    (
        "Written in one pass",
        "`events/hub.py` (`run_eagerly`)",
        "Each socket's send runs at once, in the dispatch loop, and only a send that has to wait (a reader "
        "that stopped reading) gets a task of its own: no task switch per socket, the way "
        "`websockets.broadcast` writes.",
    ),
    (
        "The server's own send",
        "`events/auth.py`",
        "The socket's session is loaded read-only; Channels' session middleware, which wraps every send to "
        "save a modified session, is not in the socket's stack.",
    ),
    (
        "No per-message deflate",
        "`Procfile`",
        "(already in the first run) compressing each frame for every socket was a quarter of the fan-out.",
    ),
    (
        "HTTP on a thread pool, persistent connections",
        "`command_center/asgi.py`, `settings.py`",
        "Django's HTTP side runs as WSGI on a fixed pool of `WEB_THREADS` threads (a2wsgi) instead of Django's "
        "ASGI handler, whose every sync request hops loop → thread → loop → a fresh thread; the pool bounds the "
        "connections, so each thread keeps its PostgreSQL connection (`DB_CONN_MAX_AGE=60`). The first run "
        "opened a connection per request.",
    ),
    (
        "Shared answers kept per event id",
        "`events/shared.py`",
        "The unit and command live parts and the task and warning lists (what every screen asks for after an "
        "event) are built once per unit or for the command, per process and per latest event id, after each "
        "reader's own access checks.",
    ),
    (
        "Less per request",
        "`foundation/middleware.py`, `alerts/selectors.py`, `responses/selectors.py`, "
        "`foundation/serializers.py`",
        "The session's idle expiry is renewed at most once a minute instead of a session write per request; "
        "the warnings list joins two user rows instead of six (PostgreSQL spent ~10 ms planning the six); "
        "assignments no longer join their response; read-only serializers read plain columns directly.",
    ),
]


def _f(x, nd=0):
    return "–" if x is None else f"{x:.{nd}f}"


def text(fan, iss, api, mem, v) -> str:
    out = ["## What bounds the figures, and what changed\n"]
    out += _changes(v)
    out += _fanout(fan, v)
    out += _api(api, v)
    out += _issuing(iss)
    out += _memory(mem)
    return "\n".join(out)


def _changes(v) -> list[str]:
    names = {"alert": "fan-out: last client has the warning", "assignment": "… its own assignment",
             "cpu": "… server CPU per broadcast (fan-out part)", "api": "API p99, worst endpoint ÷ baseline"}
    rows = [
        f"| {names[k]} | {before:.2f}× ({how}) | {_f(v[k][0], 2)}× |"
        for k, (before, how) in BEFORE.items()
        if k in v
    ]
    out = [
        f"The first run ({BEFORE_DATE}) missed four targets. This run, after the changes below:\n\n"
        "| figure | first run | this run |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    ]
    out.append("| change | where | what |\n|---|---|---|\n" + "\n".join(f"| {a} | {b} | {c} |" for a, b, c in CHANGES) + "\n")
    return out


def _fanout(fan, v) -> list[str]:
    if not fan or "one" not in fan["layouts"] or "baseline" not in fan["layouts"]:
        return []
    n = str(max(fan["sizes"]))
    one = fan["layouts"]["one"]
    s, fixed = one["sizes"][n], one["fixed"]
    base = fan["layouts"]["baseline"]["sizes"][n]
    fan_cpu = s["cpu_ms"] - fixed["cpu_ms"]
    prof = (fan.get("profile") or {}).get("buckets") or {}
    out = ["### Fan-out\n"]
    out.append(
        f"At N={n} with one web process the warning reached the last dashboard {_f(s['alert']['last_median'], 1)} ms "
        f"after the commit against {_f(base['alert']['last_median'], 1)} ms for the plain server "
        f"({_f(v['alert'][0], 2)}×); its own assignment travels in the same frame "
        f"({_f(s['assignment']['last_median'], 1)} ms, {_f(v['assignment'][0], 2)}×), and the fan-out cost "
        f"{_f(fan_cpu)} ms of server CPU per issue against the plain server's {_f(base['cpu_ms'])} ms "
        f"({_f(v['cpu'][0], 2)}×).\n"
    )
    out.append(
        "**What bounds it now: the socket writes themselves, as for the baseline.** Both servers write one frame "
        "per dashboard, with one `transport.write` system call each; the platform's frame is larger (the "
        "warning, the response and the unit's ~2.7 assignments, ~1.5 KB against the baseline's 316 bytes) and "
        "goes through uvicorn's ASGI `send` and the websockets protocol object rather than `websockets.broadcast`"
        + (
            f". The profile splits the web process's samples as: uvicorn's send and the socket writes "
            f"{prof.get('socket_send')}%, the hub's dispatch and per-socket bookkeeping {prof.get('channels_send')}% "
            f"+ {prof.get('hub')}%, the issuing request in its thread (Django, DRF, the database) "
            f"{prof.get('request')}%, the rest (event loop, keep-alive pings) {prof.get('other')}%"
            if prof
            else ""
        )
        + ". On this 2-core machine the client processes need the other core, so every millisecond of server "
        "CPU is a millisecond for the last dashboard; the issuing request shares the process (its answer leaves "
        f"{_f(s['pub_before_answer_ms'])} ms after the commit at N={n}).\n"
    )
    two = fan["layouts"].get("two", {}).get("sizes", {}).get(n)
    if two:
        out.append(
            f"Two web processes: the warning's last client {_f(two['alert']['last_median'], 1)} ms, own assignment "
            f"{_f(two['assignment']['last_median'], 1)} ms, CPU {_f(two['cpu_ms'])} ms per issue for both processes. "
            "Each process carries half the sockets and both listeners deliver every event, so the layout scales "
            "out; it is not faster here because two cores are shared by two web processes, two client processes, "
            "PostgreSQL and Redis.\n"
        )
    return out


def _api(api, v) -> list[str]:
    if not api:
        return []
    e = api["endpoints"]
    heavy = {k: x for k, x in e.items() if k not in ("trivial", "trivial_view")}
    worst = max(heavy, key=lambda k: heavy[k]["p99"] or 0)
    total_rps = sum(x["rps"] for x in heavy.values())
    view, floor = e.get("trivial_view", {}), e["trivial"]
    out = ["### API\n"]
    out.append(
        f"{api['users']} users with no think time keep the server saturated (its processes used "
        f"{api.get('server_cpu_share', '?')} cores), serving {total_rps:.0f} dashboard requests a second, so every "
        "p50 is mostly time waiting for a pool thread and p99 is that queue's tail. Worst p99: "
        f"{worst}, {_f(heavy[worst]['p99'])} ms: {_f(v['api'][0], 2)}× the trivial JSON view's "
        f"({_f(view.get('p99'))} ms)" + (", within the target" if v["api"][1] else ", over the target")
        + f", and {_f(v['api_floor'][0], 2)}× the event loop's floor ({_f(floor['p99'])} ms). Errors: "
        f"{api['errors']}.\n"
    )
    out.append(
        "**Which baseline.** The issue's baseline is *a trivial JSON view on the same server*: a Django view, "
        "`bench/settings.py`, through the same middleware, thread pool and queue as the dashboards' views, so "
        "the ratio says what the dashboards' own work adds under the same load. The first run (and this one, "
        "for reference) also measured a ten-line ASGI app outside Django, answered on the event loop while the "
        "pool threads hold the GIL: the floor of the server, not of a view. Against that floor the endpoints "
        "wait in the pool's queue and it does not, so the ratio is the queue length, about users ÷ throughput: "
        "it falls only as the CPU per request falls.\n"
    )
    spread = api.get("spread") or {}
    if spread:
        out.append(
            "**The endpoints' tail is the split between the two processes.** locust's 50 keep-alive connections "
            "stay on the process that accepted them, and each process serves its own queue: the endpoints' times "
            f"run from p10 {spread.get('p10')} ms to p90 {spread.get('p90')} ms (all dashboard requests pooled), "
            "one queue longer than the other rather than slow requests (a single process gave p50 ~700 ms, p99 "
            "~1.3–1.6 s: the same tail ratio at half the throughput).\n"
        )
    prof = (api.get("profile") or {}).get("buckets") or {}
    if prof:
        out.append(
            "Where the CPU goes (a second run under the same load, py-spy `--gil --subprocesses`, only the thread "
            f"holding the GIL sampled): the ORM building queries and model instances {prof.get('orm')}%, DRF "
            f"serializers {prof.get('serializers')}%, sessions and auth {prof.get('sessions_auth')}%, templates "
            f"{prof.get('templates')}%, other Django/DRF code {prof.get('django_other')}%, psycopg2 "
            f"{prof.get('database')}%, uvicorn and the event loop {prof.get('event_loop')}%, the rest "
            f"{prof.get('other')}%.\n"
        )
    out.append(
        "**The floor ratio moves with the pool size.** The event loop's p99 is set by how many pool threads "
        "compete with it for the GIL: with `WEB_THREADS=4` instead of 8 the same load gave the same throughput "
        "and a floor p99 of ~70 ms (a 20 s run during this work, `WEB_THREADS=4 python -m bench api "
        "--api-seconds 20 --no-profile`). The first run served about 46 dashboard requests a second on one "
        "process, p50 ~1.2 s; see the table of changes above for what brought it here.\n"
    )
    return out


def _issuing(iss) -> list[str]:
    if not iss:
        return []
    return [
        "### Issuing\n",
        f"{_f(iss['ratio'], 2)}× the raw insert with {iss['sizes'][max(iss['sizes'], key=int)]['queries'][0]} "
        "queries at every roster size. What the platform adds over `execute_values` is Python: building 6,000 "
        "model instances and their payloads, Django's `bulk_create` (one statement per table, with `RETURNING id`), "
        "the foreign-key checks the scratch tables do not have, serialising every event twice after the commit "
        "(`wire_text`, then the Redis chunk) and the publish itself.\n",
    ]


def _memory(mem) -> list[str]:
    if not mem or "platform" not in mem:
        return []
    p, b = mem["platform"], mem.get("baseline", {})
    return [
        "### Memory\n",
        f"{p['per_connection_kib']} KiB per dashboard ({p['per_connection_after_round_kib']} after a round) against "
        f"{b.get('per_connection_kib', '–')} KiB for the plain server: each dashboard also holds a Channels consumer "
        "instance and its scope (session, user), a `Subscriber` with its frame queue, and uvicorn's protocol "
        "object. Accepting them is the slow part: "
        f"{p['connect_seconds']} s for 1,000 (the plain server: {b.get('connect_seconds', '–')} s), because every "
        "handshake reads the session, the user and its groups, and registers with the hub, in "
        "`database_sync_to_async`'s single thread. After a restart every dashboard reconnects at once; jittered "
        "backoff in `dashboard.js` spreads that.\n",
    ]
