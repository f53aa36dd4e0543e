"""Reporting pages: the response days and who has reported (live for the office), a unit's report form."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events.selectors import latest_event_id
from foundation.errorpages import error_page
from foundation.errors import ActionRefused
from reports import bulletins, documents, permissions, services, summaries
from reports.forms import BulletinForm, CityReportForm, DailyReportForm, UnitSummaryForm, figure_label
from reports.selectors import (
    bulletins_visible_to,
    city_reports_visible_to,
    daily_reports_visible_to,
    figure_labels,
    report_day_board,
    report_days_visible_to,
    summaries_visible_to,
    summary_responses,
)


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
        context["summaries"] = summaries_visible_to(request.user).order_by("status", "-due_on")[:60]
    return render(request, "reports/index.html", context)


def day_live_context(report_day) -> dict:
    """What the day's live part (``reports/day_live.html``) shows: the same for everyone who follows the
    reports, so the hub renders it once per day (``reports.screens``) and ``?fragment=1`` answers the same."""
    merged = {}
    for fields in figure_labels().values():
        merged.update({f.key: figure_label(f) for f in fields})
    return {"day": report_day, "board": report_day_board(report_day), "labels": merged, "now": timezone.now()}


@login_required
def day_board(request, pk: int):
    """One day: every unit's report and state, the figures' totals; live: each batch's frame carries the
    board (``reports.screens``), ``?fragment=1`` answers it after a reconnect."""
    if not permissions.may_follow_reports(request.user):
        raise PermissionDenied
    report_day = get_object_or_404(report_days_visible_to(request.user), pk=pk)
    context = {**day_live_context(report_day), "may_compile": permissions.may_compile(request.user)}
    if request.GET.get("fragment"):
        return render(request, "reports/day_live.html", context)
    context["last_event_id"] = latest_event_id()
    return render(request, "reports/day.html", context)


@login_required
@require_POST
def day_close(request, pk: int):
    """The office closes a day (``services.report_day_close``)."""
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


# --- Bulletins and reports to the city (issue 17 item 2) -------------------------------------------


def _draft() -> str:
    return _("draft")


def _file(data: bytes, name: str, content_type: str) -> HttpResponse:
    http = HttpResponse(data, content_type=content_type)
    http["Content-Disposition"] = content_disposition_header(True, name)
    http["Cache-Control"] = "private, no-store"
    http["X-Content-Type-Options"] = "nosniff"
    return http


def _pdf(request, docx: bytes, name: str) -> HttpResponse:
    """``docx`` converted to a PDF download; without LibreOffice the 404 page says so, a failed or timed-out
    conversion is a 503 with its message (never a 500)."""
    try:
        data = documents.docx_to_pdf(docx)
    except documents.PdfUnavailable as exc:
        return error_page(request, 404, detail=str(exc))
    except (documents.PdfFailed, OSError) as exc:
        detail = str(exc) if isinstance(exc, documents.PdfFailed) else _("Making the PDF failed: try again, or download the Word file.")
        return error_page(request, 503, detail=detail, headers={"Retry-After": "30"})
    return _file(data, name, "application/pdf")


@login_required
@require_POST
def bulletin_draft(request, pk: int):
    """Draft a bulletin from a day (office), and open it for editing."""
    if not permissions.may_compile(request.user):
        raise PermissionDenied
    report_day = get_object_or_404(report_days_visible_to(request.user), pk=pk)
    bulletin = bulletins.bulletin_draft(report_day=report_day, actor=request.user)
    messages.success(request, _("Draft made from the day's reports: edit it, then issue it."))
    return redirect("reports:bulletin", bulletin.pk)


@login_required
def bulletin_list(request):
    """Every bulletin, drafts included, newest first (the command)."""
    if not permissions.may_follow_reports(request.user):
        raise PermissionDenied
    return render(request, "reports/bulletins.html", {"bulletins": bulletins_visible_to(request.user).defer("docx")[:200]})


@login_required
def bulletin_detail(request, pk: int):
    """A bulletin: the office edits a draft and issues it; an issued one is recorded as sent to the city."""
    if not permissions.may_follow_reports(request.user):
        raise PermissionDenied
    bulletin = get_object_or_404(bulletins_visible_to(request.user).defer("docx"), pk=pk)
    may_compile = permissions.may_compile(request.user)
    edit = BulletinForm(initial={"title": bulletin.title, "body": bulletin.body}) if may_compile else None
    city = CityReportForm(recipients=settings.CITY_REPORT_RECIPIENTS) if may_compile else None
    if request.method == "POST":
        if not may_compile:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "edit":
                edit = BulletinForm(request.POST)
                if edit.is_valid():
                    bulletins.bulletin_edit(bulletin=bulletin, actor=request.user, **edit.cleaned_data)
                    messages.success(request, _("Draft saved."))
                    return redirect("reports:bulletin", pk)
            elif action == "issue":
                issued = bulletins.bulletin_issue(bulletin=bulletin, actor=request.user)
                messages.success(request, _("Bulletin issued as number %(n)s.") % {"n": issued.number})
                return redirect("reports:bulletin", pk)
            elif action == "city":
                city = CityReportForm(request.POST, recipients=settings.CITY_REPORT_RECIPIENTS)
                if city.is_valid():
                    bulletins.city_report_record(actor=request.user, bulletin=bulletin, **city.cleaned_data)
                    messages.success(request, _("Report to the city recorded."))
                    return redirect("reports:bulletin", pk)
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as exc:
            form = city if action == "city" else edit
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ActionRefused as exc:
            messages.error(request, exc.message)
    context = {"bulletin": bulletin, "edit": edit if bulletin.status == "draft" else None,
               "city": city if bulletin.status == "issued" else None, "pdf": documents.pdf_available(),
               "number_line": bulletins.bulletin_number_line(bulletin),
               "sent": city_reports_visible_to(request.user).filter(bulletin=bulletin).defer("file")}
    return render(request, "reports/bulletin.html", context)


@login_required
def bulletin_docx(request, pk: int):
    """The bulletin's Word file: as issued, or the draft as it stands."""
    if not permissions.may_follow_reports(request.user):
        raise Http404
    bulletin = get_object_or_404(bulletins_visible_to(request.user), pk=pk)
    name = f"简报-{bulletin.year}-{bulletin.number or _draft()}.docx"
    return _file(bulletins.bulletin_render(bulletin), name, documents.DOCX_TYPE)


@login_required
def bulletin_pdf(request, pk: int):
    """The bulletin as PDF, through LibreOffice (``_pdf``: 404 with a message without it, 503 if it fails)."""
    if not permissions.may_follow_reports(request.user):
        raise Http404
    bulletin = get_object_or_404(bulletins_visible_to(request.user), pk=pk)
    return _pdf(request, bulletins.bulletin_render(bulletin), f"简报-{bulletin.year}-{bulletin.number or _draft()}.pdf")


@login_required
def city_reports(request):
    """Every report sent to the city: when, to whom, by whom, its number, and the deadline met or missed."""
    if not permissions.may_follow_reports(request.user):
        raise PermissionDenied
    return render(request, "reports/city.html", {"records": city_reports_visible_to(request.user).defer("file")[:500]})


@login_required
def city_report_file(request, pk: int):
    """The Word file sent with a report to the city, as it was sent (the command; 404 for anyone else)."""
    if not permissions.may_follow_reports(request.user):
        raise Http404
    record = get_object_or_404(city_reports_visible_to(request.user), pk=pk)
    if not record.file:
        raise Http404
    return _file(bytes(record.file), record.file_name or "report.docx", documents.DOCX_TYPE)


# --- Unit summaries and the summary evaluation (issue 17 item 3) ---------------------------------------


@login_required
def summary_list(request):
    """The office's view: per ended response, the units' summaries due, submitted, late and missing."""
    if not permissions.may_follow_reports(request.user):
        raise PermissionDenied
    return render(request, "reports/summaries.html", {"responses": summary_responses(request.user),
                                                       "working_days": settings.SUMMARY_WORKING_DAYS})


@login_required
def summary_response(request, pk: int):
    """One response's summaries, unit by unit, and the evaluation's Word file."""
    if not permissions.may_follow_reports(request.user):
        raise PermissionDenied
    rows = list(summaries_visible_to(request.user).filter(response_id=pk))
    if not rows:
        raise Http404
    return render(request, "reports/summary_response.html", {"response": rows[0].response, "rows": rows,
                                                             "today": timezone.localdate(),
                                                             "pdf": documents.pdf_available()})


@login_required
def evaluation_docx(request, pk: int):
    """The summary evaluation of a response as a Word file (the command)."""
    if not permissions.may_follow_reports(request.user):
        raise Http404
    from responses.models import Response

    response = get_object_or_404(Response.objects.select_related("alert"), pk=pk)
    return _file(summaries.evaluation_docx(response), f"总结评估-{response.pk}.docx", documents.DOCX_TYPE)


@login_required
def evaluation_pdf(request, pk: int):
    """The summary evaluation as PDF, through LibreOffice (``_pdf``: 404 without it, 503 if it fails)."""
    if not permissions.may_follow_reports(request.user):
        raise Http404
    from responses.models import Response

    response = get_object_or_404(Response.objects.select_related("alert"), pk=pk)
    return _pdf(request, summaries.evaluation_docx(response), f"总结评估-{response.pk}.pdf")


@login_required
def unit_summary(request, pk: int):
    """A unit's summary: its members submit or correct it; the command reads it."""
    summary = get_object_or_404(summaries_visible_to(request.user), pk=pk)
    may_submit = permissions.may_submit_for(request.user, summary.unit_id)
    form = UnitSummaryForm(request.POST or None, initial={"text": summary.text}) if may_submit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                summaries.unit_summary_submit(summary=summary, actor=request.user, text=form.cleaned_data["text"])
            except ValidationError as exc:
                form.add_error("text", exc.message_dict.get("text", exc.messages))
            else:
                messages.success(request, _("Summary submitted."))
                return redirect("reports:summary", summary.pk)
    return render(request, "reports/summary.html", {"summary": summary, "form": form})
