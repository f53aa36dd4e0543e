"""Reads of the office's standing duties."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from routines.choices import OccurrenceStatus
from routines.models import Occurrence, Routine
from routines.permissions import may_view_routines


def routines_visible_to(user) -> QuerySet[Routine]:
    """The office's standing duties ``user`` may see: every one for the command, each with its open
    rounds prefetched (``open_rounds``); none for anyone else. Returns a lazy queryset. Raises nothing.
    """
    if not may_view_routines(user):
        return Routine.objects.none()
    return Routine.objects.prefetch_related(
        Prefetch("occurrences", queryset=Occurrence.objects.filter(status=OccurrenceStatus.OPEN), to_attr="open_rounds"))


def occurrences_visible_to(user) -> QuerySet[Occurrence]:
    """Every round of every duty for the command; none for anyone else. Duty, who did it and the
    training record it became joined. Returns a lazy queryset. Raises nothing.
    """
    if not may_view_routines(user):
        return Occurrence.objects.none()
    return Occurrence.objects.select_related("routine", "done_by", "training_record")


def routine_rows(user) -> list[dict]:
    """Each active duty ``user`` may see with its next open round, whether that is overdue (due before
    today, local date), and when it was last done; open rounds first, soonest first.

    Returns a list of ``{"routine", "open", "last", "overdue"}``. Two queries. Raises nothing.
    """
    today = timezone.localdate()
    last_done = {}
    for occurrence in occurrences_visible_to(user).filter(status=OccurrenceStatus.DONE).order_by("due_on"):
        last_done[occurrence.routine_id] = occurrence
    rows = []
    for routine in routines_visible_to(user).filter(active=True):
        current = min(routine.open_rounds, key=lambda o: o.due_on) if routine.open_rounds else None
        rows.append({"routine": routine, "open": current, "last": last_done.get(routine.pk),
                     "overdue": current is not None and current.due_on < today})
    rows.sort(key=lambda r: (r["open"] is None, r["open"].due_on if r["open"] else None, r["routine"].title))
    return rows
