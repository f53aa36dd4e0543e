"""Reads of the event log, scoped to what a user may see."""

from django.db.models import Q

from events.choices import Audience
from events.models import Event
from events.push import wire_item
from units.roles import is_command


def latest_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_after(after: int, *, limit: int) -> list[dict]:
    """Committed events after ``after``, in order, as the listener dispatches them."""
    return [wire_item(e) for e in Event.objects.filter(id__gt=after).order_by("id")[:limit]]


def events_visible_to(user):
    """Every event the user may see: all of them for the command, else public ones and their unit's."""
    events = Event.objects.order_by("id")
    if is_command(user):
        return events
    visible = Q(audience=Audience.ALL)
    if user.unit_id is not None:
        visible |= Q(audience=Audience.UNIT, unit_id=user.unit_id)
    return events.filter(visible)
