"""Writes of consultation records (会商) and municipal directives (市级指令). Audited; directives become proposals.

This app stands above ``alerts`` and ``feeds`` (units ← events ← alerts ← feeds ← consultations): it calls
them, they never import it. A warning cites a record by kind and id (``alerts.basis``).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from alerts.choices import Cause, Level
from consultations.choices import Conclusion, DirectiveKind, Pollutant
from consultations.models import Consultation, ConsultationAttachment, Directive
from consultations.permissions import may_record_consultation, may_record_directive
from consultations.selectors import directive_covers_district
from events.choices import Audience, EventType
from events.services import audit_record, event_record
from feeds.choices import ProposalKind
from feeds.services import proposal_municipal_create
from foundation.text import storable_text
from foundation.uploads import uploads_discard, uploads_store

AQI_MAX = 999


def consultation_payload(record: Consultation) -> dict:
    """What the command's dashboards get of a new consultation record (会商).

    Returns ``{"id", "held_at" (ISO 8601), "conclusion", "cause", "aqi_min", "aqi_max", "pollutant"}``.
    Raises nothing.
    """
    return {
        "id": record.pk, "held_at": record.held_at.isoformat(), "conclusion": record.conclusion, "cause": record.cause,
        "aqi_min": record.aqi_min, "aqi_max": record.aqi_max, "pollutant": record.pollutant,
    }


def directive_payload(directive: Directive) -> dict:
    """What the command's dashboards get of a recorded municipal directive.

    Returns ``{"id", "kind", "document_number", "level", "starts_at" (ISO 8601 or None), "proposal" (the
    proposal it became, or None)}``. Raises nothing.
    """
    return {
        "id": directive.pk, "kind": directive.kind, "document_number": directive.document_number, "level": directive.level,
        "starts_at": directive.starts_at.isoformat() if directive.starts_at else None, "proposal": directive.proposal_id,
    }


def _consultation_errors(*, held_at, units, pollutant, aqi_min, aqi_max, duration_hours, meteorology, conclusion,
                         cause, starts_at, ends_at) -> dict:
    errors = {}
    if held_at is None:
        errors["held_at"] = _("Give the time of the consultation.")
    if not units:
        errors["units"] = _("Choose the units taking part (normally the ecology and environment bureau and the meteorological bureau).")
    if pollutant not in Pollutant.values:
        errors["pollutant"] = _("Choose the expected primary pollutant.")
    if aqi_min is None or aqi_max is None or not (0 <= aqi_min <= aqi_max <= AQI_MAX):
        errors["aqi_max"] = _("Give the expected AQI range, from the lower to the upper value (0–999).")
    if duration_hours is None or duration_hours <= 0:
        errors["duration_hours"] = _("Give the expected duration in hours.")
    if not meteorology.strip():
        errors["meteorology"] = _("Describe the meteorological conditions.")
    if conclusion not in Conclusion.values:
        errors["conclusion"] = _("Choose the recommended level, or no warning.")
    if cause and cause not in Cause.values:
        errors["cause"] = _("Choose the cause of the episode.")
    if conclusion in Level.values and not cause:
        errors["cause"] = _("A recommended warning names the cause of the episode.")
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    return errors


def consultation_create(
    *, actor, held_at: datetime.datetime, units, pollutant: str, aqi_min: int, aqi_max: int, duration_hours: int,
    meteorology: str, conclusion: str, cause: str = "", experts: str = "", starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None, notes: str = "", forecasts=(), proposals=(),
) -> Consultation:
    """Record a consultation (会商; 附件1 三: the ecology bureau "会同江津气象局开展环境空气质量会商、研判、预警").

    Args: ``units``, the units taking part (at least one); ``experts``, named people, one per line;
    the forecast basis: ``pollutant`` (``choices.Pollutant``), the expected AQI range ``aqi_min``–``aqi_max``
    (0–999), ``duration_hours`` (hours, > 0), ``meteorology`` (text); the conclusion: ``conclusion``
    (``choices.Conclusion``: a level or ``none``), ``cause`` (``alerts.choices.Cause``, required with a
    level), the recommended ``starts_at``/``ends_at``; ``forecasts`` and ``proposals`` looked at.

    Returns the record. It is never edited afterwards: a correction is a new record. Raises
    PermissionDenied (403) unless the office or a consulting unit's member (``may_record_consultation``);
    ValidationError (400, one message per field) for anything missing or out of range. Audited
    (``consultation_create``) and announced to the command after the commit (``consultation.recorded``).
    """
    if not may_record_consultation(actor):
        raise PermissionDenied(_("Only the office and the consulting units record consultations."))
    units, meteorology = list(units), storable_text(meteorology or "")
    errors = _consultation_errors(
        held_at=held_at, units=units, pollutant=pollutant, aqi_min=aqi_min, aqi_max=aqi_max,
        duration_hours=duration_hours, meteorology=meteorology, conclusion=conclusion, cause=cause,
        starts_at=starts_at, ends_at=ends_at,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = Consultation.objects.create(
            held_at=held_at, experts=storable_text(experts or "").strip(), pollutant=pollutant, aqi_min=aqi_min,
            aqi_max=aqi_max, duration_hours=duration_hours, meteorology=meteorology.strip(), conclusion=conclusion,
            cause=cause or "", starts_at=starts_at, ends_at=ends_at, notes=storable_text(notes or "").strip(),
            created_by=actor,
        )
        record.units.set(units)
        record.forecasts.set(list(forecasts))
        record.proposals.set(list(proposals))
        audit_record(
            actor=actor, action="consultation_create", target=record, comment=record.get_conclusion_display(),
            data={"conclusion": conclusion, "cause": cause, "units": [u.pk for u in units], "aqi": [aqi_min, aqi_max]},
        )
        event_record(type=EventType.CONSULTATION_RECORDED, payload=consultation_payload(record), audience=Audience.COMMAND)
    return record


def consultation_attach(*, actor, consultation: Consultation, upload) -> ConsultationAttachment:
    """Attach the minutes (会商纪要) or a chart: PNG, JPEG, WebP or PDF by content, at most UPLOAD_MAX_BYTES.

    Raises PermissionDenied (403) unless ``may_record_consultation``; ValidationError (400: type or size).
    The file is written before the transaction and linked in it (``foundation.uploads``); a failed
    transaction deletes it, and the sweep deletes one a killed process left unlinked.
    """
    if not may_record_consultation(actor):
        raise PermissionDenied(_("Only the office and the consulting units record consultations."))
    (stored,) = uploads_store([upload], model=ConsultationAttachment)
    try:
        with transaction.atomic():
            attachment = ConsultationAttachment.objects.create(
                consultation=consultation, file=stored.name, original_name=stored.original_name,
                content_type=stored.content_type, size=stored.size, uploaded_by=actor,
            )
            audit_record(actor=actor, action="consultation_attach", target=consultation,
                         data={"attachment": attachment.pk, "name": attachment.original_name})
    except BaseException:
        uploads_discard([stored], model=ConsultationAttachment)
        raise
    return attachment


def directive_record(
    *, actor, kind: str, document_number: str, issued_at: datetime.datetime, level: str = "",
    starts_at: datetime.datetime | None = None, ends_at: datetime.datetime | None = None, region: str = "",
    cause: str = "", notes: str = "",
) -> Directive:
    """Record the city's warning notice or lift advice (issue 15 item 3) and make it a proposal.

    Args: ``kind`` (``choices.DirectiveKind``); ``document_number`` (文号, unique); ``issued_at``; for a
    notice its ``level``, ``starts_at`` (required), ``ends_at``, ``region``, ``cause``.

    The proposal goes through the same path as the feeds' (``feeds.services.proposal_municipal_create``,
    then ``proposal_act`` by the office, the leaders deciding orange and red): the district follows the
    city's level unless already at or above it; a lift advice proposes lifting the warning in force. A notice
    whose ``region`` names other districts only (``selectors.directive_covers_district``) proposes nothing.
    Returns the directive, with ``proposal`` set when one was made.

    Raises PermissionDenied (403) unless the office (``may_record_directive``); ValidationError (400) for
    a missing number, a repeated one, a notice without level or start, an end not after the start.
    Audited (``directive_record``) and announced to the command after the commit (``directive.recorded``, and
    ``proposal.created`` for its proposal). Lock order: no row is locked; the directive and its proposal are
    new rows, and the event-order lock comes with the proposal's event, after which only inserts and the
    new directive's own update follow.
    """
    if not may_record_directive(actor):
        raise PermissionDenied(_("Only the office records the city's directives."))
    document_number = storable_text(document_number or "").strip()
    errors = {}
    if kind not in DirectiveKind.values:
        errors["kind"] = _("Choose a warning notice or a lift advice.")
    if not document_number:
        errors["document_number"] = _("Give the document number.")
    elif Directive.objects.filter(document_number=document_number).exists():
        errors["document_number"] = _("Document %(number)s is already recorded.") % {"number": document_number}
    if issued_at is None:
        errors["issued_at"] = _("Give the time the city issued it.")
    if kind == DirectiveKind.WARNING:
        if level not in Level.values:
            errors["level"] = _("Give the level the city orders.")
        if starts_at is None:
            errors["starts_at"] = _("Give the time the city's warning takes effect.")
    if cause and cause not in Cause.values:
        errors["cause"] = _("Choose the cause of the episode.")
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if errors:
        raise ValidationError(errors)
    warning = kind == DirectiveKind.WARNING
    with transaction.atomic():
        try:
            with transaction.atomic():
                directive = Directive.objects.create(
                    kind=kind, document_number=document_number, issued_at=issued_at, level=level if warning else "",
                    starts_at=starts_at, ends_at=ends_at if warning else None,
                    region=storable_text(region or "").strip(), cause=cause or "",
                    notes=storable_text(notes or "").strip(), created_by=actor,
                )
        except IntegrityError:  # the same number recorded at the same moment by someone else
            raise ValidationError(
                {"document_number": _("Document %(number)s is already recorded.") % {"number": document_number}}
            ) from None
        audit_record(
            actor=actor, action="directive_record", target=directive, comment=document_number,
            data={"kind": kind, "level": directive.level, "starts_at": starts_at.isoformat() if starts_at else None},
        )
        # A notice for other districts only is recorded, and proposes nothing here (issue 15 item 3).
        proposal = None if warning and not directive_covers_district(directive.region) else proposal_municipal_create(
            actor=actor, directive_id=directive.pk, kind=ProposalKind.ISSUE if warning else ProposalKind.LIFT,
            document_number=document_number, issued_at=issued_at, level=directive.level, starts_at=starts_at,
            ends_at=directive.ends_at, region=directive.region, cause=directive.cause,
        )
        if proposal is not None:
            directive.proposal = proposal
            directive.save(update_fields=["proposal"])
        event_record(type=EventType.DIRECTIVE_RECORDED, payload=directive_payload(directive), audience=Audience.COMMAND)
    return directive
