"""Render once per cluster (issue 13 §1, the spread target): with Redis, the web processes render each batch's
screens once between them (``events.screens.screens_shared``). Real Redis; each "process" here is a caller with
its own client, as each web process's hub has."""

import asyncio
import time
import uuid

import pytest
import redis.asyncio as aioredis
from django.conf import settings

from events.screens import screens_shared

def renderer(calls, *, delay=0.0, fail=False, who="a"):
    """A render that counts its calls and answers ``<who>:<screen>:<audience>`` for each audience asked."""

    async def render(wanted):
        calls.append((who, {part: sorted(a or 0 for a in audiences) for part, audiences in wanted.items()}))
        await asyncio.sleep(delay)
        if fail:
            raise RuntimeError("renderer died")
        return {(*part, a): f'"{who}:{part[0]}:{a}"' for part, audiences in wanted.items() for a in audiences}

    return render


def run(scenario):
    async def main():
        clients = [aioredis.Redis.from_url(settings.REDIS_URL) for _ in range(3)]
        try:
            return await scenario(clients, f"test-shared-{uuid.uuid4().hex}")
        finally:
            for client in clients:
                await client.aclose()

    return asyncio.run(main())


def test_two_processes_render_a_batch_once_and_both_send_the_same_screens():
    calls = []
    wanted = {("unit", "zh-hans"): {1, 2}, ("office", "zh-hans"): {None}}

    async def scenario(clients, prefix):
        return await asyncio.gather(
            screens_shared(clients[0], prefix, wanted, "41:t", renderer(calls, delay=0.2, who="a")),
            screens_shared(clients[1], prefix, wanted, "41:t", renderer(calls, delay=0.2, who="b")),
        )

    first, second = run(scenario)
    assert first == second and len(first) == 3
    assert len(calls) == 1  # one render for both processes
    assert first[("unit", "zh-hans", 2)] == f'"{calls[0][0]}:unit:2"'


def test_a_unit_the_renderer_did_not_want_is_rendered_by_the_process_that_wants_it():
    calls = []

    async def scenario(clients, prefix):
        return await asyncio.gather(
            screens_shared(clients[0], prefix, {("unit", "en"): {1, 2}}, "42:t", renderer(calls, delay=0.1, who="a")),
            screens_shared(clients[1], prefix, {("unit", "en"): {2, 3}}, "42:t", renderer(calls, delay=0.1, who="b")),
        )

    first, second = run(scenario)
    winner, loser = ("a", "b") if calls[0][0] == "a" else ("b", "a")
    assert calls[0][1] == {("unit", "en"): [1, 2] if winner == "a" else [2, 3]}
    assert calls[1] == (loser, {("unit", "en"): [3] if loser == "b" else [1]})  # only what it lacks
    shared = first[("unit", "en", 2)]
    assert shared == second[("unit", "en", 2)] == f'"{winner}:unit:2"'


def test_when_the_renderer_fails_the_others_render_at_once():
    calls = []

    async def scenario(clients, prefix):
        async def failing():
            with pytest.raises(RuntimeError):
                await screens_shared(clients[0], prefix, {("wall", "en"): {None}}, "43:t", renderer(calls, fail=True))

        async def waiting():
            await asyncio.sleep(0.02)  # the other claims first
            started = time.monotonic()
            parts = await screens_shared(clients[1], prefix, {("wall", "en"): {None}}, "43:t", renderer(calls, who="b"))
            return parts, time.monotonic() - started

        return (await asyncio.gather(failing(), waiting()))[1]

    parts, waited = run(scenario)
    assert parts == {("wall", "en", None): '"b:wall:None"'}
    assert waited < settings.EVENTS_SCREEN_WAIT_SECONDS / 2  # the claim was given up, not waited out


def test_a_renderer_that_died_holding_its_claim_is_waited_for_a_bounded_time(settings):
    settings.EVENTS_SCREEN_WAIT_SECONDS = 0.5
    calls = []

    async def scenario(clients, prefix):
        # A process claimed the batch and died: its claim lives on until it lapses, and no screen comes.
        await clients[2].set(f"{prefix}:screen:44:t:office:en:claim", "dead", px=500)
        started = time.monotonic()
        parts = await screens_shared(clients[0], prefix, {("office", "en"): {None}}, "44:t", renderer(calls))
        return parts, time.monotonic() - started

    parts, waited = run(scenario)
    assert parts == {("office", "en", None): '"a:office:None"'} and len(calls) == 1
    assert 0.3 < waited < 2.0


def test_without_redis_each_process_renders_its_own():
    calls = []
    wanted = {("unit", "en"): {5}}
    parts = asyncio.run(screens_shared(None, "p", wanted, "45:t", renderer(calls)))
    assert parts == {("unit", "en", 5): '"a:unit:5"'} and len(calls) == 1


def test_a_redis_that_is_gone_falls_back_to_rendering_here():
    calls = []

    async def scenario():
        client = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
        try:
            return await screens_shared(client, "p", {("unit", "en"): {6}}, "46:t", renderer(calls))
        finally:
            await client.aclose()

    assert asyncio.run(scenario()) == {("unit", "en", 6): '"a:unit:6"'} and len(calls) == 1
