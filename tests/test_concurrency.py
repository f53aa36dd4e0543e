"""Races on PostgreSQL, with real threads and real connections."""


import pytest
from django.db import connection

from alerts.models import Alert
from alerts.services import alert_approve, alert_create, alert_lift
from events.models import AuditEntry
from foundation.errors import ActionRefused
from responses.models import Response
from tests.threads import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_leaders_approving_at_once_issue_exactly_once(office, leader, leader2):
    assert connection.vendor == "postgresql"
    alert = alert_create(actor=office, level="red", reason="three days above 200")
    results = race(
        lambda: alert_approve(alert=Alert.objects.get(pk=alert.pk), actor=leader),
        lambda: alert_approve(alert=Alert.objects.get(pk=alert.pk), actor=leader2),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert Alert.objects.get(pk=alert.pk).status == "issued"
    assert AuditEntry.objects.filter(target_type="alert", target_id=alert.pk, action="approve").count() == 1
    assert Response.objects.filter(alert_id=alert.pk).count() == 1


def test_two_proposals_approved_at_once_leave_one_warning_in_force(office, leader, leader2):
    """The second approval finds the first one's warning in force: its proposal is stale, and it is
    refused rather than applied silently (an upgrade or a downgrade the leader has not seen)."""
    orange = alert_create(actor=office, level="orange", reason="a")
    red = alert_create(actor=office, level="red", reason="b")
    results = race(
        lambda: alert_approve(alert=Alert.objects.get(pk=orange.pk), actor=leader),
        lambda: alert_approve(alert=Alert.objects.get(pk=red.pk), actor=leader2),
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and isinstance(refused[0], ActionRefused) and refused[0].extra["stale"] is True, results
    assert Alert.objects.in_force().count() == 1
    in_force = Alert.objects.in_force().get()
    response = Response.objects.get(status="active")
    assert response.alert_id == in_force.pk and response.level == in_force.response_level


def test_issue_racing_lift_ends_consistent(office, leader):
    yellow = alert_create(actor=office, level="yellow", reason="a")
    results = race(
        lambda: alert_lift(alert=Alert.objects.get(pk=yellow.pk), actor=office, reason="clean air"),
        lambda: alert_create(actor=leader, level="red", reason="b"),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, ActionRefused) for e in errors), errors
    in_force = list(Alert.objects.in_force())
    assert len(in_force) <= 1
    active = list(Response.objects.filter(status="active"))
    if in_force:
        assert len(active) == 1 and active[0].alert_id == in_force[0].pk
        assert active[0].level == in_force[0].response_level
    else:
        assert active == []


def _orange_proposal():
    import datetime

    from django.utils import timezone

    from feeds import services as feeds_services
    from feeds.choices import Provider

    start = timezone.localdate() + datetime.timedelta(days=1)
    days = [{"date": start + datetime.timedelta(days=i), "aqi": a, "primary_pollutants": ["pm2_5"]}
            for i, a in enumerate([160, 170, 165])]
    _, proposal, _ = feeds_services.forecast_create(source="t", provider=Provider.PUSH, issued_at=timezone.now(), days=days)
    return proposal


@pytest.mark.parametrize("acts", [2, 4])
def test_office_acts_on_one_proposal_at_once_make_exactly_one_warning(office, acts):
    """Issue 12 item 4: the proposal's row is locked before its status is read."""
    from feeds.models import Proposal
    from feeds.services import proposal_act

    proposal = _orange_proposal()
    alerts_before = Alert.objects.count()
    results = race(*[lambda: proposal_act(proposal=Proposal.objects.get(pk=proposal.pk), actor=office)] * acts)
    made = [r for r in results if isinstance(r, Alert)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(made) == 1 and all(isinstance(r, ActionRefused) for r in refused) and len(refused) == acts - 1, results
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.status == "accepted"
    # The link lives on the proposal's side (feeds.Proposal.alert): exactly the one warning made, awaiting approval.
    assert proposal.alert_id == made[0].pk
    assert Alert.objects.count() - alerts_before == 1
    assert Alert.objects.get(pk=proposal.alert_id).status == "pending_approval"


def test_act_racing_dismiss_on_one_proposal_ends_one_way(office):
    from feeds.models import Proposal
    from feeds.services import proposal_act, proposal_dismiss

    proposal = _orange_proposal()
    alerts_before = Alert.objects.count()
    results = race(
        lambda: proposal_act(proposal=Proposal.objects.get(pk=proposal.pk), actor=office),
        lambda: proposal_dismiss(proposal=Proposal.objects.get(pk=proposal.pk), actor=office, reason="no"),
    )
    assert sum(isinstance(r, ActionRefused) for r in results) == 1, results
    proposal = Proposal.objects.get(pk=proposal.pk)
    made = 1 if proposal.status == "accepted" else 0
    assert (Alert.objects.count() - alerts_before, proposal.alert_id is not None) == (made, bool(made))
