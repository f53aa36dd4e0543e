"""Response pages for the command: the list, the summary evaluation (总结评估) and its CSV, and report attachments."""

import base64
import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from foundation.attachments import attachment_download_view
from foundation.display import local_time, localized
from foundation.errors import ActionRefused
from foundation.pagination import page_of
from foundation.urls import pk_url
from responses import charts as drawing
from responses import services
from responses.choices import OPEN_STATUSES, AssignmentStatus, ResponseStatus
from responses.extensions import evaluation_documents
from responses.forms import RemindForm, ReturnForm
from responses.models import Attachment, Response, TaskAssignment
from responses.permissions import may_read_unit_files, may_supervise
from responses.selectors import response_evaluation_charts, response_summary, unit_reminders, unit_response_tasks
from responses.templatetags.response_pages import occurrence
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
    # Rates only over the tasks that were due (issue 14 item 14): "已签收 5 (2%)" of 226 tasks, 224 of them
    # closed by level changes before their deadline, said nothing about the units.
    due = totals.get("due", totals["assigned"])
    totals["ack_rate"] = round(100 * totals["acknowledged"] / due) if due else None
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
    return render(request, "responses/list.html", {"page": page, "responses": _list_rows(page.object_list)})


def _list_rows(responses) -> list:
    """The page's responses with what each row shows worked out here, once per page: the labels of each
    choice translated once, the links reversed once (``foundation.urls.pk_url``), the times formatted
    (issue 13 §4: a page of 50 rows cost three times the page of one, almost all of it in the template)."""
    from alerts.models import Alert

    response_level, status, alert_level = (
        {value: str(label) for value, label in model._meta.get_field(name).flatchoices}
        for model, name in ((Response, "level"), (Response, "status"), (Alert, "level"))
    )
    summary, summary_csv, alert = pk_url("responses:summary"), pk_url("responses:summary-csv"), pk_url("alerts:detail")
    rows = list(responses)
    for r in rows:
        r.level_label = response_level.get(r.level, r.level)
        r.status_label = status.get(r.status, r.status)
        r.alert_label = f"{alert_level.get(r.alert.level, r.alert.level)} #{r.alert_id}"
        r.alert_url, r.summary_url, r.csv_url = alert(r.alert_id), summary(r.pk), summary_csv(r.pk)
        r.started_text, r.ended_text = local_time(r.started_at), local_time(r.ended_at) or "—"
    return rows


ENDINGS = {
    "superseded": gettext_lazy("superseded by the next warning"),
    "lifted": gettext_lazy("lifted"),
    "ended": gettext_lazy("ended"),
    "in_force": gettext_lazy("still in force"),
}


def warnings_title(warnings) -> str:
    """"Yellow warning #3 → Orange warning #4": the warnings a response ran under, in order."""
    return " → ".join(f"{a.get_level_display()} #{a.pk}" for a in warnings)


@login_required
@asks(may_supervise)
def response_summary_page(request, pk):
    """The summary evaluation: timeline, each unit's figures and reports, and the totals to send on."""
    response = get_object_or_404(Response.objects.select_related("alert"), pk=pk)
    summary = response_summary(response)
    ended = response.ended_at or timezone.now()
    totals = _with_rates(summary["totals"])
    totals["reports"] = sum(len(row["reports"]) for row in summary["units"])
    charts = response_evaluation_charts(response, summary=summary)
    language = translation.get_language() or "zh-hans"
    return render(
        request,
        "responses/summary.html",
        {
            "response": response,
            "summary": summary,
            "units": summary["units"],
            "totals": totals,
            "timeline": summary["timeline"],
            "warnings": summary["warnings"],
            "level_history": [{**step, "ending_label": ENDINGS[step["ending"]]} for step in summary["level_history"]],
            "duration_s": (ended - response.started_at).total_seconds(),
            "generated_at": timezone.now(),
            # The charts as SVG in data: URIs (the CSP's img-src allows them): no route, no script, text as paths.
            "charts": charts,
            "documents": evaluation_documents(response=response, user=request.user),
            "aqi_days": [{**day, "stage_label": STAGE_LABELS[day["stage"]]} for day in charts["aqi"]],
            "aqi_forecast": any(day["aqi"] is not None for day in charts["aqi"]),
            "aqi_chart": _svg_uri(drawing.aqi_chart(charts, language=language, fmt="svg")),
            "ack_chart": _svg_uri(drawing.ack_chart(charts, language=language, fmt="svg")),
        },
    )


STAGE_LABELS = {"before": gettext_lazy("Before the response"), "during": gettext_lazy("During the response"),
                "after": gettext_lazy("After the response")}


def _svg_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def csv_cell(value) -> str:
    """A cell as text, made inert if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _title(task) -> str:
    """The task's title in the reader's language, with its occurrence when it has more than one."""
    n = occurrence(task)
    return f"{localized(task, 'title')} ({n})" if n else localized(task, "title")


def _minutes(seconds) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


@login_required
@asks(may_supervise)
def response_summary_csv(request, pk):
    """The per-unit table of the summary, with a totals row, then the charts' AQI by day (``response_evaluation_charts``):
    UTF-8 with a BOM so Excel reads the Chinese."""
    response = get_object_or_404(Response, pk=pk)
    summary = response_summary(response)
    http = HttpResponse(content_type="text/csv; charset=utf-8")
    http["Content-Disposition"] = f'attachment; filename="response-{response.pk}-summary.csv"'
    http.write("\ufeff")
    writer = csv.writer(http)
    totals = _with_rates(summary["totals"])
    # The document's head: which warnings, the period, the level history with its reasons (issue 14 item 14).
    writer.writerow([csv_cell(v) for v in (_("Summary evaluation"), _("Response #%(id)s") % {"id": response.pk},
                                               response.get_level_display(), response.get_status_display())])
    writer.writerow([csv_cell(v) for v in (_("Warnings"), warnings_title(summary["warnings"]))])
    writer.writerow([csv_cell(v) for v in (_("Period"), local_time(response.started_at),
                                               local_time(response.ended_at) if response.ended_at else _("still active"))])
    writer.writerow([])
    writer.writerow([_("Level history"), _("From"), _("Until"), _("How it ended"), _("Reason"), _("Reason for the lift")])
    for step in summary["level_history"]:
        writer.writerow([csv_cell(v) for v in (
            f"{step['alert'].get_level_display()} #{step['alert'].pk}", local_time(step["start"]), local_time(step["end"]),
            ENDINGS[step["ending"]], step["reason"], step["end_reason"],
        )])
    writer.writerow([])
    writer.writerow(
        [
            _("Unit"), _("Unit code"), _("Assigned"), _("Due"), _("Acknowledged"), _("Completed"), _("Closed"), _("Overdue"),
            _("Average acknowledgement (minutes)"), _("Longest acknowledgement (minutes)"), _("Reports"),
        ]
    )
    for row in summary["units"]:
        unit = row["unit"]
        writer.writerow(
            [csv_cell(v) for v in (
                localized(unit, "name"), unit.code, row["assigned"], row["due"], row["acknowledged"], row["completed"],
                row["cancelled"], row["overdue"], _minutes(row["ack_latency_avg_s"]), _minutes(row["ack_latency_max_s"]),
                len(row["reports"]),
            )]
        )
    writer.writerow(
        [csv_cell(v) for v in (
            _("Total"), _("%(count)s units") % {"count": totals["units"]}, totals["assigned"], totals["due"],
            totals["acknowledged"], totals["completed"], totals["cancelled"], totals["overdue"], "", "",
            sum(len(r["reports"]) for r in summary["units"]),
        )]
    )
    writer.writerow([csv_cell(v) for v in (
        _("Acknowledged of the tasks due"), f"{totals['ack_rate']}%" if totals["ack_rate"] is not None else "—",
        _("Completed of the tasks not closed"), f"{totals['completion_rate']}%" if totals["completion_rate"] is not None else "—",
    )])
    writer.writerow([])
    writer.writerow([_("Reports submitted by the units"), _("Task"), _("Kind"), _("By"), _("Time"), _("Text"), _("Files")])
    for row in summary["units"]:
        for item in row["reports"]:
            update = item["update"]
            writer.writerow([csv_cell(v) for v in (
                localized(row["unit"], "name"), _title(item["assignment"]), update.get_kind_display(),
                update.author, local_time(update.at), update.text, "; ".join(f.original_name for f in update.attachments.all()),
            )])
    writer.writerow([])
    charts = response_evaluation_charts(response, summary=summary)
    writer.writerow([_("Forecast AQI before, during and after the response"), _("Stage"), _("AQI"), _("Category")])
    for day in charts["aqi"]:
        writer.writerow([csv_cell(v) for v in (day["date"].isoformat(), STAGE_LABELS[day["stage"]],
                                               day["aqi"] if day["aqi"] is not None else "", day["category"])])
    writer.writerow([csv_cell(v) for v in (_("Warning thresholds"), " / ".join(str(t) for t in charts["thresholds"]),
                                           _("Deadline: %(n)d minutes") % {"n": charts["ack_deadline_min"]})])
    if response.drill:
        writer.writerow([csv_cell(_("DRILL (演练): not part of official statistics."))])
    return http


attachment_download = attachment_download_view(
    Attachment.objects.select_related("update__assignment"),
    may_read=lambda user, attachment: may_read_unit_files(user, attachment.update.assignment.unit_id),
    doc="""A report's file, for the command and the members of the task's own unit only.

    Anyone else gets a 404, not a 403: another unit must not learn that the file exists.
    """,
)


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


def _command_act(request, pk, form_class, act, done: str):
    """One command action on one task from the unit's page: the form checked, the service called with the
    form's fields, the outcome as a message (a refusal's text, or ``done``), back to the unit's page."""
    assignment = _assignment_for_command(pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _unit_page(assignment)
    try:
        act(assignment=assignment, actor=request.user, **form.cleaned_data)
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, ActionRefused) else " ".join(exc.messages))
    else:
        messages.success(request, done % {"unit": assignment.unit.name, "title": assignment.title})
    return _unit_page(assignment)


@require_POST
@login_required
@asks(may_supervise)
def assignment_remind(request, pk):
    """Remind the unit of one open task (``services.assignment_remind``); back to the unit's page with a message."""
    return _command_act(request, pk, RemindForm, services.assignment_remind,
                        _("%(unit)s is reminded of “%(title)s”."))


@require_POST
@login_required
@asks(may_supervise)
def assignment_send_back(request, pk):
    """Send one task back to its unit with the reason (``services.assignment_return``); back to the unit's page."""
    return _command_act(request, pk, ReturnForm, services.assignment_return,
                        _("“%(title)s” is sent back to %(unit)s."))
    try:
        services.assignment_return(assignment=assignment, actor=request.user, reason=form.cleaned_data["reason"])
    except (ActionRefused, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, ActionRefused) else " ".join(exc.messages))
    else:
        messages.success(request, _("“%(title)s” is sent back to %(unit)s.") % {"unit": assignment.unit.name, "title": assignment.title})
    return _unit_page(assignment)
