"""The note under the tables: what bounds each figure, and what would change it.

The figures in the text come from this run's results; the "tried in a scratch copy" table
is the one thing written by hand (``SCRATCH``), from runs of ``python -m bench fanout
--sizes 1000 --no-two --no-profile`` on a copy of the tree with ``events/hub.py`` changed,
during the work on issue 7. Those changes are not in the platform.
"""

from __future__ import annotations

# (variant, what changed, CPU per issue ms (fan-out part), own-assignment last ms, warning last ms,
#  baseline last ms in that run, frames per dashboard per issue). Medians of two runs each, N=1000,
#  one web process, machine shared with other test runs (1-min load 2-5).
SCRATCH_DATE = "2026-11-28"
SCRATCH: list[tuple] = [
    ("as is", "—", 279, 225, 251.0, 73.5, 35.8, "4.7"),
    (
        "A",
        "`Subscriber._write` calls the server's `send` directly (no Channels wrappers)",
        219,
        160,
        182.5,
        59.4,
        30.3,
        "4.7",
    ),
    (
        "B",
        "`Subscriber._write` sends what is queued as one frame (JSON array)",
        229,
        165,
        187.6,
        64.7,
        32.7,
        "2 (warning, then the rest)",
    ),
    (
        "B + C",
        "… and one publish per transaction (`events_record` buffered, one `on_commit`)",
        141,
        82,
        80.5,
        80.5,
        25.8,
        "1",
    ),
    ("A + B + C", "all three", 138, 88, 77.6, 77.6, 27.2, "1"),
    ("B′ + C", "one frame per socket written synchronously from the hub's dispatch", 140, 83, 71.1, 71.1, 27.4, "1"),
    ("as is, D", "uvicorn `--ws-per-message-deflate false`", 214, 153, 152.2, 43.5, 27.2, "4.7"),
    ("B + C + D", "one frame per commit, no deflate (one run)", 102, 38, 45.8, 45.8, 26.6, "1"),
    ("B′ + C + D", "the same, written synchronously", 85, 25, 34.7, 34.7, 20.6, "1"),
]


def _f(x, nd=0):
    return "–" if x is None else f"{x:.{nd}f}"


def text(fan, iss, api, mem, v) -> str:
    out = ["## What bounds the figures, and what would change them\n"]
    out += _fanout(fan, v)
    out += _api(api, v)
    out += _issuing(iss)
    out += _memory(mem)
    return "\n".join(out)


def _fanout(fan, v) -> list[str]:
    if not fan or "one" not in fan["layouts"] or "baseline" not in fan["layouts"]:
        return []
    n = str(max(fan["sizes"]))
    one = fan["layouts"]["one"]
    s, fixed = one["sizes"][n], one["fixed"]
    base = fan["layouts"]["baseline"]["sizes"][n]
    frames = 1 + 1 + 148 / 54  # alert.issued, response.opened, the unit's level-I assignments
    fan_cpu = s["cpu_ms"] - fixed["cpu_ms"]
    per_frame = fan_cpu * 1000 / (int(n) * frames)
    base_per_frame = base["cpu_ms"] * 1000 / int(n)
    prof = (fan.get("profile") or {}).get("buckets") or {}
    out = ["### Fan-out\n"]
    met = [k for k in ("alert", "assignment", "cpu") if k in v and v[k][1]]
    missed = [k for k in ("alert", "assignment", "cpu") if k in v and not v[k][1]]
    out.append(
        f"At N={n} with one web process the warning reached the last dashboard {_f(s['alert']['last_median'], 1)} ms "
        f"after the commit against {_f(base['alert']['last_median'], 1)} ms for the plain server "
        f"({_f(v['alert'][0], 2)}×), its own assignment {_f(s['assignment']['last_median'], 1)} ms "
        f"({_f(v['assignment'][0], 2)}×), and the fan-out cost {_f(fan_cpu)} ms of server CPU per issue against "
        f"{_f(base['cpu_ms'])} ms ({_f(v['cpu'][0], 2)}×). "
        + (f"Met: {', '.join(met)}. " if met else "")
        + (f"Missed: {', '.join(missed)}." if missed else "")
        + "\n"
    )
    out.append(
        "**What bounds it: the number of WebSocket frames, not the listener.** The listener design works: one Redis "
        "message per commit, one JSON parse, and a dict lookup per unit"
        + (
            f" — the hub itself is {prof.get('hub', '?')}% of the web process's samples in the profile above"
            if prof
            else ""
        )
        + f". But an issue sends each unit member about {frames:.1f} frames (`alert.issued`, `response.opened` and "
        "~2.7 `assignment.created`), each through Channels' consumer `send`, its session wrapper, uvicorn's "
        "`websocket.send` (per-frame permessage-deflate and one `transport.write` system call each) — where the "
        "baseline writes one frame per socket with `websockets.broadcast`. Per frame the platform spends about "
        f"{per_frame:.0f} µs of CPU against the baseline's {base_per_frame:.0f} µs"
        + (
            f"; the profile splits the web process's time as: permessage-deflate {prof.get('deflate')}%, the rest "
            f"of uvicorn's send (framing, socket writes) {prof.get('socket_send')}%, Channels' send wrappers and the "
            f"per-socket writer task {prof.get('channels_send')}%, the hub {prof.get('hub')}%, the issuing request "
            f"itself (Django, DRF, the database, in its thread) {prof.get('request')}%, the rest (event loop, "
            f"HTTP, keep-alive pings) {prof.get('other')}%"
            if prof
            else ""
        )
        + ". On this 2-core machine the client processes need the other core, so every millisecond of server CPU "
        "is a millisecond of latency for the last dashboard: the own-assignment time tracks the server's CPU per "
        "issue, and the warning's tracks the first wave of ~N frames plus what the request thread takes from "
        "the event loop (the issuing request shares the process and the GIL; its answer leaves "
        f"{_f(s['pub_before_answer_ms'])} ms after the commit at N={n}).\n"
    )
    two = fan["layouts"].get("two", {}).get("sizes", {}).get(n)
    if two:
        out.append(
            f"Two web processes: the warning's last client {_f(two['alert']['last_median'], 1)} ms, own assignment "
            f"{_f(two['assignment']['last_median'], 1)} ms, CPU {_f(two['cpu_ms'])} ms per issue for both processes. "
            "Each process carries half the sockets and both listeners work (nothing was missed), so the layout "
            "scales out; it cannot go faster here because two cores are shared by two web processes, two client "
            "processes, PostgreSQL and Redis. On a machine with a core per web process the per-process fan-out "
            "halves.\n"
        )
    out.append(
        "**Recommended changes** (platform code, not made here; the measured effect of each is in the table "
        "below):\n\n"
        "- **C. One publish per transaction** — `events/services.py`, `events_record`. An issue calls it three "
        "times (the warning, the response, the assignments), so the commit runs three `on_commit` publishes and "
        "every listener dispatches three batches. Buffer the events recorded in the outermost transaction and "
        "register a single `on_commit` that publishes them together (tag each call's events with "
        "`connection.savepoint_ids` and leave out those whose savepoint was rolled back, as Django does for "
        "the callbacks themselves). A 2 ms merge window in `Hub._pump` instead did the same only when the "
        "three publishes happened to land within it (one run in two under load).\n"
        "- **B. One frame per socket per batch** — `events/hub.py`, `Subscriber._write`: after `await "
        "queue.get()`, take whatever else is already queued (`get_nowait` until empty) and send it as one text "
        "frame, a JSON array; `static/js/dashboard.js`, `socket.onmessage`: `const data = "
        "JSON.parse(message.data); for (const event of Array.isArray(data) ? data : [data]) {…}`. Same events, "
        "same order; the realtime tests that read frames must accept arrays. With C, a dashboard gets one frame "
        "per issue instead of ~4.7, and its own assignment arrives with the warning.\n"
        "- **D. No per-message deflate on the dashboard socket** — `Procfile`: `uvicorn … "
        "--ws-per-message-deflate false` (README's production layout too). Deflate is "
        f"{prof.get('deflate', '~20')}% of the fan-out today and most of it once frames are merged (~2 KB, with "
        "Chinese text, compressed once per socket); on an intranet the bytes saved are not worth it. (The "
        "baseline kept `websockets`' default, compression on.)\n"
        "- **A. Skip Channels' per-frame wrappers** — `Subscriber._write` sends through "
        "`AsyncWebsocketConsumer.send` → `AsyncConsumer.send` → `InstanceSessionWrapper.send` (which touches the "
        "lazy session on every frame) → uvicorn. Keeping the server's own `send` (e.g. a small ASGI middleware "
        'in `command_center/asgi.py` that stores it in the scope) and calling it with `{"type": '
        '"websocket.send", "text": …}` saved about a quarter of the fan-out CPU with today\'s ~4.7 frames, '
        "little once there is one frame.\n\n"
        "With B + C + D the fan-out part came to about 1.2–1.7× the baseline's CPU and the own assignment to "
        "about 1.7× the baseline's last client: within the CPU (3×) and assignment (2×) targets. The warning "
        "then rides in the same frame, ~1.7×, over its 1.5×; as is, with D alone, the warning (sent "
        "first, alone) was 1.6×. Meeting 1.5× for the warning on this machine also needs the frame written "
        "with less per-socket work than an ASGI `send` (B′: from the hub's dispatch loop, the way "
        "`websockets.broadcast` does it, falling back to the queue when a socket is not writable), which "
        "is uvicorn-specific.\n"
    )
    if SCRATCH:
        rows = [
            f"| {name} | {what} | {_f(cpu)} ({_f(part)}) | {_f(asg, 1)} | {_f(alert, 1)} | {_f(base, 1)} | {frames_} |"
            for name, what, cpu, part, asg, alert, base, frames_ in SCRATCH
        ]
        out.append(
            f"Tried in a scratch copy under /tmp ({SCRATCH_DATE}; `python -m bench fanout --sizes 1000 --no-two "
            "--no-profile`, one web process, N=1000, median of two runs each, while other test suites shared the "
            "machine — read the CPU column first, the latencies are noisier):\n\n"
            "| variant | change | server CPU ms per issue (fan-out part) | own assignment last ms "
            "| warning last ms | baseline last ms | frames per dashboard |\n|---|---|---|---|---|---|---|\n"
            + "\n".join(rows)
            + "\n"
        )
    return out


def _api(api, v) -> list[str]:
    if not api:
        return []
    e = api["endpoints"]
    heavy = {k: x for k, x in e.items() if k != "trivial"}
    worst = max(heavy, key=lambda k: heavy[k]["p99"] or 0)
    total_rps = sum(x["rps"] for x in heavy.values())
    out = ["### API\n"]
    out.append(
        f"The server was saturated: {api['users']} users with no think time against one process kept it at "
        f"{api.get('server_cpu_share', '?')} of a core, serving {total_rps:.0f} dashboard requests a second, so "
        "every p50 is mostly time in the queue and p99 is the queue's tail; the trivial view's own p99 "
        f"({_f(e['trivial']['p99'])} ms) is the same queue seen from the event loop, which has to win the GIL back "
        "from up to 50 request threads (Django runs each synchronous request in a thread of its own under ASGI). "
        f"Worst p99: {worst}, {_f(heavy[worst]['p99'])} ms, {_f(v['api'][0], 2)}× the trivial view's"
        + (", within the target." if v["api"][1] else ", over the target.")
        + f" Errors: {api['errors']}.\n"
    )
    prof = (api.get("profile") or {}).get("buckets") or {}
    if prof:
        out.append(
            "Where that CPU goes: the profile (a second run under the same load, py-spy `--gil`, so only the "
            "thread holding the GIL is sampled) gives the ORM building queries and model instances "
            f"{prof.get('orm')}%, other Django/DRF/asgiref code (middleware, request handling) "
            f"{prof.get('django_other')}%, DRF serializers {prof.get('serializers')}%, templates "
            f"{prof.get('templates')}%, psycopg2 calls {prof.get('database')}%, sessions and auth "
            f"{prof.get('sessions_auth')}%, uvicorn and the event loop {prof.get('event_loop')}%, the rest "
            f"{prof.get('other')}%.\n"
        )
    out.append(
        "The queries themselves are fast (well under a millisecond each, `EXPLAIN ANALYZE`); a request costs "
        "CPU in Django and round trips. Measured in-process, one request at a time, during this work: the current warning ~5 ms of CPU a request, the office "
        "grid ~16 ms (the template over 54 units), the unfiltered `/api/assignments/` ~50 ms with a full page of 100 "
        f"assignments (this run's page held {e.get('assignments_all', {}).get('items', '?')}; it grows with the "
        "unit's history up to the page size), each request also opening a new PostgreSQL connection (`CONN_MAX_AGE=0`) and saving the "
        "session (`SESSION_SAVE_EVERY_REQUEST`). **Do not** set `DB_CONN_MAX_AGE` under uvicorn to save the "
        "connection: each request runs in a new thread, each thread keeps its own connection, and PostgreSQL runs "
        "out of connections — tried with `DB_CONN_MAX_AGE=60`: 702 of 2,400 requests answered 503 in 30 s.\n"
    )
    out.append(
        "Recommended: (a) cache the office grid and the unit fragment per last event id and minute (they are the "
        "same for every viewer of a unit between two events, but for the overdue marks, which move with the "
        "clock; `events/views.py`), which also tames the burst that follows "
        "every warning, when each open dashboard re-fetches its fragment 100 ms after the event "
        "(`static/js/dashboard.js`, `scheduleRefresh`) — 1,000 unit screens × the unit fragment's cost on one "
        "process; (b) run as many web processes as cores (the Procfile's `--workers`); (c) connection pooling needs "
        "psycopg 3 (Django 5.1+'s `OPTIONS={'pool': …}`), not `CONN_MAX_AGE`.\n"
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
        "instance and its scope (session, user), a `Subscriber` with its `asyncio.Queue` and writer task, and "
        "uvicorn's protocol object. 1,000 dashboards fit in well under 100 MiB per process. Accepting them is the "
        f"slow part: {p['connect_seconds']} s for 1,000 (the plain server: {b.get('connect_seconds', '–')} s), "
        "because every handshake makes three or four database round trips (session, user, its groups, the "
        "replay), each in `database_sync_to_async`'s single thread and each on a new connection. After a restart "
        "every dashboard reconnects at once; jittered backoff in `dashboard.js` spreads that.\n",
    ]
