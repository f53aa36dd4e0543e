"""Writes of the reporting cycle: daily reports and their days, reminders and escalation.

Every write asks ``reports.permissions``, runs in one transaction, takes its locks in the order of
``events/locks.py`` (step 5: the report day row, then that day's report rows; never the response's
rows), appends an audit entry and records its event last (the event-order lock); pushes and
notifications go out after the commit.

Plan: 附件1 二 (the office passes information up and down, 信息上传下达; it keeps the watch) and
附件1 一 (the headquarters reports to the city). Issue 17 item 1.
"""

import datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.choices import Audience, EventType
from events.services import audit_record, event_record
from foundation.errors import ActionRefused
from foundation.text import storable_text
from reports import permissions
from reports.choices import DayStatus, ReportStatus
from reports.models import DailyReport, FigureField, ReportDay
from responses.choices import AssignmentStatus, ResponseStatus, Stage
from responses.models import Notification, Response, TaskAssignment
from units.choices import UnitKind

# The kinds of unit that report (the plan's member units); the headquarters and its office compile.
REPORTING_KINDS = (UnitKind.DEPARTMENT, UnitKind.TOWNSHIP, UnitKind.PARK)
MAX_TEXT = 4000
MAX_FIGURE = 10_000_000


# --- Days and deadlines ------------------------------------------------------------------------


def report_deadline(day: datetime.date) -> datetime.datetime:
    """The moment ``day``'s reports are due: ``day`` at ``DAILY_REPORT_DEADLINE`` (``"HH:MM"``,
    default 16:00), local time. Returns an aware datetime. Raises nothing for a well-formed setting.
    """
    hours, minutes = (int(part) for part in settings.DAILY_REPORT_DEADLINE.split(":"))
    naive = datetime.datetime.combine(day, datetime.time(hours, minutes))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def response_report_days(response: Response, *, until: datetime.datetime) -> list[datetime.date]:
    """The days of ``response`` up to ``until`` for which units report: those whose deadline the response was
    in force at (started by it, not ended before it). A response that starts after 16:00 reports from the next
    day; its last day is reported only if it ended after that day's deadline (what follows goes in the summary)."""
    end = response.ended_at or until
    day = timezone.localdate(response.started_at)
    last = timezone.localdate(min(end, until))
    days = []
    while day <= last:
        deadline = report_deadline(day)
        if response.started_at <= deadline and (response.ended_at is None or response.ended_at > deadline):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _units_tasked(response: Response, deadline: datetime.datetime) -> list[int]:
    """Member units with a task of the response in force at ``deadline`` (assigned by then, not closed before)."""
    from django.db.models import Q

    tasks = (TaskAssignment.objects.filter(response=response, stage=Stage.RESPONSE, assigned_at__lte=deadline,
                                           unit__kind__in=REPORTING_KINDS, unit__active=True)
             .filter(~Q(status=AssignmentStatus.CANCELLED) | Q(closed_at__gt=deadline)))
    return sorted(set(tasks.values_list("unit_id", flat=True)))


def report_days_open(*, now: datetime.datetime | None = None) -> dict:
    """Open each response day and its units' due reports (run by the beat; idempotent).

    For every active response, and every response that ended in the last two days, each of its
    report days up to ``now`` (``response_report_days``) gets a ReportDay and one DailyReport per unit
    tasked at the deadline. Rows are unique per response and day, and per day and unit, so a second
    run or a second beat adds nothing. Returns ``{"days": opened, "reports": added}``.
    """
    now = now or timezone.now()
    counts = {"days": 0, "reports": 0}
    recent = Response.objects.filter(status=ResponseStatus.ACTIVE) | Response.objects.filter(
        status=ResponseStatus.ENDED, ended_at__gte=now - datetime.timedelta(days=2))
    for response in recent.order_by("id"):
        for day in response_report_days(response, until=now):
            deadline = report_deadline(day)
            with transaction.atomic():
                report_day, created = ReportDay.objects.get_or_create(response=response, day=day,
                                                                      defaults={"deadline": deadline})
                if report_day.status != DayStatus.OPEN:
                    continue
                have = set(report_day.reports.values_list("unit_id", flat=True))
                new = [DailyReport(report_day=report_day, unit_id=unit_id)
                       for unit_id in _units_tasked(response, deadline) if unit_id not in have]
                DailyReport.objects.bulk_create(new, ignore_conflicts=True)
                counts["reports"] += len(new)
                if created:
                    counts["days"] += 1
                    audit_record(actor=None, action="report_day_open", target=report_day,
                                 to_state=DayStatus.OPEN, data={"units": len(new)})
                if created or new:
                    event_record(type=EventType.DAILY_REPORT_CHANGED, audience=Audience.COMMAND,
                                 payload=report_day_payload(report_day))
    return counts


def report_day_payload(report_day: ReportDay) -> dict:
    """The event payload of ``report_day`` (``report.daily`` to the command).

    Returns ``{"id", "response", "day" (ISO date), "deadline" (ISO 8601), "status"}``. Raises nothing.
    """
    return {"id": report_day.pk, "response": report_day.response_id, "day": report_day.day.isoformat(),
            "deadline": report_day.deadline.isoformat(), "status": report_day.status}


def daily_report_payload(report: DailyReport) -> dict:
    """The event payload of a unit's daily ``report``.

    Returns ``{"id", "report_day", "day" (ISO date), "unit", "unit_name", "status", "figures" (as
    reported, in each field's unit), "late", "revisions"}``. Raises nothing.
    """
    return {"id": report.pk, "report_day": report.report_day_id, "day": report.report_day.day.isoformat(),
            "unit": report.unit_id, "unit_name": report.unit.name, "status": report.status,
            "figures": report.figures, "late": report.late, "revisions": report.revisions}


# --- Submitting and correcting -------------------------------------------------------------------


def figure_fields_for(unit_kind: str) -> list[FigureField]:
    """The figures a kind of unit (``unit_kind``) reports, active ones in order: the ``FigureField``
    rows an admin edits. Returns a list. Raises nothing.
    """
    return list(FigureField.objects.filter(unit_kind=unit_kind, active=True).order_by("order", "id"))


def figures_clean(*, unit_kind: str, figures) -> dict:
    """Check ``figures`` against the kind's fields: ``{key: whole number 0–10,000,000}``, no unknown key.

    Returns the figures with every field of the kind (missing ones as 0). Raises ValidationError keyed
    ``figures`` (400 / the form's message) for a key the kind does not report or a value that is not a
    non-negative whole number."""
    if figures is None:
        figures = {}
    if not isinstance(figures, dict):
        raise ValidationError({"figures": _("Give the figures as a mapping of field to number.")})
    fields = figure_fields_for(unit_kind)
    known = {f.key for f in fields}
    unknown = sorted(set(figures) - known)
    if unknown:
        raise ValidationError({"figures": _("Your unit does not report: %(keys)s.") % {"keys": ", ".join(unknown)}})
    clean = {}
    for field in fields:
        value = figures.get(field.key, 0)
        if value in ("", None):
            value = 0
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            raise ValidationError({"figures": _("“%(label)s” must be a whole number, 0 or more.") % {"label": field.label}})
        value = int(str(value).strip())
        if value > MAX_FIGURE:
            raise ValidationError({"figures": _("“%(label)s” is too large.") % {"label": field.label}})
        clean[field.key] = value
    return clean


def _text(value, field: str, *, required: bool) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")})
    value = storable_text(value).strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": MAX_TEXT}})
    return value


def daily_report_submit(*, report: DailyReport, actor, work: str, figures: dict | None = None,
                        problems: str = "") -> DailyReport:
    """Submit, or correct, a unit's daily report (每日报送), until the office closes the day.

    Args: ``work`` (what the unit did, required, at most 4,000 characters), ``figures`` (``{key: count}``
    for the unit kind's fields, ``figures_clean``), ``problems`` (optional). A submission after the day's
    deadline is kept and marked late; a second one is a correction (counted, audited with the figures before).
    Returns the report. Raises PermissionDenied (403) unless the actor is a member of the report's unit;
    ValidationError (400) for bad text or figures; ActionRefused (409) once the day is closed.
    """
    if not permissions.may_submit_for(actor, report.unit_id):
        raise PermissionDenied(_("Only the unit's own members submit its daily report."))
    unit_kind = report.unit.kind
    work = _text(work, "work", required=True)
    problems = _text(problems, "problems", required=False)
    figures = figures_clean(unit_kind=unit_kind, figures=figures)
    now = timezone.now()
    with transaction.atomic():
        day = ReportDay.objects.select_for_update(no_key=True).get(pk=report.report_day_id)
        if day.status != DayStatus.OPEN:
            raise ActionRefused(_("The office has closed this day: the report can no longer be changed."))
        locked = DailyReport.objects.select_for_update(no_key=True).select_related("unit").get(pk=report.pk)
        before = {"status": locked.status, "work": locked.work, "figures": locked.figures, "problems": locked.problems}
        correction = locked.status == ReportStatus.SUBMITTED
        locked.status = ReportStatus.SUBMITTED
        locked.work, locked.figures, locked.problems = work, figures, problems
        locked.submitted_at, locked.submitted_by = now, actor
        locked.first_submitted_at = locked.first_submitted_at or now
        locked.revisions += 1 if correction else 0
        locked.save(update_fields=["status", "work", "figures", "problems", "submitted_at", "submitted_by",
                                   "first_submitted_at", "revisions"])
        locked.report_day = day
        audit_record(actor=actor, action="daily_report_correct" if correction else "daily_report_submit",
                     target=locked, from_state=before["status"], to_state=locked.status,
                     data={"figures": figures, "before": before if correction else None, "late": locked.late})
        payload = daily_report_payload(locked)
        event_record(type=EventType.DAILY_REPORT_CHANGED, audience=Audience.COMMAND, payload=payload)
        event_record(type=EventType.DAILY_REPORT_CHANGED, audience=Audience.UNIT, unit_id=locked.unit_id,
                     payload=payload)
    return locked


def report_day_close(*, report_day: ReportDay, actor) -> ReportDay:
    """The office closes a response day: its reports can no longer be corrected (the bulletin is drawn from them).

    Closing a closed day does nothing. Units that never reported stay "not submitted" on record.
    Returns the day. Raises PermissionDenied (403) unless the actor is office staff."""
    if not permissions.may_compile(actor):
        raise PermissionDenied(_("Only the office closes a report day."))
    with transaction.atomic():
        day = ReportDay.objects.select_for_update(no_key=True).get(pk=report_day.pk)
        if day.status == DayStatus.CLOSED:
            return day
        day.status, day.closed_at, day.closed_by = DayStatus.CLOSED, timezone.now(), actor
        day.save(update_fields=["status", "closed_at", "closed_by"])
        missing = day.reports.filter(status=ReportStatus.DUE).count()
        audit_record(actor=actor, action="report_day_close", target=day, from_state=DayStatus.OPEN,
                     to_state=DayStatus.CLOSED, data={"missing": missing})
        event_record(type=EventType.DAILY_REPORT_CHANGED, audience=Audience.COMMAND, payload=report_day_payload(day))
    return day


# --- Reminders and escalation (the beat, through reports.tasks) ------------------------------------


def unit_recipients(unit_id: int) -> list[str]:
    """The addresses of the active members of unit ``unit_id`` (e-mail, else user name), in id order,
    as the transports take them. Returns a list of strings. Raises nothing.
    """
    from units.models import User

    return [u.email or u.username for u in User.objects.filter(unit_id=unit_id, is_active=True).order_by("id")]


def notification_queue(notification: Notification) -> None:
    """Send ``notification`` through the configured transport once the transaction commits (a Celery task,
    retried on transient errors: ``responses.tasks.send_notification``)."""
    from responses.tasks import send_notification

    transaction.on_commit(partial(send_notification.delay, notification.pk))


def daily_reports_remind(*, now: datetime.datetime | None = None, limit: int = 500) -> dict:
    """Remind units whose report is still due, then escalate the missing ones to the command (the beat).

    A report of an open day still due ``DAILY_REPORT_REMIND_MINUTES`` (60) before the deadline, or any time
    after it, gets one reminder to the unit's members; one still due ``ESCALATE_AFTER_MINUTES`` (15) after the
    deadline gets one escalation to the command (the person on duty first, ``responses.services.notify_command``).
    Each step is claimed by a conditional UPDATE of ``reminded_at``/``escalated_at`` from NULL, in the same
    transaction as its notification row (idempotency key ``daily-report:remind:<id>`` / ``…:escalate:<id>``),
    so a second run or a second beat sends nothing twice. Returns ``{"reminded": n, "escalated": n}``.
    """
    from responses.services import notify_command

    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0}
    due = DailyReport.objects.filter(status=ReportStatus.DUE, report_day__status=DayStatus.OPEN)
    remind_from = now + datetime.timedelta(minutes=settings.DAILY_REPORT_REMIND_MINUTES)
    for pk in list(due.filter(reminded_at__isnull=True, report_day__deadline__lte=remind_from)
                   .values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            if not DailyReport.objects.filter(pk=pk, status=ReportStatus.DUE, reminded_at__isnull=True).update(reminded_at=now):
                continue
            report = DailyReport.objects.select_related("unit", "report_day").get(pk=pk)
            deadline = timezone.localtime(report.report_day.deadline)
            message = _("Daily report due: %(unit)s, please submit the report for %(day)s by %(deadline)s.") % {
                "unit": report.unit.name, "day": report.report_day.day.isoformat(), "deadline": deadline.strftime("%m-%d %H:%M")}
            audit_record(actor=None, action="daily_report_remind", target=report, from_state=report.status,
                         to_state=report.status, comment=message)
            notification_queue(Notification.objects.create(kind=Notification.Kind.REMINDER, idempotency_key=f"daily-report:remind:{pk}",
                                               recipients=unit_recipients(report.unit_id), message=message))
            event_record(type=EventType.DAILY_REPORT_CHANGED, audience=Audience.UNIT, unit_id=report.unit_id,
                         payload={**daily_report_payload(report), "reminded": True})
            counts["reminded"] += 1
    escalate_before = now - datetime.timedelta(minutes=settings.ESCALATE_AFTER_MINUTES)
    for pk in list(due.filter(reminded_at__isnull=False, escalated_at__isnull=True,
                              report_day__deadline__lte=escalate_before).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            if not DailyReport.objects.filter(pk=pk, status=ReportStatus.DUE, escalated_at__isnull=True).update(escalated_at=now):
                continue
            report = DailyReport.objects.select_related("unit", "report_day").get(pk=pk)
            message = _("Escalated: %(unit)s has not submitted its daily report for %(day)s.") % {
                "unit": report.unit.name, "day": report.report_day.day.isoformat()}
            audit_record(actor=None, action="daily_report_escalate", target=report, from_state=report.status,
                         to_state=report.status, comment=message)
            notify_command(kind=Notification.Kind.ESCALATION, key=f"daily-report:escalate:{pk}", message=message)
            event_record(type=EventType.DAILY_REPORT_CHANGED, audience=Audience.COMMAND,
                         payload={**daily_report_payload(report), "escalated": True})
            counts["escalated"] += 1
    return counts
