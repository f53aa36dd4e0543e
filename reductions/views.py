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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from foundation.pagination import page_of
from reductions import selectors, services, xlsx
from reductions.data.make_sample import TEMPLATE
from reductions.forms import ConfirmForm, ImportForm, ListFilterForm
from reductions.models import Measure
from reductions.permissions import may_manage, may_see_targets
from responses.models import Response

PAGE_SIZE = 50
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
            context["targets"] = selectors.target_progress(version)
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
    """One response's measures: its level's measures of the list in force in the year it started."""
    response = get_object_or_404(Response.objects.select_related("alert"), pk=pk)
    version = selectors.version_for(response.started_at)
    if version is None:
        raise Http404(_("There is no emission-reduction list yet."))
    level = response.alert.level
    title = _("Measures of response #%(pk)d (%(level)s), list %(list)s") % {
        "pk": response.pk, "level": response.alert.get_level_display(), "list": version}
    data = xlsx.response_workbook_write(title=title, measures=selectors.measures_visible_to(request.user, version, level))
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
