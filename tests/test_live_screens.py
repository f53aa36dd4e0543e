"""Screens carried in the frames (issue 13 §1): each batch's last frame holds the socket's live part,
rendered once per audience and language by the hub, the same text ``?fragment=1`` answers."""

import asyncio
import dataclasses
import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from alerts.services import alert_create
from events import screens
from responses.models import TaskAssignment
from tests.factories import issued_this_morning
from tests.test_realtime import socket_for
from units.services import user_create

pytestmark = pytest.mark.django_db(transaction=True)


async def next_batch(communicator, timeout=15.0) -> list[dict]:
    """Frames until one ends with a screen part (or, with none asked, one frame)."""
    events = []
    while True:
        frame = json.loads(await communicator.receive_from(timeout=timeout))
        events.extend(frame)
        if "screen" in frame[-1] or not any("screen" in e for e in frame):
            return events


@pytest.fixture
def render_calls(monkeypatch):
    """Count each screen's renders: (name, language, audiences) per call."""
    calls = []
    originals = dict(screens._screens)

    def counting(screen):
        def render(audiences, language):
            calls.append((screen.name, language, tuple(audiences)))
            return screen.render(audiences, language)

        return dataclasses.replace(screen, render=render)

    for name, screen in originals.items():
        monkeypatch.setitem(screens._screens, name, counting(screen))
    return calls


def fragment_of(user, path, language):
    client = Client()
    client.force_login(user)
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_a_units_members_get_the_warning_and_their_tasks_rendered_once_in_the_frame(
    office, member, other_member, render_calls
):
    colleague = user_create(username="colleague-live", role="unit", password="x-pass-2026", unit=member.unit)
    query = "/ws/dashboard/?screen=unit&lang=en"
    mine, colleagues, theirs, bare = (
        socket_for(member, query), socket_for(colleague, query), socket_for(other_member, query),
        socket_for(member, "/ws/dashboard/"),
    )

    async def scenario():
        sockets = [mine(), colleagues(), theirs(), bare()]
        for s in sockets:
            assert (await s.connect())[0]
        await sync_to_async(alert_create)(actor=office, level="yellow", reason="frame carries the screen")
        batches = [await next_batch(s) for s in sockets]
        for s in sockets:
            await s.disconnect()
        return batches

    mine_batch, colleague_batch, their_batch, bare_batch = asyncio.run(scenario())
    screen = mine_batch[-1]["screen"]
    assert screen["name"] == "unit" and screen["through"] >= mine_batch[-1]["id"]  # the whole batch, all units'
    # The contract holds: an array of events in id order, each {"id","type","payload"}; the part rides
    # beside them on the last event only.
    assert [e["id"] for e in mine_batch] == sorted(e["id"] for e in mine_batch)
    assert all({"id", "type", "payload"} <= set(e) for e in mine_batch)
    assert all("screen" not in e for e in mine_batch[:-1])
    html = screen["html"]
    assert "banner level-yellow" in html and "Tasks" in html  # English, as the page asked
    mine = set(TaskAssignment.objects.filter(unit=member.unit).values_list("pk", flat=True))
    assert mine and all(f'id="task-{pk}"' in html for pk in mine)
    assert colleague_batch[-1]["screen"] == screen  # the same unit: the same text
    theirs = their_batch[-1]["screen"]["html"]
    assert theirs != html
    theirs_ids = set(TaskAssignment.objects.filter(unit=other_member.unit).values_list("pk", flat=True))
    assert all(f'id="task-{pk}"' in theirs for pk in theirs_ids)
    assert not any(f'id="task-{pk}"' in theirs for pk in mine)
    assert not any("screen" in e for e in bare_batch)  # no screen asked: events only, as before
    # One render for the batch, covering both units once each, in the one language asked.
    unit_calls = [c for c in render_calls if c[0] == "unit"]
    assert unit_calls == [("unit", "en", tuple(sorted([member.unit_id, other_member.unit_id])))]
    # The same text the page's HTTP fallback answers.
    assert fragment_of(member, "/dashboard/unit/?fragment=1", "en") == html


def test_frames_are_ascii_json_and_decode_to_the_chinese_screen(office, member):
    """The server encodes each socket's text to UTF-8 (ASGI sends a str): frames are ASCII so that is a copy
    (``events.hub``, measured there). Live and replayed frames alike; JSON readers get the Chinese back."""
    live = socket_for(member, "/ws/dashboard/?screen=unit&lang=zh-hans")
    replayed = socket_for(member, "/ws/dashboard/?after=0")

    async def scenario():
        s = live()
        assert (await s.connect())[0]
        await sync_to_async(alert_create)(actor=office, level="yellow", reason="中文理由")
        texts = [await s.receive_from(timeout=15)]
        while "screen" not in json.loads(texts[-1])[-1]:
            texts.append(await s.receive_from(timeout=15))
        await s.disconnect()
        replay = replayed()
        assert (await replay.connect())[0]
        texts.append(await replay.receive_from(timeout=15))
        await replay.disconnect()
        return texts

    texts = asyncio.run(scenario())
    assert all(text.isascii() for text in texts), [t for t in texts if not t.isascii()][0][:200]
    batch = [e for text in texts[:-1] for e in json.loads(text)]
    assert "黄色预警生效中" in batch[-1]["screen"]["html"]
    assert any(e["type"] == "alert.issued" for e in json.loads(texts[-1]))


def test_the_command_screens_are_rendered_once_each_for_every_desk(office, leader, leader2, render_calls):
    office_socket = socket_for(office, "/ws/dashboard/?screen=office&lang=zh-hans")
    other_desk = socket_for(office, "/ws/dashboard/?screen=office&lang=zh-hans")
    leaders = [socket_for(leader, "/ws/dashboard/?screen=leader&lang=zh-hans"),
               socket_for(leader2, "/ws/dashboard/?screen=leader&lang=zh-hans")]
    wall = socket_for(office, "/ws/dashboard/?screen=wall&lang=en")

    async def scenario():
        sockets = [office_socket(), other_desk(), *(s() for s in leaders), wall()]
        for s in sockets:
            assert (await s.connect())[0]
        await sync_to_async(alert_create)(actor=office, level="red", reason="待批")
        batches = [await next_batch(s) for s in sockets]
        for s in sockets:
            await s.disconnect()
        return batches

    office_batch, desk_batch, one_leader, two_leader, wall_batch = asyncio.run(scenario())
    assert office_batch[-1]["screen"] == desk_batch[-1]["screen"]
    assert office_batch[-1]["screen"]["name"] == "office"
    assert one_leader[-1]["screen"] == two_leader[-1]["screen"]
    leader_html = one_leader[-1]["screen"]["html"]
    pending = one_leader[-1]["payload"]
    assert "data-approve=" in leader_html and "csrfmiddlewaretoken" not in leader_html, pending
    assert wall_batch[-1]["screen"]["name"] == "wall" and "units" in wall_batch[-1]["screen"]["html"]
    assert sorted(c[:2] for c in render_calls) == [("leader", "zh-hans"), ("office", "zh-hans"), ("wall", "en")]
    assert fragment_of(leader, "/dashboard/leader/?fragment=1", "zh-hans") == leader_html


def test_a_screen_the_user_may_not_watch_is_not_sent(office, member, render_calls):
    """A unit member asking for the office's screen gets their events, never the command's grid."""
    prying = socket_for(member, "/ws/dashboard/?screen=office&lang=zh-hans")
    unknown = socket_for(member, "/ws/dashboard/?screen=nothing&lang=xx")

    async def scenario():
        sockets = [prying(), unknown()]
        for s in sockets:
            assert (await s.connect())[0]
        await sync_to_async(alert_create)(actor=office, level="yellow", reason="no prying")
        frames = [json.loads(await s.receive_from(timeout=15)) for s in sockets]
        for s in sockets:
            await s.disconnect()
        return frames

    for frame in asyncio.run(scenario()):
        assert frame and not any("screen" in e for e in frame)
    assert render_calls == []


def test_a_failing_renderer_leaves_the_events_flowing_without_the_part(office, member, monkeypatch):
    """The page then fetches its live part over HTTP (dashboard.js): nothing is lost."""

    def broken(audiences, language):
        raise RuntimeError("template bug")

    unit = screens._screens["unit"]
    monkeypatch.setitem(screens._screens, "unit", screens.Screen("unit", False, unit.allowed, broken))
    mine = socket_for(member, "/ws/dashboard/?screen=unit&lang=zh-hans")

    async def scenario():
        s = mine()
        assert (await s.connect())[0]
        await sync_to_async(alert_create)(actor=office, level="yellow", reason="broken renderer")
        frame = json.loads(await s.receive_from(timeout=15))
        await s.disconnect()
        return frame

    frame = asyncio.run(scenario())
    assert frame[0]["type"] == "alert.issued" and not any("screen" in e for e in frame)


def test_a_transaction_rolled_back_whole_leaves_nothing_in_the_next_ones_batch(roster):
    """Issue 13 §2 item 10: one publication per transaction through transaction.on_commit only."""
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
        event_record(type="test.gone", payload={})
        transaction.set_rollback(True)
    with transaction.atomic():
        first = event_record(type="test.first", payload={})
        with transaction.atomic():
            second = event_record(type="test.second", payload={})
    messages = []
    while (message := pubsub.get_message(timeout=1)) is not None:
        messages.append(json.loads(message["data"]))
    pubsub.close()
    assert [[(item["type"], item["id"]) for item in batch] for batch in messages] == [
        [("test.first", first.id), ("test.second", second.id)]
    ]


@pytest.mark.django_db
def test_rendering_every_unit_screen_costs_the_queries_of_one(office, roster):
    """The hub renders each open unit screen after a warning: one pass reads every unit's tasks at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dashboards.screens import render_units

    alert_create(actor=office, level="yellow", reason="one pass")
    every = sorted(u.pk for u in roster.values())
    with CaptureQueriesContext(connection) as one:
        render_units([roster["education"].pk], "zh-hans")
    with CaptureQueriesContext(connection) as all_units:
        rendered = render_units(every, "zh-hans")
    assert set(rendered) == set(every)
    assert len(all_units.captured_queries) == len(one.captured_queries)


def test_the_days_board_and_the_compliance_page_come_in_the_frame_once_per_subject(office, leader, member, render_calls):
    """Issue 13 §1 leftovers: a day's reports board and a response's compliance page are screens of one thing
    (``&subject=<id>``), rendered once per subject and language, the same text ``?fragment=1`` answers; a
    subject that does not exist, none, or a reader who may not watch the screen gets events only."""
    from reports.models import ReportDay
    from reports.services import report_day_close, report_days_open

    alert = issued_this_morning(actor=office, level="yellow", reason="报表看板")
    report_days_open()
    day = ReportDay.objects.get(response__alert=alert)
    response_id = day.response_id
    board = f"/ws/dashboard/?screen=reports&lang=zh-hans&subject={day.pk}"
    compliance = f"/ws/dashboard/?screen=compliance&lang=en&subject={response_id}"
    factories = [socket_for(office, board), socket_for(leader, board), socket_for(office, compliance),
                 socket_for(office, "/ws/dashboard/?screen=reports&lang=zh-hans&subject=999999"),
                 socket_for(office, "/ws/dashboard/?screen=reports&lang=zh-hans"),
                 socket_for(office, f"/ws/dashboard/?screen=compliance&lang=en&subject={response_id}x")]
    prying = socket_for(member, f"/ws/dashboard/?screen=reports&lang=zh-hans&subject={day.pk}")

    async def scenario():
        sockets = [f() for f in factories]
        for s in sockets:
            assert (await s.connect())[0]
        outsider = prying()
        assert (await outsider.connect())[0]
        await sync_to_async(report_day_close)(report_day=day, actor=office)
        batches = [await next_batch(s) for s in sockets]
        for s in sockets:
            await s.disconnect()
        await outsider.disconnect()
        return batches

    office_board, leader_board, office_compliance, *bare = asyncio.run(scenario())
    assert office_board[-1]["type"] == "report.daily"
    part = office_board[-1]["screen"]
    assert part == leader_board[-1]["screen"] and part["name"] == "reports" and part["through"] == office_board[-1]["id"]
    assert part["html"] == fragment_of(office, f"/reports/days/{day.pk}/?fragment=1", "zh-hans")
    assert 'id="daily-board"' in part["html"] and "已关闭" in part["html"]
    shown = office_compliance[-1]["screen"]
    assert shown["name"] == "compliance"
    assert shown["html"] == fragment_of(office, f"/reductions/responses/{response_id}/compliance/?fragment=1", "en")
    assert "data-compliance-totals" in shown["html"]
    for batch in bare:
        assert batch and not any("screen" in e for e in batch)
    assert sorted(render_calls) == [("compliance", "en", (response_id,)), ("reports", "zh-hans", (day.pk,))]
