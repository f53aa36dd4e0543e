"""Report attachments: checks on size and type by content (never by the name or the browser's word), and
writing them so that no file outlives a failed upload (write, then link, then sweep)."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Where report attachments are written (responses.models._attachment_path).
UPLOAD_DIR = "reports"
# Every folder of uploaded files and the model whose ``file`` field names them: the sweep looks only here.
# A new kind of upload adds its folder, and writes through ``uploads_store`` (issue 12 item 14, a kind).
SWEPT_FOLDERS = (
    (UPLOAD_DIR, "responses.Attachment"),
    ("training", "training.TrainingAttachment"),
    ("inspections", "reductions.InspectionPhoto"),
    ("consultations", "consultations.ConsultationAttachment"),
)

# Magic numbers of the accepted types.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)


def sniff(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def validate_upload(upload) -> str:
    """Return the file's real content type, or raise a ValidationError saying what is wrong."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            {"files": _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
             % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise ValidationError({"files": _("%(name)s is not a PNG, JPEG, WebP image or a PDF.") % {"name": upload.name}})
    return content_type


# --- Write, then link, then sweep (issue 12 item 14) --------------------------------------------------
#
# A report's files are written to storage before its transaction and linked (an Attachment row) inside
# it. A refused or failed action deletes what it wrote; a web process killed between the write and the
# commit leaves a file that no row names, which ``uploads_sweep`` deletes once it is older than any
# request can be. No file is written while a row lock is held (STYLE §6).


@dataclass(frozen=True)
class StoredUpload:
    """A file written to storage and not yet linked: ``name`` is its storage name (``reports/<uuid>.<ext>``)."""

    name: str
    original_name: str
    content_type: str
    size: int


def _file_field(model=None):
    """The ``file`` field of ``model`` (default: report attachments), whose storage and names are used."""
    if model is None:
        from responses.models import Attachment as model
    return model._meta.get_field("file")


def uploads_store(files, *, model=None) -> list[StoredUpload]:
    """Validate and write each upload under a random name; answer what was written, in order.

    ``model`` is the attachment model whose ``file`` field names the files (default: report
    attachments, ``responses.Attachment``); its ``upload_to`` sees an unsaved instance with only
    ``content_type`` set. Called before the transaction that links the files. Raises ValidationError
    (400) for a file of the wrong type or size; whatever was written before the error is deleted.
    """
    field, stored = _file_field(model), []
    try:
        for upload in files:
            content_type = validate_upload(upload)
            name = field.generate_filename(field.model(content_type=content_type), upload.name)
            name = field.storage.save(name, upload, max_length=field.max_length)
            stored.append(StoredUpload(name, upload.name[:200], content_type, upload.size))
    except BaseException:
        uploads_discard(stored, model=model)
        raise
    return stored


def uploads_discard(stored, *, model=None) -> None:
    """Delete written files that will not be linked (the action was refused, repeated or rolled back)."""
    storage = _file_field(model).storage
    for item in stored:
        try:
            storage.delete(item.name)
        except OSError:
            logger.warning("could not delete unlinked upload %s", item.name, exc_info=True)


def uploads_sweep(*, older_than: datetime.timedelta | None = None, now: datetime.datetime | None = None) -> list[str]:
    """Delete files of the upload folders (``SWEPT_FOLDERS``) that no attachment names and that are older
    than ``older_than``.

    ``older_than`` defaults to ``UPLOAD_ORPHAN_MINUTES`` (60): far longer than a request, so that a
    file written by an upload still in flight is never taken. Run by the beat
    (``responses.tasks.sweep_uploads``) and by ``manage.py uploads_sweep``. Answers the deleted names, sorted.
    """
    from django.apps import apps

    older_than = older_than if older_than is not None else datetime.timedelta(minutes=settings.UPLOAD_ORPHAN_MINUTES)
    cutoff = (now or timezone.now()) - older_than
    deleted = []
    for folder, label in SWEPT_FOLDERS:
        model = apps.get_model(label)
        storage = _file_field(model).storage
        try:
            _, names = storage.listdir(folder)
        except FileNotFoundError:
            continue
        old = [f"{folder}/{n}" for n in names if storage.get_modified_time(f"{folder}/{n}") <= cutoff]
        for start in range(0, len(old), 500):
            batch = old[start:start + 500]
            linked = set(model.objects.filter(file__in=batch).values_list("file", flat=True))
            for name in batch:
                if name not in linked:
                    storage.delete(name)
                    deleted.append(name)
    if deleted:
        logger.warning("deleted %d upload(s) no attachment names: %s", len(deleted), ", ".join(deleted[:20]))
    return sorted(deleted)
