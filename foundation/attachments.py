"""Attachments: one shape, one path rule and one way to serve them, for every app that keeps files.

A report's files (``responses.Attachment``), a training record's (``training.TrainingAttachment``), a
consultation's minutes (``consultations.ConsultationAttachment``) and an inspection's photos
(``reductions.InspectionPhoto``) are the same thing: a file checked by its content (``foundation.uploads``),
stored under a random name in its app's folder, and served only to those who may see what it belongs to.

- ``AttachmentFields``: the abstract model each of them extends with its ``file`` and the row it belongs to.
  ``UPLOAD_FOLDER`` names its folder (the upload sweep reads every folder so named), ``ACCEPTED_TYPES``
  the content types it keeps.
- ``attachment_path``: the ``upload_to`` rule: never the uploader's name on disk (no traversal, no
  overwrite, no guessing), one flat folder.
- ``attachment_download_view``: the view factory: a 404 for anyone who may not see the file, whatever the
  method (another unit must not learn that it exists), GET and HEAD only for those who may (405 else),
  ``nosniff`` and ``no-store`` on the answer.
"""

import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404

#: The content types a file may have, checked by content (``foundation.uploads.sniff``), and their suffix.
SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "application/pdf": ".pdf"}
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
DOCUMENT_TYPES = (*IMAGE_TYPES, "application/pdf")


class AttachmentFields(models.Model):
    """A stored file's name as uploaded, its type by content and its size in bytes; the subclass adds ``file``."""

    #: The storage folder of this kind of file, read by ``attachment_path`` and the upload sweep.
    UPLOAD_FOLDER = ""
    #: The content types this kind keeps (``foundation.uploads.validate_upload``).
    ACCEPTED_TYPES = DOCUMENT_TYPES

    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class UploadedAttachmentFields(AttachmentFields):
    """``AttachmentFields`` with who uploaded the file and when: for the kinds whose parent row does not say
    (a training record's files, a consultation's minutes; a task's files belong to the note that brought them)."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta(AttachmentFields.Meta):
        abstract = True


def attachment_path(instance: AttachmentFields, filename: str) -> str:
    """``<UPLOAD_FOLDER>/<random hex><suffix of the content type>``: never the uploader's ``filename``."""
    return f"{instance.UPLOAD_FOLDER}/{uuid.uuid4().hex}{SUFFIXES.get(instance.content_type, '')}"


def attachment_response(attachment: AttachmentFields, *, download: bool = True) -> FileResponse:
    """The file of ``attachment`` as an HTTP answer (a download, or shown inline with ``download=False``),
    under its uploaded name and checked type, never sniffed by the browser nor kept in a shared cache.
    Raises Http404 (404) when the stored file is gone."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    http = FileResponse(handle, as_attachment=download, filename=attachment.original_name, content_type=attachment.content_type)
    http["X-Content-Type-Options"] = "nosniff"
    http["Cache-Control"] = "private, no-store"
    return http


def attachment_download_view(
    queryset, *, may_read: Callable[[object, AttachmentFields], bool], download: bool = True, doc: str = ""
):
    """A page view answering the file of the attachment ``pk`` of ``queryset`` (a model or a queryset) to a
    signed-in user for whom ``may_read(user, attachment)`` holds, by GET or HEAD (405 for another method);
    anyone else gets a 404 whatever the method, as for a missing one (a file of another unit, or of the
    command's, does not exist for them). ``download``: as a download (default) or inline (a photo).
    ``doc``: the view's docstring."""

    @login_required
    def view(request, pk: int):
        attachment = get_object_or_404(queryset, pk=pk)
        if not may_read(request.user, attachment):
            raise Http404
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return attachment_response(attachment, download=download)

    view.__doc__ = doc or view.__doc__
    return view
