"""Writes to the event log and the audit trail. Every state-changing service calls these
inside its transaction; the push to dashboards happens only after the commit."""

from collections.abc import Iterable
from functools import partial

from django.db import connection, transaction

from events import push
from events.choices import Audience
from events.locks import EVENT_ORDER_LOCK, EVENT_ORDER_SQL
from events.models import AuditEntry, Event


def lock_event_order() -> None:
    """Serialise event-writing transactions from here to their commit.

    PostgreSQL hands out sequence values at insert time, not at commit, so without
    this a later id can become visible before an earlier one and a reader that
    follows ``id > last`` would skip the earlier one for good. Holding a
    transaction-level advisory lock from the first event insert until commit makes
    ids visible in order. SQLite already serialises writers.

    It is the last lock of every transaction (the lock order, ``events/locks.py``): the
    caller has already locked every row it will change.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(EVENT_ORDER_SQL, [EVENT_ORDER_LOCK])


def events_record(events: Iterable[Event]) -> list[Event]:
    """Insert events in one query and push them to dashboards once the transaction commits."""
    events = list(events)
    if not events:
        return events
    if not connection.in_atomic_block:
        raise RuntimeError("events_record must run inside the transaction that makes the change")
    lock_event_order()
    created = Event.objects.bulk_create(events)
    _publish_on_commit(created)
    return created


class _Publication:
    """The events one transaction recorded, published together once it commits.

    A warning writes its own event, the response's and every assignment's in three
    ``events_record`` calls; publishing them as one batch lets each dashboard get them in
    one frame. Each call registers an ordinary on-commit hook that adds its events
    (Django drops it if the savepoint around that call rolls back, so rolled-back ids are
    never pushed); the publication itself is kept as the transaction's last hook and
    outside every savepoint, so it runs once, after all the surviving adds.
    """

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, events: list[Event]) -> None:
        self.events.extend(events)

    def __call__(self) -> None:
        push.publish(self.events)


def _publish_on_commit(created: list[Event]) -> None:
    hooks = connection.run_on_commit  # Django's list of (savepoint ids, callback, robust)
    publication = None
    for index, (_, func, _) in enumerate(hooks):
        if isinstance(func, _Publication):
            publication = func
            del hooks[index]
            break
    publication = publication or _Publication()
    transaction.on_commit(partial(publication.add, created))
    hooks.append((set(), publication, False))  # no savepoint ids: no savepoint rollback removes it


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
