"""Shared plumbing: the environment, starting and stopping processes, /proc readings, statistics.

Nothing here imports Django: the client processes and the baseline server import this module too.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"  # results and logs of the last run (git-ignored)
LOGS = OUT / "logs"
DOC = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "benchmarks.png"
PY = sys.executable

# The bench's own database, Redis db and event channel, so it never touches what tests use.
DEFAULT_ENV = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/cc_bench",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "EVENTS_REDIS_CHANNEL": "bench:events",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-not-for-production",
    "HTTPS": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
    # The bench issues red without a consultation record: it measures issuing, not issue 15's basis rule.
    "ALERT_BASIS_REQUIRED": "false",
}


def bench_env() -> dict[str, str]:
    """The environment every server and the in-process Django get. BENCH_<NAME> overrides <NAME>."""
    env = dict(os.environ)
    for key, value in DEFAULT_ENV.items():
        env[key] = os.environ.get(f"BENCH_{key}", value)
    env["DJANGO_SETTINGS_MODULE"] = "command_center.settings"
    env["PYTHONUNBUFFERED"] = "1"
    # py-spy and the servers must not inherit a debugger's or a test runner's settings.
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


def apply_env() -> None:
    os.environ.update({k: v for k, v in bench_env().items() if k in DEFAULT_ENV or k == "DJANGO_SETTINGS_MODULE"})


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- Processes -------------------------------------------------------------------------


class Proc:
    """A child process in its own process group; ``stop`` ends the whole group."""

    def __init__(self, name: str, argv: list[str], *, env: dict | None = None, cwd: Path = ROOT):
        LOGS.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.argv = argv
        self.logfile = LOGS / f"{name}.log"
        self._log = open(self.logfile, "wb")  # noqa: SIM115 (closed in stop)
        self.popen = subprocess.Popen(
            argv, cwd=cwd, env=env or bench_env(), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.pid = self.popen.pid
        self.command = " ".join(shlex.quote(a) for a in argv)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 8.0) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.pid, signal.SIGKILL)  # whatever is left of the group (worker children)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(2)
        except subprocess.TimeoutExpired:
            pass
        self._log.close()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Stack:
    """Every process one benchmark started; ``with Stack() as s:`` stops them all, whatever happens."""

    def __init__(self):
        self.procs: list[Proc] = []

    def start(self, name: str, argv: list[str], **kw) -> Proc:
        proc = Proc(name, argv, **kw)
        self.procs.append(proc)
        return proc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: Proc | None = None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited early:\n{proc.tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} did not open in {timeout:.0f}s" + (f":\n{proc.tail()}" if proc else ""))


def uvicorn_argv(app: str, port: int, workers: int = 1) -> list[str]:
    """uvicorn as the README deploys it (Procfile ``web``) on one loopback port: one process, or
    ``workers`` processes behind uvicorn's supervisor (the Procfile runs 2, one per core)."""
    argv = [PY, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--proxy-headers",
            "--ws-per-message-deflate", "false"]
    return argv + (["--workers", str(workers)] if workers > 1 else [])


def celery_argv() -> list[str]:
    return [PY, "-m", "celery", "-A", "command_center", "worker", "--loglevel", "WARNING", "--concurrency", "1"]


# --- /proc readings ---------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and all its threads, dead ones included, in seconds.

    From ``/proc/<pid>/stat``, which counts in clock ticks (10 ms): callers average a
    delta over many rounds. (Per-thread ``schedstat`` would be finer but loses the
    threads that already exited.)
    """
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The direct children of a process (uvicorn's workers under its supervisor)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def tree_cpu_seconds(pid: int) -> float:
    """``cpu_seconds`` of a process and of its live children."""
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in children(pid))


def loadavg() -> float:
    """The 1-minute load average: other work on this machine shows here (the bench notes it per part)."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError):
        return math.nan


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def children_pids(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out.extend(int(p) for p in f.read().split())
    except OSError:
        pass
    return out


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for dist in (
        "Django",
        "channels",
        "uvicorn",
        "websockets",
        "uvloop",
        "psycopg2-binary",
        "redis",
        "celery",
        "locust",
    ):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            versions[dist] = "-"
    pg = redis_v = "-"
    try:
        pg = subprocess.run(["psql", "--version"], capture_output=True, text=True, timeout=5).stdout.strip()
    except Exception:  # noqa: BLE001
        pass
    try:
        redis_v = subprocess.run(
            ["redis-server", "--version"], capture_output=True, text=True, timeout=5
        ).stdout.split()[2]
    except Exception:  # noqa: BLE001
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "postgres": pg,
        "redis": redis_v,
        "versions": versions,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


# --- Results ----------------------------------------------------------------------------


def save_result(name: str, data: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=1, default=str))
    return path


def load_result(name: str) -> dict | None:
    path = OUT / f"{name}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())


def percentile(values, q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    data = sorted(values)
    if not data:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(data)))
    return data[rank - 1]


def median(values) -> float:
    data = sorted(values)
    if not data:
        return math.nan
    mid = len(data) // 2
    return data[mid] if len(data) % 2 else (data[mid - 1] + data[mid]) / 2


def mean(values) -> float:
    data = list(values)
    return sum(data) / len(data) if data else math.nan


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
