"""The production settings: deploy checks pass, secrets are required, the security headers are set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "a-long-random-production-secret-" + "k" * 40,
    "ALLOWED_HOSTS": "command.example.gov.cn",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True)


def test_production_settings_pass_check_deploy_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_security_headers_and_csp_are_set(client, roster):
    answer = client.get("/login/", secure=True)
    csp = answer["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["X-Frame-Options"] == "DENY"
    assert answer["Referrer-Policy"] == "same-origin"


SHELL_MATPLOTLIB = "import matplotlib; print('CONFIGDIR', matplotlib.get_configdir())"


def test_a_service_account_without_a_home_keeps_matplotlibs_files_under_var(tmp_path):
    """A service account's home is often missing: matplotlib's font list goes under VAR_DIR, once, without the
    warning (and the per-process rebuild) of a home it cannot write."""
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    env |= {"HOME": str(tmp_path / "no-such-home"), "XDG_CONFIG_HOME": "", "XDG_CACHE_HOME": "",
            "VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "command_center.settings"}
    env.pop("DATABASE_URL", None)
    (tmp_path / "no-such-home").touch()  # a file, not a folder: nothing can be written under it
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", SHELL_MATPLOTLIB], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"CONFIGDIR {tmp_path / 'var' / 'matplotlib'}" in result.stdout
    assert "is not a writable directory" not in result.stderr
