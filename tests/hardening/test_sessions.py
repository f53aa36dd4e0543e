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
    clients = {}  # one signed-in client per person: a refused POST changes no session
    for role, person in people.items():
        clients[role] = Client(enforce_csrf_checks=True)
        clients[role].force_login(person)
    for route in all_routes():
        if route.route.startswith(ADMIN_PREFIX):
            continue
        post = _cells(EXPECT[route.route][1])
        for index, role in enumerate(ROLES):
            if role == "anon" or post[index] is None or post[index] <= {405}:
                continue  # only where the POST would otherwise reach the view
            answer = clients[role].post(route.path(_values(route, world, role)))
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


def _lock(username: str, ip: str) -> None:
    """Five wrong passwords for ``username`` from ``ip``; the fifth already answers with the lock."""
    for i in range(settings.AXES_FAILURE_LIMIT):
        expected = 200 if i < settings.AXES_FAILURE_LIMIT - 1 else 429
        assert _attempt(Client(), username, "wrong", ip=ip).status_code == expected


def test_five_wrong_passwords_lock_that_account_from_that_address_only(member, other_member):
    _lock(member.username, "10.1.1.1")
    client = Client()
    locked = _attempt(client, member.username, PASSWORD, ip="10.1.1.1")
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    # The right password from another address signs in: nobody can lock a leader out by their name.
    elsewhere = Client()
    assert _attempt(elsewhere, member.username, PASSWORD, ip="10.1.2.3").status_code == 302
    assert elsewhere.session["_auth_user_id"] == str(member.pk)
    # Another account behind the same address signs in too.
    colleague = Client()
    assert _attempt(colleague, other_member.username, PASSWORD, ip="10.1.1.1").status_code == 302
    # A locked unknown name answers exactly like a locked real one.
    _lock("ghost", "10.4.4.4")
    ghost = _attempt(Client(), "ghost", "wrong", ip="10.4.4.4")
    assert (ghost.status_code, ghost.content) == (locked.status_code, locked.content)


def test_failures_for_many_accounts_from_one_address_do_not_lock_the_address(member):
    for i in range(3 * settings.AXES_FAILURE_LIMIT):
        assert _attempt(Client(), f"guess{i}", "wrong", ip="10.66.0.1").status_code == 200
    client = Client()
    assert _attempt(client, member.username, PASSWORD, ip="10.66.0.1").status_code == 302


def _age_attempts(username: str, seconds: int) -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username=username).update(
        attempt_time=timezone.now() - datetime.timedelta(seconds=seconds)
    )


def test_the_lock_grows_with_each_failure_after_it_and_a_try_while_locked_does_not_count(member):
    from axes.models import AccessAttempt

    from foundation.lockout import lock_delay

    minute = datetime.timedelta(minutes=1)
    assert [lock_delay(n) for n in (1, 5, 6, 7, 8, 12)] == [minute, minute, 2 * minute, 4 * minute, 8 * minute, 60 * minute]
    _lock(member.username, "10.2.2.2")
    assert _attempt(Client(), member.username, PASSWORD, ip="10.2.2.2").status_code == 429  # not counted
    assert AccessAttempt.objects.get(username=member.username).failures_since_start == 5
    _age_attempts(member.username, 61)  # the first lock (1 min) is over
    assert _attempt(Client(), member.username, "wrong", ip="10.2.2.2").status_code == 429  # 6th: 2 min
    _age_attempts(member.username, 61)
    assert _attempt(Client(), member.username, PASSWORD, ip="10.2.2.2").status_code == 429
    _age_attempts(member.username, 121)
    client = Client()
    assert _attempt(client, member.username, PASSWORD, ip="10.2.2.2").status_code == 302
    # A success forgets the pair's failures.
    assert not AccessAttempt.objects.filter(username=member.username).exists()


def test_a_fresh_sign_in_does_not_wipe_another_pairs_longer_lock(member, other_member):
    _lock(member.username, "10.3.3.3")
    _age_attempts(member.username, 61)
    assert _attempt(Client(), member.username, "wrong", ip="10.3.3.3").status_code == 429  # now 2 min
    _age_attempts(member.username, 90)
    # Someone else signs in (axes cleans expired attempts then): the 2-minute lock stays.
    assert _attempt(Client(), other_member.username, PASSWORD, ip="10.9.9.9").status_code == 302
    assert _attempt(Client(), member.username, PASSWORD, ip="10.3.3.3").status_code == 429


def test_a_roster_admin_unlocks_an_account_in_the_admin(member, admin_user):
    _lock(member.username, "10.5.5.5")
    admin = Client()
    admin.force_login(admin_user)
    answer = admin.post("/admin/units/user/", {"action": "unlock_logins", "_selected_action": [member.pk]}, follow=True)
    assert answer.status_code == 200
    client = Client()
    assert _attempt(client, member.username, PASSWORD, ip="10.5.5.5").status_code == 302
    audit = AuditEntry.objects.get(action="unlock_login")
    assert (audit.target_id, audit.actor_id, audit.data) == (member.pk, admin_user.pk, {"cleared": 1})


@pytest.mark.django_db(transaction=True)
def test_a_forwarded_for_header_counts_only_from_a_trusted_proxy(member, settings):
    """Through the real ASGI application (uvicorn's proxy headers are off, command_center.asgi applies them)."""
    import asyncio

    import httpx

    from command_center.asgi import application

    def attempts(peer: str, forwarded: list[str], password: str) -> list[int]:
        async def run():
            transport = httpx.ASGITransport(app=application, client=(peer, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
                codes = []
                for address in forwarded:
                    page = await client.get("/login/")
                    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
                    answer = await client.post(
                        "/login/", data={"username": member.username, "password": password, "csrfmiddlewaretoken": token},
                        headers={"X-Forwarded-For": address},
                    )
                    codes.append(answer.status_code)
                return codes

        return asyncio.run(run())

    # From an untrusted peer, a new X-Forwarded-For for every try changes nothing: the peer is locked.
    spoofed = [f"198.51.100.{i}" for i in range(1, 7)]
    assert attempts("203.0.113.9", spoofed, "wrong") == [200, 200, 200, 200, 429, 429]
    assert attempts("203.0.113.9", ["198.51.100.50"], PASSWORD) == [429]
    # From the configured proxy, the forwarded address is the client's: that client is not locked.
    settings.TRUSTED_PROXIES = ["203.0.113.9"]
    assert attempts("203.0.113.9", ["198.51.100.50"], PASSWORD) == [302]
    # ... and a proxy's client that fails five times is locked, without locking the proxy's other clients.
    assert attempts("203.0.113.9", ["198.51.100.60"] * 5, "wrong") == [200, 200, 200, 200, 429]
    assert attempts("203.0.113.9", ["198.51.100.61"], PASSWORD) == [302]


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
