"""The plan's authority (附件1 二), asked of one permissions module per app, at every entry point.

Issue 12, items 1 and 2: "the command" has one definition (office and leaders) on pages, in the
API and on the socket; the office never ends or lowers an orange or red warning, whatever the
entry point (API, page, feeds proposal); a leader lowering a warning, or approving a stale
proposal, confirms it explicitly.
"""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from alerts.models import Alert
from alerts.services import alert_approve, alert_create, alert_lift
from events.choices import Audience
from events.models import Event
from feeds import services as feeds_services
from feeds.choices import ProposalStatus, Provider
from foundation.errors import ActionRefused
from responses.models import Response, TaskAssignment
from units.models import User

pytestmark = pytest.mark.django_db


def page_client(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def issue(leader, level, **kw):
    return alert_create(actor=leader, level=level, reason="test", **kw)


# --- Item 1: one definition of "command" ------------------------------------------------------------


def test_admin_is_not_the_command_in_the_api_as_on_the_pages(api_as, admin_user, leader):
    red = issue(leader, "red")
    api = api_as(admin_user)
    assert api.get("/api/responses/").status_code == 403
    assert page_client(admin_user).get("/responses/").status_code == 403
    assert api.get(f"/api/responses/{red.responses.get().pk}/summary/").status_code == 403


def test_admin_sees_no_proposals_or_command_events(api_as, office, admin_user):
    pending = alert_create(actor=office, level="orange", reason="proposal")
    api = api_as(admin_user)
    assert api.get(f"/api/alerts/{pending.pk}/").status_code == 404
    assert pending.pk not in [a["id"] for a in api.get("/api/alerts/").json()["results"]]
    audiences = {e.audience for e in Event.objects.filter(pk__in=[e["id"] for e in api.get("/api/events/").json()["results"]])}
    assert Audience.COMMAND not in audiences and Event.objects.filter(audience=Audience.COMMAND).exists()


def test_admin_sees_no_other_units_tasks(api_as, leader, admin_user):
    issue(leader, "yellow")
    assert TaskAssignment.objects.exists()
    assert api_as(admin_user).get("/api/assignments/").json()["results"] == []


def test_a_superuser_flag_gives_no_authority_over_warnings(api_as, office, admin_user):
    User.objects.filter(pk=admin_user.pk).update(is_superuser=True)
    admin_user.refresh_from_db()
    red = alert_create(actor=office, level="red", reason="three days above 200")
    answer = api_as(admin_user).post(f"/api/alerts/{red.pk}/approve/", {}, format="json")
    assert answer.status_code == 404  # not even visible: proposals are the command's
    with pytest.raises(PermissionDenied):
        alert_approve(alert=red, actor=admin_user)
    assert Alert.objects.get(pk=red.pk).status == "pending_approval"


def test_an_inactive_leader_decides_nothing(office, leader):
    red = alert_create(actor=office, level="red", reason="x")
    leader.is_active = False
    with pytest.raises(PermissionDenied):
        alert_approve(alert=red, actor=leader)


NAV = re.compile(r'<nav class="nav">(.*?)</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')


@pytest.mark.parametrize("persona", ["office", "leader", "member", "admin_user"])
def test_every_link_in_the_menu_opens_for_its_reader(request, persona):
    user = request.getfixturevalue(persona)
    client = page_client(user)
    home = client.get("/public/")
    links = HREF.findall(NAV.search(home.content.decode()).group(1))
    assert links
    for link in links:
        answer = client.get(link)
        assert answer.status_code in (200, 302), (persona, link, answer.status_code)


def test_the_warning_list_offers_the_approval_queue_to_leaders_only(office, leader):
    assert "/alerts/approvals/" in page_client(leader).get("/alerts/").content.decode()
    assert "/alerts/approvals/" not in page_client(office).get("/alerts/").content.decode()


# --- Item 2: the office never ends or lowers orange or red ------------------------------------------


def test_office_cannot_downgrade_red_through_the_api(api_as, office, leader):
    """The issue's example: a yellow posted by the office over a red is a proposal, not a downgrade."""
    red = issue(leader, "red")
    level_one_tasks = TaskAssignment.objects.filter(response__alert=red).exclude(status="cancelled").count()
    answer = api_as(office).post("/api/alerts/", {"level": "yellow", "reason": "improving"}, format="json")
    assert answer.status_code == 201
    assert answer.json()["status"] == "pending_approval"
    red.refresh_from_db()
    assert red.status == "issued"
    assert TaskAssignment.objects.filter(response__alert=red).exclude(status="cancelled").count() == level_one_tasks
    assert Response.objects.get(status="active").alert_id == red.pk
    # Nor can the office then lift the red: its lift is a request.
    lift = api_as(office).post(f"/api/alerts/{red.pk}/lift/", {"reason": "clean"}, format="json")
    assert lift.json()["status"] == "lift_pending"
    assert Response.objects.get(status="active").alert_id == red.pk


@pytest.mark.parametrize("in_force,lower", [("orange", "yellow"), ("red", "yellow"), ("red", "orange")])
def test_office_proposes_every_lower_level(office, leader, in_force, lower):
    current = issue(leader, in_force)
    proposal = alert_create(actor=office, level=lower, reason="lower")
    assert proposal.status == "pending_approval" and proposal.proposed_over_id == current.pk
    assert Alert.objects.get(pk=current.pk).status == "issued"


def test_office_cannot_downgrade_orange_through_the_page(office, leader):
    orange = issue(leader, "orange")
    answer = page_client(office).post(
        "/alerts/new/", {"level": "yellow", "reason": "lower", "basis": "", "confirm": "on"}
    )
    assert answer.status_code == 302
    created = Alert.objects.exclude(pk=orange.pk).get()
    assert created.status == "pending_approval"
    assert Alert.objects.get(pk=orange.pk).status == "issued"


def test_the_new_warning_page_tells_the_office_a_lower_level_goes_to_the_leaders(office, leader):
    issue(leader, "red")
    html = page_client(office).get("/alerts/new/").content.decode()
    yellow = re.search(r'level-option level-yellow">(.*?)</label>', html, re.S).group(1)
    assert "goes to the leaders" in yellow and "issued at once" not in yellow


def test_office_lift_of_orange_through_the_page_is_a_request(office, leader):
    orange = issue(leader, "orange")
    page_client(office).post(f"/alerts/{orange.pk}/lift/", {"comment": "clean"})
    assert Alert.objects.get(pk=orange.pk).status == "lift_pending"
    assert Response.objects.get(status="active").alert_id == orange.pk


def lift_proposal(office, leader, level):
    """A feeds lift proposal for a ``level`` warning in force (the forecast is clean)."""
    alert = issue(leader, level)
    start = timezone.localdate() + datetime.timedelta(days=1)
    days = [{"date": start + datetime.timedelta(days=i), "aqi": 50, "primary_pollutants": []} for i in range(3)]
    _, proposal, _ = feeds_services.forecast_create(source="t", provider=Provider.PUSH, issued_at=timezone.now(), days=days)
    assert proposal is not None and proposal.kind == "lift"
    return alert, proposal


def test_office_acting_on_a_red_lift_proposal_only_asks_the_leaders(office, leader):
    red, proposal = lift_proposal(office, leader, "red")
    page_client(office).post(f"/feeds/proposals/{proposal.pk}/act/", {"comment": ""})
    assert Alert.objects.get(pk=red.pk).status == "lift_pending"


def test_the_feeds_card_of_a_red_lift_says_it_is_a_request(office, leader):
    _, proposal = lift_proposal(office, leader, "red")
    html = page_client(office).get("/feeds/proposals/").content.decode()
    assert 'data-action="request-lift"' in html and 'data-action="lift"' not in html


def test_leader_approving_a_lower_proposal_must_confirm_the_downgrade(api_as, office, leader):
    red = issue(leader, "red")
    yellow = alert_create(actor=office, level="yellow", reason="lower")
    api = api_as(leader)
    preview = api.get(f"/api/alerts/{yellow.pk}/").json()["approval"]
    assert (preview["effect"], preview["in_force"], preview["stale"], preview["confirm"]) == (
        "downgrade", red.pk, False, ["confirm_downgrade"]
    )
    refused = api.post(f"/api/alerts/{yellow.pk}/approve/", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["effect"] == "downgrade" and "downgrade" in refused.json()["detail"]
    assert Alert.objects.get(pk=red.pk).status == "issued"
    approved = api.post(f"/api/alerts/{yellow.pk}/approve/", {"confirm_downgrade": True}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "issued"
    assert Alert.objects.get(pk=red.pk).status == "superseded"
    assert Response.objects.get(status="active").level == "III"


def test_the_office_sees_no_approval_preview(api_as, office, leader):
    issue(leader, "red")
    yellow = alert_create(actor=office, level="yellow", reason="lower")
    assert api_as(office).get(f"/api/alerts/{yellow.pk}/").json()["approval"] is None


def test_leader_issuing_a_lower_level_must_confirm_the_downgrade(api_as, leader):
    red = issue(leader, "red")
    api = api_as(leader)
    refused = api.post("/api/alerts/", {"level": "orange", "reason": "lower"}, format="json")
    assert refused.status_code == 409 and refused.json()["effect"] == "downgrade"
    assert list(Alert.objects.values_list("pk", flat=True)) == [red.pk]
    done = api.post("/api/alerts/", {"level": "orange", "reason": "lower", "confirm_downgrade": True}, format="json")
    assert done.status_code == 201 and done.json()["status"] == "issued"
    assert Alert.objects.get(pk=red.pk).status == "superseded"


def test_a_stale_proposal_is_never_applied_silently(api_as, office, leader):
    """Orange proposed over nothing; a leader issues red meanwhile: approving the orange now lowers the red."""
    orange = alert_create(actor=office, level="orange", reason="proposal")
    red = issue(leader, "red")
    api = api_as(leader)
    assert api.post(f"/api/alerts/{orange.pk}/approve/", {}, format="json").status_code == 409
    only_downgrade = api.post(f"/api/alerts/{orange.pk}/approve/", {"confirm_downgrade": True}, format="json")
    assert only_downgrade.status_code == 409
    assert only_downgrade.json()["stale"] is True and "confirm_stale" in only_downgrade.json()["detail"]
    assert Alert.objects.get(pk=red.pk).status == "issued"
    both = api.post(f"/api/alerts/{orange.pk}/approve/", {"confirm_downgrade": True, "confirm_stale": True}, format="json")
    assert both.status_code == 200 and Alert.objects.get(pk=red.pk).status == "superseded"


def test_a_stale_upgrade_needs_confirmation_too(office, leader):
    """Red proposed over nothing; the yellow issued meanwhile makes it an upgrade of something else."""
    red = alert_create(actor=office, level="red", reason="proposal")
    yellow = alert_create(actor=office, level="yellow", reason="meanwhile")
    with pytest.raises(ActionRefused) as refused:
        alert_approve(alert=red, actor=leader)
    assert refused.value.extra["effect"] == "upgrade" and refused.value.extra["stale"] is True
    alert_approve(alert=red, actor=leader, confirm_stale=True)
    assert Alert.objects.get(pk=yellow.pk).status == "superseded" and Alert.objects.get(pk=red.pk).status == "issued"


def test_a_proposal_whose_warning_was_lifted_is_stale(office, leader):
    red = issue(leader, "red")
    yellow = alert_create(actor=office, level="yellow", reason="lower")
    alert_lift(alert=red, actor=leader, reason="clean")
    with pytest.raises(ActionRefused) as refused:
        alert_approve(alert=yellow, actor=leader)
    assert refused.value.extra["effect"] == "issue" and refused.value.extra["stale"] is True


def test_the_approval_pages_show_the_downgrade_and_ask_for_the_tick(office, leader):
    red = issue(leader, "red")
    yellow = alert_create(actor=office, level="yellow", reason="lower")
    client = page_client(leader)
    for path in ("/alerts/approvals/", f"/alerts/{yellow.pk}/", "/dashboard/leader/"):
        html = client.get(path).content.decode()
        assert 'data-effect="downgrade"' in html and 'name="confirm" required' in html, path
    client.post(f"/alerts/{yellow.pk}/approve/", {"next": "/alerts/approvals/"})
    assert Alert.objects.get(pk=red.pk).status == "issued"
    client.post(f"/alerts/{yellow.pk}/approve/", {"confirm": "on", "next": "/alerts/approvals/"})
    assert Alert.objects.get(pk=red.pk).status == "superseded"
    assert Alert.objects.get(pk=yellow.pk).status == "issued"


def test_an_upgrade_is_confirmed_on_the_page_and_needs_no_flag_in_the_service(office, leader):
    """Every page approval asks for the tick (issue 14 item 3); the service approves an upgrade without flags."""
    yellow = alert_create(actor=office, level="yellow", reason="now")
    orange = alert_create(actor=office, level="orange", reason="worse")
    html = page_client(leader).get("/alerts/approvals/").content.decode()
    assert 'data-effect="upgrade"' in html and 'name="confirm" required' in html
    alert_approve(alert=orange, actor=leader)
    assert Alert.objects.get(pk=yellow.pk).status == "superseded"


def test_proposing_the_level_in_force_is_refused(office, leader):
    issue(leader, "orange")
    with pytest.raises(ActionRefused):
        alert_create(actor=office, level="orange", reason="again")
    assert Alert.objects.filter(status="pending_approval").count() == 0


# --- Item 4: the permission is asked in the service every time --------------------------------------


def orange_proposal():
    start = timezone.localdate() + datetime.timedelta(days=1)
    days = [{"date": start + datetime.timedelta(days=i), "aqi": a, "primary_pollutants": ["pm2_5"]}
            for i, a in enumerate([160, 170, 165])]
    _, proposal, _ = feeds_services.forecast_create(source="t", provider=Provider.PUSH, issued_at=timezone.now(), days=days)
    assert proposal.level == "orange"
    return proposal


@pytest.mark.parametrize("persona", ["leader", "member", "admin_user"])
def test_only_the_office_acts_on_proposals_in_the_service(request, persona):
    proposal = orange_proposal()
    with pytest.raises(PermissionDenied):
        feeds_services.proposal_act(proposal=proposal, actor=request.getfixturevalue(persona))
    with pytest.raises(PermissionDenied):
        feeds_services.proposal_dismiss(proposal=proposal, actor=request.getfixturevalue(persona))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN and not Alert.objects.exists()


def test_only_the_office_enters_forecasts_in_the_service(leader):
    with pytest.raises(PermissionDenied):
        feeds_services.forecast_create(
            source="t", provider=Provider.MANUAL, issued_at=timezone.now(),
            days=[{"date": timezone.localdate(), "aqi": 60}], actor=leader,
        )


def test_acting_twice_on_one_proposal_makes_one_warning(office):
    proposal = orange_proposal()
    feeds_services.proposal_act(proposal=proposal, actor=office)
    with pytest.raises(ActionRefused):
        feeds_services.proposal_act(proposal=proposal, actor=office)
    assert Alert.objects.filter(status="pending_approval").count() == 1
