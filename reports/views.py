"""Reporting pages: the response days and who has reported (live for the office), a unit's report form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.selectors import latest_event_id
from foundation.errors import ActionRefused
from reports import permissions, services
from reports.forms import DailyReportForm, figure_label
from reports.selectors import daily_reports_visible_to, figure_labels, report_day_board, report_days_visible_to


def _may_use(user) -> bool:
    return permissions.may_follow_reports(user) or (user.is_authenticated and user.unit_id is not None)


@login_required
def index(request):
    """The command: the response days, newest first. A unit member: their unit's reports, due ones first."""
    if not _may_use(request.user):
        raise PermissionDenied
    context = {"days": report_days_visible_to(request.user)[:60], "follows": permissions.may_follow_reports(request.user)}
    if not context["follows"]:
        context["own"] = daily_reports_visible_to(request.user).order_by("status", "-report_day__day")[:60]
    return render(request, "reports/index.html", context)


@login_required
def day_board(request, pk: int):
    """One day: every unit's report and state, the figures' totals; refreshed live (``?fragment=1``)."""
    if not permissions.may_follow_reports(request.user):
        raise PermissionDenied
    report_day = get_object_or_404(report_days_visible_to(request.user), pk=pk)
    labels = {kind: {f.key: figure_label(f) for f in fields} for kind, fields in figure_labels().items()}
    merged = {}
    for per_kind in labels.values():
        merged.update(per_kind)
    context = {"day": report_day, "board": report_day_board(report_day), "labels": merged,
               "may_compile": permissions.may_compile(request.user), "now": timezone.now()}
    if request.GET.get("fragment"):
        return render(request, "reports/day_live.html", context)
    context["last_event_id"] = latest_event_id()
    return render(request, "reports/day.html", context)


@login_required
@require_POST
def day_close(request, pk: int):
    if not permissions.may_compile(request.user):
        raise PermissionDenied
    report_day = get_object_or_404(report_days_visible_to(request.user), pk=pk)
    services.report_day_close(report_day=report_day, actor=request.user)
    messages.success(request, _("The day is closed."))
    return redirect("reports:day", pk)


@login_required
def daily_report(request, pk: int):
    """A daily report: its unit's members submit or correct it until the day is closed; the command reads it."""
    report = get_object_or_404(daily_reports_visible_to(request.user), pk=pk)
    may_submit = permissions.may_submit_for(request.user, report.unit_id) and report.report_day.status == "open"
    form = None
    if may_submit:
        initial = {"work": report.work, "problems": report.problems,
                   **{f"figure_{k}": v for k, v in (report.figures or {}).items()}}
        form = DailyReportForm(request.POST or None, unit_kind=report.unit.kind, initial=initial)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.daily_report_submit(report=report, actor=request.user, work=form.cleaned_data["work"],
                                             figures=form.figures(), problems=form.cleaned_data["problems"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except ActionRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Daily report submitted."))
                return redirect("reports:daily", report.pk)
    fields = {f.key: figure_label(f) for f in services.figure_fields_for(report.unit.kind)}
    figures = [(fields.get(key, key), value) for key, value in (report.figures or {}).items()]
    return render(request, "reports/daily.html", {"report": report, "form": form, "figures": figures})
