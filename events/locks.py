"""The one lock order of the platform (issue 12 item 10). Every transaction follows it.

A transaction that takes more than one lock takes them in this order, skipping the ones it
does not need, and never goes back to an earlier step:

1. **Proposal row** (``feeds.services.proposal_lock``): a person acting on a forecast's proposal.
   A feed fetch takes its **station row** here instead (``feeds.services.station_fetch``).
2. **Area advisory lock** (``alerts.services._lock_area``): what is in force for one area and drill flag.
3. **Warning rows**: the warning acted on (``alerts.services._lock``), then the warning in force
   that it supersedes (``alerts.services._issue``). Only under the area lock.
4. **Response row**: the active response of that warning (``responses.services.response_lock``). The
   recurring duties' beat (``responses.services.assignments_recur``) locks the responses with an
   occurrence due, in id order, and inserts the new tasks under that lock (issue 17 item 6).
5. **Assignment rows**: the response's open tasks, in id order (``response_lock``), when the
   transaction closes them (a lift or a downgrade); a unit action or an escalation step locks
   its one row (``responses.services._lock_assignment``, the conditional UPDATE claim).
   **User rows** (``units.services``) stand at this step too, as do the roster's unit and contact
   rows and the reduction list's version rows, whose transactions record no event. The response's
   **checklist items** (``reductions``, through ``responses.extensions``) come after its tasks: a level
   change or a lift locks the live ones in id order; a confirmation locks its one item; an inspection
   locks the inspection it follows up, then its enterprise's or site's items in id order. The reporting
   cycle's rows (``reports.services``) stand here too: a **report day row**, then that day's **daily
   report rows**; a bulletin's issue takes the year's numbering advisory lock, then the bulletin row;
   a unit summary or an office duty locks its one row.
6. **The event-order lock**, always last (``events.services.lock_event_order``): the first event
   insert takes it and it is held until the commit, so that event ids become visible in commit
   order. After it a transaction takes no other lock: it only writes rows it already holds and
   inserts new ones. Rows that a later step of the same transaction changes (the response and
   tasks a lift closes, the proposal a warning accepts) are therefore locked up front, before the
   first event.

Row locks are ``FOR NO KEY UPDATE`` (``select_for_update(no_key=True)``), never ``FOR UPDATE``.
Django's foreign keys are ``DEFERRABLE INITIALLY DEFERRED``, so PostgreSQL checks a reference at
commit with ``FOR KEY SHARE`` on the referenced row: a task's second update in one transaction
re-checks its response, an update re-checks its task, an audit entry its actor. ``FOR UPDATE``
blocks that check, which is a lock taken at the commit, after the event-order lock, out of order
(a completion racing a downgrade deadlocked on the response row this way). ``FOR NO KEY UPDATE``
serialises writers of the row just as well and lets references through. No service changes a
primary key or deletes a locked row, which is what ``FOR UPDATE`` is for.

Why: PostgreSQL detects a cycle of waits and aborts one transaction with ``deadlock detected``,
which the API answered 503. The cycle seen was a lift holding the event-order lock while waiting
for a task's row, and an acknowledgement holding that row while waiting for the event-order lock.
With one order, a transaction only ever waits for one that is further along, and no cycle forms.

``check_lock_order`` is a database execute wrapper that enforces step 6 on PostgreSQL: with it
installed (``tests/conftest.py`` installs it on every connection of every test), taking a row lock
or another advisory lock after the event-order lock in the same transaction raises
``LockOrderError``. Production does not install it.
"""

import re

# Any constant: the advisory lock that makes event ids increase in commit order (step 6).
EVENT_ORDER_LOCK = 7_340_633
# Also answers the transaction's id, which keys the transaction's publication (events.services).
EVENT_ORDER_SQL = "SELECT pg_advisory_xact_lock(%s), txid_current()"

_TAKES_A_LOCK = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE)\b|\bpg_advisory", re.IGNORECASE)


class LockOrderError(RuntimeError):
    """A transaction took a lock after the event-order lock (a deadlock waiting to happen)."""


def _transaction_block(connection):
    """The outermost atomic block that is not a test case's own: the service's transaction.

    A test case wraps each test in its own atomic blocks, so there a service's transaction is a
    savepoint; Django marks the test case's blocks ``_from_testcase``. None outside a service block.
    """
    for block in connection.atomic_blocks:
        if not getattr(block, "_from_testcase", False):
            return block
    return None


def check_lock_order(execute, sql, params, many, context):
    """Execute wrapper: refuse a row or advisory lock taken after the event-order lock.

    Arguments are Django's (``connection.execute_wrapper``). Remembers the transaction that took
    the event-order lock; a later lock in that same transaction raises ``LockOrderError`` naming
    the statement, before it runs. Only PostgreSQL takes these locks; other vendors pass through.
    """
    connection = context["connection"]
    if connection.vendor == "postgresql" and connection.in_atomic_block and _TAKES_A_LOCK.search(sql):
        block = _transaction_block(connection)
        if block is not None:
            if sql == EVENT_ORDER_SQL and params and params[0] == EVENT_ORDER_LOCK:
                connection.event_order_block = block
            elif getattr(connection, "event_order_block", None) is block:
                raise LockOrderError(f"lock taken after the event-order lock (see events/locks.py): {sql[:300]}")
    return execute(sql, params, many, context)


def install_lock_order_check(sender=None, connection=None, **kwargs) -> None:
    """``connection_created`` receiver: add ``check_lock_order`` to the connection once."""
    if check_lock_order not in connection.execute_wrappers:
        connection.execute_wrappers.append(check_lock_order)
