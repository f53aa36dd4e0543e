"""py-spy on a running server: sample it for a while, then name what the time went to.

``py-spy record --format raw --nonblocking`` writes collapsed stacks; ``summary`` turns
them into the functions with the most samples on top of the stack (self) and anywhere on
it (inclusive), keeping only frames worth reading.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.common import OUT, Stack

RATE = 250


def py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


class Recording:
    def __init__(self, proc, path: Path, seconds: float):
        self.proc = proc
        self.path = path
        self.seconds = seconds

    def stop(self) -> None:
        """End the recording now (py-spy writes its output on SIGINT)."""
        if self.proc.alive():
            os.kill(self.proc.pid, signal.SIGINT)

    def summary(self, top: int = 14, spec=None) -> dict:
        try:
            self.proc.popen.wait(self.seconds + 30)
        except subprocess.TimeoutExpired:
            self.stop()
            self.proc.popen.wait(10)
        return summarise(self.path, top, spec)


def record(
    stack: Stack, pid: int, seconds: float, name: str, gil: bool = False, subprocesses: bool = False
) -> Recording | None:
    """Sample ``pid`` with py-spy until ``stop``; ``gil`` keeps only the thread holding the GIL (CPU in
    Python); ``subprocesses`` samples its children too (uvicorn's workers)."""
    binary = py_spy()
    if binary is None:
        return None
    path = OUT / f"profile-{name}.txt"
    path.unlink(missing_ok=True)
    argv = [
        binary,
        "record",
        "-p",
        str(pid),
        "-o",
        str(path),
        "--format",
        "raw",
        "-r",
        str(RATE),
        "-d",
        str(max(1, int(seconds))),
        "--nonblocking",
        *(["--gil"] if gil else []),
        *(["--subprocesses"] if subprocesses else []),
    ]
    return Recording(stack.start(f"py-spy-{name}", argv), path, seconds)


def _frame(frame: str) -> str:
    """``func (path/to/module.py:123)`` → ``func (package/module.py)``."""
    if " (" not in frame:
        return frame
    func, where = frame.split(" (", 1)
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "lib/python3.11/", "/work/main/", "main/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{func} ({where})"


def summarise(path: Path, top: int = 14, spec=None) -> dict:
    if not path.exists():
        return {"samples": 0, "self": [], "inclusive": []}
    own: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    boring = (
        "runpy",
        "click/",
        "uvicorn/main.py",
        "uvicorn/server.py",
        "uvicorn/_compat.py",
        "asyncio/runners.py",
        "threading.py",
        "concurrent/futures",
        "<module>",
        "asgiref/current_thread_executor.py",
    )
    for line in path.read_text().splitlines():
        if not line.strip() or " " not in line:
            continue
        stack, count = line.rsplit(" ", 1)
        try:
            n = int(count)
        except ValueError:
            continue
        total += n
        frames = [_frame(f) for f in stack.split(";")]
        own[frames[-1]] += n
        for f in set(frames):
            if not any(b in f for b in boring):
                inclusive[f] += n

    def share(counter):
        return [(f, round(100 * n / total, 1)) for f, n in counter.most_common(top)]

    return {
        "samples": total,
        "self": share(own),
        "inclusive": share(inclusive),
        "buckets": buckets(path, total, spec or BUCKETS),
    }


# Where a web process's samples go while it fans out, first match wins (substrings of a stack).
BUCKETS = [
    ("deflate", ("PerMessageDeflate.encode",)),
    ("socket_send", ("WebSocketsSansIOProtocol.send",)),
    ("channels_send", ("Subscriber._flush", "Subscriber.offer", "run_eagerly")),
    ("hub", ("Hub._pump", "Hub._listen", "Hub.dispatch")),
    ("request", ("a2wsgi/", "SyncToAsync.thread_handler", "asgiref/sync.py", "django/")),
]


# Where a web process's samples go while it serves the dashboards' reads.
API_BUCKETS = [
    ("database", ("CursorWrapper._execute", "psycopg2", "_configure_timezone", "BaseDatabaseWrapper._commit")),
    ("templates", ("django/template/",)),
    ("serializers", ("rest_framework/serializers.py", "rest_framework/fields.py", "rest_framework/relations.py")),
    ("orm", ("django/db/models/",)),
    ("sessions_auth", ("django/contrib/sessions/", "django/contrib/auth/", "axes/")),
    ("django_other", ("django/", "rest_framework/", "asgiref/")),
    ("event_loop", ("uvicorn/", "asyncio/", "bench/asgi.py")),
]


def buckets(path: Path, total: int, spec=BUCKETS) -> dict:
    """Share of samples per bucket (first matching bucket wins), and everything else."""
    counts = {name: 0 for name, _ in spec} | {"other": 0}
    for line in path.read_text().splitlines():
        if not line.strip() or " " not in line:
            continue
        stack, count = line.rsplit(" ", 1)
        try:
            n = int(count)
        except ValueError:
            continue
        for name, needles in spec:
            if any(needle in stack for needle in needles):
                counts[name] += n
                break
        else:
            counts["other"] += n
    return {k: round(100 * v / total, 1) for k, v in counts.items()} if total else counts
