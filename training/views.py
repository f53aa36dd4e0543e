"""Training and drill register pages: the list, a record with its drill figures and files; the office adds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from foundation.attachments import attachment_download_view
from training import services
from training.forms import AttachmentForm, TrainingRecordForm
from training.models import TrainingAttachment
from training.permissions import may_edit_training, may_view_training
from training.selectors import drill_figures, records_visible_to


@login_required
def record_list(request):
    """The register, newest first; the office's form to add a record."""
    if not may_view_training(request.user):
        raise PermissionDenied
    may_edit = may_edit_training(request.user)
    form = TrainingRecordForm(request.POST or None) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                record = services.training_record_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Record added."))
                return redirect("training:detail", record.pk)
    return render(request, "training/list.html", {"records": records_visible_to(request.user), "form": form})


@login_required
def record_detail(request, pk: int):
    """One record: who took part, what was practised, its files, and a platform drill's figures."""
    if not may_view_training(request.user):
        raise PermissionDenied
    record = get_object_or_404(records_visible_to(request.user), pk=pk)
    may_edit = may_edit_training(request.user)
    form = AttachmentForm(request.POST or None, request.FILES or None) if may_edit else None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.training_record_attach(actor=request.user, record=record, upload=form.cleaned_data["file"])
            except ValidationError as exc:
                form.add_error("file", exc.message_dict.get("files", exc.messages) if hasattr(exc, "error_dict") else exc.messages)
            else:
                messages.success(request, _("File attached."))
                return redirect("training:detail", record.pk)
    return render(request, "training/detail.html", {"record": record, "figures": drill_figures(record), "form": form})


attachment_download = attachment_download_view(
    TrainingAttachment, may_read=lambda user, attachment: may_view_training(user),
    doc="A record's file, for the command only (404 for anyone else).",
)
