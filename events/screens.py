"""Screens whose live part rides in the frames: rendered once per audience, never per socket.

``events`` is the ground floor and knows no screen. An upper app (``dashboards``, in its
``AppConfig.ready``) registers each screen with ``screen_register``: its name, whether its
audience is the command or one unit's members, who may watch it, and a renderer. A socket
opened with ``?screen=<name>&lang=<language>`` (the page's own) then gets, on the last frame of
each batch it receives, the screen's live part as rendered for its audience after that batch:

    [{"id": 41, "type": "alert.issued", "payload": {…}},
     {"id": 42, "type": "assignment.created", "payload": {…},
      "screen": {"name": "unit", "through": 42, "html": "<div …>…"}}]

The hub (``events.hub``) asks ``screens_render`` once per batch for every (screen, audience,
language) that has at least one socket, in one worker thread, before it writes any frame.
Rendering stays in one place: the renderer is the same function and template the page's own
HTTP view uses (``?fragment=1``, which the page asks only after a reconnect).

A screen of one thing (a day's reports board, a response's compliance page) takes a *subject*:
the page's socket adds ``&subject=<id>``, the screen's ``subject(user, value)`` says which id (if
any) the user may watch, and that id is the audience it is rendered for, once per id.

With Redis, the web processes render each batch's screens once for all of them
(``screens_shared``): the first process to claim a (batch, screen, language) renders it and
stores it; the others wait for it, and render it themselves if it does not come.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import redis
from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Screen:
    """One live screen.

    ``command``: its audience is the command (rendered once for all of them), else each unit's
    members (rendered once per unit). ``allowed(user) -> bool`` is asked when a socket names the
    screen (a socket that may not watch it gets its events without the screen part).
    ``render(unit_ids, language) -> {unit_id or None: html}`` renders the live part for each
    audience asked (``[None]`` for the command) in ``language``; it runs in a worker thread and may
    query the database.

    ``subject(user, value) -> int | None``, for a screen of one thing: the id named by the socket's
    ``subject`` parameter (``value``, a string or None) if ``user`` may watch that thing, else None
    (events only). Its audiences are then those ids (the screen's audience is the command), and
    ``render`` gets them.
    """

    name: str
    command: bool
    allowed: Callable
    render: Callable
    subject: Callable | None = None


_screens: dict[str, Screen] = {}


def screen_register(screen: Screen) -> None:
    """Register (or replace) ``screen`` by its name. Called from an upper app's ``ready()``."""
    _screens[screen.name] = screen


def screen_get(name: str | None) -> Screen | None:
    """The registered screen called ``name``, or None."""
    return _screens.get(name) if name else None


def language_of(value: str | None) -> str:
    """``value`` if it is one of ``settings.LANGUAGES``, else the site's default language."""
    codes = {code for code, _ in settings.LANGUAGES}
    return value if value in codes else settings.LANGUAGE_CODE


def screen_json(name: str, through: int, html: str) -> str:
    """The ``"screen"`` value a frame carries, as JSON text in ASCII (encoded once per audience; why ASCII:
    ``events.hub.frames_of``)."""
    return json.dumps({"name": name, "through": through, "html": html}, separators=(",", ":"))


def screens_render(wanted: dict[tuple[str, str], set], through: int) -> dict[tuple, str]:
    """Render each wanted screen once per audience and language.

    ``wanted`` maps ``(screen name, language)`` to the set of audiences to render (unit ids, or
    ``None`` for the command). Returns ``{(name, language, audience): screen JSON text}``. A renderer
    that fails is logged and left out: those sockets get their events without the screen part, and
    the page fetches its live part over HTTP instead.
    """
    out: dict[tuple, str] = {}
    for (name, language), audiences in wanted.items():
        screen = _screens.get(name)
        if screen is None or not audiences:
            continue
        try:
            rendered = screen.render(sorted(audiences, key=lambda a: -1 if a is None else a), language)
        except Exception:
            logger.exception("rendering the %s screen (%s) failed; its pages will fetch it", name, language)
            continue
        for audience, html in rendered.items():
            out[(name, language, audience)] = screen_json(name, through, html)
    return out


# --- Render once per cluster ------------------------------------------------------------------------

KEEP_SECONDS = 30  # how long a rendered batch stays in Redis for the other processes


def _field(audience) -> str:
    return "c" if audience is None else str(audience)


async def screens_shared(
    client, prefix: str, wanted: dict[tuple[str, str], set], batch: str,
    render: Callable[[dict[tuple[str, str], set]], Awaitable[dict[tuple, str]]],
) -> dict[tuple, str]:
    """The screens of one batch, rendered once for every web process sharing ``client`` (Redis).

    ``wanted`` is as for ``screens_render``; ``batch`` names the batch the same way in every process
    (its last event's id and time); ``render(wanted)`` renders here (``screens_render`` in the worker
    thread). For each (screen, language) the first process to ``SET NX`` its claim (living
    ``EVENTS_SCREEN_WAIT_SECONDS``) renders the audiences it wants and stores them (a Redis hash kept
    ``KEEP_SECONDS``); the others poll for them and render themselves what does not come in time:
    an audience the renderer did not want, a claim that lapsed or was given up (the renderer failed
    or died), or a wait past ``EVENTS_SCREEN_WAIT_SECONDS``. Redis errors fall back to rendering
    here, so nothing is lost. ``client`` None (no Redis) or a wait of 0: renders here. Returns what ``render`` does.
    Raises what ``render`` raises.
    """
    wait = settings.EVENTS_SCREEN_WAIT_SECONDS
    if client is None or not wanted or wait <= 0:
        return await render(wanted)
    keys = {part: f"{prefix}:screen:{batch}:{part[0]}:{part[1]}" for part in wanted}
    token = str(os.getpid())
    try:
        async with client.pipeline(transaction=False) as pipe:
            for key in keys.values():
                pipe.set(key + ":claim", token, nx=True, px=max(1, int(wait * 1000)))
            claimed = await pipe.execute()
    except (redis.RedisError, OSError) as exc:
        logger.warning("screens not shared (Redis: %s); rendering them here", exc)
        return await render(wanted)
    mine = {part: wanted[part] for part, won in zip(keys, claimed, strict=True) if won}
    theirs = {part: wanted[part] for part, won in zip(keys, claimed, strict=True) if not won}

    async def render_mine() -> dict[tuple, str]:
        if not mine:
            return {}
        try:
            parts = await render(mine)
        except BaseException:
            await _quietly(client.delete(*(keys[part] + ":claim" for part in mine)))  # the others render it
            raise
        async with client.pipeline(transaction=False) as pipe:
            for (name, language), audiences in mine.items():
                found = {_field(a): parts[(name, language, a)] for a in audiences if (name, language, a) in parts}
                pipe.hset(keys[(name, language)], mapping={"done": "1", **found})
                pipe.expire(keys[(name, language)], KEEP_SECONDS)
            await _quietly(pipe.execute())
        return parts

    mine_parts, (got, left) = await asyncio.gather(render_mine(), _wait_for(client, keys, theirs, wait))
    if left:
        got.update(await render(left))
    return {**mine_parts, **got}


async def _quietly(awaitable) -> None:
    try:
        await awaitable
    except (redis.RedisError, OSError) as exc:
        logger.warning("sharing the screens failed (Redis: %s); the other processes render their own", exc)


async def _wait_for(client, keys: dict, theirs: dict, wait: float) -> tuple[dict[tuple, str], dict]:
    """Poll for the screens other processes claimed: (what came, what is left to render here)."""
    got: dict[tuple, str] = {}
    left: dict[tuple[str, str], set] = {}
    pending = dict(theirs)
    loop = asyncio.get_running_loop()
    deadline, delay = loop.time() + wait, 0.004
    while pending:
        orders = {part: list(audiences) for part, audiences in pending.items()}
        try:
            async with client.pipeline(transaction=False) as pipe:
                for part, order in orders.items():
                    pipe.hmget(keys[part], ["done", *(_field(a) for a in order)])
                    pipe.exists(keys[part] + ":claim")
                answers = await pipe.execute()
        except (redis.RedisError, OSError) as exc:
            logger.warning("waiting for shared screens failed (Redis: %s); rendering them here", exc)
            break
        for index, (part, order) in enumerate(orders.items()):
            values, claim = answers[2 * index], answers[2 * index + 1]
            if values[0] is not None:  # rendered: take what is there, render the rest here
                del pending[part]
                for audience, value in zip(order, values[1:], strict=True):
                    if value is None:
                        left.setdefault(part, set()).add(audience)
                    else:
                        got[(*part, audience)] = value.decode() if isinstance(value, bytes) else value
            elif not claim:  # given up or lapsed: its renderer failed or died
                left.setdefault(part, set()).update(pending.pop(part))
        if not pending or loop.time() >= deadline:
            break
        await asyncio.sleep(delay)
        delay = min(delay * 1.5, 0.02)
    for part, audiences in pending.items():  # waited long enough
        left.setdefault(part, set()).update(audiences)
    return got, left
