"""The dashboard WebSocket over the real Redis push path (channels.testing, real Redis, real PostgreSQL)."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from alerts.services import alert_create
from command_center.asgi import application
from events.models import Event
from responses.models import TaskAssignment
from responses.services import assignment_acknowledge
from tests.factories import alert_issue

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.basis_rule]


def session_headers(user, origin="http://localhost"):
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return [(b"cookie", cookie.encode()), (b"origin", origin.encode()), (b"host", b"localhost")]


async def receive_all(communicator, *, until, timeout=5.0):
    """Collect messages until ``until(messages)`` holds (or fail after ``timeout``)."""
    messages = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not until(messages):
        remaining = deadline - loop.time()
        assert remaining > 0, f"timed out; got {[m['type'] for m in messages]}"
        messages.extend(json.loads(await communicator.receive_from(timeout=remaining)))
    return messages


def socket_for(user, path="/ws/dashboard/", origin="http://localhost"):
    """Build (synchronously: it logs in) a communicator factory for use inside the event loop."""
    headers = session_headers(user, origin) if user is not None else [(b"origin", origin.encode()), (b"host", b"localhost")]
    return lambda: WebsocketCommunicator(application, path, headers=headers)


def test_unit_member_receives_warning_and_own_tasks_but_never_another_units(office, member, other_member):
    mine_socket, theirs_socket = socket_for(member), socket_for(other_member)

    async def scenario():
        mine, theirs = mine_socket(), theirs_socket()
        assert (await mine.connect())[0] and (await theirs.connect())[0]
        await sync_to_async(alert_create)(actor=office, level="yellow", reason="PM2.5 forecast")
        own_tasks = await sync_to_async(TaskAssignment.objects.filter(unit=member.unit).count)()
        messages = await receive_all(
            mine, until=lambda m: sum(x["type"] == "assignment.created" for x in m) == own_tasks
        )
        assert any(m["type"] == "alert.issued" and m["payload"]["level"] == "yellow" for m in messages)
        assert {m["payload"]["unit"] for m in messages if m["type"].startswith("assignment.")} == {member.unit_id}
        ids = [m["id"] for m in messages]
        assert ids == sorted(ids) and len(ids) == len(set(ids))
        # Nothing of the other unit's ever arrives, even once its own tasks have come in.
        other = await receive_all(theirs, until=lambda m: any(x["type"] == "alert.issued" for x in m))
        await asyncio.sleep(0.5)
        while not await theirs.receive_nothing(timeout=0.2):
            other.extend(json.loads(await theirs.receive_from()))
        assert all(m["payload"]["unit"] == other_member.unit_id for m in other if m["type"].startswith("assignment."))
        await mine.disconnect()
        await theirs.disconnect()

    asyncio.run(scenario())


def test_anonymous_socket_is_refused(roster):
    anonymous = socket_for(None)

    async def scenario():
        communicator = anonymous()
        connected, code = await communicator.connect()
        assert not connected

    asyncio.run(scenario())


def test_cross_origin_socket_is_refused(member):
    evil = socket_for(member, origin="http://evil.example")

    async def scenario():
        communicator = evil()
        connected, _ = await communicator.connect()
        assert not connected

    asyncio.run(scenario())


def test_reconnect_with_after_replays_missed_events_in_order_without_duplicates(office, member):
    alert_issue(actor=office, level="yellow", reason="first")
    last_seen = Event.objects.order_by("id").first().id  # the client saw only the first event

    resume = socket_for(member, path=f"/ws/dashboard/?after={last_seen}")

    async def scenario():
        communicator = resume()
        assert (await communicator.connect())[0]
        expected = await sync_to_async(
            lambda: list(
                Event.objects.filter(id__gt=last_seen)
                .filter(audience__in=["all"]).values_list("id", flat=True)
                .union(Event.objects.filter(id__gt=last_seen, unit=member.unit).values_list("id", flat=True))
            )
        )()
        messages = await receive_all(communicator, until=lambda m: len(m) >= len(expected))
        assert [m["id"] for m in messages] == sorted(expected)
        # Live events keep coming after the replay.
        assignment = await sync_to_async(TaskAssignment.objects.filter(unit=member.unit).first)()
        await sync_to_async(assignment_acknowledge)(assignment=assignment, actor=member)
        live = await receive_all(communicator, until=lambda m: any(x["type"] == "assignment.acknowledged" for x in m))
        assert all(m["id"] > messages[-1]["id"] for m in live)
        await communicator.disconnect()

    asyncio.run(scenario())


def test_http_catch_up_serves_the_same_events_as_the_socket(office, member, api_as):
    alert_issue(actor=office, level="yellow", reason="http")
    body = api_as(member).get("/api/events/?after=0").json()
    ids = [e["id"] for e in body["results"]]
    assert ids == sorted(ids)
    assert all(e["audience"] == "all" or e["unit"] == member.unit_id for e in body["results"])
    assert any(e["type"] == "assignment.created" for e in body["results"])
    assert api_as(member).get("/api/events/?after=x").status_code == 400
    anonymous = api_as(None).get("/api/events/")
    assert (anonymous.status_code, anonymous.json()) == (403, {"detail": "身份认证信息未提供。"})


def test_a_warning_reaches_a_unit_in_one_frame_with_its_own_tasks(office, member):
    """The warning, its response and the unit's assignments are one transaction: one frame."""
    mine_socket = socket_for(member)

    async def scenario():
        mine = mine_socket()
        assert (await mine.connect())[0]
        await sync_to_async(alert_create)(actor=office, level="yellow", reason="one frame")
        frame = json.loads(await mine.receive_from(timeout=15))
        own = await sync_to_async(
            lambda: set(Event.objects.filter(unit=member.unit, type="assignment.created").values_list("id", flat=True))
        )()
        types = [e["type"] for e in frame]
        assert types[:2] == ["alert.issued", "response.opened"]
        assert {e["id"] for e in frame if e["type"] == "assignment.created"} == own and own
        assert [e["id"] for e in frame] == sorted(e["id"] for e in frame)
        assert await mine.receive_nothing(timeout=0.3)
        await mine.disconnect()

    asyncio.run(scenario())


def test_events_of_a_rolled_back_savepoint_are_never_published(roster):
    """One publication per transaction, holding only the events that committed."""
    import redis
    from django.conf import settings
    from django.db import transaction

    from events.push import events_channel
    from events.services import event_record

    client = redis.Redis.from_url(settings.REDIS_URL)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(events_channel())
    pubsub.get_message(timeout=1)
    with transaction.atomic():
        kept = event_record(type="test.kept", payload={})
        try:
            with transaction.atomic():
                event_record(type="test.undone", payload={})
                raise RuntimeError("roll back this savepoint")
        except RuntimeError:
            pass
        with transaction.atomic():
            also = event_record(type="test.also", payload={})
    with transaction.atomic():
        event_record(type="test.never", payload={})
        transaction.set_rollback(True)
    messages = []
    while (message := pubsub.get_message(timeout=1)) is not None:
        messages.append(json.loads(message["data"]))
    pubsub.close()
    assert [[item["type"] for item in batch] for batch in messages] == [["test.kept", "test.also"]]
    assert [item["id"] for item in messages[0]] == [kept.id, also.id]


def test_run_eagerly_finishes_in_place_or_in_a_task():
    from events.hub import run_eagerly

    async def scenario():
        done = []

        async def quick():
            done.append("quick")

        async def slow(gate):
            done.append("slow started")
            value = await gate
            done.append(f"slow got {value}")
            return value

        assert run_eagerly(quick()) is None and done == ["quick"]  # no task: it ran right here
        gate = asyncio.get_running_loop().create_future()
        task = run_eagerly(slow(gate))
        assert done[-1] == "slow started" and not task.done()
        gate.set_result(7)
        assert await task == 7 and done[-1] == "slow got 7"
        blocked = run_eagerly(slow(asyncio.get_running_loop().create_future()))
        blocked.cancel()
        with pytest.raises(asyncio.CancelledError):
            await blocked

    asyncio.run(scenario())


# --- Issue 12 item 6: a cursor this database never gave ------------------------------------------------


def test_a_socket_with_a_cursor_beyond_the_newest_event_is_told_to_reset_then_streams(office, member):
    alert_issue(actor=office, level="yellow", reason="before the restore")
    newest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    from_elsewhere = socket_for(member, path=f"/ws/dashboard/?after={newest + 5000}")

    async def scenario():
        communicator = from_elsewhere()
        assert (await communicator.connect())[0]
        first = json.loads(await communicator.receive_from(timeout=5))
        assert first == [{"id": None, "type": "reset", "payload": {"last_id": newest}}]
        # Then it streams as usual: the next event reaches it.
        assignment = await sync_to_async(TaskAssignment.objects.filter(unit=member.unit).first)()
        await sync_to_async(assignment_acknowledge)(assignment=assignment, actor=member)
        live = await receive_all(communicator, until=lambda m: any(x["type"] == "assignment.acknowledged" for x in m))
        assert all(m["id"] > newest for m in live)
        await communicator.disconnect()

    asyncio.run(scenario())


def test_a_socket_on_an_empty_database_with_an_old_cursor_is_told_to_reset(member):
    stale = socket_for(member, path="/ws/dashboard/?after=42")

    async def scenario():
        communicator = stale()
        assert (await communicator.connect())[0]
        assert json.loads(await communicator.receive_from(timeout=5)) == [
            {"id": None, "type": "reset", "payload": {"last_id": 0}}
        ]
        await communicator.disconnect()

    asyncio.run(scenario())


def test_a_socket_with_the_newest_cursor_gets_no_reset(office, member):
    alert_issue(actor=office, level="yellow", reason="up to date")
    newest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    current = socket_for(member, path=f"/ws/dashboard/?after={newest}")

    async def scenario():
        communicator = current()
        assert (await communicator.connect())[0]
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()

    asyncio.run(scenario())


def test_http_catch_up_with_a_cursor_beyond_the_newest_event_answers_409_reset(office, member, api_as):
    alert_issue(actor=office, level="yellow", reason="http reset")
    newest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    answer = api_as(member).get(f"/api/events/?after={newest + 1}")
    assert answer.status_code == 409
    assert answer.json() == {
        "detail": "This event id is unknown here or older than the replay keeps: reload, then continue after last_id.",
        "reset": True, "last_id": newest
    }
    # Continuing after last_id works, and the newest cursor itself is no reset.
    assert api_as(member).get(f"/api/events/?after={newest}").json()["results"] == []
    assert api_as(office).get(f"/api/events/?after={newest - 1}").json()["results"][0]["id"] == newest


# --- Issue 13 §4: the replay's retention rule (EVENTS_REPLAY_WINDOW) -------------------------------------


def test_a_socket_with_a_cursor_older_than_the_replay_window_is_told_to_reset_then_streams(office, member, settings):
    alert_issue(actor=office, level="yellow", reason="years of history")
    newest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    assert newest > 3
    settings.EVENTS_REPLAY_WINDOW = 2
    old = socket_for(member, path=f"/ws/dashboard/?after={newest - 3}")

    async def scenario():
        communicator = old()
        assert (await communicator.connect())[0]
        # The reset, and nothing of the history before it: the page reloads instead.
        assert json.loads(await communicator.receive_from(timeout=5)) == [
            {"id": None, "type": "reset", "payload": {"last_id": newest}}
        ]
        assert await communicator.receive_nothing(timeout=0.3)
        assignment = await sync_to_async(TaskAssignment.objects.filter(unit=member.unit).first)()
        await sync_to_async(assignment_acknowledge)(assignment=assignment, actor=member)
        live = await receive_all(communicator, until=lambda m: any(x["type"] == "assignment.acknowledged" for x in m))
        assert all(m["id"] > newest for m in live)
        await communicator.disconnect()

    asyncio.run(scenario())


def test_a_cursor_inside_the_replay_window_is_replayed(office, member, settings):
    alert_issue(actor=office, level="yellow", reason="recent history")
    newest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    settings.EVENTS_REPLAY_WINDOW = 3
    recent = socket_for(office, path=f"/ws/dashboard/?after={newest - 3}")

    async def scenario():
        communicator = recent()
        assert (await communicator.connect())[0]
        frame = json.loads(await communicator.receive_from(timeout=5))
        assert [e["id"] for e in frame] == [newest - 2, newest - 1, newest]
        await communicator.disconnect()

    asyncio.run(scenario())


def test_http_catch_up_older_than_the_replay_window_answers_409_reset(office, member, api_as, settings):
    alert_issue(actor=office, level="yellow", reason="http window")
    newest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    settings.EVENTS_REPLAY_WINDOW = 2
    answer = api_as(office).get("/api/events/?after=0")
    assert answer.status_code == 409
    assert answer.json()["last_id"] == newest
    assert [e["id"] for e in api_as(office).get(f"/api/events/?after={newest - 2}").json()["results"]] == [
        newest - 1, newest
    ]


# --- Issue 12 item 7: the origin check compares scheme, host and port ---------------------------------


def _connects(user, origin, host="localhost", scheme="ws", settings_trusted=None) -> bool:
    client = Client()
    client.force_login(user)
    headers = [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()), (b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/dashboard/", headers=headers)
        communicator.scope["scheme"] = scheme
        connected, _ = await communicator.connect()
        if connected:
            await communicator.disconnect()
        return connected

    return asyncio.run(scenario())


def test_a_socket_from_another_port_or_scheme_of_the_same_host_is_refused(member):
    assert not _connects(member, "http://127.0.0.1:9999", host="127.0.0.1:8000")
    assert not _connects(member, "http://127.0.0.1:9999", host="127.0.0.1")
    assert not _connects(member, "http://localhost:8000")  # Host without a port is port 80
    assert not _connects(member, "https://localhost")  # a plain ws:// socket is not the https page's
    assert not _connects(member, "http://localhost", scheme="wss")
    assert not _connects(member, None)  # browsers always send an Origin
    assert not _connects(member, "null")
    assert not _connects(member, "http://localhost:notaport")
    assert not _connects(member, "http://evil.example:8000", host="evil.example:8000")  # not in ALLOWED_HOSTS


def test_a_socket_from_the_sites_own_origin_is_accepted_with_or_without_a_port(member, settings):
    assert _connects(member, "http://127.0.0.1:8000", host="127.0.0.1:8000")
    assert _connects(member, "http://localhost:80", host="localhost")
    assert _connects(member, "https://localhost", host="localhost:443", scheme="wss")
    settings.CSRF_TRUSTED_ORIGINS = ["https://command.example.gov.cn"]
    assert _connects(member, "https://command.example.gov.cn", host="localhost")
    assert not _connects(member, "https://command.example.gov.cn:8443", host="localhost")


def test_an_http_post_from_another_port_is_refused_by_the_csrf_origin_check(member):
    """The same kind on HTTP: Django's CSRF check compares the Origin's scheme, host and port too."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get("/dashboard/unit/")
    token = client.cookies["csrftoken"].value
    foreign = client.post("/logout/", HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="http://testserver:9999")
    assert foreign.status_code == 403 and "CSRF" in foreign.content.decode()
    own = client.post("/logout/", HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="http://testserver")
    assert own.status_code == 302


def test_the_listener_ends_when_cancelled_even_as_its_inbox_answers():
    """An event loop's shutdown cancels the hub's pump once; a cancellation that comes as a batch arrives
    must end it (Python 3.11's ``asyncio.wait_for`` returned the batch instead, gh-86296, and the pump
    then kept ``asyncio.run`` waiting for ever)."""
    from events.hub import Hub

    async def scenario():
        hub = Hub()
        pump = asyncio.ensure_future(hub._pump())
        await asyncio.sleep(0.05)  # waiting on its inbox
        hub._inbox.put_nowait([])  # a batch arrives…
        pump.cancel()  # …as the loop shuts down
        try:
            await asyncio.wait_for(asyncio.shield(pump), timeout=5)
        except asyncio.CancelledError:
            return "cancelled"
        except TimeoutError:
            pump.cancel()
            return "still running"
        return "returned"

    assert asyncio.run(scenario()) == "cancelled"
