"""Writes of the training and drill register: add a record, attach a file. Audited; nothing is pushed."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from events.services import audit_record
from foundation.uploads import uploads_discard, uploads_store
from training.choices import RecordKind
from training.models import TrainingAttachment, TrainingRecord
from training.permissions import may_edit_training


def _check(actor) -> None:
    if not may_edit_training(actor):
        raise PermissionDenied(_("Only the office keeps the training and drill register."))


def training_record_create(*, actor, date: datetime.date, kind: str, title: str, units, practised: str,
                           alert=None) -> TrainingRecord:
    """Register a training, exercise, drill or publicity event (附件1 二: 组织宣传、培训和演练).

    Args: units, the member units taking part (at least one); alert, for a drill run in the
    platform, the warning issued as a drill (its response gives the figures, ``selectors.drill_figures``).
    Returns the record. Raises PermissionDenied (403) unless office staff or the roster admin;
    ValidationError (400 / form message) for an unknown kind, an empty title or text, no units,
    or a linked warning that is not a drill.
    """
    _check(actor)
    units = list(units)
    errors = {}
    if kind not in RecordKind.values:
        errors["kind"] = _("Choose a kind.")
    if not title.strip():
        errors["title"] = _("Enter a title.")
    if not practised.strip():
        errors["practised"] = _("Say what was practised.")
    if not units:
        errors["units"] = _("Choose the units taking part.")
    if alert is not None and not alert.drill:
        errors["alert"] = _("Only a warning issued as a drill can be linked.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = TrainingRecord.objects.create(date=date, kind=kind, title=title.strip(), practised=practised.strip(),
                                               alert=alert, created_by=actor)
        record.units.set(units)
        audit_record(actor=actor, action="training_record_create", target=record,
                     data={"kind": kind, "date": date.isoformat(), "units": [u.pk for u in units],
                           "alert": alert.pk if alert else None})
    return record


def training_record_attach(*, actor, record: TrainingRecord, upload) -> TrainingAttachment:
    """Attach one file (PNG, JPEG, WebP or PDF by content, at most UPLOAD_MAX_BYTES) to a record.
    Raises PermissionDenied (403) or ValidationError (400 / form message: type or size).

    The file is written before the transaction and linked in it; a failed transaction deletes it, and
    a process killed in between leaves it to ``foundation.uploads.uploads_sweep`` (issue 12 item 14).
    """
    _check(actor)
    (stored,) = uploads_store([upload], model=TrainingAttachment)
    try:
        with transaction.atomic():
            attachment = TrainingAttachment.objects.create(
                record=record, file=stored.name, original_name=stored.original_name,
                content_type=stored.content_type, size=stored.size, uploaded_by=actor,
            )
            audit_record(actor=actor, action="training_attach", target=record,
                         data={"attachment": attachment.pk, "name": attachment.original_name})
    except BaseException:
        uploads_discard([stored], model=TrainingAttachment)
        raise
    return attachment
