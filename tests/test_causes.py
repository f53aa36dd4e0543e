"""The cause of the episode decides the response (issue 15 item 2), on the loaded roster and its templates."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from alerts.choices import Cause
from alerts.services import alert_approve, alert_create
from events.models import AuditEntry
from feeds import services as feeds
from feeds.choices import Provider
from responses.models import Response, TaskAssignment, TaskTemplate
from responses.services import TEMPLATES_FILE, assignment_acknowledge, assignment_complete
from units.models import Unit

pytestmark = pytest.mark.django_db

LEVELS = {"yellow": "III", "orange": "II", "red": "I"}
PRODUCTION_CUTS = {"industry-yellow-measures", "industry-orange-measures", "industry-red-measures", "assist-production-limits"}


def expected_from_file(cause: str, level: str) -> set[tuple[str, str]]:
    """(unit code, task key) that task_templates.json names for this cause at this response level."""
    data = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    units = list(Unit.objects.active())
    out = set()
    for task in data["tasks"]:
        if task.get("stage", "response") != "response" or level not in task["levels"] or cause not in task["causes"]:
            continue
        targets = [u for u in units if (u.code == task["unit"] if "unit" in task else u.kind == task["kind"])]
        out |= {(u.code, task["key"]) for u in targets}
    return out


def handed_out(alert) -> set[tuple[str, str]]:
    response = Response.objects.get(alert=alert)
    return set(
        TaskAssignment.objects.filter(response=response).exclude(status="cancelled").values_list("unit__code", "key")
    )


@pytest.mark.parametrize("cause", Cause.values)
@pytest.mark.parametrize("level", ["yellow", "red"])
def test_issuing_hands_out_exactly_the_templates_named_for_the_cause(leader, cause, level):
    alert = alert_create(actor=leader, level=level, reason="test", cause=cause)
    assert alert.cause == cause
    expected = expected_from_file(cause, LEVELS[level])
    assert expected  # every cause has tasks at every level
    assert handed_out(alert) == expected


def test_an_ozone_episode_gets_health_advice_and_vocs_nox_supervision_but_no_production_cuts(leader):
    keys = {key for _, key in handed_out(alert_create(actor=leader, level="orange", reason="o3", cause=Cause.OZONE))}
    assert {"health-publicity", "enforcement-inspection", "fuel-quality-inspection", "health-monitoring"} <= keys
    assert not keys & PRODUCTION_CUTS
    assert not keys & {"site-dust-control", "high-emission-restriction-strict", "stop-earthwork-demolition"}


def test_a_dust_episode_gets_health_advice_and_dust_control_but_no_production_cuts(leader):
    keys = {key for _, key in handed_out(alert_create(actor=leader, level="orange", reason="沙尘", cause=Cause.DUST))}
    assert {"health-publicity", "site-dust-control", "road-cleaning", "wharf-dust-control"} <= keys
    assert not keys & PRODUCTION_CUTS
    assert "enforcement-inspection" not in keys


def test_a_pm2_5_episode_gets_every_task_of_its_level(leader):
    alert = alert_create(actor=leader, level="orange", reason="pm")
    expected = set(
        TaskTemplate.objects.filter(level="II", stage="response", active=True, unit__active=True).values_list("unit__code", "key")
    )
    assert alert.cause == Cause.PM2_5 and handed_out(alert) == expected


def test_a_leader_overrides_the_cause_with_a_reason_which_is_audited(leader):
    alert = alert_create(
        actor=leader, level="orange", reason="o3", cause=Cause.OZONE, tasks_override_reason="PM2.5 也在上升 / PM2.5 rising too"
    )
    keys = {key for _, key in handed_out(alert)}
    assert PRODUCTION_CUTS & keys == {"industry-orange-measures", "assist-production-limits"}
    entry = AuditEntry.objects.get(target_type="alert", target_id=alert.pk, action="override_tasks")
    assert entry.actor == leader and entry.comment == "PM2.5 也在上升 / PM2.5 rising too"
    assert entry.data == {"cause": "ozone", "level": "orange"}


def test_the_office_may_not_override_the_cause(office):
    with pytest.raises(PermissionDenied):
        alert_create(actor=office, level="yellow", reason="o3", cause=Cause.OZONE, tasks_override_reason="all of them")
    assert not Response.objects.exists()


def test_an_unknown_cause_is_refused(leader):
    with pytest.raises(ValidationError) as exc:
        alert_create(actor=leader, level="yellow", reason="x", cause="volcano")
    assert "cause" in exc.value.message_dict


def test_the_proposals_cause_and_advisory_flag_carry_into_the_warning(office, leader):
    start = timezone.localdate() + datetime.timedelta(days=2)
    days = [{"date": start + datetime.timedelta(days=i), "aqi": a, "primary_pollutants": ["o3_8h"]} for i, a in enumerate([160, 170, 165])]
    _, proposal, _ = feeds.forecast_create(source="t", provider=Provider.PUSH, issued_at=timezone.now(), days=days)
    assert proposal.advisory_only and feeds.proposal_cause(proposal) == Cause.OZONE
    alert = feeds.proposal_act(proposal=proposal, actor=office)  # the office acts on proposals (issue 12)
    alert = alert_approve(alert=alert, actor=leader)
    assert (alert.level, alert.cause, alert.advisory_only) == ("orange", "ozone", True)
    assert not {key for _, key in handed_out(alert)} & PRODUCTION_CUTS


def test_a_pm10_only_proposal_is_a_dust_episode(db):
    days = [{"date": datetime.date(2026, 12, 8) + datetime.timedelta(days=i), "aqi": 210, "primary_pollutants": ["pm10"]} for i in range(2)]
    _, proposal, _ = feeds.forecast_create(source="t", provider=Provider.PUSH, issued_at=timezone.now(), days=days)
    assert feeds.proposal_cause(proposal) == Cause.DUST


def _done(alert, unit_code, key, member_of):
    a = TaskAssignment.objects.get(response__alert=alert, unit__code=unit_code, key=key)
    assignment_acknowledge(assignment=a, actor=member_of)
    return assignment_complete(assignment=a, actor=member_of, report="done")


def test_an_upgrade_with_a_new_cause_keeps_done_work_and_adds_the_cuts(leader, roster):
    from units.services import user_create

    eco = user_create(username="eco", role="unit", password="x-long-password-1", unit=roster["ecology-env"])
    yellow = alert_create(actor=leader, level="yellow", reason="o3", cause=Cause.OZONE)
    done = _done(yellow, "ecology-env", "enforcement-inspection", eco)
    orange = alert_create(actor=leader, level="orange", reason="pm", cause=Cause.PM2_5)
    done.refresh_from_db()
    assert done.status == "completed" and done.response.alert_id == orange.pk
    keys = {key for _, key in handed_out(orange)}
    assert {"industry-orange-measures", "assist-production-limits"} <= keys


def test_a_change_of_cause_closes_the_open_tasks_no_longer_called_for_and_keeps_done_work(leader, roster):
    from units.services import user_create

    eco = user_create(username="eco", role="unit", password="x-long-password-1", unit=roster["ecology-env"])
    orange = alert_create(actor=leader, level="orange", reason="pm", cause=Cause.PM2_5)
    done = _done(orange, "ecology-env", "assist-production-limits", eco)
    yellow = alert_create(actor=leader, level="yellow", reason="now ozone", cause=Cause.OZONE, confirm_downgrade=True)
    done.refresh_from_db()
    assert done.status == "completed"
    open_cut = TaskAssignment.objects.get(response__alert=yellow, unit__code="economy-it", key="industry-orange-measures")
    assert open_cut.status == "cancelled"
    assert open_cut.closed_reason == "污染成因已变化，该任务不再适用。"


def test_a_leader_names_the_cause_through_the_api_and_the_office_may_not_override(leader, office, api_as):
    answer = api_as(leader).post("/api/alerts/", {"level": "yellow", "reason": "dust", "cause": "dust"}, format="json")
    assert answer.status_code == 201, answer.content
    assert (answer.json()["cause"], answer.json()["advisory_only"]) == ("dust", False)
    refused = api_as(office).post(
        "/api/alerts/", {"level": "orange", "reason": "o3", "cause": "ozone", "tasks_override_reason": "all"}, format="json"
    )
    assert refused.status_code == 403
    bad = api_as(leader).post("/api/alerts/", {"level": "red", "reason": "x", "cause": "volcano"}, format="json")
    assert bad.status_code == 400 and "cause" in bad.json()


def test_the_issuing_form_takes_the_cause_and_the_detail_page_shows_it(client, leader):
    from django.urls import reverse

    client.force_login(leader)
    answer = client.post(
        reverse("alerts:new"), {"level": "orange", "reason": "臭氧", "cause": "ozone", "confirm": "on"}
    )
    assert answer.status_code == 302
    alert = Response.objects.get().alert
    assert alert.cause == "ozone"
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert 'data-cause="ozone">臭氧' in page


def test_the_office_names_a_smoke_episode_when_acting_on_a_proposal(office, client):
    from django.urls import reverse

    days = [{"date": datetime.date(2026, 12, 8) + datetime.timedelta(days=i), "aqi": a, "primary_pollutants": ["pm2_5"]} for i, a in enumerate([210, 120])]
    _, proposal, _ = feeds.forecast_create(source="t", provider=Provider.PUSH, issued_at=timezone.now(), days=days)
    client.force_login(office)
    page = client.get(reverse("feeds:proposals")).content.decode()
    assert '<option value="pm2_5" selected>' in page
    answer = client.post(reverse("feeds:proposal-act", args=[proposal.pk]), {"comment": "", "cause": "smoke"})
    assert answer.status_code == 302
    proposal.refresh_from_db()
    alert = proposal.alert
    assert (alert.level, alert.cause) == ("yellow", "smoke")
    assert {key for _, key in handed_out(alert)} == {key for _, key in expected_from_file("smoke", "III")}
