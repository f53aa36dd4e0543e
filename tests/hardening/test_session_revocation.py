"""Issue 12 item 5: sessions, sockets and tokens follow the account.

A logout closes that session's sockets; a password, unit or role change (from the admin's forms, the
services or ``add_user``) ends every session of the person, closes every socket (4403) and revokes the
API token, so that no socket keeps an audience the person no longer has. Real Redis and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from alerts.services import alert_create
from command_center.asgi import application
from events.choices import Audience, EventType
from events.hub import CLOSE_REVOKED
from events.models import AuditEntry, Event
from tests.hardening.conftest import record_figure
from tests.hardening.test_websocket_refusals import signed_in, socket_headers, wait_for_close
from units.choices import Role
from units.models import User
from units.roles import role_of
from units.services import user_password_set

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-new-pass-for-2027"


def token_works(token: Token) -> bool:
    return Client().get("/api/events/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200


def cookie_works(cookie: str) -> bool:
    client = Client()
    client.cookies["sessionid"] = cookie
    return client.get("/api/events/").status_code == 200


def change_form_data(user: User, **changes) -> dict:
    """What the roster admin's change form posts for ``user``, with ``changes`` applied."""
    data = {
        "username": user.username, "email": user.email, "first_name": "", "last_name": "", "is_active": "on",
        "unit": user.unit_id or "", "role": role_of(user),
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def open_sockets_then(headers_list, change, *, expect_closed, expect_open=()):
    """Open a socket per headers, run ``change`` (sync) and check which sockets close with 4403.

    Answers the seconds from the end of ``change`` to the last expected close."""

    async def scenario():
        sockets = [WebsocketCommunicator(application, "/ws/dashboard/", headers=h) for h in headers_list]
        for socket in sockets:
            assert (await socket.connect())[0]
        await sync_to_async(change)()
        done = time.perf_counter()
        for index in expect_closed:
            assert (await wait_for_close(sockets[index]))["code"] == CLOSE_REVOKED
        elapsed = time.perf_counter() - done
        for index in expect_open:
            await sockets[index].send_to(text_data="ping")
            assert await sockets[index].receive_from(timeout=5) == "pong"
            await sockets[index].disconnect()
        return elapsed

    return asyncio.run(scenario())


# --- Logout ------------------------------------------------------------------------------------------


def test_logout_closes_that_sessions_socket_and_leaves_the_other_device_signed_in(member):
    phone, phone_cookie = signed_in(member)
    _, desk_cookie = signed_in(member)
    token = Token.objects.create(user=member)

    seconds = open_sockets_then(
        [socket_headers(phone_cookie), socket_headers(desk_cookie)],
        lambda: phone.post("/logout/"),
        expect_closed=[0],
        expect_open=[1],
    )
    assert not cookie_works(phone_cookie)
    assert cookie_works(desk_cookie)
    assert token_works(token)  # a logout in one browser says nothing about a script's token
    event = Event.objects.get(type=EventType.SESSION_REVOKED)
    assert event.audience == Audience.COMMAND
    assert event.payload["user"] == member.pk and event.payload["reason"] == "logout"
    assert phone_cookie not in str(event.payload)  # a digest, never the key itself
    record_figure("socket_close_after_logout_ms", round(seconds * 1000, 1))


def test_logout_by_the_absolute_session_lifetime_closes_the_socket_too(member, settings):
    client, cookie = signed_in(member)
    session = client.session
    session["_session_started"] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 10
    session.save()
    open_sockets_then([socket_headers(cookie)], lambda: client.get("/dashboard/unit/"), expect_closed=[0])
    assert Event.objects.get(type=EventType.SESSION_REVOKED).payload["reason"] == "logout"


def test_logout_of_an_office_user_measures_the_socket_close_over_redis(office):
    """The figure for docs/reliability.md: 10 logouts, each socket closed within a second."""
    timings = []
    for _ in range(10):
        client, cookie = signed_in(office)
        timings.append(open_sockets_then([socket_headers(cookie)], lambda: client.post("/logout/"), expect_closed=[0]))
    timings.sort()
    assert timings[-1] < 1.0
    record_figure("socket_close_after_logout_ms_median_max", [round(timings[5] * 1000, 1), round(timings[-1] * 1000, 1)])


# --- Password ----------------------------------------------------------------------------------------


def test_a_password_change_in_the_admin_ends_sessions_closes_sockets_and_revokes_the_token(member, other_member, admin_user):
    _, phone = signed_in(member)
    _, desk = signed_in(member)
    _, bystander = signed_in(other_member)
    token = Token.objects.create(user=member)
    admin = admin_client(admin_user)

    def change():
        answer = admin.post(
            f"/admin/units/user/{member.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
        assert answer.status_code == 302, answer.content.decode()[:2000]

    open_sockets_then(
        [socket_headers(phone), socket_headers(desk), socket_headers(bystander)], change,
        expect_closed=[0, 1], expect_open=[2],
    )
    assert not cookie_works(phone) and not cookie_works(desk)
    assert cookie_works(bystander)
    assert not token_works(token)
    assert not Token.objects.filter(user=member).exists()
    audit = AuditEntry.objects.get(action="revoke_sessions")
    assert (audit.target_id, audit.actor_id, audit.comment) == (member.pk, admin_user.pk, "password")
    assert audit.data == {"sessions_ended": 2, "token_revoked": True}
    assert admin.get("/admin/").status_code == 200


def test_an_admin_changing_their_own_password_keeps_this_session_and_ends_the_others(admin_user):
    admin = admin_client(admin_user)
    _, other_device = signed_in(admin_user)
    answer = admin.post(
        f"/admin/units/user/{admin_user.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert answer.status_code == 302
    assert admin.get("/admin/").status_code == 200
    assert not cookie_works(other_device)
    assert AuditEntry.objects.get(action="revoke_sessions").data["sessions_ended"] == 1


def test_a_password_set_by_the_service_or_add_user_revokes_the_same_way(member, roster):
    for change in (
        lambda: user_password_set(user=member, password=NEW_PASSWORD),
        lambda: call_command("add_user", member.username, role=Role.UNIT, unit="education", password=NEW_PASSWORD + "2"),
    ):
        member.refresh_from_db()  # the session's auth hash is taken from the password in memory
        _, cookie = signed_in(member)
        token = Token.objects.create(user=member)
        open_sockets_then([socket_headers(cookie)], change, expect_closed=[0])
        assert not cookie_works(cookie) and not token_works(token)
    assert list(AuditEntry.objects.filter(action="revoke_sessions").values_list("comment", flat=True)) == [
        "password", "password"
    ]
    assert User.objects.get(pk=member.pk).check_password(NEW_PASSWORD + "2")


# --- Unit and role ---------------------------------------------------------------------------------


def test_a_unit_change_in_the_admin_closes_the_socket_so_no_event_of_the_old_unit_reaches_it(member, admin_user, roster):
    _, cookie = signed_in(member)
    token = Token.objects.create(user=member)
    admin = admin_client(admin_user)

    def change():
        answer = admin.post(
            f"/admin/units/user/{member.pk}/change/", change_form_data(member, unit=roster["public-security"].pk)
        )
        assert answer.status_code == 302, answer.content.decode()[:2000]

    open_sockets_then([socket_headers(cookie)], change, expect_closed=[0])
    assert User.objects.get(pk=member.pk).unit == roster["public-security"]
    assert not cookie_works(cookie) and not token_works(token)
    assert AuditEntry.objects.get(action="revoke_sessions").comment == "unit"


def test_a_demoted_office_user_socket_is_closed_before_any_command_event_reaches_it(office, leader, admin_user, roster):
    _, cookie = signed_in(office)
    token = Token.objects.create(user=office)
    admin = admin_client(admin_user)

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/dashboard/", headers=socket_headers(cookie))
        assert (await socket.connect())[0]

        def demote_then_propose():
            answer = admin.post(
                f"/admin/units/user/{office.pk}/change/",
                change_form_data(office, unit=roster["education"].pk, role=Role.UNIT),
            )
            assert answer.status_code == 302, answer.content.decode()[:2000]
            # Events right after the demotion (an orange warning, its response and tasks).
            alert_create(actor=leader, level="orange", reason="after the demotion", basis="")

        await sync_to_async(demote_then_propose)()
        received = []
        while True:
            output = await socket.receive_output(timeout=8)
            if output["type"] == "websocket.close":
                assert output["code"] == CLOSE_REVOKED
                break
            received.append(output["text"])
        # Nothing after the revocation: the warning's events never reached the demoted socket.
        assert not any("alert." in text for text in received), received

    asyncio.run(scenario())
    assert not cookie_works(cookie) and not token_works(token)
    assert AuditEntry.objects.get(action="revoke_sessions").comment == "unit+role"


def test_a_role_change_by_add_user_revokes_and_a_save_without_change_does_not(office, admin_user, roster):
    _, cookie = signed_in(office)
    admin = admin_client(admin_user)
    # Saving the form unchanged revokes nothing.
    assert admin.post(f"/admin/units/user/{office.pk}/change/", change_form_data(office)).status_code == 302
    assert cookie_works(cookie)
    assert not AuditEntry.objects.filter(action="revoke_sessions").exists()

    change = lambda: call_command("add_user", office.username, role=Role.LEADER, unit="office")  # noqa: E731
    open_sockets_then([socket_headers(cookie)], change, expect_closed=[0])
    assert not cookie_works(cookie)
    audit = AuditEntry.objects.get(action="revoke_sessions")
    assert (audit.comment, audit.actor_id) == ("role", None)
