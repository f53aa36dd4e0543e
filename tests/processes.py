"""Real processes for tests on the live test database: a Celery worker, a uvicorn server, and waiting."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The live test database (test_<name>), as another process must see it."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(condition, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start_worker(**extra_env) -> subprocess.Popen:
    """``celery worker -P solo`` on the test database and the configured Redis; ``.log`` holds its output."""
    assert settings.REDIS_URL and connection.vendor == "postgresql", "worker tests need REDIS_URL and PostgreSQL"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "HTTPS": "false",
        "DB_CONN_MAX_AGE": "0",
        **extra_env,
    }
    cmd = [
        sys.executable, "-m", "celery", "-A", "command_center", "worker", "-P", "solo", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--purge",
    ]
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    proc.log = []
    ready = threading.Event()

    def read():
        for line in proc.stdout:
            proc.log.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(30):
        proc.kill()
        raise AssertionError("worker did not start:\n" + "".join(proc.log[-40:]))
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- A live uvicorn on the test database (for the load test) -------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving the ASGI app on the test database, on a free loopback port (restartable on it)."""

    def __init__(self, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "HTTPS": "false",
            "LOG_LEVEL": "WARNING",
            **env,
        }
        self.proc = None

    def start(self) -> LiveServer:
        # stderr goes to a file, never an undrained pipe: once a pipe's 64 KiB fill up (a log line per refused
        # request, over a walk of every page), the server blocks on its next write and every request hangs.
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "command_center.asgi:application", "--host", "127.0.0.1",
             "--port", str(self.port), "--no-access-log"],
            cwd=BASE_DIR, env=self.env, stdout=subprocess.DEVNULL, stderr=self.stderr,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/login/", timeout=1)
                return self
            except OSError:
                if self.proc.poll() is not None:
                    output = self._stderr_text()[-2000:]
                    raise RuntimeError("uvicorn exited: " + output) from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("uvicorn did not start")

    def stop(self) -> str:
        """Stop the server; answer what it wrote on stderr (tracebacks of any 500)."""
        if self.proc is None:
            return ""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        text = self._stderr_text()
        self.stderr.close()
        return text

    def _stderr_text(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")


def embedded_environ(var: Path) -> dict[str, str]:
    """The environment of a process on the embedded default (``make run``: no DATABASE_URL, no REDIS_URL) whose
    runtime files (its SQLite database among them) live under ``var``."""
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    return environ | {"VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "command_center.settings"}
