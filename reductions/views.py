"""Pages of the emission-reduction list: the list with its targets, Excel import with a preview, exports.

Thin: reads through ``selectors`` (scoped to the user), the one write through ``services.list_import``.
"""

import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from alerts.choices import Cause
from events.selectors import latest_event_id
from foundation.attachments import attachment_download_view
from foundation.errors import ActionRefused
from foundation.pagination import page_of
from reductions import selectors, services, xlsx
from reductions.checklists import checklist_item_confirm
from reductions.choices import ItemStatus
from reductions.data.make_sample import TEMPLATE
from reductions.forms import ConfirmForm, ImportForm, InspectionForm, ListFilterForm
from reductions.inspections import inspection_record
from reductions.models import Enterprise, InspectionPhoto, Measure, Site
from reductions.permissions import may_confirm_item, may_inspect, may_manage, may_see_compliance, may_see_targets
from responses.models import Response

PAGE_SIZE = 50
# The inspector's page on a phone (issue 16 item 5): enterprises and sites, and rectifications due, a page at a time.
INSPECT_PAGE_SIZE = 25
DUE_PAGE_SIZE = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "reductions_import"


def _version(request, form=None):
    year = form.cleaned_data.get("year") if form is not None and form.is_valid() else None
    return selectors.version_current(year)


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    answer = HttpResponse(data, content_type=XLSX)
    answer["Content-Disposition"] = f'attachment; filename="{filename}"'
    return answer


@login_required
@require_GET
def list_page(request):
    """The year's list as this user may see it, with filters, and the targets for the command."""
    form = ListFilterForm(request.GET or None)
    version = _version(request, form)
    enterprises = selectors.enterprises_visible_to(request.user, version) if version else None
    sites = selectors.sites_visible_to(request.user, version) if version else None
    context = {"form": form, "version": version, "versions": selectors.versions(), "may_manage": may_manage(request.user)}
    if version is not None:
        enterprises, sites = form.narrow(enterprises, sites)
        measures = Prefetch("measures", queryset=Measure.objects.order_by("level", "order"))
        tab = "sites" if request.GET.get("tab") == "sites" else "enterprises"
        rows = (sites if tab == "sites" else enterprises).prefetch_related(measures)
        page = page_of(request, rows, PAGE_SIZE)
        context |= {"tab": tab, "page": page, "rows": selectors.with_measures_by_level(page.object_list),
                    "counts": {"enterprises": enterprises.count(), "sites": sites.count()}}
        if may_see_targets(request.user):
            context["show_targets"] = True
            context["targets"] = selectors.target_progress(version)  # for a PM2.5 episode (the shares' own)
            context["targets_cause"] = Cause.PM2_5.label
            context["responses"] = Response.objects.select_related("alert").order_by("-started_at")[:5]
    return render(request, "reductions/list.html", context)


@login_required
@require_GET
def export(request):
    """The year's list (what this user may see) as a workbook that imports back unchanged."""
    form = ListFilterForm(request.GET or None)
    version = _version(request, form)
    if version is None:
        raise Http404(_("There is no emission-reduction list yet."))
    data = xlsx.workbook_write(
        enterprises=selectors.enterprises_visible_to(request.user, version).order_by("credit_code"),
        sites=selectors.sites_visible_to(request.user, version).order_by("ref"),
        measures=selectors.measures_visible_to(request.user, version),
        note=version.title or str(version.year),
    )
    return _xlsx(data, f"reduction-list-{version.year}.xlsx")


@login_required
@require_GET
def template(request):
    """The empty workbook to fill in."""
    return FileResponse(TEMPLATE.open("rb"), as_attachment=True, filename="reduction-list-template.xlsx", content_type=XLSX)


@login_required
@require_GET
def response_measures(request, pk):
    """One response's measures: its level's measures of the list in force in the year it started that apply to
    its warning's cause (every cause after a leader's override), as its checklists hold them."""
    response = get_object_or_404(Response.objects.select_related("alert"), pk=pk)
    version = selectors.version_for(response.started_at)
    if version is None:
        raise Http404(_("There is no emission-reduction list yet."))
    level = response.alert.level
    cause = None if response.alert.tasks_override_reason else response.alert.cause
    title = _("Measures of response #%(pk)d (%(level)s), list %(list)s") % {
        "pk": response.pk, "level": response.alert.get_level_display(), "list": version}
    data = xlsx.response_workbook_write(title=title, measures=selectors.measures_visible_to(request.user, version, level, cause))
    return _xlsx(data, f"response-{response.pk}-measures.xlsx")


def _upload_dir() -> Path:
    """Where previewed files wait for their confirmation (never served); files older than a day are removed."""
    path = Path(settings.MEDIA_ROOT) / "reductions-imports"
    path.mkdir(parents=True, exist_ok=True)
    stale = time.time() - 86400
    for old in path.glob("*.xlsx"):
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    return path


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    """Upload a workbook, see what it would change (or every bad row), then confirm; nothing is written before."""
    if not may_manage(request.user):
        raise PermissionDenied
    places, supervisors = selectors.roster_lookups()
    context = {"form": ImportForm(), "template_url": "reductions:template"}
    status = 200
    if request.method == "POST" and "token" in request.POST:
        confirm = ConfirmForm(request.POST)
        pending = request.session.get(SESSION_KEY) or {}
        if not confirm.is_valid() or confirm.cleaned_data["token"] != pending.get("token"):
            messages.error(request, _("This preview has expired; upload the file again."))
            return redirect("reductions:import")
        path = _upload_dir() / f"{pending['token']}.xlsx"
        try:
            data = path.read_bytes()
        except OSError:
            messages.error(request, _("This preview has expired; upload the file again."))
            return redirect("reductions:import")
        plan = xlsx.workbook_read(data, places=places, supervisors=supervisors)
        try:
            diff = services.list_import(actor=request.user, year=pending["year"], plan=plan, title=pending["title"])
        except ValidationError:
            context |= {"plan": plan}
            status = 400
        else:
            path.unlink(missing_ok=True)
            del request.session[SESSION_KEY]
            counts = diff.counts()
            messages.success(request, _(
                "Imported: %(ec)d enterprises added, %(eu)d changed, %(ed)d removed; %(sc)d sites added, %(su)d changed, "
                "%(sd)d removed; %(mc)d measures added, %(mu)d changed, %(md)d removed.") % {
                "ec": counts["enterprises_create"], "eu": counts["enterprises_update"], "ed": counts["enterprises_delete"],
                "sc": counts["sites_create"], "su": counts["sites_update"], "sd": counts["sites_delete"],
                "mc": counts["measures_create"], "mu": counts["measures_update"], "md": counts["measures_delete"]})
            return redirect(f"{_list_url()}?year={pending['year']}")
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            status = 400
        else:
            data = form.cleaned_data["file"].read()
            plan = xlsx.workbook_read(data, places=places, supervisors=supervisors)
            context["plan"] = plan
            if not plan.valid:
                status = 400
            else:
                year = form.cleaned_data["year"]
                token = uuid.uuid4().hex
                (_upload_dir() / f"{token}.xlsx").write_bytes(data)
                request.session[SESSION_KEY] = {"token": token, "year": year, "title": form.cleaned_data["title"]}
                diff = selectors.import_diff(version=selectors.version_current(year), plan=plan)
                context |= {"diff": diff, "counts": diff.counts(), "token": token, "year": year,
                            "preview": plan.enterprises[:20], "sample_sites": plan.sites[:10]}
    return render(request, "reductions/import.html", context, status=status)


def _list_url() -> str:
    from django.urls import reverse

    return reverse("reductions:list")


# --- During a response: the checklists, the inspector's page, the compliance view (issue 16 items 4-6) --


def _response_for(request, responses):
    """The response the page is about: ``?response=<id>`` among ``responses``, else the newest of them."""
    wanted = request.GET.get("response") or request.POST.get("response")
    if wanted and str(wanted).isdigit():
        chosen = next((r for r in responses if r.pk == int(wanted)), None)
        if chosen is not None:
            return chosen
    return responses[0] if responses else None


@login_required
@require_http_methods(["GET", "POST"])
def inspect_page(request):
    """The inspector's page on a phone (390 px): open rectifications nearest deadline first (``?due=`` pages
    them), then the enterprises and sites to check, non-compliant first (``?page=``), and the form to record
    an inspection with photos. Non-inspectors in a unit see their checklist and confirm its items; the
    form is shown only to inspectors. The form names the page's enterprises and sites, and the one the
    link or the post names (``owner``) wherever it is in the list."""
    responses = list(selectors.responses_active())
    response = _response_for(request, responses)
    due = page_of(request, selectors.inspections_open(request.user, response) if response else [], DUE_PAGE_SIZE, name="due")
    everyone = selectors.inspector_owners(request.user, response) if response else []
    page = page_of(request, everyone, INSPECT_PAGE_SIZE)
    owners = selectors.inspector_page(request.user, response, list(page.object_list)) if response else []
    inspector = may_inspect(request.user)
    for owner in owners:
        for item in owner.items:
            item.confirmable = item.status == ItemStatus.PENDING and may_confirm_item(request.user, item)
    posted = request.method == "POST"
    wanted = (request.POST if posted else request.GET).get("owner", "")
    choices = list(owners) + [o for o in everyone if o.key == wanted and all(x.key != wanted for x in owners)]
    initial = {"owner": request.GET.get("owner", ""), "follow_up_of": request.GET.get("follow_up") or None}
    form = (InspectionForm(request.POST if posted else None, request.FILES if posted else None, owners=choices, initial=initial)
            if inspector else None)
    if request.method == "POST":
        if form is None or response is None:
            raise PermissionDenied
        if form.is_valid():
            owner = next(o for o in choices if o.key == form.cleaned_data["owner"])
            follow_up = None
            if form.cleaned_data.get("follow_up_of"):
                follow_up = selectors.inspections_open(request.user, response).filter(pk=form.cleaned_data["follow_up_of"]).first()
                if follow_up is None:
                    form.add_error(None, _("That inspection is no longer open."))
            if not form.errors:
                model = Enterprise if owner.kind == "enterprise" else Site
                entry = model.objects.get(pk=owner.pk)
                try:
                    inspection_record(
                        actor=request.user, response=response, place=form.cleaned_data["place"],
                        **{owner.kind: entry}, result=form.cleaned_data["result"],
                        findings=form.cleaned_data["findings"], rectification=form.cleaned_data["rectification"],
                        rectify_by=form.cleaned_data["rectify_by"], follow_up_of=follow_up, photos=form.cleaned_data["photos"],
                    )
                except ValidationError as error:
                    for name, problems in error.message_dict.items():
                        form.add_error(name if name in form.fields else None, problems)
                except ActionRefused as refused:
                    form.add_error(None, str(refused))
                else:
                    messages.success(request, _("Inspection recorded: %(name)s.") % {"name": owner.name})
                    return redirect(f"{request.path}?response={response.pk}")
    context = {
        "responses": responses, "response": response, "due": due, "page": page, "owners": owners,
        "form": form, "inspector": inspector, "now": timezone.now(),
    }
    return render(request, "reductions/inspect.html", context, status=400 if form is not None and form.is_bound and form.errors else 200)


@login_required
@require_http_methods(["POST"])
def item_confirm(request, pk):
    """A unit confirms one checklist item from its page; back to the page with a message."""
    item = get_object_or_404(selectors.items_visible_to(request.user), pk=pk)
    try:
        checklist_item_confirm(item=item, actor=request.user)
    except ActionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Confirmed: %(text)s") % {"text": item.text})
    return redirect(f"{reverse('reductions:inspect')}?response={item.response_id}")


@login_required
@require_GET
def compliance_current(request):
    """The office dashboard's link: the compliance view of the newest response in force."""
    if not may_see_compliance(request.user):
        raise PermissionDenied
    response = selectors.responses_active().first()
    if response is None:
        return render(request, "reductions/compliance.html", {"response": None, "last_event_id": 0})
    return redirect("reductions:compliance", pk=response.pk)


def compliance_context(response) -> dict:
    """What the compliance page's live part (``reductions/compliance_live.html``) shows: the same for everyone who
    may see it, so the hub renders it once per response (``reductions.screens``) and ``?fragment=1`` answers the same."""
    return {"response": response, "data": selectors.compliance(response), "now": timezone.now()}


@login_required
@require_GET
def compliance_page(request, pk):
    """The list's compliance during a response, live (issue 16 item 6): counts by town, supervising unit and
    industry, and the non-compliant enterprises and sites with their deadlines. Live: each batch's frame carries
    the part (``reductions.screens``); ``?fragment=1`` answers it after a reconnect (``static/js/dashboard.js``)."""
    if not may_see_compliance(request.user):
        raise PermissionDenied
    response = get_object_or_404(Response.objects.select_related("alert"), pk=pk)
    context = compliance_context(response)
    if request.GET.get("fragment"):
        return render(request, "reductions/compliance_live.html", context)
    context["last_event_id"] = latest_event_id()
    return render(request, "reductions/compliance.html", context)


inspection_photo = attachment_download_view(
    InspectionPhoto,
    may_read=lambda user, photo: selectors.inspections_visible_to(user).filter(pk=photo.inspection_id).exists(),
    download=False,
    doc="An inspection's photo, shown inline, for those who may see the inspection; anyone else gets a 404 "
    "(it does not exist for them).",
)
