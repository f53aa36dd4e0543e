"""Responses and assignments: opening, changing level, closing, and every unit action.

Opening a response creates every unit's assignments in the issuing transaction, in
bulk: a constant number of queries whatever the size of the roster.
"""

import datetime
import json
from collections.abc import Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.choices import Cause, all_causes
from events.choices import Audience, EventType
from events.models import AuditEntry, Event
from events.services import audit_record, audits_record, event_record, events_record
from foundation.errors import ActionRefused
from foundation.text import text_checked
from foundation.uploads import StoredUpload, uploads_discard, uploads_store, validate_upload
from responses import extensions, permissions
from responses.choices import (
    ASSIGNMENT_TRANSITIONS,
    LEVEL_ORDER,
    OPEN_STATUSES,
    AssignmentStatus,
    ResponseLevel,
    ResponseStatus,
    Stage,
    UpdateKind,
    ack_deadline,
    overdue_q,
)
from responses.models import AssignmentUpdate, Attachment, Response, TaskAssignment, TaskTemplate
from units.models import Duty, Unit
from units.selectors import command_users


def assignment_payload(a: TaskAssignment, unit_name: str | None = None) -> dict:
    """A task as its events carry it: ids, unit (``unit_name`` saves a query when the caller has it),
    key, title, its occurrence (1, 2, … for a recurring duty), status, times as ISO 8601 (``ack_deadline``, ``effective_from``) and ``overdue``."""
    return {
        "id": a.pk,
        "response": a.response_id,
        "unit": a.unit_id,
        "unit_name": unit_name if unit_name is not None else a.unit.name,
        "title": a.title,
        "occurrence": a.occurrence,
        "instructions": a.instructions,
        "level": a.level,
        "stage": a.stage,
        "status": a.status,
        "report_required": a.report_required,
        "effective_from": a.effective_from.isoformat(),
        "ack_deadline": a.ack_deadline.isoformat(),
        "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
        "completed_at": a.completed_at.isoformat() if a.completed_at else None,
        "overdue": a.overdue,
    }


def response_payload(r: Response) -> dict:
    """A response as its events carry it.

    Returns ``{"id", "alert", "level" (III/II/I), "status", "drill", "area", "started_at" (ISO 8601)}``.
    Reads no other row. Raises nothing.
    """
    return {
        "id": r.pk, "alert": r.alert_id, "level": r.level, "status": r.status, "drill": r.drill, "area": r.area,
        "started_at": r.started_at.isoformat(),
    }


# --- Opening, changing and closing a response (called by alerts.services in its transaction) ---


def response_lock(*, alert, assignments: bool = True) -> Response | None:
    """Lock the active response of ``alert`` and, with ``assignments``, its open tasks in id order.

    Steps 4 and 5 of the lock order (``events/locks.py``): the caller holds the area and warning
    locks and has recorded no event yet, because ``response_apply_level`` and ``response_close``
    change these rows after events are recorded (issue 12 item 10: a lift that locked the tasks
    after its first event deadlocked with acknowledgements). ``assignments`` is needed only when
    tasks will be closed (a lift or a downgrade). Returns the response, or None when none is active.
    """
    response = Response.objects.select_for_update(no_key=True).filter(alert=alert, status=ResponseStatus.ACTIVE).first()
    if response is not None and assignments:
        list(
            TaskAssignment.objects.select_for_update(no_key=True)
            .filter(response=response, status__in=OPEN_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    if response is not None:
        for participant in extensions.participants():  # their rows at step 5 too (responses/extensions.py)
            participant.lock(response=response)
    return response


def response_apply_level(*, alert, previous, actor) -> Response:
    """Open the response for an issued warning, or move the running one to the new warning's level.

    A new response starts at the warning's start (``alert.starts_at``, never before the issue); its
    tasks are assigned now and take effect, with their deadlines, from then.

    With a ``previous`` warning the caller holds ``response_lock(alert=previous, assignments=<downgrade>)``.
    """
    level = alert.response_level
    # The episode's cause decides the task set (issue 15 item 2); a leader's recorded override hands out
    # every template of the level. A cause change, like a downgrade, closes the open tasks no longer called
    # for; done work stays done.
    causes = None if alert.tasks_override_reason else alert.cause
    cause_changed = previous is not None and (previous.cause, bool(previous.tasks_override_reason)) != (
        alert.cause, bool(alert.tasks_override_reason)
    )
    response = None
    previous_level = ""
    if previous is not None:
        response = Response.objects.filter(alert=previous, status=ResponseStatus.ACTIVE).first()
        previous_level = previous.level
    if response is None:
        started = alert.starts_at or timezone.now()
        response = Response.objects.create(
            alert=alert, level=level, area=alert.area, drill=alert.drill, started_at=started, level_since=started
        )
        audit_record(actor=actor, action="open", target=response, to_state=level)
        event_record(type=EventType.RESPONSE_OPENED, payload=response_payload(response))
        upgrade = True
    else:
        old_level = response.level
        response.alert = alert
        response.level = level
        fields = ["alert", "level"]
        start = alert.starts_at or timezone.now()
        if level != old_level:
            # A recurring duty's occurrences count from the level change, at the new level's interval.
            response.level_since = start
            fields.append("level_since")
        if start < response.started_at:
            # A level that takes effect before the response's planned start (a yellow "from 0:00", then an
            # orange at once) brings the response forward, and the tasks kept from the earlier level apply
            # from then too, their deadlines as far from the start as before (issue 12 item 8). The caller
            # holds the open tasks' row locks (``response_lock``), so this UPDATE takes no new lock.
            response.started_at = start
            fields.append("started_at")
            TaskAssignment.objects.filter(response=response, status__in=OPEN_STATUSES, effective_from__gt=start).update(
                ack_deadline=F("ack_deadline") - (F("effective_from") - Value(start)), effective_from=start
            )
        response.save(update_fields=fields)
        audit_record(actor=actor, action="change_level", target=response, from_state=old_level, to_state=level)
        event_record(type=EventType.RESPONSE_LEVEL_CHANGED, payload=response_payload(response))
        upgrade = LEVEL_ORDER[level] > LEVEL_ORDER[old_level] and not cause_changed
    _sync_assignments(
        response, level=level, actor=actor, upgrade=upgrade, effective_from=alert.starts_at, cause=causes,
        cause_changed=cause_changed,
    )
    for participant in extensions.participants():  # e.g. the reduction list's checklists (issue 16 item 4)
        participant.level_applied(response=response, alert=alert, previous_level=previous_level, actor=actor)
    return response


def _sync_assignments(
    response: Response, *, level: str, actor, upgrade: bool, effective_from=None, cause: str | None = None,
    cause_changed: bool = False,
) -> None:
    """Give every active unit the level's tasks it does not hold yet; on a downgrade close what no longer applies.

    ``cause`` (alerts.choices.Cause) keeps only the templates that name it (``TaskTemplate.causes``);
    None: every template of the level (a leader's override). An upgrade keeps everything already
    assigned or done (the issue's rule); the same template key at both levels is the same task and is
    not assigned twice. Anything else (a downgrade, a change of cause) closes the open tasks the new
    set does not hold, with the reason; completed work is never reopened or closed.
    """
    templates = [
        t
        for t in TaskTemplate.objects.filter(stage=Stage.RESPONSE, level=level, active=True, unit__active=True)
        .select_related("unit")
        .only("unit__name", "unit_id", "key", "title", "title_en", "instructions", "instructions_en", "report_required", "ack_minutes", "level",
              "stage", "causes")
        # The cause filter runs here, not in SQL: SQLite (the embedded default) has no JSON containment
        # lookup, and a level's templates are a few hundred rows read anyway.
        if cause is None or cause in t.causes
    ]
    # Every task of the response so far: a recurring duty holds several occurrences of one key, and a
    # key closed and handed out again is its next occurrence (``assignment_one_per_occurrence``).
    live: dict[tuple[int, str], list[tuple[int, str]]] = {}
    last: dict[tuple[int, str], int] = {}
    for pk, unit_id, key, status, occurrence in TaskAssignment.objects.filter(
        response=response, stage=Stage.RESPONSE
    ).values_list("pk", "unit_id", "key", "status", "occurrence"):
        last[unit_id, key] = max(last.get((unit_id, key), 0), occurrence)
        if status != AssignmentStatus.CANCELLED:
            live.setdefault((unit_id, key), []).append((pk, status))
    if not upgrade:
        wanted = {(t.unit_id, t.key) for t in templates}
        stale = [
            pk for k, tasks in live.items() if k not in wanted for pk, status in tasks if status in OPEN_STATUSES
        ]
        reason = (
            _("The cause of the episode changed; this task no longer applies.") if cause_changed
            else _("Response level lowered to %(level)s.") % {"level": ResponseLevel(level).label}
        )
        _close_assignments(stale, actor=actor, reason=reason)
    now = timezone.now()
    # Deadlines count from the warning's start, which alerts.services already set to max(issue time, starts_at)
    # (issue 12 item 8).
    effective = effective_from or now
    new = [
        _assignment_from(t, response=response, level=level, now=now, effective_from=effective,
                         occurrence=last.get((t.unit_id, t.key), 0) + 1)
        for t in templates
        if (t.unit_id, t.key) not in live
    ]
    _create_assignments(new, {t.unit_id: t.unit.name for t in templates})


def _assignment_from(template: TaskTemplate, *, response: Response, level: str, now, effective_from,
                     occurrence: int = 1) -> TaskAssignment:
    """An unsaved task for ``template``'s unit in ``response`` at ``level``: the template's texts copied (the task keeps
    what it was told even if the template is edited later), assigned at ``now``, its acknowledgement deadline counted
    from ``effective_from`` (datetimes). The one place a task is made from a template. Raises nothing."""
    return TaskAssignment(
        response=response,
        unit_id=template.unit_id,
        template=template,
        key=template.key,
        occurrence=occurrence,
        stage=template.stage,
        level=level,
        title=template.title,
        title_en=template.title_en,
        instructions=template.instructions,
        instructions_en=template.instructions_en,
        report_required=template.report_required,
        assigned_at=now,
        effective_from=effective_from,
        ack_deadline=ack_deadline(effective_from=effective_from, level=level, override=template.ack_minutes),
    )


def _create_assignments(new: list[TaskAssignment], unit_names: dict[int, str], *, saved: bool = False) -> None:
    """Insert ``new`` tasks in one query (``saved``: already inserted) and record one
    ``assignment.created`` event for each one's unit (pushed after the commit)."""
    if not new:
        return
    created = new if saved else TaskAssignment.objects.bulk_create(new)
    events_record(
        Event(
            type=EventType.ASSIGNMENT_CREATED,
            audience=Audience.UNIT,
            unit_id=a.unit_id,
            payload=assignment_payload(a, unit_names[a.unit_id]),
        )
        for a in created
    )


def _close_assignments(pks: Sequence[int], *, actor, reason: str) -> None:
    """Close open assignments in bulk, with a reason, an audit entry and an event each.

    The caller holds their row locks (``response_lock``), taken before any event of its transaction.
    """
    if not pks:
        return
    now = timezone.now()
    closing = list(TaskAssignment.objects.filter(pk__in=pks, status__in=OPEN_STATUSES).select_related("unit"))
    TaskAssignment.objects.filter(pk__in=[a.pk for a in closing]).update(
        status=AssignmentStatus.CANCELLED, closed_reason=reason, closed_at=now
    )
    for a in closing:
        a.from_status, a.status, a.closed_reason, a.closed_at = a.status, AssignmentStatus.CANCELLED, reason, now
    audits_record(
        AuditEntry(
            actor=actor if actor is not None and actor.is_authenticated else None,
            action="close",
            target_type="taskassignment",
            target_id=a.pk,
            from_state=a.from_status,
            to_state=a.status,
            comment=reason,
        )
        for a in closing
    )
    events_record(
        Event(type=EventType.ASSIGNMENT_CANCELLED, audience=Audience.UNIT, unit_id=a.unit_id, payload=assignment_payload(a))
        for a in closing
    )


def response_close(*, alert, actor, reason: str) -> Response | None:
    """End the response of a lifted warning: close open tasks, then hand the office its closing tasks.

    The caller holds ``response_lock(alert=alert)``, taken before any event of its transaction.
    """
    response = Response.objects.filter(alert=alert, status=ResponseStatus.ACTIVE).first()
    if response is None:
        return None
    open_pks = list(
        TaskAssignment.objects.filter(response=response, status__in=OPEN_STATUSES).values_list("pk", flat=True)
    )
    _close_assignments(open_pks, actor=actor, reason=_("Warning lifted: %(reason)s") % {"reason": reason} if reason else _("Warning lifted."))
    response.status = ResponseStatus.ENDED
    response.ended_at = timezone.now()
    response.save(update_fields=["status", "ended_at"])
    audit_record(actor=actor, action="end", target=response, from_state=ResponseStatus.ACTIVE, to_state=response.status, comment=reason)
    event_record(type=EventType.RESPONSE_CLOSED, payload=response_payload(response))
    for participant in extensions.participants():  # e.g. the reduction list's checklists end (issue 16 item 4)
        participant.closed(response=response, alert=alert, actor=actor, reason=reason)
    # After the response: the office organises the summary evaluation (附件1 二).
    closing = list(TaskTemplate.objects.filter(stage=Stage.CLOSING, active=True, unit__active=True).select_related("unit"))
    now = timezone.now()
    _create_assignments(
        [
            _assignment_from(t, response=response, level=response.level, now=now, effective_from=now)
            for t in closing
        ],
        {t.unit_id: t.unit.name for t in closing},
    )
    return response


# --- Unit actions ---


def _lock_assignment(assignment: TaskAssignment) -> TaskAssignment:
    """Lock the assignment's row only; its unit and response are read with it, unlocked.

    The response's status is read after the row lock is held (READ COMMITTED reads it afresh), so a lift
    that committed before is seen. Locking the response row here would take locks in the opposite order
    to a lift (response, then assignments) and deadlock with it.
    """
    return (
        TaskAssignment.objects.select_for_update(of=("self",), no_key=True).select_related("unit", "response").get(pk=assignment.pk)
    )


def _check_response_open(assignment: TaskAssignment) -> None:
    """A task of an ended response is closed: nothing done to it changes the summary evaluation any more.

    Raises ActionRefused (409). The closing tasks handed out when the response ends (the office's summary
    evaluation, 附件1 二) are the work after the response and stay open.
    """
    if assignment.stage == Stage.RESPONSE and assignment.response.status == ResponseStatus.ENDED:
        raise ActionRefused(
            _("The response ended at %(ended)s: its tasks are closed and its summary no longer changes.")
            % {"ended": timezone.localtime(assignment.response.ended_at).strftime("%Y-%m-%d %H:%M")}
        )


def _check_member(actor, assignment: TaskAssignment) -> None:
    """Only a member of the assignment's own unit acts on it (object-level check)."""
    if not permissions.may_act_on(actor, assignment):
        raise PermissionDenied(_("Only members of %(unit)s act on this task.") % {"unit": assignment.unit.name})


def _move(assignment: TaskAssignment, to_status: str, *, actor, action: str, comment: str = "", fields: Sequence[str] = ()):
    from_status = assignment.status
    if (from_status, to_status) not in ASSIGNMENT_TRANSITIONS:
        raise ActionRefused(
            _("A task that is %(from)s cannot become %(to)s.")
            % {"from": assignment.get_status_display(), "to": AssignmentStatus(to_status).label}
        )
    assignment.status = to_status
    assignment.save(update_fields=["status", *fields])
    audit_record(actor=actor, action=action, target=assignment, from_state=from_status, to_state=to_status, comment=comment)


def _announce(assignment: TaskAssignment, event_type: str) -> None:
    event_record(
        type=event_type, audience=Audience.UNIT, unit_id=assignment.unit_id, payload=assignment_payload(assignment)
    )


def _acknowledge_locked(assignment: TaskAssignment, actor) -> None:
    now = timezone.now()
    assignment.acknowledged_at = assignment.acknowledged_at or now
    assignment.acknowledged_by = assignment.acknowledged_by or actor
    _move(
        assignment, AssignmentStatus.ACKNOWLEDGED, actor=actor, action="acknowledge",
        fields=["acknowledged_at", "acknowledged_by"],
    )
    _announce(assignment, EventType.ASSIGNMENT_ACKNOWLEDGED)


def assignment_acknowledge(*, assignment: TaskAssignment, actor) -> TaskAssignment:
    """The unit confirms it has the task: ``acknowledged_at`` is recorded once (the row is locked first).

    Args: ``assignment``; ``actor``, a member of the task's unit (``units.permissions.may_act_for_unit``).
    Returns the task, ``acknowledged``; repeating it (a double click, a retry) changes nothing.
    Raises PermissionDenied (403) for anyone else; ActionRefused (409) when the response has ended or
    the task is closed (``ASSIGNMENT_TRANSITIONS``). Its deadline is ``responses.choices.ack_deadline``.
    Plan: 附件1 三 (each member unit carries out its duties when the response starts).
    """
    with transaction.atomic():
        assignment = _lock_assignment(assignment)
        _check_member(actor, assignment)
        _check_response_open(assignment)
        if assignment.status in (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.COMPLETED):
            return assignment
        _acknowledge_locked(assignment, actor)
    return assignment


def _link_files(update: AssignmentUpdate, stored: Sequence[StoredUpload]) -> None:
    """Link files written before the transaction (``uploads_store``) to ``update``, in it."""
    Attachment.objects.bulk_create(
        Attachment(update=update, file=s.name, original_name=s.original_name, content_type=s.content_type, size=s.size)
        for s in stored
    )


@contextmanager
def _files_written_first(files):
    """Write ``files`` before the transaction; yield them; delete them unless the block linked them.

    The block sets ``linked[0] = True`` as the last statement of its transaction. An error (the
    commit's included), a refusal, or a repeat that changes nothing leaves them unlinked, and they
    are deleted here. A process killed in between leaves them to ``uploads_sweep`` (issue 12 item 14).
    """
    stored = uploads_store(files, model=Attachment)
    linked = [False]
    try:
        yield stored, linked
    except BaseException:
        uploads_discard(stored, model=Attachment)
        raise
    if not linked[0]:
        uploads_discard(stored, model=Attachment)


def assignment_progress(*, assignment: TaskAssignment, actor, text: str, files=()) -> TaskAssignment:
    """Add a progress note (acknowledging the task first if the unit had not yet).

    ``files`` are written before the transaction and linked in it (``_files_written_first``).
    Raises ValidationError (400) for an empty text or a wrong file, PermissionDenied (403) for
    another unit's task, ActionRefused (409) for a closed task or an ended response.
    """
    text = text_checked(text, field="text", required=True, required_message=_("Write what has been done."))
    for upload in files:
        validate_upload(upload)
    with _files_written_first(files) as (stored, linked), transaction.atomic():
        assignment = _lock_assignment(assignment)
        _check_member(actor, assignment)
        _check_response_open(assignment)
        if assignment.status in (AssignmentStatus.CANCELLED, AssignmentStatus.COMPLETED):
            raise ActionRefused(_("This task is %(status)s.") % {"status": assignment.get_status_display()})
        if assignment.status == AssignmentStatus.ASSIGNED:
            _acknowledge_locked(assignment, actor)
        update = AssignmentUpdate.objects.create(assignment=assignment, kind=UpdateKind.PROGRESS, text=text, author=actor)
        _link_files(update, stored)
        audit_record(actor=actor, action="progress", target=assignment, from_state=assignment.status, to_state=assignment.status, comment=text)
        _announce(assignment, EventType.ASSIGNMENT_PROGRESS)
        linked[0] = True
    return assignment


def assignment_complete(*, assignment: TaskAssignment, actor, report: str = "", files=()) -> TaskAssignment:
    """The unit reports the task done, with text and optional images or PDFs. Repeating it changes nothing.

    ``files`` are written before the transaction and linked in it; a repeat deletes its own files.
    Raises ValidationError (400) for a missing required report or a wrong file, PermissionDenied
    (403) for another unit's task, ActionRefused (409) for a closed task or an ended response.
    """
    report = text_checked(report, field="report")
    for upload in files:
        validate_upload(upload)
    with _files_written_first(files) as (stored, linked), transaction.atomic():
        assignment = _lock_assignment(assignment)
        _check_member(actor, assignment)
        _check_response_open(assignment)
        if assignment.status == AssignmentStatus.COMPLETED:
            return assignment  # a repeat: its files are deleted, the first report's stay
        if assignment.report_required and not (report or "").strip():
            raise ValidationError({"report": _("This task needs a completion report.")})
        if assignment.status == AssignmentStatus.ASSIGNED:
            _acknowledge_locked(assignment, actor)
        assignment.completed_at = timezone.now()
        assignment.completed_by = actor
        assignment.report = report
        _move(
            assignment, AssignmentStatus.COMPLETED, actor=actor, action="complete", comment=report,
            fields=["completed_at", "completed_by", "report"],
        )
        update = AssignmentUpdate.objects.create(assignment=assignment, kind=UpdateKind.REPORT, text=report, author=actor)
        _link_files(update, stored)
        _announce(assignment, EventType.ASSIGNMENT_COMPLETED)
        linked[0] = True
    return assignment


def assignment_return(*, assignment: TaskAssignment, actor, reason: str) -> TaskAssignment:
    """The office sends a task back to the unit, with ``reason`` (the unit sees it and acts again).

    Returns the task, ``returned``; sending back a returned task again does nothing. Raises
    PermissionDenied (403) for anyone but the command (``responses.permissions.may_supervise``);
    ValidationError (400) for an empty or over-long reason (``foundation.text.text_checked``); ActionRefused (409) when the response has ended or
    the move is not in ``ASSIGNMENT_TRANSITIONS`` (a task not yet acknowledged, a closed one).
    Plan: 附件1 二 (the office checks and urges the units' work: 检查、指导和督促).
    """
    if not permissions.may_supervise(actor):
        raise PermissionDenied(_("Only the office sends tasks back."))
    reason = text_checked(reason, field="reason", required=True, required_message=_("Say why the task is sent back."))
    with transaction.atomic():
        assignment = _lock_assignment(assignment)
        _check_response_open(assignment)
        if assignment.status == AssignmentStatus.RETURNED:
            return assignment
        assignment.closed_reason = reason
        _move(assignment, AssignmentStatus.RETURNED, actor=actor, action="return", comment=reason, fields=["closed_reason"])
        AssignmentUpdate.objects.create(assignment=assignment, kind=UpdateKind.RETURN, text=reason, author=actor)
        _announce(assignment, EventType.ASSIGNMENT_RETURNED)
    return assignment


def assignment_remind(*, assignment: TaskAssignment, actor, note: str = "") -> TaskAssignment:
    """The office reminds a unit of an open task (催办) from the unit's page, with an optional note.

    Writes an audit entry, announces ``assignment.reminded`` to the unit and the command, and queues a
    reminder to the unit's members after the commit (its own key per reminder, so the escalation's
    automatic reminder is never taken for it). Raises PermissionDenied (403) unless ``actor`` is the
    command, ActionRefused (409) for a task that is completed or closed or a response that ended.
    Plan: 附件1 二 (the office supervises the units' implementation, 督促检查).
    """
    from responses.models import Notification

    if not permissions.may_supervise(actor):
        raise PermissionDenied(_("Only the command reminds units."))
    note = text_checked(note or "", field="note")
    with transaction.atomic():
        assignment = _lock_assignment(assignment)
        _check_response_open(assignment)
        if assignment.status not in OPEN_STATUSES:
            raise ActionRefused(
                _("This task is %(status)s: there is nothing to remind the unit of.") % {"status": assignment.get_status_display()}
            )
        message = _("Reminder from the command: %(unit)s, please act on “%(title)s”.") % {
            "unit": assignment.unit.name, "title": assignment.title,
        }
        if note.strip():
            message = f"{message} {note.strip()}"
        entry = audit_record(
            actor=actor, action="remind", target=assignment, from_state=assignment.status, to_state=assignment.status,
            comment=message,
        )
        _announce(assignment, EventType.ASSIGNMENT_REMINDED)
        notification = Notification.objects.create(
            assignment=assignment, kind=Notification.Kind.REMINDER, idempotency_key=f"reminder:{assignment.pk}:office:{entry.pk}",
            recipients=_unit_recipients(assignment.unit), message=message,
        )
        transaction.on_commit(partial(_queue_notification, notification.pk))
    return assignment


def _queue_notification(pk: int) -> None:
    from responses.tasks import send_notification

    send_notification.delay(pk)


# --- Deadlines and escalation (run by Celery beat through responses.tasks) ---


def _unit_recipients(unit) -> list[str]:
    return [u.email or u.username for u in unit.members.filter(is_active=True)]


def _command_users() -> list:
    return list(command_users())


def notify_command(*, kind: str, key: str, message: str, assignment: TaskAssignment | None = None) -> list:
    """Notify the command of an escalation or a feed failure: whoever is on duty first, then the rest.

    With a shift in force (``duty.selectors.on_duty_users``: the staff member on duty and the leader
    on call) two notifications are written: ``<key>:duty`` to them, and ``<key>`` to the rest of the
    command, which follows the first (``notification_send`` holds it until the first is sent or has
    failed for good, at most ``DUTY_FIRST_WAIT_MINUTES``). Without a shift, one to the whole command,
    as before. Call inside the transaction that records the cause; sends are queued after its commit.
    Returns the Notification rows written. Plan: 附件1 二 (the office's on-duty watch, 应急值守,
    passes information up).
    """
    from duty.selectors import on_duty_users
    from responses.models import Notification
    from responses.tasks import send_notification

    first = on_duty_users()
    first_pks = {u.pk for u in first}
    rest = [u.email or u.username for u in _command_users() if u.pk not in first_pks]
    created, lead = [], None
    if first:
        lead = Notification.objects.create(assignment=assignment, kind=kind, idempotency_key=f"{key}:duty",
                                           recipients=[u.email or u.username for u in first], message=message)
        created.append(lead)
    if rest or lead is None:
        created.append(Notification.objects.create(assignment=assignment, kind=kind, idempotency_key=key,
                                                   recipients=rest, message=message, follows=lead))
    for notification in created:
        transaction.on_commit(partial(send_notification.delay, notification.pk))
    return created


def notify_office(*, kind: str, key: str, message: str, also=()) -> object:
    """Notify the office's staff (and ``also``, e.g. whoever proposed) of what concerns them: a leader's
    rejection of their proposal or refusal of their lift request (issue 14 item 5).

    Call inside the transaction that records the cause; the send is queued after its commit. ``key`` makes
    a retried send happen once. Returns the Notification row.
    """
    from responses.models import Notification
    from units.models import User

    recipients = {u.email or u.username for u in User.objects.filter(is_active=True, groups__name="office")}
    recipients |= {u.email or u.username for u in also if u is not None}
    notification = Notification.objects.create(kind=kind, idempotency_key=key, recipients=sorted(recipients), message=message)
    transaction.on_commit(partial(_queue_notification, notification.pk))
    return notification


def _notify(assignment: TaskAssignment, *, kind: str, recipients: list[str], message: str) -> None:
    from responses.models import Notification
    from responses.tasks import send_notification

    notification = Notification.objects.create(
        assignment=assignment,
        kind=kind,
        idempotency_key=f"{kind}:{assignment.pk}",
        recipients=recipients,
        message=message,
    )
    transaction.on_commit(lambda: send_notification.delay(notification.pk))


def assignments_escalate_overdue(*, now: datetime.datetime | None = None, limit: int = 500) -> dict:
    """Remind units of tasks past their acknowledgement deadline, then escalate to the command.

    Each step is claimed by a conditional UPDATE (``reminded_at``/``escalated_at`` from
    NULL), so a second run, or a second beat scheduler started by mistake, sends nothing twice.
    """
    from django.conf import settings

    from responses.models import Notification

    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0}
    # Tasks of an ended response are closed: never reminded or escalated (issue 12 item 9).
    due = TaskAssignment.objects.filter(overdue_q(now)).exclude(
        stage=Stage.RESPONSE, response__status=ResponseStatus.ENDED
    )
    # The claims below name the response by id, never through a join: an UPDATE with a join becomes
    # "WHERE id IN (subquery)", and PostgreSQL re-checks a row a lift just closed against the subquery's
    # old snapshot, so the claim took a cancelled task (issue 12 item 10, the escalation racing a lift).
    # With the status in the UPDATE's own WHERE, the re-check sees "cancelled" and claims nothing.
    ended = Response.objects.filter(status=ResponseStatus.ENDED).values("pk")
    for pk in list(due.filter(reminded_at__isnull=True).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            claimed = (
                TaskAssignment.objects.filter(pk=pk, status=AssignmentStatus.ASSIGNED, reminded_at__isnull=True)
                .exclude(stage=Stage.RESPONSE, response_id__in=ended)
                .update(reminded_at=now)
            )
            if not claimed:
                continue
            a = TaskAssignment.objects.select_related("unit").get(pk=pk)
            message = _("Task overdue: %(unit)s has not acknowledged “%(title)s” (deadline %(deadline)s).") % {
                "unit": a.unit.name, "title": a.title, "deadline": timezone.localtime(a.ack_deadline).strftime("%H:%M"),
            }
            audit_record(actor=None, action="remind", target=a, from_state=a.status, to_state=a.status, comment=message)
            _announce(a, EventType.ASSIGNMENT_OVERDUE)
            _notify(a, kind=Notification.Kind.REMINDER, recipients=_unit_recipients(a.unit), message=message)
            counts["reminded"] += 1
    grace = datetime.timedelta(minutes=settings.ESCALATE_AFTER_MINUTES)
    late = due.filter(ack_deadline__lt=now - grace, reminded_at__isnull=False, escalated_at__isnull=True)
    for pk in list(late.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            claimed = (
                TaskAssignment.objects.filter(pk=pk, status=AssignmentStatus.ASSIGNED, escalated_at__isnull=True)
                .exclude(stage=Stage.RESPONSE, response_id__in=ended)
                .update(escalated_at=now)
            )
            if not claimed:
                continue
            a = TaskAssignment.objects.select_related("unit").get(pk=pk)
            message = _("Escalated: %(unit)s has still not acknowledged “%(title)s”.") % {"unit": a.unit.name, "title": a.title}
            audit_record(actor=None, action="escalate", target=a, from_state=a.status, to_state=a.status, comment=message)
            event_record(
                type=EventType.ASSIGNMENT_ESCALATED, audience=Audience.COMMAND, payload=assignment_payload(a)
            )
            notify_command(kind=Notification.Kind.ESCALATION, key=f"{Notification.Kind.ESCALATION}:{a.pk}",
                           message=message, assignment=a)
            counts["escalated"] += 1
    return counts


# --- Recurring duties (run by Celery beat through responses.tasks.recur_assignments) ---


def _recurrences_due(responses: Sequence[Response], templates: Sequence[TaskTemplate], now: datetime.datetime) -> list:
    """The occurrences due now, as ``(response, template, occurrence)``: two queries' worth of reading
    (the templates are the caller's) and none per response or template."""
    if not responses or not templates:
        return []
    last = {
        (row["response_id"], row["unit_id"], row["key"]): (row["n"], row["since"])
        for row in TaskAssignment.objects.filter(
            response_id__in=[r.pk for r in responses], stage=Stage.RESPONSE, key__in={t.key for t in templates}
        )
        .values("response_id", "unit_id", "key")
        .annotate(n=Max("occurrence"), since=Max("effective_from"))
        .order_by()
    }
    due = []
    for response in responses:
        cause = None if response.alert.tasks_override_reason else response.alert.cause
        since = response.level_since or response.started_at
        for t in templates:
            if t.level != response.level or (cause is not None and cause not in t.causes):
                continue
            made = last.get((response.pk, t.unit_id, t.key))
            if made is None:
                continue  # never handed out in this response (the unit joined later): not this task's to repeat
            interval = datetime.timedelta(minutes=t.repeat_minutes)
            if now < since + interval:
                continue
            # The latest slot only: a beat that was down makes one occurrence now, not the ones it missed.
            slot = since + (now - since) // interval * interval
            if made[1] < slot:
                due.append((response, t, made[0] + 1))
    return due


def assignments_recur(*, now: datetime.datetime | None = None) -> dict:
    """Hand out each recurring duty's occurrence that is due, in every active response (drills too).

    A task template with ``repeat_minutes`` (the level's interval: the data file's re-broadcast duties,
    480 minutes at level III, 240 at II and I) repeats while its level is in force: occurrence n is due
    at ``Response.level_since`` (when the current level took effect) + (n - 1) × the interval, counting
    the task handed out at the issue or the level change as the first of the level. An upgrade or a
    downgrade restarts the count from the level change at the new level's interval (the numbers go on:
    the next is one more than the response's last of that task); a lift or the planned end ends the
    response and so the repetition. If the beat was down for several intervals, only the latest due
    occurrence is made, not a burst of stale ones. Each occurrence is its own task: the template's
    title, instructions and report flag, ``assigned_at`` and ``effective_from`` now (the unit has it
    from when it is handed out), its acknowledgement deadline from the template (``ack_deadline``);
    one ``assignment.created`` event for the unit, pushed after the commit, and an audit entry
    (``recur``, no actor: the system).

    Args: ``now`` (an aware datetime; default the current time), for tests and the beat's catch-up.
    Returns ``{"created": n}``. Runs as the system: no user, so no permission is asked; it is called only
    by ``responses.tasks.recur_assignments`` (no HTTP entry point, so no HTTP answer). Raises nothing
    of its own; a database error rolls back the whole run, and the next beat does it again.

    Once: one transaction locks the responses with occurrences due (step 4 of ``events/locks.py``, in id
    order) and reads what is due again under that lock, so a second beat running at the same moment
    waits, then finds the occurrence made and makes none; the unique constraint
    ``assignment_one_per_occurrence`` (response, unit, stage, key, occurrence) stands behind it. A lift
    that commits first leaves the response ended, and the locked read skips it. Queries: three to find
    nothing due; about ten when any is due, whatever the number of responses, templates or occurrences.

    Plan: 附件1 三 (区委宣传部 spreads the warning and guides public opinion; 区文化和旅游局 has radio and
    television broadcast the warning, the measures and health advice, again and again while it is in force).
    """
    now = now or timezone.now()
    active = Response.objects.filter(status=ResponseStatus.ACTIVE).select_related("alert").only(
        "pk", "level", "level_since", "started_at", "alert__cause", "alert__tasks_override_reason"
    )
    responses = list(active)
    if not responses:
        return {"created": 0}
    templates = list(
        TaskTemplate.objects.filter(
            stage=Stage.RESPONSE, active=True, unit__active=True, repeat_minutes__isnull=False,
            level__in={r.level for r in responses},
        )
        .select_related("unit")
        .only("unit__name", "unit_id", "key", "title", "title_en", "instructions", "instructions_en",
              "report_required", "ack_minutes", "level", "stage", "causes", "repeat_minutes")
    )
    due = _recurrences_due(responses, templates, now)
    if not due:
        return {"created": 0}
    with transaction.atomic():
        locked = list(
            active.select_for_update(of=("self",), no_key=True).filter(pk__in={r.pk for r, _t, _n in due}).order_by("pk")
        )
        new = [
            _assignment_from(t, response=response, level=response.level, now=now, effective_from=now,
                             occurrence=occurrence)
            for response, t, occurrence in _recurrences_due(locked, templates, now)
        ]
        if not new:
            return {"created": 0}
        # The rows first, then the audit entries, then the events (the event-order lock, last).
        created = TaskAssignment.objects.bulk_create(new)
        audits_record(
            AuditEntry(
                actor=None, action="recur", target_type="taskassignment", target_id=a.pk,
                to_state=a.status, data={"occurrence": a.occurrence, "key": a.key},
            )
            for a in created
        )
        _create_assignments(created, {t.unit_id: t.unit.name for t in templates}, saved=True)
    return {"created": len(created)}


def notifications_unsent(*, older_than: datetime.timedelta = datetime.timedelta(minutes=2)) -> list[int]:
    """Notifications committed but never sent, older than ``older_than`` (default two minutes): the
    worker died before the send was queued. The beat queues them again.

    Returns at most 500 ids, oldest first by id. Raises nothing.
    """
    from responses.models import Notification

    cutoff = timezone.now() - older_than
    return list(
        Notification.objects.filter(sent_at__isnull=True, last_error="", created_at__lt=cutoff).values_list("pk", flat=True)[:500]
    )


def notification_send(*, notification_id: int) -> bool:
    """Send one notification through the configured transport; True once it is sent.

    The send happens outside any transaction. A crash after the send but before
    ``sent_at`` is stored makes the retry send again with the same key, which the
    transport de-duplicates.
    """
    from django.db.models import F

    from responses.models import Notification
    from responses.transports import PermanentError, get_transport

    notification = Notification.objects.select_related("assignment__response", "follows").get(pk=notification_id)
    if notification.sent_at is not None:
        return True
    assignment = notification.assignment  # None for what concerns no task (a feed failure)
    if assignment is not None and assignment.stage == Stage.RESPONSE and assignment.response.status == ResponseStatus.ENDED:
        # Queued before the response ended: a reminder about a closed task is not sent (issue 12 item 9).
        Notification.objects.filter(pk=notification_id, sent_at__isnull=True).update(last_error="response ended")
        return False
    lead = notification.follows
    if lead is not None and lead.sent_at is None and not lead.last_error:
        waited = timezone.now() - notification.created_at
        if waited < datetime.timedelta(minutes=settings.DUTY_FIRST_WAIT_MINUTES):
            return False  # the on-duty send queues this one when it is done; the sweeper, after the wait
    Notification.objects.filter(pk=notification_id).update(attempts=F("attempts") + 1)
    try:
        get_transport().send(
            key=notification.idempotency_key, recipients=notification.recipients, message=notification.message
        )
    except PermanentError as exc:
        Notification.objects.filter(pk=notification_id).update(last_error=str(exc)[:500])
        _followers_queue(notification_id)
        return False
    Notification.objects.filter(pk=notification_id, sent_at__isnull=True).update(sent_at=timezone.now())
    _followers_queue(notification_id)
    return True


def _followers_queue(notification_id: int) -> None:
    """Queue what waited for this notification (the rest of the command after the person on duty)."""
    from responses.models import Notification
    from responses.tasks import send_notification

    for pk in Notification.objects.filter(follows_id=notification_id, sent_at__isnull=True, last_error="").values_list("pk", flat=True):
        send_notification.delay(pk)


# --- The plan's task templates: the responses' data (responses/data/task_templates.json) ---

TEMPLATES_FILE = Path(settings.BASE_DIR) / "responses" / "data" / "task_templates.json"


def task_templates_load(*, path: Path = TEMPLATES_FILE) -> dict:
    """Create or update every unit's task templates from the plan's data file.

    Args: ``path``, the JSON file (``{"tasks": [{key, title, kind or unit, levels, duty, causes, ...}]}``).
    Each task goes to the unit it names (``unit``: a unit code) or to every unit of a ``kind``; for a
    ``response`` stage it is written once per response level (III, II, I), ``ack_minutes`` overriding
    the level's acknowledgement deadline (``responses.choices.ack_minutes``) and ``repeat_minutes``
    (``{"III": 480, "II": 240, "I": 240}``: minutes between occurrences per level, none: once) making it
    a recurring duty (``assignments_recur``). Needs the roster
    loaded first (``units.services.roster_load``).
    Returns ``{"templates": n}``, how many rows were created or changed. Idempotent: a second run
    writes nothing. Templates are matched by (unit, stage, level, key).
    Raises ValueError for a task naming an unknown cause, KeyError for an unknown unit code or a
    missing field (a broken data file: a command-line failure, no HTTP answer).
    Plan: 附件1 三 (each member unit's duties, turned into the tasks it is handed at each level).
    """
    tasks = json.loads(path.read_text(encoding="utf-8"))
    counts = {"templates": 0}
    with transaction.atomic():
        units = {u.code: u for u in Unit.objects.all()}
        duties = {(d.unit_id, d.order): d for d in Duty.objects.all()}
        templates = {(t.unit_id, t.stage, t.level, t.key): t for t in TaskTemplate.objects.all()}
        for order, task in enumerate(tasks["tasks"]):
            unknown = set(task.get("causes") or ()) - set(Cause.values)
            if unknown:
                raise ValueError(f"task {task['key']}: unknown causes {sorted(unknown)}")
            if "unit" in task:
                targets = [units[task["unit"]]]
            else:
                targets = [u for u in units.values() if u.kind == task["kind"]]
            stage = task.get("stage", "response")
            levels = task["levels"] if stage == "response" else [""]
            for unit in targets:
                duty = duties.get((unit.pk, task["duty"])) if task.get("duty") is not None else None
                for level in levels:
                    fields = {
                        "title": task["title"],
                        "title_en": task.get("title_en", ""),
                        "instructions": task.get("instructions", ""),
                        "instructions_en": task.get("instructions_en", ""),
                        "report_required": task.get("report_required", False),
                        "ack_minutes": task.get("ack_minutes"),
                        "duty": duty,
                        "order": order,
                        "causes": task.get("causes") or all_causes(),
                        # A recurring duty (issue 17 item 6): minutes per level, e.g. {"III": 480, "II": 240}.
                        "repeat_minutes": (task.get("repeat_minutes") or {}).get(level),
                    }
                    template = templates.get((unit.pk, stage, level, task["key"]))
                    if template is None:
                        TaskTemplate.objects.create(unit=unit, stage=stage, level=level, key=task["key"], **fields)
                        counts["templates"] += 1
                    elif any(getattr(template, k) != v for k, v in fields.items()):
                        for k, v in fields.items():
                            setattr(template, k, v)
                        template.save()
                        counts["templates"] += 1
    return counts
