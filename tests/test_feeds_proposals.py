"""Proposals: the criteria decide, the warning in force is the baseline, the same condition is proposed once, people decide."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from alerts.models import Alert
from alerts.origins import origin_of
from alerts.services import alert_create
from events.choices import Audience, EventType
from events.models import AuditEntry, Event
from feeds import services
from feeds.choices import ProposalKind, ProposalStatus, Provider
from feeds.forms import CriteriaProfileForm
from feeds.models import CriteriaProfile, Proposal
from foundation.errors import ActionRefused

START = datetime.date(2026, 12, 8)


def submit(aqis, primaries=("pm2_5",), start=START, actor=None):
    days = [
        {"date": start + datetime.timedelta(days=i), "aqi": a, "primary_pollutants": list(primaries)}
        for i, a in enumerate(aqis)
    ]
    return services.forecast_create(
        source="test", provider=Provider.PUSH, issued_at=timezone.now(), days=days, actor=actor
    )


def in_force(leader, level, drill=False):
    return alert_create(actor=leader, level=level, reason="test", drill=drill)


def test_three_days_above_150_propose_orange_and_nothing_is_issued(db):
    forecast, proposal, created = submit([120, 160, 170, 165, 90])
    assert created and proposal.level == "orange" and proposal.kind == ProposalKind.ISSUE
    assert proposal.dedupe_key == "issue:orange:2026-12-09"
    assert forecast.evaluation["level"] == "orange"
    assert not Alert.objects.exists()  # the platform proposes; people decide


def test_clean_forecast_proposes_nothing(db):
    forecast, proposal, created = submit([60, 80, 90])
    assert (proposal, created) == (None, False)
    assert forecast.evaluation["level"] == "none"
    assert not Proposal.objects.exists()


def test_the_same_condition_is_never_proposed_twice(db):
    _, first, created = submit([160, 170, 165])
    _, again, created_again = submit([158, 175, 180, 120])  # a later forecast of the same episode
    assert created and not created_again
    assert again.pk == first.pk
    assert Proposal.objects.count() == 1
    assert Event.objects.filter(type=EventType.PROPOSAL_CREATED).count() == 1


def test_a_dismissed_condition_is_not_proposed_again(db, office):
    _, proposal, _ = submit([160, 170, 165])
    services.proposal_dismiss(proposal=proposal, actor=office, reason="consultation disagrees")
    _, again, created = submit([160, 170, 165])
    assert not created and again.status == ProposalStatus.DISMISSED


def test_a_new_proposal_writes_audit_and_command_event(db):
    _, proposal, _ = submit([210, 220, 180])
    audit = AuditEntry.objects.get(target_type="proposal", target_id=proposal.pk)
    assert audit.action == "propose" and audit.actor is None and audit.to_state == "open"
    assert audit.data["criteria"] == "环大气〔2024〕6号"
    event = Event.objects.get(type=EventType.PROPOSAL_CREATED)
    assert event.audience == Audience.COMMAND
    assert event.payload["id"] == proposal.pk and event.payload["level"] == "orange"


def test_proposal_audit_and_event_roll_back_together(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit([210, 220, 180])
        raise RuntimeError("the surrounding transaction fails")
    assert not Proposal.objects.exists()
    assert not AuditEntry.objects.filter(target_type="proposal").exists()
    assert not Event.objects.filter(type=EventType.PROPOSAL_CREATED).exists()


def test_warning_in_force_at_the_same_level_proposes_nothing(leader):
    in_force(leader, "orange")
    _, proposal, _ = submit([160, 170, 165])
    assert proposal is None


def test_a_higher_level_than_the_warning_in_force_proposes_the_upgrade(leader):
    in_force(leader, "yellow")
    forecast, proposal, _ = submit([160, 170, 165])
    assert proposal.level == "orange"
    assert forecast.evaluation["current_level"] == "yellow"
    assert proposal.basis["current_level"] == "yellow"


def test_a_drill_does_not_count_as_the_warning_in_force(leader):
    in_force(leader, "orange", drill=True)
    _, proposal, _ = submit([160, 170, 165])
    assert proposal.level == "orange"


def test_a_clean_forecast_while_a_warning_is_in_force_proposes_the_lift_once(leader):
    alert = in_force(leader, "yellow")
    _, proposal, created = submit([90, 80, 70])
    assert created and proposal.kind == ProposalKind.LIFT and proposal.level == "yellow"
    assert proposal.dedupe_key == f"lift:{alert.pk}:2026-12-08"
    _, again, created_again = submit([90, 80, 70])
    assert not created_again and again.pk == proposal.pk


def test_one_clean_day_is_not_enough_to_lift(leader):
    in_force(leader, "yellow")
    _, proposal, _ = submit([90, 160, 170])
    assert proposal is None


def test_an_ozone_only_episode_is_proposed_as_health_advisory(db):
    _, proposal, _ = submit([160, 170, 165], primaries=("o3_8h",))
    assert proposal.advisory_only
    assert "Ozone" in proposal.basis["advisory_reason"]


def test_the_active_criteria_profile_decides_and_its_version_is_recorded(db):
    profile = CriteriaProfile.objects.create(name="渝 2022", active=True, params={"orange_sustained_days": 2})
    _, proposal, _ = submit([160, 170, 90])  # two days > 150: yellow nationally, orange here
    assert proposal.level == "orange"
    rev = profile.history.latest().history_id
    assert proposal.criteria == f"渝 2022 rev {rev}"
    profile.params = {"version": "渝府办发〔2022〕115号", "pm2_5_above": 115}
    profile.save()
    _, proposal2, _ = services.forecast_create(
        source="t", provider=Provider.PUSH, issued_at=timezone.now(),
        days=[
            {"date": START + datetime.timedelta(days=10 + i), "pm2_5": 120, "pm10": 50, "o3_8h": 50, "no2": 20, "so2": 5, "co": 0.5}
            for i in range(2)
        ],
    )
    assert proposal2.level == "yellow" and proposal2.criteria == "渝府办发〔2022〕115号"


def test_the_admin_refuses_a_criteria_profile_that_does_not_build(db):
    form = CriteriaProfileForm(data={"name": "bad", "active": False, "params": '{"orange_sustained_dayz": 2}'})
    assert not form.is_valid()
    assert "orange_sustained_dayz" in str(form.errors["params"])


def test_office_acting_on_a_yellow_proposal_issues_it(office):
    _, proposal, _ = submit([210, 120, 90])
    alert = services.proposal_act(proposal=proposal, actor=office)
    proposal.refresh_from_db()
    assert (alert.level, alert.status, origin_of(alert).proposal) == ("yellow", "issued", proposal.pk)
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.decided_by == office and proposal.alert == alert
    assert "AQI 210" in alert.reason and "2026-12-08" in alert.basis


def test_office_acting_on_an_orange_proposal_asks_the_leaders(office):
    _, proposal, _ = submit([160, 170, 165])
    alert = services.proposal_act(proposal=proposal, actor=office)
    assert (alert.level, alert.status) == ("orange", "pending_approval")
    assert Proposal.objects.get().status == ProposalStatus.ACCEPTED


def test_acting_on_a_lift_proposal_lifts_the_yellow_warning(office, leader):
    alert = in_force(leader, "yellow")
    _, proposal, _ = submit([60, 70, 80])
    services.proposal_act(proposal=proposal, actor=office)
    alert.refresh_from_db()
    assert alert.status == "lifted"
    assert Proposal.objects.get().status == ProposalStatus.ACCEPTED
    assert Proposal.objects.get().alert is None and origin_of(alert) is None  # it lifted a warning, made none


def test_a_warning_made_from_a_proposal_names_it_in_the_api_and_shows_its_forecast(office, leader, api_as):
    """The link lives on the proposal (feeds.Proposal.alert); alerts reads it back through alerts.origins."""
    from django.test import Client
    from django.urls import reverse

    _, proposal, _ = submit([210, 120, 90])
    made = services.proposal_act(proposal=proposal, actor=office)
    by_hand = alert_create(actor=leader, level="yellow", reason="演练", drill=True)
    listed = {row["id"]: row["proposal"] for row in api_as(leader).get("/api/alerts/").json()["results"]}
    assert listed == {made.pk: proposal.pk, by_hand.pk: None}
    assert api_as(leader).get(f"/api/alerts/{made.pk}/").json()["proposal"] == proposal.pk
    read = Alert.objects.with_origin().get(pk=made.pk)
    assert (read.origin_proposal, read.origin_source, read.origin_days[0]["aqi"]) == (proposal.pk, "test", 210)
    client = Client()
    client.force_login(leader)
    page = client.get(reverse("alerts:detail", args=[made.pk])).content.decode()
    assert '<td class="num">210</td>' in page and "· test " in page


def test_a_dismissed_proposal_cannot_be_acted_on(office):
    _, proposal, _ = submit([160, 170, 165])
    services.proposal_dismiss(proposal=proposal, actor=office)
    proposal.refresh_from_db()
    with pytest.raises(ActionRefused):
        services.proposal_act(proposal=proposal, actor=office)
    assert not Alert.objects.exists()


def test_a_day_without_a_reportable_aqi_is_listed_as_na_and_not_read_as_clean(db):
    """Issue 15 item 7: a stored 2012 day with O3-8h 900 and no 1-h value is NA in the evaluation, never 优."""
    day = {"date": START, "pm2_5": 10, "pm10": 20, "o3_8h": 900, "no2": 10, "so2": 5, "co": 0.4}
    forecast, proposal, _ = services.forecast_create(
        source="t", provider=Provider.PUSH, issued_at=timezone.now(), days=[day], standard="2012"
    )
    [row] = forecast.evaluation["days"]
    assert (row["aqi"], row["category"]) == (None, "")
    assert forecast.evaluation["na_days"] == [START.isoformat()]
    assert proposal is None


# --- Downgrade and lift from forecasts (issue 15 item 4) -------------------------------------


def test_red_in_force_and_a_forecast_meeting_only_orange_proposes_the_downgrade_once(leader):
    red = in_force(leader, "red")
    forecast, proposal, created = submit([250, 230, 180])  # > 200 on two days, no day > 300: orange
    assert created and (proposal.kind, proposal.level) == (ProposalKind.DOWNGRADE, "orange")
    assert proposal.dedupe_key == f"downgrade:{red.pk}:orange"
    assert proposal.basis["current_level"] == "red" and proposal.basis["current_alert"] == red.pk
    assert forecast.evaluation["level"] == "orange"
    assert "红色" in services.proposal_reason(proposal) and "橙色" in services.proposal_reason(proposal)
    _, again, created_again = submit([240, 235, 170, 120])  # the next run of the evaluation, still orange
    assert not created_again and again.pk == proposal.pk
    assert Proposal.objects.filter(kind=ProposalKind.DOWNGRADE).count() == 1
    assert Event.objects.filter(type=EventType.PROPOSAL_CREATED).count() == 1
    red.refresh_from_db()
    assert red.status == "issued"  # the platform proposes; the warning in force is untouched


def test_red_in_force_and_a_forecast_below_yellow_for_36_hours_proposes_the_lift_once(leader):
    red = in_force(leader, "red")
    _, proposal, created = submit([120, 90, 80])
    assert created and (proposal.kind, proposal.level) == (ProposalKind.LIFT, "red")
    assert proposal.dedupe_key == f"lift:{red.pk}:2026-12-08"
    _, again, created_again = submit([120, 90, 80])
    assert not created_again and again.pk == proposal.pk
    assert Proposal.objects.count() == 1


def test_red_in_force_and_one_clean_day_before_an_orange_episode_proposes_the_downgrade_not_the_lift(leader):
    in_force(leader, "red")
    _, proposal, _ = submit([90, 210, 220])  # one clean day is not 36 hours
    assert (proposal.kind, proposal.level) == (ProposalKind.DOWNGRADE, "orange")


def test_orange_in_force_and_a_forecast_meeting_only_yellow_proposes_the_downgrade_to_yellow(leader):
    orange = in_force(leader, "orange")
    _, proposal, _ = submit([90, 160, 170])
    assert (proposal.kind, proposal.level, proposal.dedupe_key) == (ProposalKind.DOWNGRADE, "yellow", f"downgrade:{orange.pk}:yellow")


def test_a_forecast_still_meeting_red_proposes_no_downgrade(leader):
    in_force(leader, "red")
    _, proposal, _ = submit([250, 310, 230])
    assert proposal is None


def test_a_downgrade_to_an_ozone_only_level_keeps_the_advisory_flag(leader):
    in_force(leader, "red")
    _, proposal, _ = submit([250, 230, 180], primaries=("o3_8h",))
    assert proposal.kind == ProposalKind.DOWNGRADE and proposal.advisory_only


def test_office_accepting_a_red_to_orange_downgrade_asks_the_leaders_who_approve_it(office, leader):
    red = in_force(leader, "red")
    _, proposal, _ = submit([250, 230, 180])
    orange = services.proposal_act(proposal=proposal, actor=office)
    assert (orange.level, orange.status, origin_of(orange).proposal) == ("orange", "pending_approval", proposal.pk)
    assert orange.starts_at is None  # a downgrade takes effect at once once approved
    red.refresh_from_db()
    assert red.status == "issued"  # still red until a leader decides
    assert Proposal.objects.get().status == ProposalStatus.ACCEPTED
    from alerts.services import alert_approve

    with pytest.raises(ActionRefused) as unconfirmed:  # issue 12 item 2: a downgrade is confirmed
        alert_approve(alert=orange, actor=leader)
    assert unconfirmed.value.extra["effect"] == "downgrade"
    alert_approve(alert=orange, actor=leader, confirm_downgrade=True)
    red.refresh_from_db()
    orange.refresh_from_db()
    assert (red.status, orange.status, orange.supersedes_id) == ("superseded", "issued", red.pk)
    assert orange.responses.get().level == "II"


def test_office_accepting_the_lift_of_red_asks_the_leaders(office, leader):
    red = in_force(leader, "red")
    _, proposal, _ = submit([120, 90, 80])
    services.proposal_act(proposal=proposal, actor=office)
    red.refresh_from_db()
    assert red.status == "lift_pending" and red.lift_requested_by == office


# --- Lead time: "issue by" (issue 15 item 5) --------------------------------------------------


def local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def test_an_issue_proposal_is_to_be_issued_24_hours_before_its_episode(db):
    _, proposal, _ = submit([120, 160, 170, 165, 90])  # the orange episode starts on 2026-12-09
    assert proposal.issue_by == local_midnight(datetime.date(2026, 12, 8))
    assert not proposal.late


def test_a_forecast_arriving_less_than_24_hours_ahead_makes_a_late_proposal(db):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    _, proposal, _ = submit([210, 220, 120], start=tomorrow)
    assert proposal.issue_by == local_midnight(tomorrow) - datetime.timedelta(hours=24)
    assert proposal.late


def test_a_proposal_acted_on_is_no_longer_late(office):
    _, proposal, _ = submit([210, 120, 90], start=timezone.localdate() + datetime.timedelta(days=1))
    services.proposal_act(proposal=proposal, actor=office)
    proposal.refresh_from_db()
    assert proposal.issue_by is not None and not proposal.late


def test_the_lead_time_follows_the_setting(db, settings):
    settings.ALERT_LEAD_HOURS = 36
    _, proposal, _ = submit([120, 160, 170, 165, 90])
    assert proposal.issue_by == local_midnight(datetime.date(2026, 12, 9)) - datetime.timedelta(hours=36)


def test_a_lift_is_due_on_its_first_clean_day_and_a_downgrade_at_once(leader):
    in_force(leader, "red")
    _, downgrade, _ = submit([250, 230, 180])
    assert downgrade.issue_by is None and not downgrade.late
    _, lift, _ = submit([120, 90, 80], start=START + datetime.timedelta(days=1))
    assert lift.kind == ProposalKind.LIFT and lift.issue_by == local_midnight(datetime.date(2026, 12, 9))


def test_the_office_dashboard_flags_a_late_proposal_and_not_a_timely_one(office, client):
    _, timely, _ = submit([120, 160, 170, 165, 90])
    _, late, _ = submit([210, 220, 120], start=timezone.localdate() + datetime.timedelta(days=1))
    client.force_login(office)
    page = client.get("/dashboard/office/?fragment=1").content.decode()
    assert f'data-late="{late.pk}"' in page
    assert f'data-late="{timely.pk}"' not in page
    assert "应发布时间 12月8日 00:00" in page


def test_the_api_gives_issue_by_and_late(office, api_as):
    _, proposal, _ = submit([210, 220, 120], start=timezone.localdate() + datetime.timedelta(days=1))
    [row] = api_as(office).get("/api/proposals/").json()["results"]
    assert row["late"] is True
    assert datetime.datetime.fromisoformat(row["issue_by"]) == proposal.issue_by
