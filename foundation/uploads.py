"""Uploaded files, for every app that keeps them (``foundation.attachments``): checks on size and type by
content (never by the name or the browser's word), and writing them so that no file outlives a failed
upload (write, then link, then sweep)."""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Magic numbers of the accepted types.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
)


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file show (PNG, JPEG, WebP, PDF), or None for anything else."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def validate_upload(upload) -> str:
    """Return the file's real content type, read from its first bytes (``sniff``).

    Raises ValidationError (400, under ``files``) for a file larger than ``UPLOAD_MAX_BYTES`` or of a type
    other than PNG, JPEG, WebP or PDF, whatever its name or the browser's word say. A kind keeping fewer
    types (an inspection's photos, ``ACCEPTED_TYPES``) checks the type answered against its own."""
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


def _file_field(model):
    """The ``file`` field of ``model`` (a ``foundation.attachments.AttachmentFields``), whose storage and names are used."""
    return model._meta.get_field("file")


def swept_models() -> list:
    """Every attachment model (a concrete ``AttachmentFields`` with an ``UPLOAD_FOLDER``), by label: the sweep's
    folders. A new kind of upload extends ``AttachmentFields`` and is swept with no list to keep."""
    from django.apps import apps

    from foundation.attachments import AttachmentFields

    return sorted(
        (m for m in apps.get_models() if issubclass(m, AttachmentFields) and m.UPLOAD_FOLDER),
        key=lambda m: m._meta.label,
    )


def uploads_store(files, *, model) -> list[StoredUpload]:
    """Validate and write each upload under a random name; answer what was written, in order.

    ``model`` is the attachment model whose ``file`` field names the files (``responses.Attachment``,
    ``training.TrainingAttachment``, …); its ``upload_to`` sees an unsaved instance with only
    ``content_type`` set. Called before the transaction that links the files. Raises ValidationError
    (400) for a file of the wrong type or size, or of a type the model does not keep (``ACCEPTED_TYPES``:
    an inspection keeps photos only); whatever was written before the error is deleted.
    """
    field, stored = _file_field(model), []
    try:
        for upload in files:
            content_type = validate_upload(upload)
            if content_type not in model.ACCEPTED_TYPES:
                raise ValidationError({"files": _("%(name)s is not a photo (PNG, JPEG or WebP).") % {"name": upload.name}})
            name = field.generate_filename(field.model(content_type=content_type), upload.name)
            name = field.storage.save(name, upload, max_length=field.max_length)
            stored.append(StoredUpload(name, upload.name[:200], content_type, upload.size))
    except BaseException:
        uploads_discard(stored, model=model)
        raise
    return stored


def uploads_discard(stored, *, model) -> None:
    """Delete written files that will not be linked (the action was refused, repeated or rolled back); a file
    storage cannot delete is logged and left to the sweep. Raises nothing."""
    storage = _file_field(model).storage
    for item in stored:
        try:
            storage.delete(item.name)
        except OSError:
            logger.warning("could not delete unlinked upload %s", item.name, exc_info=True)


def uploads_sweep(*, older_than: datetime.timedelta | None = None, now: datetime.datetime | None = None) -> list[str]:
    """Delete files of the upload folders (``swept_models``) that no attachment names and that are older
    than ``older_than``.

    ``older_than`` defaults to ``UPLOAD_ORPHAN_MINUTES`` (60): far longer than a request, so that a
    file written by an upload still in flight is never taken. Run by the beat
    (``responses.tasks.sweep_uploads``) and by ``manage.py uploads_sweep``. Answers the deleted names, sorted.
    """
    older_than = older_than if older_than is not None else datetime.timedelta(minutes=settings.UPLOAD_ORPHAN_MINUTES)
    cutoff = (now or timezone.now()) - older_than
    deleted = []
    for model in swept_models():
        folder = model.UPLOAD_FOLDER
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
