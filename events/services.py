"""Writes to the event log and the audit trail. Every state-changing service calls these
inside its transaction; the push to dashboards happens only after the commit."""

import logging
import threading
from collections.abc import Iterable

from django.db import DatabaseError, connection, transaction
from django.db.models import Q

from events import push
from events.choices import Audience
from events.locks import EVENT_ORDER_LOCK, EVENT_ORDER_SQL
from events.models import AuditEntry, Event

logger = logging.getLogger(__name__)


def lock_event_order() -> int | None:
    """Serialise event-writing transactions from here to their commit.

    PostgreSQL hands out sequence values at insert time, not at commit, so without
    this a later id can become visible before an earlier one and a reader that
    follows ``id > last`` would skip the earlier one for good. Holding a
    transaction-level advisory lock from the first event insert until commit makes
    ids visible in order. SQLite already serialises writers.

    It is the last lock of every transaction (the lock order, ``events/locks.py``): the
    caller has already locked every row it will change. Returns the transaction's id on
    PostgreSQL (the same query), else None.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(EVENT_ORDER_SQL, [EVENT_ORDER_LOCK])
            return cursor.fetchone()[1]
    return None


def events_record(events: Iterable[Event]) -> list[Event]:
    """Insert ``events`` (unsaved Event rows) in one query and push them to dashboards once the transaction commits.

    Returns the saved rows, ids set, in insert order; an empty input writes nothing. Takes the
    event-order lock first (``lock_event_order``, the last step of ``events/locks.py``). Raises
    RuntimeError outside a transaction (a programming error: the API answers 500), because the
    event must commit with the change it records. The push runs after the commit only
    (``events.push.publish``); a rolled-back savepoint's events are never pushed.
    """
    events = list(events)
    if not events:
        return events
    if not connection.in_atomic_block:
        raise RuntimeError("events_record must run inside the transaction that makes the change")
    transaction_id = lock_event_order()
    created = Event.objects.bulk_create(events)
    _publish_on_commit(created, transaction_id)
    return created


class _Publication:
    """The events one transaction recorded, published together once it commits.

    A warning writes its own event, the response's and every assignment's in three
    ``events_record`` calls; publishing them as one batch lets each dashboard get them in
    one frame (and the hub render each screen once for the batch, ``events.screens``).

    Public API only (issue 13 §2 item 10): each call registers an ordinary
    ``transaction.on_commit`` hook, which Django drops if the savepoint around that call rolls
    back. The first hook that runs publishes the whole transaction's batch, keeping the events
    that committed: those still in the table, read back by the id range of each call (one
    indexed read after the commit) instead of reordering Django's private ``run_on_commit`` list
    as before. The later hooks find it done.
    """

    def __init__(self, transaction_id: int | None) -> None:
        self.transaction_id = transaction_id
        self.events: list[Event] = []
        self.ranges: list[tuple[int, int]] = []
        self.done = False

    def add(self, events: list[Event]) -> None:
        self.events.extend(events)
        ids = [e.id for e in events]
        self.ranges.append((min(ids), max(ids)))

    def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        if _pending.publication is self:
            _pending.publication = None
        if not self.events:
            return
        within = Q()
        for low, high in self.ranges:
            within |= Q(id__gte=low, id__lte=high)
        try:
            kept = set(Event.objects.filter(within).values_list("id", flat=True))
        except DatabaseError:  # the events are committed; every listener's poll finds them
            logger.warning("could not read back events %s to publish them", self.ranges, exc_info=True)
            return
        push.publish([e for e in self.events if e.id in kept])


_pending = threading.local()  # this thread's transaction's publication (``.publication``), until a hook runs


def _publish_on_commit(created: list[Event], transaction_id: int | None) -> None:
    publication = getattr(_pending, "publication", None)
    # A transaction that rolled back as a whole ran no hook: its publication is left behind, and
    # the next transaction (another id) starts its own.
    if publication is None or publication.done or publication.transaction_id != transaction_id:
        publication = _pending.publication = _Publication(transaction_id)
    publication.add(created)
    # Any surviving hook publishes everything that committed.
    transaction.on_commit(publication)


def event_record(*, type: str, payload: dict, audience: str = Audience.ALL, unit_id: int | None = None) -> Event:
    """Record one event (``events_record`` for a single row) and return it, id set.

    Args: ``type``, an ``events.choices.EventType``; ``payload``, the JSON a screen gets as is (ids,
    labels, ISO 8601 times); ``audience``, who hears it (``Audience.ALL``, ``COMMAND`` or ``UNIT``
    with ``unit_id``). Raises RuntimeError outside a transaction (a programming error, 500).
    """
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
    """Append one audit entry for ``target`` (any saved model instance) in the caller's transaction.

    Args: ``actor``, the user who acted (None or anonymous: the system, e.g. a Celery task);
    ``action``, a short verb (``issue``, ``acknowledge``, ``contact_add``); ``from_state``/``to_state``
    for a transition; ``comment``, the person's words; ``data``, JSON details. Returns the entry.
    The table is append-only (a database trigger, ``events/migrations/0003_append_only.py``).
    Raises nothing of its own.
    """
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
    """Append many audit entries (unsaved AuditEntry rows) in one query; returns them. For a transition
    applied to many rows at once (a lift closing every open task). Raises nothing of its own."""
    return AuditEntry.objects.bulk_create(list(entries))
