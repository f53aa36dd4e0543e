"""After-commit push of events to the web processes' listeners (see ``events.hub``).

With ``REDIS_URL`` set, committed events are published on one Redis pub/sub channel,
from web processes and Celery workers alike. Without it (the embedded default) there
is nothing to publish: each web process polls the event table instead. A failed
publish is logged and otherwise ignored: the event is already committed, and every
listener's poll finds it within ``EVENTS_POLL_SECONDS``.
"""

import json
import logging
from functools import cache

import redis
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

logger = logging.getLogger(__name__)

# Keep each pub/sub message well under a megabyte even for a 6,000-assignment issue.
_CHUNK = 500


def wire_text(event) -> str:
    """The exact text a dashboard receives: ``{"id", "type", "payload"}``, in ASCII (why: ``events.hub.frames_of``)."""
    return json.dumps(
        {"id": event.id, "type": event.type, "payload": event.payload},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    )


def wire_item(event) -> dict:
    """An event with its routing, as the listener needs it."""
    return {
        "id": event.id,
        "type": event.type,
        "audience": event.audience,
        "unit": event.unit_id,
        "at": event.created_at.isoformat(),  # with the id, names the batch across processes (events.screens)
        "text": wire_text(event),
    }


def events_channel() -> str:
    """The pub/sub channel of this database's events."""
    from django.db import connections

    return settings.EVENTS_REDIS_CHANNEL or f"command-center:events:{connections['default'].settings_dict['NAME']}"


@cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def publish(events) -> None:
    if not settings.REDIS_URL or not events:
        return
    items = [wire_item(e) for e in events]
    try:
        pipe = _client().pipeline(transaction=False)
        for start in range(0, len(items), _CHUNK):
            pipe.publish(events_channel(), json.dumps(items[start : start + _CHUNK]))
        pipe.execute()
    except redis.RedisError as exc:
        logger.warning("event push to Redis failed (%s); listeners will poll ids %s-%s", exc, items[0]["id"], items[-1]["id"])
