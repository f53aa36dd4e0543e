"""The floor: a plain ``websockets`` asyncio server (on uvloop, like uvicorn) that broadcasts one message.

Clients connect to ``/`` (no HTTP, no auth, no database). The trigger is a Redis pub/sub
message on ``bench:baseline``, the same path that wakes the platform's listener: the
server takes the message's text and hands it to every client with
``websockets.broadcast`` (the library's own fan-out: one frame written to each socket, no
per-client coroutine). Timing starts, for both, when a subscriber in the bench process sees
the message on Redis.

Run: ``python -m bench.baseline_server PORT REDIS_URL CHANNEL``.
"""

import asyncio
import sys

import redis.asyncio as aioredis
from websockets.asyncio.server import broadcast, serve

clients: set = set()


async def handler(ws):
    clients.add(ws)
    try:
        await ws.wait_closed()
    finally:
        clients.discard(ws)


async def trigger(redis_url: str, channel: str, ready: asyncio.Event):
    client = aioredis.Redis.from_url(redis_url)
    async with client.pubsub() as pubsub:
        await pubsub.subscribe(channel)
        ready.set()
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(clients, message["data"].decode())


async def main(port: int, redis_url: str, channel: str):
    ready = asyncio.Event()
    listener = asyncio.create_task(trigger(redis_url, channel, ready))
    await ready.wait()
    async with serve(handler, "127.0.0.1", port, ping_interval=None, max_queue=None, backlog=2048) as server:
        await server.serve_forever()
    listener.cancel()


if __name__ == "__main__":
    args = (int(sys.argv[1]), sys.argv[2], sys.argv[3])
    try:
        import uvloop

        uvloop.run(main(*args))
    except ImportError:  # pragma: no cover
        asyncio.run(main(*args))
