"""Section 9: WebSockets refuse anonymous, cross-origin and other units' traffic; deactivation closes sockets.

The anonymous, cross-origin and other-unit cases are in tests/test_realtime.py; this adds a
deactivated user: their open socket closes with 4403, their sessions end, the old cookie is
anonymous, and a reconnect is refused. Real Redis and PostgreSQL; communicators are built
synchronously, outside the event loop.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.authtoken.models import Token

from command_center.asgi import application
from events.choices import Audience, EventType
from events.hub import CLOSE_REVOKED
from events.models import AuditEntry, Event
from units.models import User
from units.services import user_deactivate

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, client.cookies["sessionid"].value


def socket_headers(cookie: str | None, origin: str = "http://localhost") -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return headers


async def wait_for_close(communicator: WebsocketCommunicator, timeout: float = 8.0) -> dict:
    """Read what the socket is sent until it is closed; answer the close message."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        assert remaining > 0, "the socket was not closed"
        output = await communicator.receive_output(timeout=remaining)
        if output["type"] == "websocket.close":
            return output


async def receive_until(communicator: WebsocketCommunicator, predicate, timeout: float = 8.0) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        assert remaining > 0, "the expected message did not arrive"
        for message in json.loads(await communicator.receive_from(timeout=remaining)):  # a frame is an array
            if predicate(message):
                return message


def test_deactivating_a_user_closes_their_socket_and_ends_their_sessions(member, other_member, office, admin_user):
    _, phone = signed_in(member)
    _, desk = signed_in(member)  # a second device
    _, bystander = signed_in(other_member)
    _, command = signed_in(office)
    token = Token.objects.create(user=member)
    member_headers, command_headers = socket_headers(phone), socket_headers(command)
    bystander_headers = socket_headers(bystander)

    async def scenario():
        theirs = WebsocketCommunicator(application, "/ws/dashboard/", headers=member_headers)
        others = WebsocketCommunicator(application, "/ws/dashboard/", headers=bystander_headers)
        office_socket = WebsocketCommunicator(application, "/ws/dashboard/", headers=command_headers)
        for communicator in (theirs, others, office_socket):
            assert (await communicator.connect())[0]
        await sync_to_async(user_deactivate)(user=member, actor=admin_user)
        closed = await wait_for_close(theirs)
        assert closed["code"] == CLOSE_REVOKED == 4403
        # The command sees the revocation; nobody else's socket is touched.
        revoked = await receive_until(office_socket, lambda m: m["type"] == EventType.SESSION_REVOKED)
        assert revoked["payload"] == {"user": member.pk, "reason": "deactivate"}
        for communicator in (others, office_socket):
            await communicator.send_to(text_data="ping")
            assert await communicator.receive_from(timeout=5) == "pong"
        # The same cookie cannot open a new socket.
        again = WebsocketCommunicator(application, "/ws/dashboard/", headers=member_headers)
        connected, _ = await again.connect()
        assert not connected
        for communicator in (others, office_socket):
            await communicator.disconnect()

    asyncio.run(scenario())

    assert not Session.objects.filter(session_key__in=[phone, desk]).exists()
    assert Session.objects.filter(session_key__in=[bystander, command]).count() == 2
    for cookie in (phone, desk):
        old = Client()
        old.cookies["sessionid"] = cookie
        answer = old.get("/dashboard/unit/")
        assert answer.status_code == 302 and "/login/" in answer["Location"]
        assert old.get("/api/assignments/").status_code == 403
    revoked = Client().get("/api/assignments/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert (revoked.status_code, revoked.json()) == (403, {"detail": "认证令牌无效。"})
    assert not Token.objects.filter(user=member).exists()
    event = Event.objects.get(type=EventType.SESSION_REVOKED)
    assert event.audience == Audience.COMMAND and event.payload == {"user": member.pk, "reason": "deactivate"}
    audit = AuditEntry.objects.get(action="deactivate")
    assert (audit.target_type, audit.target_id, audit.actor_id) == ("user", member.pk, admin_user.pk)
    assert audit.data == {"sessions_ended": 2, "token_revoked": True}
    # Doing it again changes nothing: no second event, no second audit row.
    user_deactivate(user=member, actor=admin_user)
    assert Event.objects.filter(type=EventType.SESSION_REVOKED).count() == 1
    assert AuditEntry.objects.filter(action="deactivate").count() == 1


def test_the_admin_action_and_the_change_form_deactivate_through_the_same_hook(member, other_member, admin_user):
    _, member_cookie = signed_in(member)
    _, other_cookie = signed_in(other_member)
    admin = Client()
    admin.force_login(admin_user)

    answer = admin.post(
        "/admin/units/user/", {"action": "deactivate_users", "_selected_action": [member.pk]}, follow=True
    )
    assert answer.status_code == 200
    assert not User.objects.get(pk=member.pk).is_active
    assert not Session.objects.filter(session_key=member_cookie).exists()

    # Unticking "active" on the change form runs the same post-deactivation hook.
    form = admin.get(f"/admin/units/user/{other_member.pk}/change/")
    assert form.status_code == 200
    data = {
        "username": other_member.username, "email": other_member.email, "first_name": "", "last_name": "",
        "unit": other_member.unit_id, "role": "unit",
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": "",
    }  # is_active left out: an unticked checkbox
    answer = admin.post(f"/admin/units/user/{other_member.pk}/change/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert not User.objects.get(pk=other_member.pk).is_active
    assert not Session.objects.filter(session_key=other_cookie).exists()
    revoked = {e.payload["user"] for e in Event.objects.filter(type=EventType.SESSION_REVOKED)}
    assert revoked == {member.pk, other_member.pk}
    assert AuditEntry.objects.filter(action="deactivate").count() == 2
    # The admin's own session is untouched.
    assert admin.get("/admin/").status_code == 200
