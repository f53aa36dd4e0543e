"""Checks on report attachments: size, and type by content (never by the name or the browser's word)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

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
