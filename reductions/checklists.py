"""On a warning, the emission-reduction list becomes work: each response's checklists (issue 16 item 4).

Issuing a warning gives every enterprise and site of the list in force (``selectors.version_for`` the
response's start) its measures for the warning's level and cause, as checklist items that the
enterprise's or site's supervising unit, and its town, street or park, see and confirm. Only the
measures whose causes include the warning's cause are handed out (``Measure.for_<cause>``: an ozone
episode gets the VOC measures and not the dust ones); a leader's override of the cause
(``Alert.tasks_override_reason``, which hands out every task) hands out every measure of the level,
as ``responses.services`` does with the tasks. A change of level replaces the live items by the new
level's measures (an upgrade moves every item to the higher level, a downgrade to the lower); a
change of cause replaces the items no longer called for and adds the new cause's; a lift ends them. Done in the issuing or lifting transaction, through the
response path's extension point (``responses.extensions``): ``alerts`` and ``responses`` never import
this app; ``ReductionsConfig.ready`` registers ``ChecklistParticipant``.

A constant number of queries whatever the size of the list: the items are made by one
``INSERT … SELECT`` from the level's measures, replaced and ended by one ``UPDATE`` each, and the
units told by one event each (counted by one grouped query). One audit entry per change records the
counts (one per item would be 10,000 rows for the red of a full list); each item's own changes after
that (a confirmation, an inspection's finding) are audited one by one.

Lock order (``events/locks.py``, step 5): ``lock`` takes the response's live items in id order before
the transaction's first event; later steps only write rows already held and insert new ones.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.choices import Level
from events.choices import Audience
from events.models import Event
from events.services import audit_record, events_record
from foundation.errors import ActionRefused
from reductions.choices import CAUSE_FIELDS, ITEM_TRANSITIONS, LIVE_ITEM_STATUSES, CheckState, InspectionStatus, ItemStatus
from reductions.models import ChecklistItem, Enterprise, Inspection, Measure, Site
from reductions.permissions import may_confirm_item
from reductions.selectors import version_for
from responses.choices import ResponseStatus

# The events this app records (events.models.Event.type is free text; the dashboards re-render on any event).
CHECKLIST_CHANGED = "checklist.changed"
CHECKLIST_ITEM_CONFIRMED = "checklist.item_confirmed"


def _insert_items_sql(cause: str | None) -> str:
    """One INSERT … SELECT: every measure of the version at the level (and for ``cause``, if given) that has no
    live item in the response yet becomes a pending item of it.

    The cause is a plain boolean column (``CAUSE_FIELDS``, never user text), compared with a parameter:
    the same SQL on PostgreSQL and SQLite. An item of an enterprise or site with an open (non-compliant)
    inspection in this response starts non-compliant: the finding stands until a follow-up closes it,
    whatever the level.
    """
    item, measure = ChecklistItem._meta.db_table, Measure._meta.db_table
    enterprise, site, inspection = Enterprise._meta.db_table, Site._meta.db_table, Inspection._meta.db_table
    for_cause = f"AND m.{CAUSE_FIELDS[cause]} = %(yes)s" if cause is not None else ""
    return f"""
        INSERT INTO {item} (response_id, version_id, measure_id, enterprise_id, site_id, unit_id, town_id, level, text,
                            status, check_state, created_at, closed_reason)
        SELECT %(response)s, %(version)s, m.id, m.enterprise_id, m.site_id,
               COALESCE(e.supervisor_id, s.supervisor_id), COALESCE(e.town_id, s.town_id), m.level, m.text,
               %(pending)s,
               CASE WHEN EXISTS (SELECT 1 FROM {inspection} i WHERE i.response_id = %(response)s AND i.status = %(open)s
                                 AND (i.enterprise_id = m.enterprise_id OR i.site_id = m.site_id))
                    THEN %(non_compliant)s ELSE %(unchecked)s END,
               %(now)s, ''
        FROM {measure} m
        LEFT JOIN {enterprise} e ON e.id = m.enterprise_id
        LEFT JOIN {site} s ON s.id = m.site_id
        WHERE m.level = %(level)s AND (e.version_id = %(version)s OR s.version_id = %(version)s) {for_cause}
          AND NOT EXISTS (SELECT 1 FROM {item} x WHERE x.response_id = %(response)s AND x.measure_id = m.id
                          AND x.status IN (%(pending)s, %(confirmed)s))
        ORDER BY m.enterprise_id, m.site_id, m."order", m.id
    """


def _items_create(*, response, level: str, cause: str | None, now) -> int:
    """Make the level's (and cause's) missing items for ``response`` from the list in force at its start; answers how many."""
    version = version_for(response.started_at)
    if version is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_insert_items_sql(cause), {
            "response": response.pk, "version": version.pk, "level": level, "now": now, "yes": True,
            "pending": ItemStatus.PENDING, "confirmed": ItemStatus.CONFIRMED, "open": InspectionStatus.OPEN,
            "non_compliant": CheckState.NON_COMPLIANT, "unchecked": CheckState.UNCHECKED,
        })
        return cursor.rowcount


def _items_close(*, response, to_status: str, reason: str, now, keep_level: str | None = None, cause: str | None = None) -> int:
    """Replace or end the response's live items: all; with ``keep_level`` those of another level; with ``cause``
    (and ``keep_level``) those of the level whose measure does not apply to the cause. Answers how many."""
    live = ChecklistItem.objects.filter(response=response, status__in=LIVE_ITEM_STATUSES)
    if cause is not None:
        live = live.filter(level=keep_level, **{f"measure__{CAUSE_FIELDS[cause]}": False})
    elif keep_level is not None:
        live = live.exclude(level=keep_level)
    return live.update(status=to_status, closed_reason=reason[:300], closed_at=now)


def _announce(response, *, level: str, created: int, closed: int) -> None:
    """One event per unit and town that holds items of the response (they re-render), and one for the command."""
    if not (created or closed):
        return
    counts: dict[int, int] = {}
    rows = list(
        ChecklistItem.objects.filter(response=response, status__in=LIVE_ITEM_STATUSES)
        .values_list("unit_id", "town_id").annotate(n=Count("id")).order_by()
    )
    for unit_id, town_id, n in rows:
        counts[unit_id] = counts.get(unit_id, 0) + n
        if town_id != unit_id:
            counts[town_id] = counts.get(town_id, 0) + n
    payload = {"response": response.pk, "level": level, "created": created, "closed": closed}
    events = [
        Event(type=CHECKLIST_CHANGED, audience=Audience.UNIT, unit_id=unit_id, payload=payload | {"items": n})
        for unit_id, n in sorted(counts.items())
    ]
    events.append(Event(type=CHECKLIST_CHANGED, audience=Audience.COMMAND, payload=payload | {"items": sum(n for _u, _t, n in rows)}))
    events_record(events)


def checklists_apply(*, response, level: str, cause: str | None, actor) -> dict[str, int]:
    """Give the response the checklist items of ``level`` and ``cause``, replacing the live items no longer called for.

    ``cause`` (alerts.choices.Cause) keeps only the measures whose causes include it; None (a leader's
    override) keeps every measure of the level. Called in the issuing transaction (a new response, or a
    change of level or cause of the running one), after ``checklists_lock``: live items of another
    level are replaced, then those of the level whose measure does not apply to the cause, then the
    measures of the level and cause without a live item are added. Nothing changes when the live items
    already are those. Answers ``{"created": n, "replaced": n}``. Raises nothing of its own; a database
    error rolls the issue back. Four statements whatever the size of the list.
    """
    now = timezone.now()
    replaced = _items_close(
        response=response, to_status=ItemStatus.REPLACED, now=now, keep_level=level,
        reason=_("The warning changed to %(level)s: that level's measures replace this one.") % {"level": Level(level).label},
    )
    if cause is not None:
        replaced += _items_close(
            response=response, to_status=ItemStatus.REPLACED, now=now, keep_level=level, cause=cause,
            reason=_("The cause of the episode changed; this measure no longer applies."),
        )
    created = _items_create(response=response, level=level, cause=cause, now=now)
    counts = {"created": created, "replaced": replaced}
    if created or replaced:
        audit_record(actor=actor, action="checklists_apply", target=response, to_state=level, data=counts | {"cause": cause or ""})
        _announce(response, level=level, created=created, closed=replaced)
    return counts


def checklists_end(*, response, level: str, actor, reason: str = "") -> int:
    """End the response's live items when its warning is lifted; answers how many. Called in the lifting transaction."""
    now = timezone.now()
    ended = _items_close(
        response=response, to_status=ItemStatus.ENDED, now=now,
        reason=_("Warning lifted: %(reason)s") % {"reason": reason} if reason else _("Warning lifted."),
    )
    if ended:
        audit_record(actor=actor, action="checklists_end", target=response, data={"ended": ended})
        _announce(response, level=level, created=0, closed=ended)
    return ended


def checklists_lock(*, response) -> None:
    """Lock the response's live items in id order (step 5 of ``events/locks.py``), before any event."""
    list(
        ChecklistItem.objects.select_for_update(no_key=True)
        .filter(response=response, status__in=LIVE_ITEM_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


class ChecklistParticipant:
    """The checklists' part in the response path (``responses.extensions``), registered by ``ReductionsConfig.ready``."""

    def lock(self, *, response) -> None:
        checklists_lock(response=response)

    def level_applied(self, *, response, alert, previous_level: str, actor) -> None:
        # The cause decides the measures as it decides the tasks (responses.services.response_apply_level);
        # a leader's recorded override hands out every measure of the level.
        cause = None if alert.tasks_override_reason else alert.cause
        checklists_apply(response=response, level=alert.level, cause=cause, actor=actor)

    def closed(self, *, response, alert, actor, reason: str) -> None:
        checklists_end(response=response, level=alert.level, actor=actor, reason=reason)

    def __eq__(self, other):  # one registration, however often ``ready`` runs
        return isinstance(other, ChecklistParticipant)

    __hash__ = object.__hash__


def checklist_item_confirm(*, item: ChecklistItem, actor) -> ChecklistItem:
    """The responsible unit confirms that a measure is in place (issue 16 item 4). Repeating it changes nothing.

    ``actor`` is a member of the item's supervising unit or of its town, street or park
    (``permissions.may_confirm_item``), else PermissionDenied (403). An item replaced or ended, or of
    an ended response, is refused with ActionRefused (409). Locks the item row (step 5 of
    ``events/locks.py``), audits the change and tells the units and the command after the commit.
    """
    with transaction.atomic():
        item = (
            ChecklistItem.objects.select_for_update(of=("self",), no_key=True)
            .select_related("response", "enterprise", "site")
            .get(pk=item.pk)
        )
        if not may_confirm_item(actor, item):
            raise PermissionDenied(_("Only the supervising unit or the town of this enterprise or site confirms its measures."))
        if item.status == ItemStatus.CONFIRMED:
            return item
        if item.response.status != ResponseStatus.ACTIVE or (item.status, ItemStatus.CONFIRMED) not in ITEM_TRANSITIONS:
            raise ActionRefused(
                _("This measure is %(status)s: there is nothing to confirm.") % {"status": item.get_status_display()}
            )
        from_status = item.status
        item.status, item.confirmed_at, item.confirmed_by = ItemStatus.CONFIRMED, timezone.now(), actor
        item.save(update_fields=["status", "confirmed_at", "confirmed_by"])
        audit_record(actor=actor, action="checklist_confirm", target=item, from_state=from_status, to_state=item.status)
        payload = {"id": item.pk, "response": item.response_id, "status": item.status, "owner": item.owner_name}
        events_record(
            [Event(type=CHECKLIST_ITEM_CONFIRMED, audience=Audience.UNIT, unit_id=u, payload=payload)
             for u in sorted({item.unit_id, item.town_id})]
            + [Event(type=CHECKLIST_ITEM_CONFIRMED, audience=Audience.COMMAND, payload=payload)]
        )
    return item
