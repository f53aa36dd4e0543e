"""`make run` keeps its runtime files under var/ and reads the feeds as it starts (issue 14 item 15)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_embedded_worker_keeps_celery_files_under_var_and_fetches_the_feeds_at_start(tmp_path):
    var, cwd = tmp_path / "var", tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"VAR_DIR": str(var), "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "command_center.settings"}
    migrate = subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"], cwd=cwd, env=env,
                             capture_output=True, text=True, timeout=240)
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "command_center", "worker", "--pool", "solo", "--loglevel", "INFO"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    seen = ""
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "feeds.tasks.fetch_all_feeds" not in seen:
            line = worker.stdout.readline()
            if not line and worker.poll() is not None:
                break
            seen += line
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert "feeds.tasks.fetch_all_feeds" in seen, seen[-3000:]  # received at start, not at the next beat
    assert not (cwd / "control").exists() and list(cwd.iterdir()) == []
    assert (var / "celery" / "control").is_dir()
