"""Answers shared by a group of readers, kept per process until the next event.

After a warning every open screen asks for its live part and its tasks at once. Many of
those answers are the same for a whole group of readers: a unit's members, or the
command. Each is built once per group, kept in this process's cache (``CACHES``) under
the latest event id (every change writes an event in its transaction, so a change
always makes a new key) for at most ``LIVE_CACHE_SECONDS`` (what moves with the clock
alone, a deadline passing, is at most that old). Only answers that hold nothing of the
reader's own (no form token, no name) may be shared; the caller names the group, after
its own access checks have run.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from rest_framework.response import Response

from events.selectors import latest_event_id
from units.permissions import is_command


def shared_key(*parts) -> str:
    return ":".join(["shared", *map(str, parts), get_language() or "", str(latest_event_id())])


def shared(key: str, build):
    """The answer kept under ``key``, built (and kept for ``LIVE_CACHE_SECONDS``) if there is none.
    Each answer expires on its own clock, so the rebuilds do not all fall in the same instant."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.LIVE_CACHE_SECONDS)
    return value


def visibility_group(user) -> str | None:
    """Who sees the same warnings and tasks as ``user`` (the selectors' own split): the command,
    the members of one unit, or None for anyone else (not shared)."""
    if is_command(user):
        return "command"
    if user.unit_id is not None:
        return f"unit-{user.unit_id}"
    return None


class SharedListMixin:
    """``list`` answers shared by a visibility group; the view's checks run first, every time."""

    def list(self, request, *args, **kwargs):
        group = visibility_group(request.user)
        if group is None:
            return super().list(request, *args, **kwargs)
        # The full URL (filters, page, and the host the next/previous links are built from), hashed:
        # a query string is the client's to choose, a cache key is not.
        url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        key = shared_key("api", type(self).__name__, group, url)
        return Response(shared(key, lambda: super(SharedListMixin, self).list(request, *args, **kwargs).data))
