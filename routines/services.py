"""Writes of the office's standing duties: schedule a duty, record a round done, and the beat that opens the
next round, reminds the office ahead of the due day and escalates a round left undone after it.

Plan: 附件1 二 (the office organises publicity, training and drills of the plan and carries the
headquarters' other routine affairs: 组织…宣传、培训和演练；承担区指挥部其他日常事务) and the ecology bureau's
duty to update the emission-reduction list regularly (建立应急减排清单并定期进行动态更新). Issue 17 item 6.

Locks (``events/locks.py`` step 5): a round done locks its one occurrence row; the event-order lock comes last.
"""

import calendar
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.choices import Audience, EventType
from events.services import audit_record, event_record
from foundation.text import storable_text
from routines import permissions
from routines.choices import MONTHS, Frequency, OccurrenceStatus, RoutineKind
from routines.models import Occurrence, Routine

MAX_TITLE = 200
MAX_NOTE = 4000


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved ``months`` calendar months on (negative: back), clamped to the month's last day
    (31 Jan + 1 → 28/29 Feb). Returns the date. Raises nothing.
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due(routine: Routine, after: datetime.date) -> datetime.date:
    """The first due day of ``routine``'s schedule (``first_due`` plus whole periods) after ``after``.
    Counted from ``first_due`` each time, so a 31st stays the month's last day rather than drifting."""
    step, n = MONTHS[routine.frequency], 0
    due = routine.first_due
    while due <= after:
        n += 1
        due = add_months(routine.first_due, step * n)
    return due


def occurrence_payload(occurrence: Occurrence) -> dict:
    """The event payload of a round (``routine.changed`` to the command).

    Returns ``{"id", "routine", "title", "due_on" (ISO date), "status"}``. Raises nothing.
    """
    return {"id": occurrence.pk, "routine": occurrence.routine_id, "title": occurrence.routine.title,
            "due_on": occurrence.due_on.isoformat(), "status": occurrence.status}


def routine_create(*, actor, title: str, kind: str, frequency: str, first_due: datetime.date,
                   remind_days: int = 7, notes: str = "") -> Routine:
    """Schedule a standing duty of the office and open its first round, due on ``first_due``.

    Args: ``kind`` (``RoutineKind``), ``frequency`` (``Frequency``: monthly, quarterly, every six months,
    yearly), ``first_due`` (a date, not more than a year back), ``remind_days`` (0-90: the office is reminded
    that many days before each due day). Returns the duty. Raises PermissionDenied (403) unless office staff;
    ValidationError (400) keyed by field for an empty title, an unknown kind or frequency, a bad date or
    reminder."""
    if not permissions.may_keep_routines(actor):
        raise PermissionDenied(_("Only the office keeps its standing duties."))
    errors = {}
    title = storable_text(title if isinstance(title, str) else "").strip()
    notes = storable_text(notes if isinstance(notes, str) else "").strip()
    if not title:
        errors["title"] = _("Enter the title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("At most %(n)d characters.") % {"n": MAX_TITLE}
    if kind not in RoutineKind.values:
        errors["kind"] = _("Choose one of the kinds.")
    if frequency not in Frequency.values:
        errors["frequency"] = _("Choose one of the frequencies.")
    if not isinstance(first_due, datetime.date) or isinstance(first_due, datetime.datetime):
        errors["first_due"] = _("Enter a date.")
    elif first_due < timezone.localdate() - datetime.timedelta(days=366):
        errors["first_due"] = _("The first due day may be at most a year back.")
    if isinstance(remind_days, bool) or not isinstance(remind_days, int) or not 0 <= remind_days <= 90:
        errors["remind_days"] = _("Between 0 and 90 days.")
    if len(notes) > MAX_NOTE:
        errors["notes"] = _("At most %(n)d characters.") % {"n": MAX_NOTE}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        routine = Routine.objects.create(title=title, kind=kind, frequency=frequency, first_due=first_due,
                                         remind_days=remind_days, notes=notes, created_by=actor)
        occurrence = Occurrence.objects.create(routine=routine, due_on=first_due)
        audit_record(actor=actor, action="routine_create", target=routine,
                     data={"title": title, "kind": kind, "frequency": frequency, "first_due": first_due.isoformat()})
        event_record(type=EventType.ROUTINE_CHANGED, audience=Audience.COMMAND, payload=occurrence_payload(occurrence))
    return routine


def occurrence_complete(*, occurrence: Occurrence, actor, note: str, training_record=None) -> Occurrence:
    """Record a round of a standing duty as done (what was done; a drill's or training's register entry),
    and open the next round on the duty's schedule. Completing a round already done does nothing.

    Returns the round. Raises PermissionDenied (403) unless office staff; ValidationError (400) for an empty
    or too long note (4,000)."""
    if not permissions.may_keep_routines(actor):
        raise PermissionDenied(_("Only the office keeps its standing duties."))
    note = storable_text(note if isinstance(note, str) else "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": MAX_NOTE}})
    with transaction.atomic():
        locked = Occurrence.objects.select_for_update(no_key=True).select_related("routine").get(pk=occurrence.pk)
        if locked.status == OccurrenceStatus.DONE:
            return locked
        locked.status, locked.done_at, locked.done_by = OccurrenceStatus.DONE, timezone.now(), actor
        locked.note, locked.training_record = note, training_record
        locked.save(update_fields=["status", "done_at", "done_by", "note", "training_record"])
        following = None
        if locked.routine.active:
            following, _created = Occurrence.objects.get_or_create(routine=locked.routine,
                                                                   due_on=next_due(locked.routine, locked.due_on))
        audit_record(actor=actor, action="occurrence_complete", target=locked, from_state=OccurrenceStatus.OPEN,
                     to_state=OccurrenceStatus.DONE,
                     data={"note": note, "training_record": getattr(training_record, "pk", None),
                           "next_due": following.due_on.isoformat() if following else None})
        event_record(type=EventType.ROUTINE_CHANGED, audience=Audience.COMMAND, payload=occurrence_payload(locked))
    return locked


def routines_run(*, now: datetime.datetime | None = None, limit: int = 500) -> dict:
    """The beat's pass over the standing duties (idempotent).

    1. An active duty without an open round gets its next one (unique per duty and due day).
    2. A round due within its duty's ``remind_days`` (or past due) and never reminded: one reminder to the
       office (notification key ``routine:remind:<id>``).
    3. A round still open the day after its due day: one escalation to the command, the person on duty
       first (``routine:escalate:<id>``).
    Steps 2 and 3 are claimed by a conditional UPDATE from NULL. Returns the counts.
    """
    from reports.services import notification_queue
    from responses.models import Notification
    from responses.services import notify_command
    from units.choices import Role
    from units.models import User

    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"opened": 0, "reminded": 0, "escalated": 0}
    for routine in Routine.objects.filter(active=True).exclude(occurrences__status=OccurrenceStatus.OPEN):
        last = routine.occurrences.order_by("-due_on").values_list("due_on", flat=True).first()
        with transaction.atomic():
            due_on = next_due(routine, last) if last else routine.first_due
            occurrence, created = Occurrence.objects.get_or_create(routine=routine, due_on=due_on)
            if created:
                audit_record(actor=None, action="occurrence_open", target=occurrence, to_state=occurrence.status)
                counts["opened"] += 1
    open_rounds = Occurrence.objects.filter(status=OccurrenceStatus.OPEN, routine__active=True).select_related("routine")
    for occurrence in list(open_rounds.filter(reminded_at__isnull=True)[:limit]):
        if occurrence.due_on - datetime.timedelta(days=occurrence.routine.remind_days) > today:
            continue
        with transaction.atomic():
            if not Occurrence.objects.filter(pk=occurrence.pk, status=OccurrenceStatus.OPEN,
                                             reminded_at__isnull=True).update(reminded_at=now):
                continue
            message = _("Standing duty due: “%(title)s” by %(due)s.") % {"title": occurrence.routine.title,
                                                                          "due": occurrence.due_on.isoformat()}
            office = [u.email or u.username for u in User.objects.filter(is_active=True, groups__name=Role.OFFICE)
                      .distinct().order_by("id")]
            audit_record(actor=None, action="occurrence_remind", target=occurrence, comment=message)
            notification_queue(Notification.objects.create(kind=Notification.Kind.REMINDER,
                                                           idempotency_key=f"routine:remind:{occurrence.pk}",
                                                           recipients=office, message=message))
            event_record(type=EventType.ROUTINE_CHANGED, audience=Audience.COMMAND,
                         payload={**occurrence_payload(occurrence), "reminded": True})
            counts["reminded"] += 1
    for occurrence in list(open_rounds.filter(escalated_at__isnull=True, due_on__lt=today)[:limit]):
        with transaction.atomic():
            if not Occurrence.objects.filter(pk=occurrence.pk, status=OccurrenceStatus.OPEN,
                                             escalated_at__isnull=True).update(escalated_at=now):
                continue
            message = _("Standing duty overdue: “%(title)s” was due %(due)s.") % {
                "title": occurrence.routine.title, "due": occurrence.due_on.isoformat()}
            audit_record(actor=None, action="occurrence_escalate", target=occurrence, comment=message)
            notify_command(kind=Notification.Kind.ESCALATION, key=f"routine:escalate:{occurrence.pk}", message=message)
            event_record(type=EventType.ROUTINE_CHANGED, audience=Audience.COMMAND,
                         payload={**occurrence_payload(occurrence), "escalated": True})
            counts["escalated"] += 1
    return counts
