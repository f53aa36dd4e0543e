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
from collections import defaultdict

import redis
import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from django.conf import settings

from events.choices import Audience, EventType
from events.push import events_channel
from events.selectors import events_after, latest_event_id

logger = logging.getLogger(__name__)

CLOSE_OVERFLOW = 4008
CLOSE_REVOKED = 4403


class Subscriber:
    """One open dashboard socket: what it may see, the last id it was given, and its send queue."""

    def __init__(self, consumer, *, user_id: int, unit_id: int | None, command: bool, cursor: int):
        self.consumer = consumer
        self.user_id = user_id
        self.unit_id = unit_id
        self.command = command
        self.cursor = cursor
        # While the socket replays what it missed, live events wait here (then are de-duplicated).
        self.replaying = True
        self._held: list[tuple[int, str]] = []
        # Texts in send order, at most EVENTS_SOCKET_QUEUE of them: live events past that
        # close the socket (_enqueue), and the replay waits for room page by page (room()).
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write())
        self.closed = False

    def offer(self, event_id: int, text: str) -> None:
        if self.closed or event_id <= self.cursor:
            return
        if self.replaying:
            self._held.append((event_id, text))
            return
        self._enqueue(event_id, text)

    async def room(self, n: int) -> None:
        """Wait until ``n`` more texts fit (replay flow control; a socket that stops reading is
        eventually closed by the server's ping timeout, which ends the wait)."""
        while not self.closed and self._queue.qsize() + n > settings.EVENTS_SOCKET_QUEUE:
            await asyncio.sleep(0.02)

    def replayed(self, event_id: int, text: str) -> None:
        if self.closed or event_id <= self.cursor:
            return
        self._queue.put_nowait(text)
        self.cursor = event_id

    def finish_replay(self) -> None:
        self.replaying = False
        held, self._held = self._held, []
        for event_id, text in held:
            if event_id > self.cursor:
                self._enqueue(event_id, text)

    def _enqueue(self, event_id: int, text: str) -> None:
        if self._queue.qsize() >= settings.EVENTS_SOCKET_QUEUE:
            # A socket that stopped reading must not hold the others back: drop it; it
            # reconnects with ?after=<its last id> and replays from the database.
            logger.warning("dashboard socket of user %s stopped reading; closing it", self.user_id)
            self.close(CLOSE_OVERFLOW)
            return
        self._queue.put_nowait(text)
        self.cursor = event_id

    def close(self, code: int) -> None:
        if self.closed:
            return
        self.closed = True
        self._writer.cancel()
        asyncio.create_task(self.consumer.close(code=code))

    def stop(self) -> None:
        self.closed = True
        self._writer.cancel()

    async def _write(self) -> None:
        send = self.consumer.send
        queue = self._queue
        try:
            while True:
                await send(text_data=await queue.get())
        except asyncio.CancelledError:
            pass
        except Exception:  # the socket went away under us; disconnect() cleans up
            self.closed = True  # also ends a replay waiting in room()
            logger.debug("dashboard send failed", exc_info=True)


class Hub:
    """The per-process listener: receives committed events and hands them to subscribers."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.everyone: set[Subscriber] = set()
        self.command: set[Subscriber] = set()
        self.by_unit: dict[int, set[Subscriber]] = defaultdict(set)
        self.last_id = 0
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        self.last_id = await database_sync_to_async(latest_event_id)()
        self._tasks.append(asyncio.create_task(self._pump()))
        if settings.REDIS_URL:
            self._tasks.append(asyncio.create_task(self._listen()))

    def add(self, sub: Subscriber) -> None:
        self.everyone.add(sub)
        if sub.command:
            self.command.add(sub)
        elif sub.unit_id is not None:
            self.by_unit[sub.unit_id].add(sub)

    def remove(self, sub: Subscriber) -> None:
        self.everyone.discard(sub)
        self.command.discard(sub)
        if sub.unit_id is not None:
            members = self.by_unit.get(sub.unit_id)
            if members is not None:
                members.discard(sub)
                if not members:
                    del self.by_unit[sub.unit_id]

    def dispatch(self, event_id: int, audience: str, unit_id: int | None, text: str, event_type: str = "") -> None:
        if audience == Audience.ALL:
            targets = self.everyone
        elif audience == Audience.COMMAND:
            targets = self.command
        else:
            targets = self.command | self.by_unit.get(unit_id, set())
        for sub in targets:
            sub.offer(event_id, text)
        if event_type == EventType.SESSION_REVOKED:
            self._revoke(json.loads(text)["payload"].get("user"))

    def _revoke(self, user_id) -> None:
        for sub in [s for s in self.everyone if s.user_id == user_id]:
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
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._inbox.put_nowait(json.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as exc:
                logger.warning("event listener lost Redis (%s); retrying in %.1fs", exc, backoff)
            finally:
                await client.aclose()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _pump(self) -> None:
        """The only coroutine that advances ``last_id``: live batches, gaps and polls in one order."""
        while True:
            try:
                batch = await asyncio.wait_for(self._inbox.get(), timeout=settings.EVENTS_POLL_SECONDS)
            except TimeoutError:
                batch = None
            try:
                if batch is None:
                    await self._catch_up()
                else:
                    await self._deliver(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("event listener failed; retrying")
                await asyncio.sleep(1)

    async def _deliver(self, items: list[dict]) -> None:
        for item in items:
            event_id = item["id"]
            if event_id <= self.last_id:
                continue  # already delivered by a catch-up
            if event_id != self.last_id + 1:
                await self._catch_up()  # a missed publish, or a rolled-back id: the database knows
                continue
            self.dispatch(event_id, item["audience"], item["unit"], item["text"], item.get("type", ""))
            self.last_id = event_id

    async def _catch_up(self) -> None:
        while True:
            rows = await database_sync_to_async(events_after)(self.last_id, limit=1000)
            for row in rows:
                self.dispatch(row["id"], row["audience"], row["unit"], row["text"], row["type"])
                self.last_id = row["id"]
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
