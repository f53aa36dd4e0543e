"""Benchmark 4: server memory with 1,000 connected dashboards, per connection.

A fresh uvicorn process (``command_center.asgi:application``) is warmed (one API request,
ten dashboards connected and closed, so Django, Channels and the hub are loaded); its RSS
is read, 1,000 authenticated dashboards connect, and RSS is read again; then one red
warning is issued and lifted (so every socket's queue, deflate context and buffers have
been used) and RSS is read a third time. The plain ``websockets`` server gets the same
treatment with one broadcast, for scale.
"""

from __future__ import annotations

import time

from bench import seed
from bench.clients import ClientPool
from bench.common import PY, Stack, free_port, loadavg, log, rss_bytes, save_result, wait_port
from bench.fanout import BASELINE_CHANNEL, Platform, PubWatcher, dashboard_specs, platform_round

MIB = 1024 * 1024


def _settle():
    time.sleep(1.5)


def run(n: int = 1000, client_procs: int = 2) -> dict:
    from bench.common import bench_env

    seed.ensure_database()
    seed.django_init()
    seed.lift_all()
    keys = seed.sessions_for(seed.unit_users(n))
    token = seed.token_for(seed.leader())
    seed.close_db()
    env = bench_env()
    load_before = loadavg()
    started = time.monotonic()
    result = {"n": n}
    pool = ClientPool(client_procs)
    try:
        with Stack() as stack:
            port = free_port()
            platform = Platform(stack, [port], token, worker=False)
            watcher = PubWatcher(env["REDIS_URL"], env["EVENTS_REDIS_CHANNEL"])
            pid = platform.pids[0]
            try:
                after = seed.latest_event_id()
                seed.close_db()
                pool.connect(dashboard_specs(keys, [port], 0, 10, client_procs, after))
                platform_round(platform, pool, watcher, 10)
                pool.close_all()
                _settle()
                before = rss_bytes(pid)
                ok, errors, took = pool.connect(dashboard_specs(keys, [port], 0, n, client_procs, after))
                if ok != n:
                    raise RuntimeError(f"memory: only {ok} of {n} dashboards connected: {errors}")
                _settle()
                connected = rss_bytes(pid)
                platform_round(platform, pool, watcher, n)
                _settle()
                used = rss_bytes(pid)
                result["platform"] = {
                    "command": platform.commands[0],
                    "rss_before_mib": round(before / MIB, 1),
                    "rss_connected_mib": round(connected / MIB, 1),
                    "rss_after_round_mib": round(used / MIB, 1),
                    "per_connection_kib": round((connected - before) / n / 1024, 1),
                    "per_connection_after_round_kib": round((used - before) / n / 1024, 1),
                    "connect_seconds": round(took, 1),
                }
                log(f"memory [platform]: {result['platform']}")
            finally:
                watcher.stop()
                platform.close()
                pool.close_all()
        with Stack() as stack:
            port = free_port()
            server = stack.start(
                "baseline-server-memory",
                [PY, "-m", "bench.baseline_server", str(port), env["REDIS_URL"], BASELINE_CHANNEL],
            )
            wait_port(port, server)
            _settle()
            before = rss_bytes(server.pid)
            specs = [(i, f"ws://127.0.0.1:{port}/", {"Origin": f"http://127.0.0.1:{port}"}) for i in range(n)]
            ok, errors, took = pool.connect(specs)
            _settle()
            connected = rss_bytes(server.pid)
            pool.arm(["alert.issued"])
            import redis

            with redis.Redis.from_url(env["REDIS_URL"]) as publisher:
                publisher.publish(BASELINE_CHANNEL, '{"id":0,"type":"alert.issued","payload":{}}' + " " * 270)
            pool.collect(30)
            _settle()
            used = rss_bytes(server.pid)
            pool.close_all()
            result["baseline"] = {
                "rss_before_mib": round(before / MIB, 1),
                "rss_connected_mib": round(connected / MIB, 1),
                "rss_after_round_mib": round(used / MIB, 1),
                "per_connection_kib": round((connected - before) / n / 1024, 1),
                "per_connection_after_round_kib": round((used - before) / n / 1024, 1),
                "connect_seconds": round(took, 1),
            }
            log(f"memory [baseline]: {result['baseline']}")
    finally:
        pool.stop()
    result["seconds"] = round(time.monotonic() - started, 1)
    result["load"] = [load_before, loadavg()]
    save_result("memory", result)
    return result
