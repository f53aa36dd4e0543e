"""The dashboard WebSocket: ``/ws/dashboard/?after=<last id>``."""

import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from events.auth import session_digest
from events.hub import FRAME_EVENTS, Subscriber, get_hub
from events.permissions import hears_every_event
from events.push import wire_text
from events.screens import language_of, screen_get
from events.selectors import events_visible_to, latest_event_id, replay_too_long

CLOSE_UNAUTHENTICATED = 4401
RESET = "reset"  # the type of the control item of reset_frame
REPLAY_PAGE = FRAME_EVENTS  # one page of the replay is one frame


def _profile(user, screen_name: str | None, subject: str | None = None) -> tuple[int | None, bool, str | None, int | None]:
    """The user's unit, whether they are the command, the screen they asked for if they may watch it,
    and for a screen of one thing, the subject they may watch (else None)."""
    screen = screen_get(screen_name)
    if screen is None or not screen.allowed(user):
        return user.unit_id, hears_every_event(user), None, None
    watched = screen.subject(user, subject) if screen.subject is not None else None
    return user.unit_id, hears_every_event(user), screen.name, watched


def _replay_page(user, after: int, size: int) -> list[tuple[int, str]]:
    return [(e.id, wire_text(e)) for e in events_visible_to(user).filter(id__gt=after)[:size]]


def reset_frame(newest: int) -> str:
    """The frame that tells a client its cursor is unknown here: ``[{"id": null, "type": "reset",
    "payload": {"last_id": <newest id>}}]``. The page answers it with a full reload; a client that
    keeps its own state starts again from ``last_id``. Event-shaped, so the frame contract (a JSON
    array of ``{"id", "type", "payload"}``) holds; its id is null because it is no event."""
    return json.dumps([{"id": None, "type": RESET, "payload": {"last_id": newest}}], separators=(",", ":"))


def parse_param(query_string: bytes, name: str) -> str | None:
    """The first value of ``name`` in the socket's query string, or None."""
    values = parse_qs(query_string.decode("latin-1")).get(name)
    return values[0] if values else None


def parse_after(query_string: bytes) -> int | None:
    values = parse_qs(query_string.decode("latin-1")).get("after")
    if not values:
        return None
    try:
        after = int(values[0])
    except ValueError:
        return None
    return after if after >= 0 else None


class DashboardConsumer(AsyncWebsocketConsumer):
    """Read-only stream of the events the user may see, after a replay of what they missed.

    Each frame is a JSON array of events ``[{"id", "type", "payload"}, …]`` in id order: one
    transaction's events in one frame (at most ``FRAME_EVENTS`` per frame), and the replay
    page by page. A ``?after=`` beyond the newest event, or more than ``EVENTS_REPLAY_WINDOW`` events behind
    it, first gets ``reset_frame`` (``events.selectors.replay_too_long``).

    ``?screen=<unit|office|leader|wall|reports|compliance>&lang=<zh-hans|en>`` (what the page sends) asks for the
    screen's live part on the last frame of each batch (``events.screens``), rendered once for the
    socket's audience; a screen the user may not watch is ignored (events only). A screen of one
    thing (``reports``: a day's board, ``compliance``: a response's) also takes ``&subject=<id>``.

    Session-authenticated (``events.auth``, read-only) and origin-checked (scheme, host and
    port: ``events.auth.SameOriginValidator``, in ``command_center.asgi``). Live events come from
    this process's hub (``events.hub``), not from the channel layer.
    """

    sub: Subscriber | None = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        query = self.scope.get("query_string", b"")
        unit_id, command, screen, subject = await database_sync_to_async(_profile)(
            user, parse_param(query, "screen"), parse_param(query, "subject")
        )
        after = parse_after(query)
        # Register before accepting: once the client sees the socket open, nothing committed
        # after that is missed (live events are held until the replay below is done).
        hub = await get_hub()
        self.sub = Subscriber(
            self, user_id=user.pk, unit_id=unit_id, command=command, cursor=hub.last_id if after is None else after,
            session=session_digest(self.scope["session"].session_key),
            screen=screen, language=language_of(parse_param(query, "lang")), subject=subject,
        )
        hub.add(self.sub)
        # A revocation (logout, new password, unit or role) that committed between reading the session
        # and registering was dispatched before this socket could hear it; it deleted the session too.
        session = self.scope["session"]
        if not await database_sync_to_async(session.exists)(session.session_key):
            hub.remove(self.sub)
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.accept()
        if after is not None:
            newest = await database_sync_to_async(latest_event_id)()
            if after > newest or await database_sync_to_async(replay_too_long)(after):
                # A cursor this database never gave (another database, a restore), or one older than the
                # replay's window (EVENTS_REPLAY_WINDOW): tell the page to reset (it reloads), then
                # stream from the newest id.
                self.sub.control(reset_frame(newest))
                self.sub.cursor = newest
            # Register first, then replay: live events meanwhile are held and de-duplicated by id.
            while True:
                await self.sub.room(1)  # flow control: never more queued than one socket may hold
                page = await database_sync_to_async(_replay_page)(user, self.sub.cursor, REPLAY_PAGE)
                self.sub.replayed(page)
                if len(page) < REPLAY_PAGE or self.sub.closed:
                    break
        self.sub.finish_replay()

    async def disconnect(self, code):
        if self.sub is not None:
            (await get_hub()).remove(self.sub)
            self.sub.stop()

    async def receive(self, text_data=None, bytes_data=None):
        # The stream is one-way; a client "ping" gets a "pong" so it can check liveness.
        if text_data == "ping":
            await self.send(text_data="pong")
