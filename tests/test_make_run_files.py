"""`make run` keeps its runtime files under var/ and reads the feeds as it starts (issue 14 item 15)."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import embedded_environ

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_embedded_worker_keeps_celery_files_under_var_and_fetches_the_feeds_at_start(tmp_path, embedded_var):
    var, cwd = embedded_var, tmp_path / "elsewhere"
    cwd.mkdir()
    env = embedded_environ(var) | {"PYTHONPATH": str(ROOT)}
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
