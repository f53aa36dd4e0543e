"""Reads of the register: the records, and a platform drill's measured figures."""

from django.db.models import QuerySet

from responses.choices import acknowledged_late
from responses.models import TaskAssignment
from training.models import TrainingRecord
from training.permissions import may_view_training


def records_visible_to(user) -> QuerySet[TrainingRecord]:
    """The training and drill register for ``user``: every record with its drill, units and attachments
    for the command and the roster admin (``may_view_training``), none for anyone else. A queryset."""
    if not may_view_training(user):
        return TrainingRecord.objects.none()
    return TrainingRecord.objects.select_related("alert").prefetch_related("units", "attachments")


def drill_figures(record: TrainingRecord) -> list[dict]:
    """Per unit of the linked drill's response: its tasks, how many were acknowledged, the slowest
    acknowledgement in minutes (from the task's effective start) and how many were acknowledged late.
    Empty without a linked drill. One query."""
    if record.alert_id is None:
        return []
    rows: dict[int, dict] = {}
    tasks = (TaskAssignment.objects.filter(response__alert_id=record.alert_id).exclude(status="cancelled")
             .select_related("unit").order_by("unit__order", "id"))
    for task in tasks:
        row = rows.setdefault(task.unit_id, {"unit": task.unit.name, "tasks": 0, "acknowledged": 0,
                                             "slowest_minutes": None, "late": 0})
        row["tasks"] += 1
        if task.acknowledged_at is not None:
            row["acknowledged"] += 1
            minutes = round(max((task.acknowledged_at - task.effective_from).total_seconds(), 0) / 60, 1)
            row["slowest_minutes"] = max(row["slowest_minutes"] or 0, minutes)
            row["late"] += acknowledged_late(acknowledged_at=task.acknowledged_at, ack_deadline=task.ack_deadline,
                                             now=task.acknowledged_at)
    return list(rows.values())
