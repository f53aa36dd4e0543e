"""Section 11: the production settings send HSTS, secure cookies and the CSP, and redirect to HTTPS.

``manage.py check --deploy --fail-level WARNING`` is in tests/test_settings.py, and
tests/test_browser.py proves the pages work under the CSP in Chromium; the access matrix
checks every page it renders for inline script, style and handlers the CSP would block.
Here a separate process starts Django with the production environment (DEBUG off,
HTTPS on by default) and makes real requests through its test client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.hardening.conftest import ROOT

pytestmark = pytest.mark.django_db

PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client

host = "command.example.gov.cn"
client = Client()
plain = client.get("/login/", HTTP_HOST=host)
secure = client.get("/login/", HTTP_HOST=host, secure=True)
csrf = secure.cookies.get("csrftoken")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": secure.status_code,
    "headers": {k: secure.get(k, "") for k in (
        "Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
        "Referrer-Policy", "Cross-Origin-Opener-Policy")},
    "csrf_cookie": {"secure": bool(csrf and csrf["secure"]), "samesite": csrf["samesite"] if csrf else ""},
    "settings": {k: getattr(settings, k) for k in (
        "DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "X_FRAME_OPTIONS",
        "SESSION_COOKIE_AGE", "SESSION_ABSOLUTE_SECONDS")},
}))
"""


def production(**extra) -> dict:
    db = connection.settings_dict
    drop = {"DEBUG", "HTTPS", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "BEHIND_PROXY"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL="redis://127.0.0.1:6379/0",
        SECRET_KEY="a-long-random-production-secret-" + "k" * 40,
        ALLOWED_HOSTS="command.example.gov.cn",
        DJANGO_SETTINGS_MODULE="command_center.settings",
        **extra,
    )
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_answers_with_hsts_secure_cookies_csp_and_an_https_redirect(roster):
    seen = production()
    assert seen["settings"]["DEBUG"] is False
    # Plain HTTP is sent to HTTPS.
    status, location = seen["plain"]
    assert status == 301 and location == "https://command.example.gov.cn/login/"
    assert seen["secure"] == 200
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                      "object-src 'none'", "base-uri 'self'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert seen["csrf_cookie"]["secure"] is True
    values = seen["settings"]
    assert values["SESSION_COOKIE_SECURE"] and values["SESSION_COOKIE_HTTPONLY"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SESSION_COOKIE_AGE"] <= 8 * 3600 and values["SESSION_ABSOLUTE_SECONDS"] <= 24 * 3600


def test_https_cannot_be_left_off_by_accident_but_can_be_turned_off_on_purpose(roster):
    """HTTPS defaults to on with DEBUG off; HTTPS=false (a trusted local proxy, tests) drops HSTS and the redirect."""
    seen = production(HTTPS="false")
    assert seen["plain"][0] == 200
    assert seen["headers"]["Strict-Transport-Security"] == ""
    assert seen["headers"]["Content-Security-Policy"]  # the CSP stays whatever the transport
