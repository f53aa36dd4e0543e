"""Reads of the reporting cycle, scoped to the user: the days and who has and has not reported."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from reports.choices import ReportStatus
from reports.models import Bulletin, CityReport, DailyReport, FigureField, ReportDay, UnitSummary
from reports.permissions import may_follow_reports


def report_days_visible_to(user) -> QuerySet[ReportDay]:
    """The report days ``user`` may see, newest first, each with its ``due`` and ``submitted`` counts:
    every day for the command (``may_follow_reports``), the days its unit reports on for a member, none for
    anyone else. Returns a lazy queryset. Raises nothing.
    """
    days = ReportDay.objects.select_related("response").annotate(
        due=Count("reports", filter=Q(reports__status=ReportStatus.DUE)),
        submitted=Count("reports", filter=Q(reports__status=ReportStatus.SUBMITTED)),
    ).order_by("-day", "-id")
    if may_follow_reports(user):
        return days
    if user.is_authenticated and user.unit_id is not None:
        return days.filter(reports__unit_id=user.unit_id)
    return days.none()


def daily_reports_visible_to(user) -> QuerySet[DailyReport]:
    """The daily reports ``user`` may see: every unit's for the command, their own unit's for a
    member, none for anyone else; newest day first, then in the units' order. Returns a lazy queryset.
    Raises nothing.
    """
    reports = DailyReport.objects.select_related("unit", "report_day", "submitted_by").order_by(
        "-report_day__day", "unit__order", "id")
    if may_follow_reports(user):
        return reports
    if user.is_authenticated and user.unit_id is not None:
        return reports.filter(unit_id=user.unit_id)
    return reports.none()


def figure_labels() -> dict[str, list[FigureField]]:
    """Every kind's active figure fields, in order (one query)."""
    labels: dict[str, list[FigureField]] = {}
    for field in FigureField.objects.filter(active=True).order_by("unit_kind", "order", "id"):
        labels.setdefault(field.unit_kind, []).append(field)
    return labels


def report_day_board(report_day: ReportDay, *, now=None) -> dict:
    """The office's view of one day: every unit's report with its state (submitted, late, due, overdue),
    and the totals of each figure across the units that reported. Two queries."""
    now = now or timezone.now()
    rows = list(report_day.reports.select_related("unit", "submitted_by").order_by("unit__order", "id"))
    totals: dict[str, int] = {}
    for row in rows:
        row.overdue = row.status == ReportStatus.DUE and now > report_day.deadline
        for key, value in (row.figures or {}).items():
            totals[key] = totals.get(key, 0) + int(value)
    submitted = [r for r in rows if r.status == ReportStatus.SUBMITTED]
    return {"rows": rows, "submitted": len(submitted), "due": len(rows) - len(submitted),
            "late": sum(1 for r in submitted if r.late), "totals": totals}


def bulletins_visible_to(user) -> QuerySet[Bulletin]:
    """The bulletins ``user`` may see: every one, drafts included, for the command; none for anyone else.
    Newest day first. Returns a lazy queryset. Raises nothing.
    """
    if not may_follow_reports(user):
        return Bulletin.objects.none()
    return Bulletin.objects.select_related("response", "created_by", "issued_by").order_by("-day", "-id")


def city_reports_visible_to(user) -> QuerySet[CityReport]:
    """The reports sent to the city that ``user`` may see: every one for the command, none for anyone
    else. Newest first. Returns a lazy queryset. Raises nothing.
    """
    if not may_follow_reports(user):
        return CityReport.objects.none()
    return CityReport.objects.select_related("bulletin", "sent_by").order_by("-sent_at", "-id")


def summaries_visible_to(user) -> QuerySet[UnitSummary]:
    """The units' summaries (总结评估) ``user`` may see: every unit's for the command, their own unit's for
    a member, none for anyone else; the latest response first. Returns a lazy queryset. Raises nothing.
    """
    summaries = UnitSummary.objects.select_related("unit", "response", "submitted_by").order_by(
        "-response__ended_at", "unit__order", "id")
    if may_follow_reports(user):
        return summaries
    if user.is_authenticated and user.unit_id is not None:
        return summaries.filter(unit_id=user.unit_id)
    return summaries.none()


def summary_responses(user) -> list[dict]:
    """Per ended response with summaries: its due day and how many are submitted, late and missing (the office's
    list; one query for the rows)."""
    rows: dict[int, dict] = {}
    today = timezone.localdate()
    for summary in summaries_visible_to(user):
        row = rows.setdefault(summary.response_id, {"response": summary.response, "due_on": summary.due_on,
                                                    "provisional": summary.due_provisional, "units": 0,
                                                    "submitted": 0, "late": 0, "missing": 0, "overdue": 0})
        row["units"] += 1
        if summary.status == ReportStatus.SUBMITTED:
            row["submitted"] += 1
            row["late"] += summary.late
        else:
            row["missing"] += 1
            row["overdue"] += today > summary.due_on
    return list(rows.values())
