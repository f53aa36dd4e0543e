"""Writes of the on-duty roster: add and remove shifts, and the handover at each shift's start.

Locks: a transaction-level advisory lock on the roster (PostgreSQL; SQLite serialises writers),
taken before anything else, so two overlapping shifts cannot both pass the overlap check. It is
never held together with row locks of other apps; the event-order lock comes after it, at the
first event (``events.services``).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duty.models import Shift
from duty.permissions import may_edit_duty
from events.choices import Audience, EventType
from events.services import audit_record, event_record
from units.choices import Role
from units.phones import normalize_cn_phone
from units.roles import role_of

_ROSTER_LOCK = 7_340_634  # any constant other than the event-order lock's
MAX_SHIFT = datetime.timedelta(hours=48)


def _lock_roster() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ROSTER_LOCK])


def shift_payload(shift: Shift) -> dict:
    """A shift as its events carry it: id, ``starts_at``/``ends_at`` (ISO 8601), the officer's and the
    leader's names and phones. Raises nothing."""
    return {
        "id": shift.pk, "starts_at": shift.starts_at.isoformat(), "ends_at": shift.ends_at.isoformat(),
        "officer": shift.officer.get_full_name() or shift.officer.username, "officer_phone": shift.officer_phone,
        "leader": shift.leader.get_full_name() or shift.leader.username, "leader_phone": shift.leader_phone,
    }


def shift_validate(*, starts_at, ends_at, officer, officer_phone: str, leader, leader_phone: str) -> dict:
    """Check a shift's fields (not its overlap); answer the normalised phones as ``officer_phone``/``leader_phone``.
    Raises ValidationError (400) keyed by field. Forms call it to show messages; ``shift_create`` calls it again."""
    errors = {}
    if starts_at is None or ends_at is None:
        errors["ends_at"] = _("Enter the start and the end.")
    elif ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    elif ends_at - starts_at > MAX_SHIFT:
        errors["ends_at"] = _("A shift lasts at most 48 hours.")
    if officer is None or role_of(officer) != Role.OFFICE or not officer.is_active:
        errors["officer"] = _("The staff member on duty must be an active office account.")
    if leader is None or role_of(leader) != Role.LEADER or not leader.is_active:
        errors["leader"] = _("The leader on call must be an active headquarters leader.")
    phones = {}
    for field, value in (("officer_phone", officer_phone), ("leader_phone", leader_phone)):
        try:
            phones[field] = normalize_cn_phone((value or "").strip())
        except ValidationError as exc:
            errors[field] = exc.messages
        else:
            if not phones[field]:
                errors[field] = _("Enter a phone number.")
    if errors:
        raise ValidationError(errors)
    return phones


def shift_check_overlap(*, starts_at, ends_at) -> None:
    """Raise ValidationError (400) if [starts_at, ends_at) overlaps a shift on the roster (one watch at a time).
    Returns None. The caller holds the roster's lock when it then writes (``shift_create``)."""
    clash = Shift.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).order_by("starts_at").first()
    if clash is not None:
        raise ValidationError(_("This overlaps the shift from %(start)s to %(end)s.") % {
            "start": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(clash.ends_at).strftime("%Y-%m-%d %H:%M"),
        })


def shift_create(*, actor, starts_at: datetime.datetime, ends_at: datetime.datetime, officer, officer_phone: str,
                 leader, leader_phone: str, note: str = "") -> Shift:
    """Add a shift to the roster: ``officer`` (office staff) on duty and ``leader`` (a headquarters leader) on call.

    Args: aware datetimes, the end after the start and at most 48 hours later; phones as typed
    (validated and normalised as Chinese numbers, ``units.phones``).
    Returns the new Shift. Raises PermissionDenied (403) unless the actor is office staff or the
    roster admin; ValidationError (400 / form message) for a bad span, a person in the wrong role,
    an invalid phone, or a span that overlaps another shift. Audited; the command's screens refresh.
    """
    if not may_edit_duty(actor):
        raise PermissionDenied(_("Only the office keeps the on-duty roster."))
    phones = shift_validate(starts_at=starts_at, ends_at=ends_at, officer=officer, officer_phone=officer_phone,
                            leader=leader, leader_phone=leader_phone)
    with transaction.atomic():
        _lock_roster()
        shift_check_overlap(starts_at=starts_at, ends_at=ends_at)
        shift = Shift.objects.create(starts_at=starts_at, ends_at=ends_at, officer=officer, leader=leader,
                                     note=note.strip(), **phones)
        payload = shift_payload(shift)
        audit_record(actor=actor, action="shift_create", target=shift, data=payload)
        event_record(type=EventType.DUTY_CHANGED, audience=Audience.COMMAND, payload=payload)
    return shift


def shift_delete(*, actor, shift: Shift) -> None:
    """Remove a shift from the roster (audited). Removing one already gone does nothing.
    Raises PermissionDenied (403) unless the actor is office staff or the roster admin."""
    if not may_edit_duty(actor):
        raise PermissionDenied(_("Only the office keeps the on-duty roster."))
    with transaction.atomic():
        _lock_roster()
        shift = Shift.objects.select_related("officer", "leader").filter(pk=shift.pk).first()
        if shift is None:
            return
        payload = shift_payload(shift)
        audit_record(actor=actor, action="shift_delete", target=shift, data=payload)
        shift.delete()
        event_record(type=EventType.DUTY_CHANGED, audience=Audience.COMMAND, payload={**payload, "deleted": True})


def shifts_hand_over(*, now: datetime.datetime | None = None) -> int:
    """At each shift's start, tell the command's screens who is on duty now (run by the beat).

    Each shift is claimed by a conditional UPDATE of ``handed_over_at`` from NULL, so a second
    run or a second beat scheduler hands over once. Shifts that ended before this run are marked
    without an event. Returns the number of shifts handed over.
    """
    now = now or timezone.now()
    Shift.objects.filter(handed_over_at__isnull=True, ends_at__lte=now).update(handed_over_at=now)
    count = 0
    for pk in list(Shift.objects.filter(handed_over_at__isnull=True, starts_at__lte=now).values_list("pk", flat=True)):
        with transaction.atomic():
            if not Shift.objects.filter(pk=pk, handed_over_at__isnull=True).update(handed_over_at=now):
                continue
            shift = Shift.objects.select_related("officer", "leader").get(pk=pk)
            audit_record(actor=None, action="shift_handover", target=shift)
            event_record(type=EventType.DUTY_CHANGED, audience=Audience.COMMAND, payload=shift_payload(shift))
            count += 1
    return count
