"""Benchmark 3: the dashboards' reads under load, against a trivial JSON view on the same server
(a Django view through the same middleware and thread pool, ``bench/settings.py``), and the
event loop's floor (``bench/asgi.py``) for reference.

uvicorn runs ``bench.asgi:application`` as the Procfile deploys the web server (two worker
processes, one per core; the project's ASGI app, plus
``/bench/trivial/``). A red warning is put in force first, so the grid, the assignments
and the current warning have something to show. Then locust (headless, 50 users, no
think time) runs for ``seconds`` with the four requests mixed in the same run
(``bench/locustfile.py``), and the warning is lifted.
"""

from __future__ import annotations

import json
import os
import time

from bench import seed
from bench.common import (
    OUT,
    PY,
    ROOT,
    Stack,
    bench_env,
    free_port,
    loadavg,
    log,
    percentile,
    save_result,
    tree_cpu_seconds,
    uvicorn_argv,
    wait_port,
)

USERS = 50
# The trivial JSON view (the target's baseline) and the event loop's floor (for reference).
BASELINES = ("trivial_view", "trivial")
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "2"))  # as the Procfile deploys the web server: one per core
PROFILE_SECONDS = 15


def _locust(stack: Stack, port: int, users: int, seconds: int, env: dict, name: str) -> list[str]:
    argv = [
        PY, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
        "--only-summary", "--stop-timeout", "5", "--exit-code-on-error", "0",
    ]  # fmt: skip
    proc = stack.start(name, argv, env=env)
    proc.popen.wait(seconds + 60)
    return argv


def run(seconds: int = 60, users: int = USERS, profile: bool = False) -> dict:
    import httpx

    seed.ensure_database()
    seed.django_init()
    seed.lift_all()
    unit_users = seed.unit_users(users)
    unit_keys = seed.sessions_for(unit_users)
    office_key = seed.sessions_for([seed.office()])[0]
    token = seed.token_for(seed.leader())
    seed.close_db()
    sessions_file = OUT / "locust-sessions.json"
    sessions_file.write_text(json.dumps({"units": unit_keys, "office": office_key}))
    out_file = OUT / "locust-times.json"
    out_file.unlink(missing_ok=True)
    port = free_port()
    result = {"users": users, "seconds": seconds, "load": [loadavg()]}
    with Stack() as stack:
        server = stack.start(
            "uvicorn-api",
            uvicorn_argv("bench.asgi:application", port, workers=WORKERS),
            env=bench_env() | {"DJANGO_SETTINGS_MODULE": "bench.settings"},
        )
        wait_port(port, server)
        api = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Token {token}"}, timeout=60)
        answer = api.post("/api/alerts/", json={"level": "red", "reason": "bench: API under load"})
        if answer.status_code != 201:
            raise RuntimeError(f"issuing answered {answer.status_code}: {answer.text[:300]}")
        alert_id = answer.json()["id"]
        try:
            from responses.models import Response

            response_id = Response.objects.get(alert_id=alert_id).pk
            seed.close_db()
            paths = {
                "assignments": (f"/api/assignments/?response={response_id}", unit_keys[0]),
                "assignments_all": ("/api/assignments/", unit_keys[0]),
                "unit_dashboard": ("/dashboard/unit/?fragment=1", unit_keys[0]),
                "office_grid": ("/dashboard/office/?fragment=1", office_key),
                "current_warning": ("/api/alerts/?status=issued", office_key),
                "trivial_view": ("/bench/view/", None),
                "trivial": ("/bench/trivial/", None),
            }
            # Warm every endpoint once (URLconf, templates, first queries) and note what each one returns.
            sizes = {}
            for name, (path, cookie) in paths.items():
                r = httpx.get(
                    f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={cookie}"} if cookie else {}
                )
                if r.status_code != 200:
                    raise RuntimeError(f"warm-up {path} answered {r.status_code}")
                body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
                sizes[name] = {
                    "bytes": len(r.content),
                    "items": len(body["results"]) if isinstance(body, dict) and "results" in body else None,
                }
            env = bench_env() | {
                "BENCH_LOCUST_SESSIONS": str(sessions_file),
                "BENCH_LOCUST_OUT": str(out_file),
                "BENCH_RESPONSE_ID": str(response_id),
            }
            log(f"api: locust, {users} users, {seconds}s against {server.command}")
            cpu_before = tree_cpu_seconds(server.pid)
            started = time.monotonic()
            argv = _locust(stack, port, users, seconds, env, "locust")
            wall = time.monotonic() - started
            result["server_cpu_share"] = round((tree_cpu_seconds(server.pid) - cpu_before) / wall, 2)
            data = json.loads(out_file.read_text())
            if profile:
                # A second, shorter run with py-spy on the server: what the requests spend their time on.
                from bench.profile import API_BUCKETS, record

                recording = record(stack, server.pid, 120, "api", gil=True, subprocesses=True)
                if recording is not None:
                    time.sleep(1.0)
                    profile_env = env | {"BENCH_LOCUST_OUT": str(OUT / "locust-times-profile.json")}
                    _locust(stack, port, users, PROFILE_SECONDS, profile_env, "locust-profile")
                    recording.stop()
                    result["profile"] = recording.summary(spec=API_BUCKETS) | {"seconds": PROFILE_SECONDS}
        finally:
            api.post(f"/api/alerts/{alert_id}/lift/", json={"reason": "bench: API run over"})
            api.close()
        result["commands"] = [server.command, " ".join(argv)]
    endpoints = {}
    for name, (path, _cookie) in paths.items():
        times = data["times"].get(name, [])
        endpoints[name] = {
            "path": path,
            "bytes": sizes[name]["bytes"],
            "items": sizes[name]["items"],
            "requests": len(times),
            "rps": round(len(times) / seconds, 1),
            "p50": round(percentile(times, 50), 1) if times else None,
            "p99": round(percentile(times, 99), 1) if times else None,
            "max": round(max(times), 1) if times else None,
            "errors": len(data["errors"].get(name, [])),
            "error_samples": data["errors"].get(name, [])[:3],
        }
    base = endpoints["trivial_view"]["p99"] or float("nan")
    floor = endpoints["trivial"]["p99"] or float("nan")
    for e in endpoints.values():
        e["p99_ratio"] = round(e["p99"] / base, 2) if e["p99"] else None
        e["p99_ratio_floor"] = round(e["p99"] / floor, 2) if e["p99"] else None
    result["endpoints"] = endpoints
    pooled = [t for name, times in data["times"].items() if name not in BASELINES for t in times]
    if pooled:
        result["spread"] = {f"p{q}": round(percentile(pooled, q)) for q in (10, 50, 90, 99)}
    result["errors"] = sum(e["errors"] for e in endpoints.values())
    result["load"].append(loadavg())
    save_result("api", result)
    return result
