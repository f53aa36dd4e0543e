"""Reads of responses and assignments, scoped to the user, and the summary evaluation."""

import datetime
from collections import defaultdict

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, Func, OuterRef, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from events.models import AuditEntry
from responses.choices import AssignmentStatus, ResponseStatus, Stage, UpdateKind, acknowledged_late, is_overdue
from responses.models import AssignmentUpdate, Attachment, Response, TaskAssignment
from responses.permissions import may_supervise
from units.models import Unit


def assignments_visible_to(user):
    """The tasks ``user`` may see: every unit's for the command (``may_supervise``), their own unit's for a
    member, none for an account without a unit. Returns a lazy queryset with the unit joined. Raises nothing.
    """
    assignments = TaskAssignment.objects.select_related("unit")
    if may_supervise(user):
        return assignments
    if user.unit_id is None:
        return assignments.none()
    return assignments.filter(unit_id=user.unit_id)


def response_active(*, drill: bool = False) -> Response | None:
    """The active response (a drill's if ``drill``) with its warning, or None: one query. Not scoped:
    that a response is active is no secret; its tasks are (``assignments_visible_to``)."""
    return Response.objects.filter(status=ResponseStatus.ACTIVE, drill=drill).select_related("alert").first()


def unit_grid(response: Response | None) -> list[dict]:
    """One row per active unit with its task counts by state in ``response`` (None: no response, every
    count zero): the office's command grid. Two queries.

    Returns a list of dicts in the units' order: the unit, ``total`` and one count per assignment status,
    ``overdue`` (not acknowledged by its deadline, ``responses.choices.is_overdue``). Raises nothing.
    """
    units = list(Unit.objects.active().order_by("order"))
    counts: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    if response is not None:
        now = timezone.now()
        for a in TaskAssignment.objects.filter(response=response).exclude(status=AssignmentStatus.CANCELLED).only(
            "unit_id", "status", "ack_deadline"
        ):
            row = counts[a.unit_id]
            row["total"] += 1
            row[a.status] += 1
            if is_overdue(status=a.status, ack_deadline=a.ack_deadline, now=now):
                row["overdue"] += 1
    grid = []
    for unit in units:
        row = counts.get(unit.pk, {})
        total = row.get("total", 0)
        if total == 0:
            state = "none"
        elif row.get("overdue"):
            state = "overdue"
        elif row.get("completed", 0) == total:
            state = "completed"
        elif row.get("assigned", 0) == 0:
            state = "acknowledged"
        else:
            state = "assigned"
        unit_counts = dict(row)
        # Acknowledged includes what is done since: "1/4 acknowledged" once one of four is signed for (issue 14 item 1).
        unit_counts["signed"] = unit_counts.get("acknowledged", 0) + unit_counts.get("completed", 0)
        grid.append({"unit": unit, "state": state, "counts": unit_counts, "total": total})
    return grid


TASK_STATES = ("assigned", "acknowledged", "completed", "returned", "overdue")
UNIT_STATES = ("none", "assigned", "acknowledged", "completed", "overdue")


def grid_totals(grid: list[dict]) -> dict:
    """The command's figures, tasks and units counted apart (issue 14 item 1).

    ``tasks``: the response's live tasks (closed ones left out) by their own status, ``total`` and
    ``signed`` (acknowledged or completed); ``overdue`` is counted within ``assigned``. ``units``: the
    active units by their worst task state (``unit_grid``), ``all`` and ``with_tasks``. Returns
    ``{"tasks": {...}, "units": {...}}``; no query.
    """
    tasks = dict.fromkeys((*TASK_STATES, "total", "signed"), 0)
    units = dict.fromkeys((*UNIT_STATES, "all", "with_tasks"), 0)
    for row in grid:
        units["all"] += 1
        units[row["state"]] += 1
        if row["total"]:
            units["with_tasks"] += 1
        tasks["total"] += row["total"]
        for key in (*TASK_STATES, "signed"):
            tasks[key] += row["counts"].get(key, 0)
    return {"tasks": tasks, "units": units}


def response_summary(response: Response) -> dict:
    """The summary evaluation (总结评估) of ``response``: its timeline, each unit's latency, completion and
    overdue count, and the reports with their attachments.

    Only the response's own tasks count; the closing tasks handed out when it ends are the evaluation's
    work, so the summary of an ended response no longer changes. Latencies are in minutes. Returns a dict
    (the keys the summary page and its export read). Raises nothing.
    """
    # The tasks of the response itself: the closing tasks handed out when it ends are the evaluation's
    # own work, so that the summary of an ended response no longer changes (issue 12 item 9).
    assignments = list(
        TaskAssignment.objects.filter(response=response, stage=Stage.RESPONSE)
        .select_related("unit")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=AssignmentUpdate.objects.filter(kind__in=[UpdateKind.REPORT, UpdateKind.PROGRESS])
                .select_related("author")
                .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.only("id", "original_name", "update_id"))),
            )
        )
        .order_by("unit__order", "id")
    )
    now = response.ended_at or timezone.now()
    units: dict[int, dict] = {}
    for a in assignments:
        row = units.setdefault(
            a.unit_id,
            {"unit": a.unit, "assigned": 0, "due": 0, "acknowledged": 0, "completed": 0, "cancelled": 0, "overdue": 0,
             "latencies": [], "reports": []},
        )
        row["assigned"] += 1
        # A task closed by a level change or the lift stopped counting when it was closed (issue 14 item 14):
        # it was due only if its deadline passed while it was open, or it was acknowledged.
        until = a.closed_at or now if a.status == AssignmentStatus.CANCELLED else now
        if a.acknowledged_at or a.ack_deadline < until:
            row["due"] += 1
        if a.acknowledged_at:
            row["acknowledged"] += 1
            # From when the task took effect: a unit that acknowledges ahead of the start is not late.
            row["latencies"].append(max(0.0, (a.acknowledged_at - a.effective_from).total_seconds()))
        if a.status == AssignmentStatus.COMPLETED:
            row["completed"] += 1
        if a.status == AssignmentStatus.CANCELLED:
            row["cancelled"] += 1
        # Overdue: acknowledged after the deadline, or never acknowledged while the deadline passed.
        if acknowledged_late(acknowledged_at=a.acknowledged_at, ack_deadline=a.ack_deadline, now=until):
            row["overdue"] += 1
        for update in a.updates.all():
            row["reports"].append({"assignment": a, "update": update})
    for row in units.values():
        lat = row.pop("latencies")
        row["ack_latency_avg_s"] = round(sum(lat) / len(lat)) if lat else None
        row["ack_latency_max_s"] = round(max(lat)) if lat else None
    totals = {
        key: sum(r[key] for r in units.values())
        for key in ("assigned", "due", "acknowledged", "completed", "cancelled", "overdue")
    }
    totals["units"] = len(units)
    warnings = response_warnings(response)
    alert_ids = {alert.pk for alert in warnings}
    timeline = list(
        AuditEntry.objects.filter(
            Q(target_type="alert", target_id__in=alert_ids) | Q(target_type="response", target_id=response.pk)
        ).select_related("actor").order_by("at", "id")
    )
    return {
        "response": response, "units": list(units.values()), "totals": totals, "timeline": timeline,
        "warnings": warnings, "level_history": level_history(response, warnings),
    }


STAGES = ("before", "during", "after")


def response_evaluation_charts(response: Response, *, summary: dict | None = None, margin: int = 2) -> dict:
    """The figures of the summary evaluation's charts (issue 17 item 3), one source for the page, the CSV and the
    Word file (``responses.charts`` draws them).

    Args: ``summary``, ``response_summary(response)`` when the caller has it (saves its queries); ``margin``
    days shown before the response's first day and after its last (local dates; an active response's last day
    is today). Returns ``{"aqi": [{"date": date, "stage": "before" | "during" | "after", "aqi": int | None,
    "category": str, "colour": str}, …] (one per day, in order), "thresholds": [AQI, …] (the warning
    criteria's, ascending), "acks": [{"unit": Unit, "assigned": n, "acknowledged": n, "overdue": n,
    "avg_min": minutes | None, "max_min": minutes | None}, …] (the units of ``summary``, in roster order;
    minutes from the task taking effect to its acknowledgement, one decimal), "ack_deadline_min": minutes (the
    response level's, ``responses.choices.ack_minutes``), "first", "last", "start", "end": dates}``. The AQI
    comes from the registered source (``responses.extensions.air_quality``: the feeds' forecasts). Queries:
    ``response_summary``'s unless given, plus the source's (two or three). Raises nothing (the plan:
    附件1 二, 应急响应结束后组织开展总结评估)."""
    from responses.choices import ack_minutes

    summary = summary if summary is not None else response_summary(response)

    def minutes(seconds):
        return None if seconds is None else round(seconds / 60, 1)

    acks = [{"unit": row["unit"], "assigned": row["assigned"], "acknowledged": row["acknowledged"],
             "overdue": row["overdue"], "avg_min": minutes(row["ack_latency_avg_s"]),
             "max_min": minutes(row["ack_latency_max_s"])} for row in summary["units"]]
    return {**response_air_quality(response, margin=margin), "acks": acks, "ack_deadline_min": ack_minutes(response.level)}


def response_air_quality(response: Response, *, margin: int = 2) -> dict:
    """The forecast AQI of each day from ``margin`` days before ``response`` started to ``margin`` days after it
    ended (an active response: after today), what the AQI chart draws (``responses.charts.aqi_chart``) for the
    summary evaluation and the office's bulletins.

    Returns ``{"aqi": [{"date", "stage": "before" | "during" | "after", "aqi": int | None, "category", "colour"},
    …] (one per day, in order), "thresholds": [AQI, …] (ascending), "first", "last", "start", "end": dates}``,
    local dates. The AQI comes from the registered source (``responses.extensions.air_quality``: the feeds'
    forecasts; two or three queries). Raises nothing."""
    from responses.extensions import air_quality

    start = timezone.localdate(response.started_at)
    end = timezone.localdate(response.ended_at or timezone.now())
    first, last = start - datetime.timedelta(days=margin), end + datetime.timedelta(days=margin)
    air = air_quality(first=first, last=last)
    aqi = [{**day, "stage": "before" if day["date"] < start else ("after" if day["date"] > end else "during")}
           for day in air["days"]]
    return {"aqi": aqi, "thresholds": list(air["thresholds"]), "first": first, "last": last, "start": start, "end": end}


def response_warnings(response: Response) -> list:
    """The warnings a response ran under, oldest first (yellow → orange → red …): the warning in force at
    its end and those it superseded, back to the one that opened it."""
    chain = []
    alert = response.alert
    while alert is not None:  # a warning supersedes only the one in force: the same response goes on
        chain.append(alert)
        alert = alert.supersedes
    return list(reversed(chain))


def level_history(response: Response, warnings: list) -> list[dict]:
    """Each warning of the response with its level, from when and until when, why it was issued and how it
    ended (superseded by the next, lifted with the lift's reason, or still in force). Issue 14 item 14."""
    rows = []
    for index, alert in enumerate(warnings):
        following = warnings[index + 1] if index + 1 < len(warnings) else None
        start = alert.starts_at if alert.starts_at and alert.issued_at and alert.starts_at > alert.issued_at else alert.issued_at
        if following is not None:
            end, ending, end_reason = following.issued_at, "superseded", ""
        elif alert.lifted_at:
            end, ending, end_reason = alert.lifted_at, "lifted", alert.lift_reason
        else:
            end, ending, end_reason = response.ended_at, ("ended" if response.ended_at else "in_force"), ""
        rows.append({"alert": alert, "level": alert.level, "start": start, "end": end, "ending": ending,
                     "reason": alert.reason, "end_reason": end_reason})
    return rows


def unit_tasks_current(unit) -> list[TaskAssignment]:
    """The unit's tasks in the running (non-drill or drill) responses, cancelled ones left out,
    by status then acknowledgement deadline, each with its notes, reports and attachments in order (issue 14
    item 4): what the unit's screen lists. Three queries."""
    return units_tasks_current([unit.pk])[unit.pk]


def units_tasks_current(unit_ids) -> dict[int, list[TaskAssignment]]:
    """``unit_tasks_current`` of several units at once, ``{unit id: tasks}``: the hub renders every open
    unit screen after an event (``dashboards.screens``). Three queries, whatever the number of units."""
    tasks: dict[int, list[TaskAssignment]] = {unit_id: [] for unit_id in unit_ids}
    for task in assignments_with_updates(
        TaskAssignment.objects.filter(unit_id__in=tasks, response__status="active")
        .exclude(status=AssignmentStatus.CANCELLED)
        .select_related("response")
    ).order_by("unit_id", "status", "ack_deadline", "id"):  # the id: a stable order between renders
        tasks[task.unit_id].append(task)
    return tasks


def _tasks_recent(unit_ids, limit: int):
    """Each unit's newest ``limit`` tasks from ended responses, as one queryset (no order).

    On PostgreSQL each unit's ids come from a correlated subquery per unit row (``ArraySubquery``, unnested),
    which walks the ``assignment_unit_recent_idx`` index and stops at ``limit``; a window over all of a
    unit's ended tasks grew with the years of history (136 ms for 54 units over 25,776 assignments in
    ``bench/``'s fan-out database, against 2 ms this way). Elsewhere (the embedded SQLite default) a window.
    """
    ended = TaskAssignment.objects.exclude(response__status="active")
    if connection.vendor == "postgresql":
        newest = ended.filter(unit_id=OuterRef("pk")).order_by("-assigned_at", "-id").values("pk")[:limit]
        per_unit = Unit.objects.filter(pk__in=unit_ids).values(newest=Func(ArraySubquery(newest), function="unnest"))
        return ended.filter(pk__in=per_unit)
    return ended.filter(unit_id__in=unit_ids).annotate(
        rank=Window(RowNumber(), partition_by=[F("unit_id")], order_by=[F("assigned_at").desc(), F("id").desc()])
    ).filter(rank__lte=limit)


def units_tasks_recent(unit_ids, *, limit: int = 10) -> dict[int, list[TaskAssignment]]:
    """Each unit's (``unit_ids``) latest ``limit`` tasks from responses that have ended: what its screen
    lists under "Earlier tasks". One query, whatever the number of units and the years of history.

    Returns ``{unit id: [TaskAssignment, …]}``, newest first, each with its response and warning joined;
    an empty list for a unit with none. Raises nothing.
    """
    recent: dict[int, list[TaskAssignment]] = {unit_id: [] for unit_id in unit_ids}
    for task in _tasks_recent(recent, limit).select_related("response__alert").order_by("unit_id", "-assigned_at", "-id"):
        recent[task.unit_id].append(task)
    return recent


def units_tasks_recent_states(unit_ids, *, limit: int = 10) -> dict[int, tuple[tuple[int, str], ...]]:
    """What ``units_tasks_recent`` would list, as ids and statuses only: ``{unit id: ((id, status), …)}``,
    newest first (empty for a unit with none). One query and no model objects: the key of each unit's
    cached "Earlier tasks" part (``dashboards.views.recent_parts``), which only changes with these.
    Raises nothing."""
    states: dict[int, list] = {unit_id: [] for unit_id in unit_ids}
    for unit_id, pk, status in _tasks_recent(states, limit).order_by("unit_id", "-assigned_at", "-id").values_list(
        "unit_id", "id", "status"
    ):
        states[unit_id].append((pk, status))
    return {unit_id: tuple(rows) for unit_id, rows in states.items()}


def assignments_with_updates(assignments):
    """``assignments`` (a queryset) with their notes, reports and send-backs and their attachments, in order.

    Two extra queries, whatever the count: what a unit's page and the unit's own screen list under each
    task (issue 14 items 2 and 4).
    """
    return assignments.prefetch_related(
        Prefetch(
            "updates",
            queryset=AssignmentUpdate.objects.select_related("author").order_by("at", "id").prefetch_related(
                Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
            ),
        )
    )


def unit_response_tasks(response: Response, unit) -> list[TaskAssignment]:
    """One unit's tasks in ``response``, closed ones included (last), each with its updates and attachments:
    the unit's page for the command during the response (issue 14 item 2). Three queries."""
    return list(
        assignments_with_updates(
            TaskAssignment.objects.filter(response=response, unit=unit).select_related("response", "acknowledged_by",
                                                                                      "completed_by")
        ).order_by("stage", "ack_deadline", "id")
    )


def unit_reminders(response: Response, unit) -> dict[int, list]:
    """The audit entries of the command's reminders (``assignment_remind``) of ``unit``'s tasks in ``response``,
    by task id, oldest first. One query."""
    ids = TaskAssignment.objects.filter(response=response, unit=unit).values("pk")
    reminders: dict[int, list] = defaultdict(list)
    for entry in AuditEntry.objects.filter(target_type="taskassignment", target_id__in=ids, action="remind").select_related(
        "actor"
    ).order_by("at", "id"):
        reminders[entry.target_id].append(entry)
    return dict(reminders)
