"""Pages of consultation records and municipal directives: lists, a new record, a record. Thin: one service per write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from consultations import services
from consultations.forms import AttachmentForm, ConsultationForm, DirectiveForm
from consultations.models import ConsultationAttachment
from consultations.permissions import may_record_consultation, may_record_directive, may_view_consultations
from consultations.selectors import consultations_visible_to, directive_covers_district, directives_visible_to
from foundation.attachments import attachment_download_view
from units.permissions import asks


def _form_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@asks(may_view_consultations)
def consultation_list(request):
    """Consultation records, newest first, and the directives beside them."""
    return render(request, "consultations/list.html", {
        "consultations": consultations_visible_to(request.user)[:100],
        "directives": directives_visible_to(request.user)[:50],
        "may_record": may_record_consultation(request.user),
        "may_record_directive": may_record_directive(request.user),
    })


@login_required
@asks(may_record_consultation)
def consultation_new(request):
    """Record a consultation, with its minutes if given."""
    form = ConsultationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        minutes = data.pop("minutes", None)
        try:
            record = services.consultation_create(actor=request.user, **data)
            if minutes:
                services.consultation_attach(actor=request.user, consultation=record, upload=minutes)
        except ValidationError as exc:
            if "record" in locals():
                messages.error(request, " ".join(exc.messages))
                return redirect("consultations:detail", record.pk)
            _form_errors(form, exc)
        else:
            messages.success(request, _("Consultation recorded."))
            return redirect("consultations:detail", record.pk)
    return render(request, "consultations/new.html", {"form": form})


@login_required
@asks(may_view_consultations)
def consultation_detail(request, pk: int):
    """One record: participants, the forecast basis, the conclusion, the minutes."""
    record = get_object_or_404(consultations_visible_to(request.user), pk=pk)
    may_record = may_record_consultation(request.user)
    form = AttachmentForm(request.POST or None, request.FILES or None) if may_record else None
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.consultation_attach(actor=request.user, consultation=record, upload=form.cleaned_data["file"])
            except ValidationError as exc:
                form.add_error("file", exc.message_dict.get("files", exc.messages))
            else:
                messages.success(request, _("File attached."))
                return redirect("consultations:detail", record.pk)
    return render(request, "consultations/detail.html", {"record": record, "form": form})


attachment_download = attachment_download_view(
    ConsultationAttachment, may_read=lambda user, attachment: may_view_consultations(user),
    doc="A record's file, for those who may read the records (404 for anyone else).",
)


@login_required
@asks(may_record_directive)
def directive_new(request):
    """Record the city's warning notice or lift advice; it becomes a proposal on the proposals page."""
    form = DirectiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            directive = services.directive_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if directive.proposal_id:
                messages.warning(request, _("Recorded; it is now a proposal for the district to decide."))
            elif not directive_covers_district(directive.region):
                messages.info(request, _("Recorded; it names other districts only, so it proposes nothing here."))
            else:
                messages.success(request, _("Recorded; the district already stands at or above it, or has nothing to lift."))
            return redirect("consultations:directive-detail", directive.pk)
    return render(request, "consultations/directive_new.html", {"form": form})


@login_required
@asks(may_view_consultations)
def directive_detail(request, pk: int):
    directive = get_object_or_404(directives_visible_to(request.user), pk=pk)
    return render(request, "consultations/directive_detail.html", {"directive": directive})
