"""Reads of the on-duty roster."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from duty.models import Shift


def shift_current(now: datetime.datetime | None = None) -> Shift | None:
    """The shift (值班) in force at ``now`` (default: the clock), or None. If two overlap at a handover,
    the later-starting one. Officer and leader joined; one query. Raises nothing.
    """
    now = now or timezone.now()
    return (
        Shift.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .select_related("officer", "leader")
        .order_by("-starts_at", "-id")
        .first()
    )


def shifts_between(start: datetime.datetime, end: datetime.datetime) -> QuerySet[Shift]:
    """The shifts that overlap [``start``, ``end``) (aware datetimes), in order of their start, officer
    and leader joined. Returns a lazy queryset. Raises nothing.
    """
    return Shift.objects.filter(starts_at__lt=end, ends_at__gt=start).select_related("officer", "leader").order_by("starts_at", "id")


def on_duty_users(now: datetime.datetime | None = None) -> list:
    """Who is on duty at ``now`` (default: the clock): the staff member on duty, then the leader on
    call, active accounts only. Returns a list of users, empty without a shift. Raises nothing.
    """
    shift = shift_current(now)
    if shift is None:
        return []
    return [u for u in (shift.officer, shift.leader) if u.is_active]
