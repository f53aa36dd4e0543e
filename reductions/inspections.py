"""Inspections (督查检查) during a response: an inspector checks an enterprise or site against its measures (issue 16 item 5).

The plan: after a response starts, the office with the departments 加强检查、指导和督促. An inspection
records when, where and by whom, the result (compliant, or not with the problems found), photos, and for
a non-compliant one the rectification asked and its deadline. It stays open until a follow-up check of the
same enterprise or site closes it: rectified when the follow-up finds it compliant, followed up (the new
one open, with its own deadline) when not. Each inspection sets what the compliance view shows for the
enterprise's or site's live checklist items (``ChecklistItem.check_state``).

Photos: written before the transaction, linked in it, deleted if it fails; a process killed in between
leaves them to the sweep (``foundation.uploads``: write, link, sweep; the ``inspections`` folder is
``InspectionPhoto.UPLOAD_FOLDER``). No file is written while a row lock is held.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.choices import Audience
from events.models import Event
from events.services import audit_record, events_record
from foundation.errors import ActionRefused
from foundation.text import storable_text, text_checked
from foundation.uploads import uploads_discard, uploads_store, validate_upload
from reductions.choices import (
    INSPECTION_TRANSITIONS,
    LIVE_ITEM_STATUSES,
    CheckState,
    InspectionResult,
    InspectionStatus,
)
from reductions.models import ChecklistItem, Enterprise, Inspection, InspectionPhoto
from reductions.permissions import may_follow_up, may_inspect_entry
from responses.choices import ResponseStatus
from responses.models import Response

INSPECTION_RECORDED = "inspection.recorded"
MAX_PHOTOS = 6
# A phone's clock may run a little ahead of the server's: an inspection time this far ahead is accepted.
CLOCK_GRACE = datetime.timedelta(minutes=5)


def _validate(*, response, owner, inspected_at, place, result, findings, rectification, rectify_by, photos, follow_up_of):
    errors = {}
    if owner is None:
        errors["enterprise"] = _("Choose the enterprise or the site inspected (one of them).")
    if not place.strip():
        errors["place"] = _("Say where the check took place.")
    elif len(place) > 300:
        errors["place"] = _("The place is at most 300 characters.")
    if result not in InspectionResult.values:
        errors["result"] = _("The result is compliant or non-compliant.")
    now = timezone.now()
    if inspected_at > now + CLOCK_GRACE:
        errors["inspected_at"] = _("The inspection time is in the future.")
    elif inspected_at < response.started_at - CLOCK_GRACE:
        errors["inspected_at"] = _("The inspection time is before the response started.")
    if result == InspectionResult.NON_COMPLIANT:
        if not findings.strip():
            errors["findings"] = _("Describe the problems found.")
        if not rectification.strip():
            errors["rectification"] = _("Say what must be rectified.")
        if rectify_by is None:
            errors["rectify_by"] = _("Set the deadline for the rectification.")
        elif rectify_by <= inspected_at:
            errors["rectify_by"] = _("The rectification deadline must be after the inspection.")
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("At most %(n)d photos per inspection.") % {"n": MAX_PHOTOS}
    for upload in photos:
        try:
            content_type = validate_upload(upload)
        except ValidationError as error:
            errors["photos"] = " ".join(error.message_dict.get("files", error.messages))
            break
        if content_type not in InspectionPhoto.ACCEPTED_TYPES:
            errors["photos"] = _("%(name)s is not a photo (PNG, JPEG or WebP).") % {"name": upload.name}
            break
    if follow_up_of is not None and owner is not None and (
        follow_up_of.response_id != response.pk or (follow_up_of.enterprise_id, follow_up_of.site_id) != _owner_key(owner)
    ):
        errors["follow_up_of"] = _("A follow-up checks the same enterprise or site in the same response.")
    if errors:
        raise ValidationError(errors)


def _owner_key(owner) -> tuple[int | None, int | None]:
    return (owner.pk, None) if isinstance(owner, Enterprise) else (None, owner.pk)


@contextmanager
def _photos_written_first(photos):
    """Write the photos before the transaction; delete them unless the block linked them (``linked[0]``)."""
    stored = uploads_store(photos, model=InspectionPhoto)
    linked = [False]
    try:
        yield stored, linked
    except BaseException:
        uploads_discard(stored, model=InspectionPhoto)
        raise
    if not linked[0]:
        uploads_discard(stored, model=InspectionPhoto)


def inspection_record(
    *, actor, response: Response, enterprise=None, site=None, place: str, result: str, inspected_at=None,
    findings: str = "", rectification: str = "", rectify_by=None, follow_up_of: Inspection | None = None, photos=(),
) -> Inspection:
    """Record one inspection of an enterprise or a site (exactly one) during ``response`` (issue 16 item 5).

    ``inspected_at`` defaults to now; ``rectify_by`` (the rectification deadline) is required, with
    ``findings`` and ``rectification``, when ``result`` is non-compliant. ``follow_up_of`` names the
    open inspection of the same enterprise or site that this check follows up: a compliant result
    closes it as rectified, a non-compliant one as followed up (this one is then the open one).
    ``photos`` are uploaded images (PNG, JPEG, WebP; at most six). Answers the inspection.

    Raises ValidationError (400) for a missing or bad field or photo, PermissionDenied (403) when
    ``actor`` may not inspect this enterprise or site (``permissions.may_inspect_entry``), and
    ActionRefused (409) when the response has ended or the inspection followed up is no longer open.
    Locks, in the order of ``events/locks.py`` step 5: the inspection followed up, then the enterprise's
    or site's live checklist items of the response in id order; audits and tells the supervising unit,
    the town and the command after the commit.
    """
    if (enterprise is None) == (site is None):
        raise ValidationError({"enterprise": _("Choose the enterprise or the site inspected (one of them).")})
    owner = enterprise or site
    place = storable_text(place or "")
    findings = text_checked(findings or "", field="findings")
    rectification = text_checked(rectification or "", field="rectification")
    inspected_at = inspected_at or timezone.now()
    photos = list(photos)
    if follow_up_of is not None and not may_follow_up(actor, follow_up_of):
        raise PermissionDenied(_("You may not follow up this inspection."))
    if not may_inspect_entry(actor, owner):
        raise PermissionDenied(_("Only the office's inspectors and the inspectors of its supervising unit or town inspect %(name)s.")
                               % {"name": str(owner)})
    _validate(response=response, owner=owner, inspected_at=inspected_at, place=place, result=result, findings=findings,
              rectification=rectification, rectify_by=rectify_by, photos=photos, follow_up_of=follow_up_of)
    owner_filter = {"enterprise": enterprise} if enterprise is not None else {"site": site}
    with _photos_written_first(photos) as (stored, linked), transaction.atomic():
        if follow_up_of is not None:
            follow_up_of = Inspection.objects.select_for_update(no_key=True).get(pk=follow_up_of.pk)
        items = list(
            ChecklistItem.objects.select_for_update(no_key=True)
            .filter(response=response, status__in=LIVE_ITEM_STATUSES, **owner_filter)
            .order_by("pk").values_list("pk", flat=True)
        )
        # Read after the locks (READ COMMITTED reads afresh): a lift that committed meanwhile is seen.
        if Response.objects.filter(pk=response.pk).values_list("status", flat=True).first() != ResponseStatus.ACTIVE:
            raise ActionRefused(_("The response has ended: no more inspections are recorded for it."))
        if follow_up_of is not None and follow_up_of.status != InspectionStatus.OPEN:
            raise ActionRefused(_("That inspection is already closed (%(status)s).") % {"status": follow_up_of.get_status_display()})
        compliant = result == InspectionResult.COMPLIANT
        inspection = Inspection.objects.create(
            response=response, enterprise=enterprise, site=site, unit_id=owner.supervisor_id, town_id=owner.town_id,
            inspector=actor, inspected_at=inspected_at, place=place, result=result, findings=findings,
            rectification="" if compliant else rectification, rectify_by=None if compliant else rectify_by,
            status=InspectionStatus.COMPLIANT if compliant else InspectionStatus.OPEN, follow_up_of=follow_up_of,
        )
        InspectionPhoto.objects.bulk_create(
            InspectionPhoto(inspection=inspection, file=s.name, original_name=s.original_name, content_type=s.content_type,
                            size=s.size)
            for s in stored
        )
        audit_record(actor=actor, action="inspection_record", target=inspection, to_state=inspection.status,
                     comment=findings, data={"result": result, "photos": len(stored), "items": len(items)})
        if follow_up_of is not None:
            to_status = InspectionStatus.RECTIFIED if compliant else InspectionStatus.FOLLOWED_UP
            if (follow_up_of.status, to_status) not in INSPECTION_TRANSITIONS:  # pragma: no cover - checked above
                raise ActionRefused(_("That inspection cannot be followed up."))
            follow_up_of.status, follow_up_of.closed_at = to_status, timezone.now()
            follow_up_of.save(update_fields=["status", "closed_at"])
            audit_record(actor=actor, action="inspection_follow_up", target=follow_up_of, from_state=InspectionStatus.OPEN,
                         to_state=to_status, data={"by": inspection.pk})
        ChecklistItem.objects.filter(pk__in=items).update(
            check_state=CheckState.COMPLIANT if compliant else CheckState.NON_COMPLIANT
        )
        payload = {
            "id": inspection.pk, "response": response.pk, "result": result, "status": inspection.status,
            "owner": str(owner), "rectify_by": inspection.rectify_by.isoformat() if inspection.rectify_by else None,
        }
        events_record(
            [Event(type=INSPECTION_RECORDED, audience=Audience.UNIT, unit_id=u, payload=payload)
             for u in sorted({owner.supervisor_id, owner.town_id})]
            + [Event(type=INSPECTION_RECORDED, audience=Audience.COMMAND, payload=payload)]
        )
        linked[0] = True
    return inspection
