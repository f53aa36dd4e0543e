"""Writes to the event log and the audit trail. Every state-changing service calls these
inside its transaction; the push to dashboards happens only after the commit."""

from collections.abc import Iterable

from django.db import connection, transaction

from events import push
from events.choices import Audience
from events.models import AuditEntry, Event

# Any constant: the advisory lock that makes event ids increase in commit order.
_EVENT_ORDER_LOCK = 7_340_633


def lock_event_order() -> None:
    """Serialise event-writing transactions from here to their commit.

    PostgreSQL hands out sequence values at insert time, not at commit, so without
    this a later id can become visible before an earlier one and a reader that
    follows ``id > last`` would skip the earlier one for good. Holding a
    transaction-level advisory lock from the first event insert until commit makes
    ids visible in order. SQLite already serialises writers.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_EVENT_ORDER_LOCK])


def events_record(events: Iterable[Event]) -> list[Event]:
    """Insert events in one query and push them to dashboards once the transaction commits."""
    events = list(events)
    if not events:
        return events
    if not connection.in_atomic_block:
        raise RuntimeError("events_record must run inside the transaction that makes the change")
    lock_event_order()
    created = Event.objects.bulk_create(events)
    transaction.on_commit(lambda: push.publish(created))
    return created


def event_record(*, type: str, payload: dict, audience: str = Audience.ALL, unit_id: int | None = None) -> Event:
    return events_record([Event(type=type, payload=payload, audience=audience, unit_id=unit_id)])[0]


def audit_record(
    *,
    actor,
    action: str,
    target,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    data: dict | None = None,
) -> AuditEntry:
    """Append one audit entry for ``target`` (any model instance)."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.model_name,
        target_id=target.pk,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        data=data or {},
    )


def audits_record(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    return AuditEntry.objects.bulk_create(list(entries))
