"""Writes of the feeds app: proposals, forecasts and fetch records."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from command_center.errors import ActionRefused
from events.choices import Audience, EventType
from events.services import audit_record, event_record
from feeds.choices import ProposalStatus
from feeds.models import Proposal

PERM_MANAGE = "feeds.manage_forecasts"


def proposal_payload(p: Proposal) -> dict:
    return {
        "id": p.pk, "kind": p.kind, "level": p.level, "status": p.status, "criteria": p.criteria,
        "advisory_only": p.advisory_only, "basis": p.basis,
    }


def _close(proposal: Proposal, *, actor, to_status: str, comment: str = "") -> Proposal:
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status == to_status:
            return proposal
        if proposal.status != ProposalStatus.OPEN:
            raise ActionRefused(_("This proposal is already %(status)s.") % {"status": proposal.get_status_display()})
        from_status = proposal.status
        proposal.status = to_status
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(actor=actor, action=to_status, target=proposal, from_state=from_status, to_state=to_status, comment=comment)
        event_record(type=EventType.PROPOSAL_CLOSED, payload=proposal_payload(proposal), audience=Audience.COMMAND)
    return proposal


def proposal_accept(*, proposal: Proposal, actor, alert=None) -> Proposal:
    """Mark a proposal accepted once the office turned it into a warning (or a lift)."""
    return _close(proposal, actor=actor, to_status=ProposalStatus.ACCEPTED, comment=f"alert #{alert.pk}" if alert else "")


def proposal_dismiss(*, proposal: Proposal, actor, reason: str = "") -> Proposal:
    if not actor.has_perm(PERM_MANAGE):
        raise PermissionDenied(_("Only the office dismisses proposals."))
    return _close(proposal, actor=actor, to_status=ProposalStatus.DISMISSED, comment=reason)
