"""Benchmark 1: fan-out of a red warning to N authenticated dashboards, against a plain-websockets floor.

Layouts, all in one run with the same client processes:
- ``one``: one uvicorn process (``command_center.asgi:application``), a Celery worker beside it;
- ``two``: two uvicorn processes on two ports sharing Redis, the clients split between them;
- ``baseline``: ``bench.baseline_server`` broadcasting one message of the same size.

Each round: the clients arm, a leader's token POSTs a red warning to ``/api/alerts/``, and
every client records when (a) ``alert.issued`` and (b) its own first ``assignment.created``
arrived; then the warning is lifted through ``/api/alerts/<id>/lift/`` and the clients wait
for ``alert.lifted``. Times are taken from the API's answer (``t_ans``); the time the batch
appeared on Redis (``t_pub``, seen by a subscriber in this process) is kept as well.
"""

from __future__ import annotations

import os
import threading
import time

from bench import seed
from bench.clients import SCREEN, ClientPool
from bench.common import (
    PY,
    Stack,
    celery_argv,
    cpu_seconds,
    free_port,
    loadavg,
    log,
    mean,
    median,
    ms,
    percentile,
    save_result,
    uvicorn_argv,
    wait_port,
)

# BENCH_PLAIN_TASKS=1: the hub's socket writes as plain asyncio tasks (bench/asgi_plain.py), for the A/B
# of events.hub.run_eagerly.
ASGI_APP = "bench.asgi_plain:application" if os.environ.get("BENCH_PLAIN_TASKS") == "1" else "command_center.asgi:application"
PROFILE_ROUNDS = 5


class PubWatcher:
    """Notes when each batch of events is published on the bench's Redis channel (≈ the commit)."""

    def __init__(self, redis_url: str, channel: str):
        import redis

        self.client = redis.Redis.from_url(redis_url)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(channel)
        self.times: list[float] = []
        self._mark = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            message = self.pubsub.get_message(timeout=0.2)
            if message is not None:
                self.times.append(time.time())

    def mark(self):
        self._mark = len(self.times)

    def first_since_mark(self, wait: float = 2.0) -> float | None:
        deadline = time.monotonic() + wait
        while len(self.times) <= self._mark and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.times[self._mark] if len(self.times) > self._mark else None

    def stop(self):
        self._stop.set()
        self.thread.join(2)
        self.pubsub.close()
        self.client.close()


def quiesce(pids: list[int], step: float = 0.05, limit: float = 10.0) -> float:
    """Wait until the servers are idle again (no CPU tick in two windows of ``step``); return their CPU time."""
    deadline = time.monotonic() + limit
    last = sum(cpu_seconds(p) for p in pids)
    idle = 0
    while time.monotonic() < deadline:
        time.sleep(step)
        now = sum(cpu_seconds(p) for p in pids)
        idle = idle + 1 if now == last else 0
        if idle == 2:
            return now
        last = now
    return last


def summarise(rounds: list[dict], key: str) -> dict:
    """Pooled per-client percentiles and the last client, over the measured rounds."""
    samples = [x for r in rounds for x in r[key]]
    lasts = [max(r[key]) for r in rounds if r[key]]
    out = {
        "samples": len(samples),
        "p50": ms(percentile(samples, 50)) if samples else None,
        "p95": ms(percentile(samples, 95)) if samples else None,
        "p99": ms(percentile(samples, 99)) if samples else None,
        "last_median": ms(median(lasts)) if lasts else None,
        "last_max": ms(max(lasts)) if lasts else None,
        "last_per_round": [ms(x) for x in lasts],
    }
    return out


class Platform:
    """uvicorn process(es) with the project's ASGI app, a Celery worker, and the API client for issuing."""

    def __init__(self, stack: Stack, ports: list[int], token: str, app: str = ASGI_APP, worker: bool = True):
        import httpx

        self.ports = ports
        self.servers = [
            stack.start(f"uvicorn-{len(ports)}p-{i}", uvicorn_argv(app, port)) for i, port in enumerate(ports)
        ]
        self.worker = stack.start("celery-worker", celery_argv()) if worker else None
        for proc, port in zip(self.servers, ports, strict=True):
            wait_port(port, proc)
        self.http = httpx.Client(
            base_url=f"http://127.0.0.1:{ports[0]}", headers={"Authorization": f"Token {token}"}, timeout=120
        )
        # Load Django's URLconf, templates and the hub in every server before measuring.
        for port in ports:
            httpx.get(f"http://127.0.0.1:{port}/api/alerts/?status=issued", headers=self.http.headers, timeout=60)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.servers]

    @property
    def commands(self) -> list[str]:
        return [p.command for p in self.servers] + ([self.worker.command] if self.worker else [])

    def issue(self) -> tuple[int, float, float]:
        t_req = time.time()
        r = self.http.post("/api/alerts/", json={"level": "red", "reason": "bench: fan-out round"})
        t_ans = time.time()
        if r.status_code != 201:
            raise RuntimeError(f"issuing answered {r.status_code}: {r.text[:300]}")
        return r.json()["id"], t_req, t_ans

    def lift(self, alert_id: int) -> tuple[float, float]:
        t_req = time.time()
        r = self.http.post(f"/api/alerts/{alert_id}/lift/", json={"reason": "bench: round over"})
        t_ans = time.time()
        if r.status_code != 200:
            raise RuntimeError(f"lifting answered {r.status_code}: {r.text[:300]}")
        return t_req, t_ans

    def close(self):
        self.http.close()


def dashboard_specs(keys: list[str], ports: list[int], start: int, stop: int, processes: int, after: int):
    specs = []
    for i in range(start, stop):
        port = ports[(i // processes) % len(ports)]
        headers = {"Cookie": f"sessionid={keys[i]}", "Origin": f"http://127.0.0.1:{port}"}
        # As the unit page opens it: its screen's live part rides in the frames (events.screens).
        specs.append((i, f"ws://127.0.0.1:{port}/ws/dashboard/?screen=unit&lang=zh-hans&after={after}", headers))
    return specs


def spread(marks: list[dict], key: str) -> float | None:
    """First-to-last socket: from the first client's arrival of ``key`` to the last's (seconds)."""
    times = [m[key] for m in marks if key in m]
    return max(times) - min(times) if times else None


def platform_round(platform: Platform, pool: ClientPool, watcher: PubWatcher, expected: int) -> dict:
    armed = pool.arm(["alert.issued", "assignment.created", SCREEN])
    cpu0 = sum(cpu_seconds(p) for p in platform.pids)
    watcher.mark()
    alert_id, t_req, t_ans = platform.issue()
    marks, sizes, missing = pool.collect(timeout=60)
    t_pub = watcher.first_since_mark() or t_ans
    cpu1 = quiesce(platform.pids)
    issued = {
        "armed": armed,
        "missing": missing,
        "t_req": t_req,
        "t_ans": t_ans,
        "t_pub": t_pub,
        "api_ms": ms(t_ans - t_req),
        "cpu_ms": ms(cpu1 - cpu0),
        # From the commit, as seen on Redis (the primary figure), and from the API's answer.
        "alert": [round(m["alert.issued"] - t_pub, 5) for m in marks if "alert.issued" in m],
        "assignment": [round(m["assignment.created"] - t_pub, 5) for m in marks if "assignment.created" in m],
        "alert_from_answer": [round(m["alert.issued"] - t_ans, 5) for m in marks if "alert.issued" in m],
        "assignment_from_answer": [
            round(m["assignment.created"] - t_ans, 5) for m in marks if "assignment.created" in m
        ],
        # Issue 13 §1, from the click (the API request leaving): the client's last frame of the batch,
        # and its screen current (the frame with its rendered live part, or a fetch's answer).
        "frame_click": [
            round(max(m[k] for k in ("alert.issued", "assignment.created") if k in m) - t_req, 5)
            for m in marks if "alert.issued" in m or "assignment.created" in m
        ],
        "screen_click": [round(m[SCREEN] - t_req, 5) for m in marks if SCREEN in m],
        "spread": spread(marks, "alert.issued"),
        "fetches": sizes.pop("fetches", 0),
        "sizes": sizes,
    }
    if expected and (armed != expected or missing):
        log(f"  warning: {armed} armed of {expected}, {missing} missed a message")
    pool.arm(["alert.lifted", SCREEN] if expected else ["alert.lifted"])
    cpu0 = sum(cpu_seconds(p) for p in platform.pids)
    t_req, t_ans = platform.lift(alert_id)
    marks, _, missing = pool.collect(timeout=60)
    cpu1 = quiesce(platform.pids)
    issued["lift"] = {
        "api_ms": ms(t_ans - t_req),
        "cpu_ms": ms(cpu1 - cpu0),
        "missing": missing,
        "alert": [round(m["alert.lifted"] - t_ans, 5) for m in marks if "alert.lifted" in m],
    }
    return issued


def run_platform(
    pool: ClientPool, ports: list[int], sizes, rounds: int, keys, token, label: str, profile: bool = False
) -> dict:
    from bench.common import bench_env

    env = bench_env()
    out = {"label": label, "ports": ports, "sizes": {}}
    with Stack() as stack:
        log(f"fan-out [{label}]: starting {len(ports)} uvicorn process(es) and a Celery worker")
        platform = Platform(stack, ports, token)
        out["commands"] = platform.commands
        watcher = PubWatcher(env["REDIS_URL"], env["EVENTS_REDIS_CHANNEL"])
        try:
            # The fixed cost of an issue with nobody listening: the API request, the database, the publish.
            fixed = [platform_round(platform, pool, watcher, 0) for _ in range(rounds + 1)][1:]
            out["fixed"] = {
                "cpu_ms": round(mean([r["cpu_ms"] for r in fixed]), 2),
                "api_ms": median([r["api_ms"] for r in fixed]),
                "lift_cpu_ms": round(mean([r["lift"]["cpu_ms"] for r in fixed]), 2),
            }
            connected = 0
            for n in sizes:
                after = seed.latest_event_id()
                seed.close_db()
                ok, errors, took = pool.connect(dashboard_specs(keys, ports, connected, n, len(pool.pipes), after))
                connected += ok
                open_now = pool.count_open()
                log(f"fan-out [{label}] N={n}: {open_now} dashboards open ({ok} new in {took:.1f}s)")
                if errors or open_now != n:
                    raise RuntimeError(f"only {open_now} of {n} dashboards connected: {errors}")
                platform_round(platform, pool, watcher, n)  # warm-up at this N, not counted
                measured = [platform_round(platform, pool, watcher, n) for _ in range(rounds)]
                res = {
                    "rounds": len(measured),
                    "missing": sum(r["missing"] for r in measured),
                    "alert": summarise(measured, "alert"),
                    "assignment": summarise(measured, "assignment"),
                    "alert_from_answer": summarise(measured, "alert_from_answer"),
                    "assignment_from_answer": summarise(measured, "assignment_from_answer"),
                    "lift_alert": summarise([r["lift"] for r in measured], "alert"),
                    "frame_click": summarise(measured, "frame_click"),
                    "screen_click": summarise(measured, "screen_click"),
                    "spread_ms": median([ms(r["spread"]) for r in measured if r["spread"] is not None]),
                    "spread_per_round": [ms(r["spread"]) for r in measured if r["spread"] is not None],
                    "fetches": sum(r["fetches"] for r in measured),
                    "screens": sum(len(r["screen_click"]) for r in measured),
                    "api_ms": median([r["api_ms"] for r in measured]),
                    "pub_before_answer_ms": median([ms(r["t_ans"] - r["t_pub"]) for r in measured if r["t_pub"]]),
                    "cpu_ms": round(mean([r["cpu_ms"] for r in measured]), 2),
                    "lift_cpu_ms": round(mean([r["lift"]["cpu_ms"] for r in measured]), 2),
                    "sizes": measured[-1]["sizes"],
                    "raw_alert": measured[-1]["alert"] if n == max(sizes) else [],
                    "raw_assignment": measured[-1]["assignment"] if n == max(sizes) else [],
                }
                out["sizes"][str(n)] = res
                log(
                    f"fan-out [{label}] N={n}: last client alert {res['alert']['last_median']} ms, "
                    f"own assignment {res['assignment']['last_median']} ms, CPU {res['cpu_ms']} ms/issue; "
                    f"from the click: last frame {res['frame_click']['last_median']} ms, last screen "
                    f"{res['screen_click']['last_median']} ms ({res['fetches']} fetches), API {res['api_ms']} ms, "
                    f"spread {res['spread_ms']} ms"
                )
            if profile:
                # Extra rounds, not counted, with py-spy sampling the (first) web process.
                from bench.profile import record

                recording = record(stack, platform.pids[0], 120, "fanout")
                if recording is not None:
                    time.sleep(1.0)
                    for _ in range(PROFILE_ROUNDS):
                        platform_round(platform, pool, watcher, max(sizes))
                    recording.stop()
                    out["profile"] = recording.summary() | {"rounds": PROFILE_ROUNDS}
        finally:
            watcher.stop()
            platform.close()
            pool.close_all()
    return out


BASELINE_CHANNEL = "bench:baseline"


def run_baseline(pool: ClientPool, sizes, rounds: int, text: str) -> dict:
    import redis

    from bench.common import bench_env

    env = bench_env()
    port = free_port()
    out = {"label": "baseline", "sizes": {}, "message_bytes": len(text.encode())}
    with Stack() as stack:
        server = stack.start(
            "baseline-server", [PY, "-m", "bench.baseline_server", str(port), env["REDIS_URL"], BASELINE_CHANNEL]
        )
        out["commands"] = [server.command]
        wait_port(port, server)
        publisher = redis.Redis.from_url(env["REDIS_URL"])
        watcher = PubWatcher(env["REDIS_URL"], BASELINE_CHANNEL)
        try:

            def one_round() -> dict:
                armed = pool.arm(["alert.issued"])
                cpu0 = cpu_seconds(server.pid)
                watcher.mark()
                publisher.publish(BASELINE_CHANNEL, text)
                marks, sizes, missing = pool.collect(timeout=60)
                t_pub = watcher.first_since_mark()
                cpu1 = quiesce([server.pid])
                sizes.pop("fetches", None)
                return {
                    "armed": armed,
                    "missing": missing,
                    "cpu_ms": ms(cpu1 - cpu0),
                    "alert": [round(m["alert.issued"] - t_pub, 5) for m in marks if "alert.issued" in m],
                    "spread": spread(marks, "alert.issued"),
                    "sizes": sizes,
                }

            connected = 0
            for n in sizes:
                specs = [
                    (i, f"ws://127.0.0.1:{port}/", {"Origin": f"http://127.0.0.1:{port}"}) for i in range(connected, n)
                ]
                ok, errors, took = pool.connect(specs)
                connected += ok
                if errors or pool.count_open() != n:
                    raise RuntimeError(f"baseline: only {connected} of {n} connected: {errors}")
                one_round()
                measured = [one_round() for _ in range(rounds)]
                res = {
                    "rounds": len(measured),
                    "missing": sum(r["missing"] for r in measured),
                    "alert": summarise(measured, "alert"),
                    "spread_ms": median([ms(r["spread"]) for r in measured if r["spread"] is not None]),
                    "spread_per_round": [ms(r["spread"]) for r in measured if r["spread"] is not None],
                    "cpu_ms": round(mean([r["cpu_ms"] for r in measured]), 2),
                    "sizes": measured[-1]["sizes"],
                    "raw_alert": measured[-1]["alert"] if n == max(sizes) else [],
                }
                out["sizes"][str(n)] = res
                log(
                    f"fan-out [baseline] N={n}: last client {res['alert']['last_median']} ms, "
                    f"spread {res['spread_ms']} ms, CPU {res['cpu_ms']} ms"
                )
        finally:
            watcher.stop()
            publisher.close()
            pool.close_all()
    return out


def alert_text() -> str:
    """The exact text dashboards received for the last red warning: the baseline broadcasts a copy."""
    from events.models import Event
    from events.push import wire_text

    event = Event.objects.filter(type="alert.issued").order_by("-id").first()
    return wire_text(event)


def run(
    sizes=(100, 500, 1000), rounds: int = 10, client_procs: int = 2, two: bool = True, profile: bool = True
) -> dict:
    seed.ensure_database()
    seed.django_init()
    seed.lift_all()
    users = seed.unit_users(max(sizes))
    keys = seed.sessions_for(users)
    token = seed.token_for(seed.leader())
    seed.close_db()
    load_before = loadavg()
    started = time.monotonic()
    pool = ClientPool(client_procs)
    result = {"sizes": list(sizes), "rounds": rounds, "client_procs": client_procs, "layouts": {}}
    try:
        result["layouts"]["one"] = run_platform(
            pool, [free_port()], sizes, rounds, keys, token, "one web process", profile=profile
        )
        if two:
            result["layouts"]["two"] = run_platform(
                pool, [free_port(), free_port()], sizes, rounds, keys, token, "two web processes"
            )
        text = alert_text()
        seed.close_db()
        result["alert_text_bytes"] = len(text.encode())
        result["layouts"]["baseline"] = run_baseline(pool, sizes, rounds, text)
    finally:
        pool.stop()
    result["seconds"] = round(time.monotonic() - started, 1)
    result["profile"] = result["layouts"]["one"].pop("profile", None)
    result["load"] = [load_before, loadavg()]
    save_result("fanout", result)
    return result
