"""Reads of the event log, scoped to what a user may see."""

from django.conf import settings

from events.choices import EventType
from events.models import Event
from events.permissions import events_heard_q
from events.push import wire_item


def latest_event_id() -> int:
    """The newest event's id, 0 for an empty log: where a new socket or an HTTP catch-up starts. One query."""
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def replay_too_long(after: int) -> bool:
    """Whether more than ``settings.EVENTS_REPLAY_WINDOW`` events follow ``after``: the replay's retention
    rule (issue 13 §4), so that a catch-up never streams years of history.

    Args: ``after``, a client's cursor (an event id, 0 for none). Returns True when the client must reload
    its state instead (the page's render is the snapshot) and continue after the newest id; the socket
    says so with ``events.consumers.reset_frame``, ``GET /api/events/`` with a 409. Events, not ids, are
    counted (ids skip what rolled back): one query, an index scan of at most the window. Raises nothing.
    """
    window = settings.EVENTS_REPLAY_WINDOW
    return bool(Event.objects.filter(id__gt=after).order_by("id").values_list("id", flat=True)[window : window + 1])


def events_after(after: int, *, limit: int) -> list[dict]:
    """Committed events with an id above ``after``, in id order, at most ``limit`` of them, as the hub's
    listener dispatches them (``events.push.wire_item``: id, type, audience, unit, text). One query."""
    return [wire_item(e) for e in Event.objects.filter(id__gt=after).order_by("id")[:limit]]


def events_visible_to(user):
    """Every event ``user`` may see, in id order (a queryset): all of them for the command
    (``events.permissions``), else the public ones and their own unit's. The same rule the hub
    applies to each socket (``events.hub``). Raises nothing; an outsider gets the public ones."""
    events = Event.objects.order_by("id")
    heard = events_heard_q(user)
    return events if heard is None else events.filter(heard)


def account_changes_recent(limit: int = 5) -> list[dict]:
    """The latest changes of who may do what, newest first, for the leaders to see: role changes
    (``units.services.user_role_set``) and passwords set by someone else (``user_access_changed``).

    Answers ``{"kind": "role" | "password", "at", "username", "from", "to", "by"}`` with the roles as
    their labels (``from``/``to`` empty for a password). One query.
    """
    from units.choices import Role

    def label(value):
        return Role(value).label if value in Role.values else (value or "—")

    events = Event.objects.filter(
        type__in=(EventType.USER_ROLE_CHANGED, EventType.USER_PASSWORD_RESET)
    ).order_by("-id")[:limit]
    return [
        {"kind": "role" if e.type == EventType.USER_ROLE_CHANGED else "password", "at": e.created_at,
         "username": e.payload.get("username", ""), "from": label(e.payload.get("from")),
         "to": label(e.payload.get("to")), "by": e.payload.get("by", "")}
        for e in events
    ]
