"""Section 10: CSRF on every session POST, login lockout, idle and absolute session expiry."""

from __future__ import annotations

import datetime
import logging
import re
import time
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import AuditEntry
from tests.hardening.conftest import record_figure
from tests.hardening.routes import all_routes
from tests.hardening.test_access_matrix import ADMIN_PREFIX, EXPECT, ROLES, _cells, _values

pytestmark = pytest.mark.django_db

PASSWORD = "persona-pass-2026"  # tests/conftest.py


def login_page_token(client: Client) -> str:
    page = client.get("/login/")
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


# --- CSRF ------------------------------------------------------------------------------------------


def test_every_session_post_without_a_csrf_token_is_refused_and_changes_nothing(world, member, office, leader, admin_user):
    people = {"member": member, "member_x": member, "office": office, "leader": leader, "admin": admin_user}
    audit_rows = AuditEntry.objects.count()
    tried, refused = 0, []
    for route in all_routes():
        if route.route.startswith(ADMIN_PREFIX):
            continue
        post = _cells(EXPECT[route.route][1])
        for index, role in enumerate(ROLES):
            if role == "anon" or post[index] is None or post[index] <= {405}:
                continue  # only where the POST would otherwise reach the view
            client = Client(enforce_csrf_checks=True)
            client.force_login(people[role])
            answer = client.post(route.path(_values(route, world, role)))
            tried += 1
            if answer.status_code != 403 or "CSRF" not in answer.content.decode():
                refused.append(f"POST {route.route} as {role}: {answer.status_code}")
    # The login form itself: a right password without the token does not sign in.
    client = Client(enforce_csrf_checks=True)
    client.get("/login/")
    answer = client.post("/login/", {"username": member.username, "password": PASSWORD})
    tried += 1
    assert answer.status_code == 403 and "_auth_user_id" not in client.session
    assert not refused, "POSTs accepted without a CSRF token:\n" + "\n".join(refused)
    assert AuditEntry.objects.count() == audit_rows
    # With the token from the form, the same login works (the check is not just refusing everything).
    answer = client.post(
        "/login/", {"username": member.username, "password": PASSWORD, "csrfmiddlewaretoken": login_page_token(client)}
    )
    assert answer.status_code == 302 and client.session["_auth_user_id"] == str(member.pk)
    record_figure("csrf_posts_refused", tried)


# --- Lockout ---------------------------------------------------------------------------------------


def _attempt(client: Client, username: str, password: str, ip: str = "127.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _visible(answer) -> str:
    """What the person sees, minus the per-request CSRF token."""
    return re.sub(r'value="[^"]{32,}"', 'value=""', answer.content.decode())


def test_failures_look_the_same_for_unknown_users_and_wrong_passwords_and_are_logged(member, caplog):
    caplog.set_level(logging.INFO, logger="axes")
    wrong = _attempt(Client(), member.username, "not-the-password")
    unknown = _attempt(Client(), "nobody-by-this-name", "not-the-password", ip="10.9.9.9")
    assert wrong.status_code == unknown.status_code == 200
    assert _visible(wrong).replace(member.username, "X") == _visible(unknown).replace("nobody-by-this-name", "X")
    failures = [r for r in caplog.records if r.name.startswith("axes") and "failure" in r.getMessage().lower()]
    assert len(failures) >= 2, [r.getMessage() for r in caplog.records]
    # The log lines say that a login failed, not whether the account exists, and hide the name tried.
    texts = {re.sub(r"\d+", "N", r.getMessage()) for r in failures}
    assert not any(member.username in t or "nobody-by-this-name" in t for t in texts)
    assert not any("exist" in t.lower() for t in texts)


def test_five_failed_logins_lock_the_account_even_with_the_right_password(member, other_member):
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        # The last allowed failure already answers with the lockout.
        assert _attempt(client, member.username, "wrong").status_code == (200 if i < settings.AXES_FAILURE_LIMIT - 1 else 429)
    locked = _attempt(client, member.username, PASSWORD)
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    # Locked by username: another address does not help.
    elsewhere = Client()
    assert _attempt(elsewhere, member.username, PASSWORD, ip="10.1.2.3").status_code in (403, 429)
    assert "_auth_user_id" not in elsewhere.session
    # A locked unknown name answers exactly like a locked real one.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(Client(), "ghost", "wrong", ip="10.4.4.4")
    ghost = _attempt(Client(), "ghost", "wrong", ip="10.4.4.5")
    assert (ghost.status_code, ghost.content) == (locked.status_code, locked.content)
    # Another account from another address still signs in.
    other = Client()
    assert _attempt(other, other_member.username, PASSWORD, ip="10.7.7.7").status_code == 302


def test_five_failures_from_one_address_lock_that_address(member):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _attempt(Client(), f"guess{i}", "wrong", ip="10.66.0.1")
    client = Client()
    assert _attempt(client, member.username, PASSWORD, ip="10.66.0.1").status_code in (403, 429)
    assert "_auth_user_id" not in client.session
    assert _attempt(Client(), member.username, PASSWORD, ip="10.66.0.2").status_code == 302


# --- Idle and absolute lifetime ----------------------------------------------------------------------


def _sign_in(user) -> Client:
    client = Client()
    assert _attempt(client, user.username, PASSWORD).status_code == 302
    return client


def test_activity_renews_the_idle_timeout_at_most_once_a_minute_and_an_idle_session_expires(member):
    client = _sign_in(member)
    key = client.cookies["sessionid"].value
    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert client.get("/dashboard/unit/").status_code == 200  # the first request after signing in renews
    # Renewed just now: the next requests do not write the session again.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(seconds=60))
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/dashboard/unit/")
    assert answer.status_code == 200 and "sessionid" not in answer.cookies
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert Session.objects.get(session_key=key).expire_date < timezone.now() + datetime.timedelta(seconds=61)
    # Last renewed over SESSION_RENEW_SECONDS ago: this request renews it.
    session = store(session_key=key)
    session["_session_renewed"] = int(time.time()) - settings.SESSION_RENEW_SECONDS
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + datetime.timedelta(seconds=60))
    answer = client.get("/dashboard/unit/")
    assert answer.status_code == 200
    renewed = Session.objects.get(session_key=key).expire_date
    expected = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((renewed - expected).total_seconds()) < 30
    assert int(answer.cookies["sessionid"]["max-age"]) == settings.SESSION_COOKIE_AGE
    # Idle past SESSION_COOKIE_AGE: the stored session has expired and the next request is anonymous.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    answer = client.get("/dashboard/unit/")
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_a_session_past_its_absolute_lifetime_ends_however_active_it_was(member):
    client = _sign_in(member)
    assert client.get("/dashboard/unit/").status_code == 200
    key = client.cookies["sessionid"].value
    store = import_module(settings.SESSION_ENGINE).SessionStore
    started = store(session_key=key)["_session_started"]
    assert abs(started - time.time()) < 60

    def age_to(seconds: int) -> None:
        session = store(session_key=key)
        session["_session_started"] = int(time.time()) - seconds
        session.save()

    age_to(settings.SESSION_ABSOLUTE_SECONDS - 60)  # just inside: still signed in
    assert client.get("/dashboard/unit/").status_code == 200
    age_to(settings.SESSION_ABSOLUTE_SECONDS + 1)
    answer = client.get("/dashboard/unit/")
    assert answer.status_code == 302 and "/login/" in answer["Location"]
    assert not Session.objects.filter(session_key=key).exists()
    # The API with the old cookie is anonymous too.
    old = Client()
    old.cookies["sessionid"] = key
    assert old.get("/api/assignments/").status_code == 403
