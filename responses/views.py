"""Response pages for the command: the list, the summary evaluation (总结评估) and its CSV, and report attachments."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from foundation.errors import ActionRefused
from foundation.pagination import page_of
from responses import services
from responses.choices import OPEN_STATUSES, AssignmentStatus, ResponseStatus
from responses.forms import RemindForm, ReturnForm
from responses.models import Attachment, Response, TaskAssignment
from responses.permissions import may_read_unit_files, may_supervise
from responses.selectors import response_summary, unit_reminders, unit_response_tasks
from units.models import Unit
from units.permissions import asks

PAGE_SIZE = 50

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection);
# a leading quote makes it text. Tab and CR are included as OWASP advises.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _with_rates(totals: dict) -> dict:
    totals = dict(totals)
    live = totals["assigned"] - totals["cancelled"]
    totals["live"] = live
    totals["ack_rate"] = round(100 * totals["acknowledged"] / totals["assigned"]) if totals["assigned"] else None
    totals["completion_rate"] = round(100 * totals["completed"] / live) if live > 0 else None
    return totals


@login_required
@asks(may_supervise)
def response_list(request):
    """Every response, the active ones first, then newest first."""
    responses = (
        Response.objects.select_related("alert")
        .annotate(active_first=Case(When(status=ResponseStatus.ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("active_first", "-started_at", "-id")
    )
    page = page_of(request, responses, PAGE_SIZE)
    return render(request, "responses/list.html", {"page": page, "responses": page.object_list})


@login_required
@asks(may_supervise)
def response_summary_page(request, pk):
    """The summary evaluation: timeline, each unit's figures and reports, and the totals to send on."""
    response = get_object_or_404(Response.objects.select_related("alert"), pk=pk)
    summary = response_summary(response)
    ended = response.ended_at or timezone.now()
    totals = _with_rates(summary["totals"])
    totals["reports"] = sum(len(row["reports"]) for row in summary["units"])
    return render(
        request,
        "responses/summary.html",
        {
            "response": response,
            "summary": summary,
            "units": summary["units"],
            "totals": totals,
            "timeline": summary["timeline"],
            "duration_s": (ended - response.started_at).total_seconds(),
            "generated_at": timezone.now(),
        },
    )


def csv_cell(value) -> str:
    """A cell as text, made inert if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _minutes(seconds) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


@login_required
@asks(may_supervise)
def response_summary_csv(request, pk):
    """The per-unit table of the summary, with a totals row: UTF-8 with a BOM so Excel reads the Chinese."""
    response = get_object_or_404(Response, pk=pk)
    summary = response_summary(response)
    http = HttpResponse(content_type="text/csv; charset=utf-8")
    http["Content-Disposition"] = f'attachment; filename="response-{response.pk}-summary.csv"'
    http.write("\ufeff")
    writer = csv.writer(http)
    writer.writerow(
        [
            _("Unit"), _("Unit code"), _("Assigned"), _("Acknowledged"), _("Completed"), _("Closed"), _("Overdue"),
            _("Average acknowledgement (minutes)"), _("Longest acknowledgement (minutes)"), _("Reports"),
        ]
    )
    for row in summary["units"]:
        unit = row["unit"]
        writer.writerow(
            [csv_cell(v) for v in (
                unit.name, unit.code, row["assigned"], row["acknowledged"], row["completed"], row["cancelled"],
                row["overdue"], _minutes(row["ack_latency_avg_s"]), _minutes(row["ack_latency_max_s"]), len(row["reports"]),
            )]
        )
    totals = summary["totals"]
    writer.writerow(
        [csv_cell(v) for v in (
            _("Total"), _("%(count)s units") % {"count": totals["units"]}, totals["assigned"], totals["acknowledged"],
            totals["completed"], totals["cancelled"], totals["overdue"], "", "",
            sum(len(r["reports"]) for r in summary["units"]),
        )]
    )
    if response.drill:
        writer.writerow([csv_cell(_("DRILL (演练): not part of official statistics."))])
    return http


@login_required
def attachment_download(request, pk):
    """A report's file, for the command and the members of the task's own unit only.

    Anyone else gets a 404, not a 403: another unit must not learn that the file exists.
    """
    attachment = get_object_or_404(Attachment.objects.select_related("update__assignment"), pk=pk)
    user = request.user
    unit_id = attachment.update.assignment.unit_id
    if not may_read_unit_files(user, unit_id):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    http = FileResponse(handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type)
    http["X-Content-Type-Options"] = "nosniff"
    http["Cache-Control"] = "private, no-store"
    return http


@login_required
@asks(may_supervise)
def response_unit(request, pk, code):
    """One unit's page during the response, for the command (issue 14 item 2): its tasks with their states
    and times, progress notes, reports and attachments, its duty phone and contacts, and the office's
    actions on each open task (remind, send back)."""
    response = get_object_or_404(Response.objects.select_related("alert"), pk=pk)
    unit = get_object_or_404(Unit.objects.prefetch_related("contacts"), code=code)
    tasks = unit_response_tasks(response, unit)
    reminders = unit_reminders(response, unit)
    for task in tasks:
        task.reminders = reminders.get(task.pk, [])
        task.may_remind = response.status == ResponseStatus.ACTIVE and task.status in OPEN_STATUSES
        task.may_return = response.status == ResponseStatus.ACTIVE and task.status in (
            AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.COMPLETED
        )
    return render(request, "responses/unit.html", {
        "response": response, "unit": unit, "tasks": tasks, "contacts": list(unit.contacts.all()),
        "remind_form": RemindForm(), "return_form": ReturnForm(),
    })


def _assignment_for_command(pk):
    return get_object_or_404(TaskAssignment.objects.select_related("unit", "response"), pk=pk)


def _unit_page(assignment):
    return redirect("responses:unit", pk=assignment.response_id, code=assignment.unit.code)


@require_POST
@login_required
@asks(may_supervise)
def assignment_remind(request, pk):
    """Remind the unit of one open task (``services.assignment_remind``); back to the unit's page with a message."""
    assignment = _assignment_for_command(pk)
    form = RemindForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _unit_page(assignment)
    try:
        services.assignment_remind(assignment=assignment, actor=request.user, note=form.cleaned_data["note"])
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, ActionRefused) else " ".join(exc.messages))
    else:
        messages.success(request, _("%(unit)s is reminded of “%(title)s”.") % {"unit": assignment.unit.name, "title": assignment.title})
    return _unit_page(assignment)


@require_POST
@login_required
@asks(may_supervise)
def assignment_send_back(request, pk):
    """Send one task back to its unit with the reason (``services.assignment_return``); back to the unit's page."""
    assignment = _assignment_for_command(pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _unit_page(assignment)
    try:
        services.assignment_return(assignment=assignment, actor=request.user, reason=form.cleaned_data["reason"])
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, ActionRefused) else " ".join(exc.messages))
    else:
        messages.success(request, _("“%(title)s” is sent back to %(unit)s.") % {"unit": assignment.unit.name, "title": assignment.title})
    return _unit_page(assignment)
