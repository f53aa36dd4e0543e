"""Real processes for tests: a Celery worker on the live test database, and waiting for a condition."""

import os
import subprocess
import sys
import threading
import time
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
