"""One event listener per web process, writing straight to that process's dashboard sockets.

Why not Channels' channel layer: a group_send to 1,000 consumers costs one layer
message and one consumer dispatch (with its ``aclose_old_connections`` hop) per
socket. Here each process receives a committed batch once, from Redis pub/sub, and
puts the already-serialised text on each visible socket's queue. Channels still
serves the sockets (routing, session auth, origin check: ``events.consumers``).

Nothing is lost: the event table is the source of truth and ids become visible in
commit order (``events.services.lock_event_order``). The listener remembers the last
id it dispatched; a batch that skips ids, a Redis reconnect, or the periodic poll
makes it read the missing events from the database. In the embedded default there
is no Redis and the poll is the transport.
"""

import asyncio
import json
import logging
from collections import Counter, defaultdict, deque

import redis
import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from django.conf import settings

from events.choices import Audience, EventType
from events.push import events_channel
from events.screens import screen_get, screens_render, screens_shared
from events.selectors import events_after, latest_event_id

logger = logging.getLogger(__name__)

CLOSE_OVERFLOW = 4008
CLOSE_REVOKED = 4403


# Frames are ASCII JSON: the event texts (``events.push.wire_text``) and the screens' parts
# (``events.screens.screen_json``) keep json.dumps' default ``ensure_ascii``. ASGI's ``websocket.send``
# takes a str, which the server encodes to UTF-8 once per socket; for an ASCII str that is a copy.
# Kept, by measurement: a unit's frame with its screen, 10.8 KB as UTF-8 with its Chinese kept, took
# 10.5 µs per socket to encode (10.5 ms per 1,000 sockets) and 0.2 µs as 13.6 KB of ASCII; ``python -m
# bench fanout --sizes 1000 --rounds 4 --no-two``, one web process, first-to-last socket: 36.0 and 49.6 ms
# (1.44x and 1.91x the floor in the same run) before, 30.9 and 33.7 ms (1.02x, 1.21x) after.
FRAME_EVENTS = 200  # events per frame at most (a 6,000-assignment issue is a few frames, not one of megabytes)


def frames_of(items: list[tuple[int, str]]) -> list[str]:
    """The frames a dashboard receives: JSON arrays of events, in id order, in ASCII (see above)."""
    return ["[" + ",".join(text for _, text in items[i : i + FRAME_EVENTS]) + "]" for i in range(0, len(items), FRAME_EVENTS)]


def with_screen(frames: list[str], screen: str | None) -> list[str]:
    """``frames`` with ``"screen": <screen>`` added to the last event of the last frame
    (``events.screens``): the live part as it stands once the whole batch is applied."""
    if screen is None or not frames:
        return frames
    last = frames[-1]  # '[…,{"id":…,"payload":{…}}]'
    return [*frames[:-1], last[:-2] + ',"screen":' + screen + "}]"]


class View:
    """The events of one batch that one kind of subscriber may see; its frames are built once and
    shared, and once more per rendered screen part (one per audience and language, not per socket)."""

    __slots__ = ("items", "_frames", "_variants")

    def __init__(self) -> None:
        self.items: list[tuple[int, str]] = []
        self._frames: list[str] | None = None
        self._variants: dict[str, list[str]] = {}

    def frames(self, screen: str | None = None) -> list[str]:
        if self._frames is None:
            self._frames = frames_of(self.items)
        if screen is None:
            return self._frames
        variant = self._variants.get(screen)
        if variant is None:
            variant = self._variants[screen] = with_screen(self._frames, screen)
        return variant


class _Resume:
    """Await the rest of a coroutine that was stepped by hand and suspended on ``yielded``."""

    def __init__(self, coro, yielded) -> None:
        self.coro, self.yielded = coro, yielded

    def __await__(self):
        coro, yielded = self.coro, self.yielded
        while True:
            try:
                sent = yield yielded
            except BaseException as exc:  # cancellation, or the awaited future's error
                try:
                    yielded = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    yielded = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


async def _finish(coro, yielded):
    return await _Resume(coro, yielded)


def run_eagerly(coro) -> asyncio.Task | None:
    """Run ``coro`` now, up to its first suspension, and finish it in a task only if it suspends
    (what Python 3.12's eager tasks do; this runs on 3.11). A socket send to a reader that keeps
    up completes without suspending, so a broadcast is one pass over the sockets with no task
    switch per socket; a socket whose transport is paused gets its own task and holds no one up.

    Kept, by measurement (issue 13 §2 item 10): ``python -m bench fanout --sizes 1000 --rounds 5``,
    one web process, 1,000 unit screens, on this 2-core machine under a load of about 7. Stepped
    here: first-to-last socket 126 ms (1.04x the plain-websockets floor's 121 ms in the same run),
    last socket 778 ms after the commit, 284 ms of server CPU per warning. With a plain
    ``asyncio.ensure_future`` per socket instead (``BENCH_PLAIN_TASKS=1``, ``bench/asgi_plain.py``):
    151 ms (1.34x the floor's 113 ms), 1,023 ms, 348 ms. On Python 3.12 use
    ``asyncio.eager_task_factory`` and drop this."""
    try:
        yielded = coro.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_finish(coro, yielded))


class Subscriber:
    """One open dashboard socket: what it may see, the last id it was given, and its frames to send."""

    def __init__(
        self, consumer, *, user_id: int, unit_id: int | None, command: bool, cursor: int, session: str = "",
        screen: str | None = None, language: str = "", subject: int | None = None,
    ):
        self.consumer = consumer
        # The screen whose live part this socket's frames carry (``events.screens``), and for whom:
        # (screen name, language, None for the command, the unit's id, or a screen's subject). None: events only.
        self.screen_key: tuple | None = None
        registered = screen_get(screen)
        if registered is None:
            pass
        elif registered.subject is not None:
            if command and subject is not None:
                self.screen_key = (registered.name, language, subject)
        elif command if registered.command else unit_id is not None:
            self.screen_key = (registered.name, language, None if registered.command else unit_id)
        self.user_id = user_id
        self.session = session  # events.auth.session_digest of the session it was opened with
        self.unit_id = unit_id
        self.command = command
        self.cursor = cursor
        # While the socket replays what it missed, live events wait here (then are de-duplicated).
        self.replaying = True
        self._held: list[tuple[int, str]] = []
        # Frames not yet written, at most EVENTS_SOCKET_QUEUE of them: live frames past that close
        # the socket (_enqueue), and the replay waits for room page by page (room()).
        self._queue: deque[str] = deque()
        self._sending = False
        self._task: asyncio.Task | None = None
        self.closed = False

    def offer(self, view: View, screen: str | None = None) -> None:
        """Queue the view's frames, the last one carrying ``screen`` (this socket's rendered live
        part, JSON text) when there is one."""
        items = view.items
        if self.closed or not items or items[-1][0] <= self.cursor:
            return
        if self.replaying:
            self._held.extend(items)  # replayed frames carry no screen part: the page fetches it
            return
        if items[0][0] <= self.cursor:  # partly seen already (a replay overlapping live events)
            frames = with_screen(frames_of([item for item in items if item[0] > self.cursor]), screen)
            self._enqueue(frames, items[-1][0])
        else:
            self._enqueue(view.frames(screen), items[-1][0])

    async def room(self, n: int) -> None:
        """Wait until ``n`` more frames fit (replay flow control; a socket that stops reading is
        eventually closed by the server's ping timeout, which ends the wait)."""
        while not self.closed and len(self._queue) + n > settings.EVENTS_SOCKET_QUEUE:
            await asyncio.sleep(0.02)

    def replayed(self, items: list[tuple[int, str]]) -> None:
        items = [item for item in items if item[0] > self.cursor]
        if self.closed or not items:
            return
        self._queue.extend(frames_of(items))
        self.cursor = items[-1][0]
        self._kick()

    def control(self, frame: str) -> None:
        """Queue a frame that is no event (``events.consumers.reset_frame``) ahead of what follows."""
        if not self.closed:
            self._queue.append(frame)
            self._kick()

    def finish_replay(self) -> None:
        self.replaying = False
        held, self._held = self._held, []
        held = [item for item in held if item[0] > self.cursor]
        if held:
            self._enqueue(frames_of(held), held[-1][0])

    def _enqueue(self, frames: list[str], last_id: int) -> None:
        if len(self._queue) + len(frames) > settings.EVENTS_SOCKET_QUEUE:
            # A socket that stopped reading must not hold the others back: drop it; it
            # reconnects with ?after=<its last id> and replays from the database.
            logger.warning("dashboard socket of user %s stopped reading; closing it", self.user_id)
            self.close(CLOSE_OVERFLOW)
            return
        self._queue.extend(frames)
        self.cursor = last_id
        self._kick()

    def _kick(self) -> None:
        if not self._sending and self._queue:
            self._sending = True
            self._task = run_eagerly(self._flush())

    async def _flush(self) -> None:
        # The server's own ASGI send (events.auth leaves it unwrapped): one call per frame.
        send, queue = self.consumer.base_send, self._queue
        try:
            while queue:
                await send({"type": "websocket.send", "text": queue.popleft()})
        except asyncio.CancelledError:
            pass
        except Exception:  # the socket went away under us; disconnect() cleans up
            self.closed = True  # also ends a replay waiting in room()
            logger.debug("dashboard send failed", exc_info=True)
        finally:
            self._sending = False

    def close(self, code: int) -> None:
        if self.closed:
            return
        self.stop()
        asyncio.create_task(self.consumer.close(code=code))

    def stop(self) -> None:
        self.closed = True
        self._queue.clear()
        if self._task is not None:
            self._task.cancel()


class Hub:
    """The per-process listener: receives committed events and hands them to subscribers."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.everyone: set[Subscriber] = set()
        self.command: set[Subscriber] = set()
        self.by_unit: dict[int, set[Subscriber]] = defaultdict(set)
        self.plain: set[Subscriber] = set()  # neither command nor a unit's: public events only
        self.watching: Counter = Counter()  # sockets per screen key (screen, language, audience)
        self.last_id = 0
        self.redis = None  # shares each batch's screens with the other web processes (events.screens.screens_shared)
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self.last_id = await database_sync_to_async(latest_event_id)()
        self._tasks.append(asyncio.create_task(self._pump()))
        if settings.REDIS_URL:
            self.redis = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
            self._tasks.append(asyncio.create_task(self._listen()))

    def add(self, sub: Subscriber) -> None:
        if sub.screen_key is not None and sub not in self.everyone:
            self.watching[sub.screen_key] += 1
        self.everyone.add(sub)
        if sub.command:
            self.command.add(sub)
        elif sub.unit_id is not None:
            self.by_unit[sub.unit_id].add(sub)
        else:
            self.plain.add(sub)

    def remove(self, sub: Subscriber) -> None:
        if sub.screen_key is not None and sub in self.everyone:
            self.watching[sub.screen_key] -= 1
            if self.watching[sub.screen_key] <= 0:
                del self.watching[sub.screen_key]
        self.everyone.discard(sub)
        self.command.discard(sub)
        self.plain.discard(sub)
        if sub.unit_id is not None:
            members = self.by_unit.get(sub.unit_id)
            if members is not None:
                members.discard(sub)
                if not members:
                    del self.by_unit[sub.unit_id]

    async def dispatch(self, events: list[dict]) -> None:
        """Hand a batch of committed events (in id order) to every subscriber that may see them:
        one view per kind of subscriber, so each socket gets the batch in one frame, its last
        frame carrying the socket's screen as rendered for its audience (``events.screens``).

        A revocation (``session.revoked``) cuts the batch: the sockets it closes get what came
        before it and nothing after, even when later events arrive in the same batch."""
        for index, event in enumerate(events[:-1]):
            if event.get("type") == EventType.SESSION_REVOKED:
                await self._dispatch(events[: index + 1])
                await self.dispatch(events[index + 1 :])
                return
        await self._dispatch(events)

    def _screens_wanted(self, units: dict[int, View]) -> dict[tuple[str, str], set]:
        """Which screens to render for this batch: each (screen, language) with at least one
        socket, for each audience that has events in the batch (the command always does, so its
        screens and their subjects always are; a unit screen only watched by the command's own
        staff, of the office's unit, too)."""
        wanted: dict[tuple[str, str], set] = defaultdict(set)
        for name, language, audience in self.watching:
            screen = screen_get(name)
            if screen is None:
                continue
            if screen.command or audience not in units or units[audience].items:
                wanted[(name, language)].add(audience)
        return wanted

    async def _dispatch(self, events: list[dict]) -> None:
        if not events:
            return
        command, plain = View(), View()
        units = {unit_id: View() for unit_id in self.by_unit}
        revoked = []
        for event in events:
            item = (event["id"], event["text"])
            audience = event["audience"]
            command.items.append(item)
            if audience == Audience.ALL:
                plain.items.append(item)
                for view in units.values():
                    view.items.append(item)
            elif audience == Audience.UNIT and event["unit"] in units:
                units[event["unit"]].items.append(item)
            if event.get("type") == EventType.SESSION_REVOKED:
                payload = json.loads(event["text"])["payload"]
                revoked.append((payload.get("user"), payload.get("session")))
        parts: dict[tuple, str] = {}
        wanted = self._screens_wanted(units)
        if wanted:
            # One render per screen, audience and language, in a worker thread (it queries the
            # database), before any frame is written: every socket then gets its screen in the
            # same pass. Sockets opened meanwhile either start after this batch (their cursor) or
            # replay it from the database.
            # With Redis, once for every web process (events.screens.screens_shared).
            last = events[-1]
            through = last["id"]

            async def render(asked):
                return await database_sync_to_async(screens_render)(asked, through)

            try:
                parts = await screens_shared(self.redis, events_channel(), wanted, f"{through}:{last.get('at', '')}", render)
            except Exception:
                logger.exception("rendering the screens failed; pages will fetch their live parts")
        for sub in self.command:
            sub.offer(command, parts.get(sub.screen_key))
        for unit_id, view in units.items():
            for sub in self.by_unit.get(unit_id, ()):
                sub.offer(view, parts.get(sub.screen_key))
        for sub in self.plain:
            sub.offer(plain)
        for user_id, session in revoked:
            self._revoke(user_id, session)

    def _revoke(self, user_id, session: str | None = None) -> None:
        """Close the user's sockets (4403): all of them, or those of one session (a logout)."""
        for sub in [s for s in self.everyone if s.user_id == user_id and session in (None, s.session)]:
            sub.close(CLOSE_REVOKED)

    async def _listen(self) -> None:
        """Follow the Redis channel; on every (re)connect, ask the pump to catch up from the database."""
        backoff = 0.2
        while True:
            client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, health_check_interval=10)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(events_channel())
                    self._inbox.put_nowait(None)
                    backoff = 0.2
                    async for message in pubsub.listen():  # each is one transaction's batch (or part)
                        if message["type"] == "message":
                            self._inbox.put_nowait(json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as exc:
                if asyncio.current_task().cancelling():  # a cancellation redis-py turned into an error
                    raise asyncio.CancelledError from exc
                logger.warning("event listener lost Redis (%s); retrying in %.1fs", exc, backoff)
            finally:
                await client.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _pump(self) -> None:
        """The only coroutine that advances ``last_id``: live batches, gaps and polls in one order."""
        inbox = self._inbox
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
            # comes as the inbox answers (gh-86296), and this loop then outlives its event loop's shutdown
            # (a fast-lane test hung 120 s in asyncio.run; test_realtime reproduces the race).
            try:
                async with asyncio.timeout(settings.EVENTS_POLL_SECONDS):
                    batch = await inbox.get()
            except TimeoutError:
                batch = None
            items, catch_up = [], batch is None
            if batch is not None:
                items.extend(batch)
            while not inbox.empty():  # whatever else arrived meanwhile goes out in the same frames
                more = inbox.get_nowait()
                if more is None:
                    catch_up = True
                else:
                    items.extend(more)
            try:
                if items:
                    await self._deliver(items)
                if catch_up:
                    await self._catch_up()
            except asyncio.CancelledError:
                raise
            except Exception:
                if asyncio.current_task().cancelling():
                    raise asyncio.CancelledError from None
                logger.exception("event listener failed; retrying")
                await asyncio.sleep(1)

    async def _deliver(self, items: list[dict]) -> None:
        fresh = []
        for item in items:
            event_id = item["id"]
            if event_id <= self.last_id:
                continue  # already delivered by a catch-up
            if event_id != self.last_id + 1:
                # A missed publish, or a rolled-back id: the database knows.
                await self.dispatch(fresh)
                fresh = []
                await self._catch_up()
                continue
            fresh.append(item)
            self.last_id = event_id
        await self.dispatch(fresh)

    async def _catch_up(self) -> None:
        while True:
            rows = await database_sync_to_async(events_after)(self.last_id, limit=1000)
            if rows:
                await self.dispatch(rows)
                self.last_id = rows[-1]["id"]
            if len(rows) < 1000:
                return


_hub: Hub | None = None


async def get_hub() -> Hub:
    """This process's hub, started on first use (one per event loop, so tests get fresh ones)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _hub = Hub()  # set before awaiting, so concurrent first connections share one hub
        _hub.started = asyncio.ensure_future(_hub.start())
    await asyncio.shield(_hub.started)
    return _hub
