"""The warning pages: issuing and proposing through the form, the leaders' approval queue, and who may see what."""

import pytest
from django.urls import reverse

from alerts.choices import Status
from alerts.models import Alert
from alerts.services import alert_approve, alert_create
from events.models import AuditEntry
from responses.models import Response

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _form(level="yellow", reason="PM2.5 forecast above 150 for two days", confirm=True, **extra):
    data = {"level": level, "reason": reason, "basis": "AQI 165, 172", "ends_at": "", **extra}
    if confirm:
        data["confirm"] = "on"
    return data


@pytest.fixture
def proposed(office):
    """A red warning the office proposed, waiting for the leaders."""
    return alert_create(actor=office, level="red", reason="AQI above 300 expected for three days", basis="AQI 310, 325, 305")


# --- Issuing and proposing through the form ---


def test_office_issues_yellow_through_the_form(client, office):
    client.force_login(office)
    answer = client.post(reverse("alerts:new"), _form())
    alert = Alert.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("alerts:detail", args=[alert.pk])
    assert alert.status == Status.ISSUED
    assert alert.issued_by == office
    assert Response.objects.filter(alert=alert, level="III").exists()


def test_issue_form_without_confirmation_creates_nothing(client, office):
    client.force_login(office)
    answer = client.post(reverse("alerts:new"), _form(confirm=False))
    assert answer.status_code == 200
    assert "confirm" in answer.context["form"].errors
    assert not Alert.objects.exists()
    assert not Response.objects.exists()


def test_issue_form_without_reason_shows_the_error_and_creates_nothing(client, office):
    client.force_login(office)
    answer = client.post(reverse("alerts:new"), _form(reason="   "))
    assert answer.status_code == 200
    assert "reason" in answer.context["form"].errors
    assert not Alert.objects.exists()


def test_office_proposes_red_which_waits_for_the_leaders(client, office):
    client.force_login(office)
    answer = client.post(reverse("alerts:new"), _form(level="red"))
    alert = Alert.objects.get()
    assert answer.status_code == 302
    assert alert.status == Status.PENDING_APPROVAL
    assert not Response.objects.exists()


def test_leader_issues_red_at_once_through_the_form(client, leader):
    client.force_login(leader)
    client.post(reverse("alerts:new"), _form(level="red"))
    assert Alert.objects.get().status == Status.ISSUED


def test_issue_form_explains_yellow_is_immediate_and_orange_red_go_to_the_leaders(client, office):
    client.force_login(office)
    page = client.get(reverse("alerts:new"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "yellow warning is issued at once" in page
    assert "goes to the headquarters leaders" in page


def test_second_yellow_while_one_is_in_force_is_refused_in_the_form(client, office):
    alert_create(actor=office, level="yellow", reason="first")
    client.force_login(office)
    answer = client.post(reverse("alerts:new"), _form(reason="second"))
    assert answer.status_code == 409
    assert answer.context["form"].non_field_errors()
    assert Alert.objects.count() == 1


def test_drill_from_the_form_is_marked_drill_on_its_pages(client, office):
    client.force_login(office)
    client.post(reverse("alerts:new"), _form(drill="on"))
    alert = Alert.objects.get()
    assert alert.drill
    assert "演练/DRILL" in client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "演练/DRILL" in client.get(reverse("alerts:list")).content.decode()


# --- The leaders' approval queue ---


def test_leader_approves_through_the_approvals_page(client, leader, proposed):
    client.force_login(leader)
    queue = client.get(reverse("alerts:approvals"))
    assert queue.status_code == 200
    assert f'data-alert-id="{proposed.pk}"' in queue.content.decode()
    assert "AQI 310, 325, 305" in queue.content.decode()

    answer = client.post(
        reverse("alerts:approve", args=[proposed.pk]), {"comment": "agreed", "confirm": "on", "next": reverse("alerts:approvals")}
    )
    assert answer.status_code == 302
    assert answer["Location"] == reverse("alerts:approvals")
    proposed.refresh_from_db()
    assert proposed.status == Status.ISSUED
    assert proposed.approved_by == leader
    assert Response.objects.filter(alert=proposed, level="I").exists()
    assert f'data-alert-id="{proposed.pk}"' not in client.get(reverse("alerts:approvals")).content.decode()


def test_leader_rejects_with_a_reason(client, leader, proposed):
    client.force_login(leader)
    answer = client.post(
        reverse("alerts:reject", args=[proposed.pk]), {"reason": "forecast revised down", "next": reverse("alerts:approvals")}
    )
    assert answer.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == Status.REJECTED
    assert proposed.rejection_reason == "forecast revised down"
    assert proposed.rejected_by == leader


def test_reject_without_reason_shows_a_form_error_and_changes_nothing(client, leader, proposed):
    client.force_login(leader)
    audits_before = AuditEntry.objects.count()
    answer = client.post(reverse("alerts:reject", args=[proposed.pk]), {"reason": "   ", "next": reverse("alerts:approvals")})
    assert answer.status_code == 200
    assert "reason" in answer.context["reject_form"].errors
    proposed.refresh_from_db()
    assert proposed.status == Status.PENDING_APPROVAL
    assert AuditEntry.objects.count() == audits_before


def test_leader_refuses_a_lift_request_and_the_warning_stays_in_force(client, office, leader, proposed):
    alert_approve(alert=proposed, actor=leader)
    client.force_login(office)
    client.post(reverse("alerts:lift", args=[proposed.pk]), {"comment": "air improving"})
    proposed.refresh_from_db()
    assert proposed.status == Status.LIFT_PENDING

    client.force_login(leader)
    assert f'data-alert-id="{proposed.pk}"' in client.get(reverse("alerts:approvals")).content.decode()
    client.post(reverse("alerts:reject", args=[proposed.pk]), {"reason": "forecast worsens tomorrow"})
    proposed.refresh_from_db()
    assert proposed.status == Status.ISSUED


def test_leader_approves_a_lift_request(client, office, leader, proposed):
    alert_approve(alert=proposed, actor=leader)
    client.force_login(office)
    client.post(reverse("alerts:lift", args=[proposed.pk]), {"comment": "air improving"})
    client.force_login(leader)
    client.post(reverse("alerts:approve", args=[proposed.pk]), {"confirm": "on"})
    proposed.refresh_from_db()
    assert proposed.status == Status.LIFTED


def test_office_lifts_yellow_from_the_detail_page(client, office):
    alert = alert_create(actor=office, level="yellow", reason="haze")
    client.force_login(office)
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert reverse("alerts:lift", args=[alert.pk]) in page
    answer = client.post(reverse("alerts:lift", args=[alert.pk]), {"comment": "clear skies"})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("alerts:detail", args=[alert.pk])
    alert.refresh_from_db()
    assert alert.status == Status.LIFTED


def test_detail_shows_approve_and_reject_to_leaders_only(client, office, leader, proposed):
    approve_url = reverse("alerts:approve", args=[proposed.pk])
    client.force_login(leader)
    assert approve_url in client.get(reverse("alerts:detail", args=[proposed.pk])).content.decode()
    client.force_login(office)
    assert approve_url not in client.get(reverse("alerts:detail", args=[proposed.pk])).content.decode()


def test_office_cannot_approve(client, office, proposed):
    client.force_login(office)
    assert client.post(reverse("alerts:approve", args=[proposed.pk])).status_code == 403
    assert client.post(reverse("alerts:reject", args=[proposed.pk]), {"reason": "no"}).status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == Status.PENDING_APPROVAL


def test_approving_what_was_already_rejected_is_a_message_not_an_error(client, leader, proposed):
    client.force_login(leader)
    client.post(reverse("alerts:reject", args=[proposed.pk]), {"reason": "no"}, follow=True)
    answer = client.post(reverse("alerts:approve", args=[proposed.pk]), {"confirm": "on"}, follow=True)
    assert answer.status_code == 200
    assert [m.level_tag for m in answer.context["messages"]] == ["error"]
    proposed.refresh_from_db()
    assert proposed.status == Status.REJECTED


def test_actions_refuse_get(client, leader, proposed):
    client.force_login(leader)
    assert client.get(reverse("alerts:approve", args=[proposed.pk])).status_code == 405


def test_actions_do_not_redirect_off_site(client, leader, proposed):
    client.force_login(leader)
    answer = client.post(reverse("alerts:approve", args=[proposed.pk]), {"next": "https://evil.example/"})
    assert answer["Location"] == reverse("alerts:detail", args=[proposed.pk])


# --- Reading: history, filters, basis, timeline ---


def test_history_is_filtered_by_level_and_drill(client, office, leader):
    yellow = alert_create(actor=office, level="yellow", reason="real yellow")
    drill = alert_create(actor=leader, level="orange", reason="drill orange", drill=True)
    client.force_login(office)
    rows = lambda query: {a.pk for a in client.get(reverse("alerts:list"), query).context["alerts"]}  # noqa: E731
    assert rows({}) == {yellow.pk, drill.pk}
    assert rows({"level": "orange"}) == {drill.pk}
    assert rows({"drill": "no"}) == {yellow.pk}
    assert rows({"status": "issued", "drill": "yes"}) == {drill.pk}
    assert rows({"date_from": "2000-01-01", "date_to": "2000-01-02"}) == set()


def test_history_lists_newest_first(client, office):
    first = alert_create(actor=office, level="yellow", reason="first", drill=True)
    second = alert_create(actor=office, level="yellow", reason="second")
    client.force_login(office)
    assert [a.pk for a in client.get(reverse("alerts:list")).context["alerts"]] == [second.pk, first.pk]


def test_detail_shows_forecast_numbers_and_the_timeline(client, office, leader):
    from django.utils import timezone

    from feeds.models import Forecast, Proposal

    forecast = Forecast.objects.create(
        source="municipal", provider="push", issued_at=timezone.now(),
        days=[{"date": "2026-01-10", "aqi": 231, "primary_pollutants": ["PM2.5"]}, {"date": "2026-01-11", "aqi": 287}],
    )
    proposal = Proposal.objects.create(forecast=forecast, kind="issue", level="orange", criteria="national", dedupe_key="t-1")
    alert = alert_create(actor=office, level="orange", reason="two days above 200")
    Proposal.objects.filter(pk=proposal.pk).update(alert=alert)  # as feeds.services.proposal_accept records it
    alert_approve(alert=alert, actor=leader, comment="go")
    client.force_login(leader)
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "231" in page and "287" in page and "PM2.5" in page
    history = client.get(reverse("alerts:detail", args=[alert.pk])).context["history"]
    assert [e.action for e in history] == ["propose", "approve"]


# --- Who may see what ---

PAGES = ["alerts:list", "alerts:new", "alerts:approvals"]


@pytest.mark.parametrize("name", PAGES)
def test_unit_member_gets_403_on_warning_pages(client, member, name):
    client.force_login(member)
    assert client.get(reverse(name)).status_code == 403


def test_unit_member_gets_403_on_a_warning_and_its_actions(client, member, office):
    alert = alert_create(actor=office, level="yellow", reason="haze")
    client.force_login(member)
    assert client.get(reverse("alerts:detail", args=[alert.pk])).status_code == 403
    for action in ("approve", "reject", "lift"):
        assert client.post(reverse(f"alerts:{action}", args=[alert.pk]), {"reason": "x"}).status_code == 403
    alert.refresh_from_db()
    assert alert.status == Status.ISSUED


def test_office_gets_403_on_the_leaders_queue(client, office):
    client.force_login(office)
    assert client.get(reverse("alerts:approvals")).status_code == 403


def test_roster_admin_gets_403_on_warning_pages(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("alerts:list")).status_code == 403
    assert client.get(reverse("alerts:new")).status_code == 403


def test_anonymous_is_redirected_to_login(client, office):
    alert = alert_create(actor=office, level="yellow", reason="haze")
    for url in [*(reverse(n) for n in PAGES), reverse("alerts:detail", args=[alert.pk])]:
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer["Location"].startswith(reverse("login"))
    for action in ("approve", "reject", "lift"):
        answer = client.post(reverse(f"alerts:{action}", args=[alert.pk]))
        assert answer["Location"].startswith(reverse("login"))
    alert.refresh_from_db()
    assert alert.status == Status.ISSUED


def test_missing_warning_is_404(client, office):
    client.force_login(office)
    assert client.get(reverse("alerts:detail", args=[999999])).status_code == 404


# --- Hostile text ---


def test_hostile_text_in_a_reason_is_escaped_on_every_page(client, office, leader):
    pending = alert_create(actor=office, level="red", reason=HOSTILE, basis=HOSTILE)
    issued = alert_create(actor=office, level="yellow", reason=HOSTILE)
    client.force_login(leader)
    pages = [
        client.get(reverse("alerts:list")),
        client.get(reverse("alerts:detail", args=[pending.pk])),
        client.get(reverse("alerts:detail", args=[issued.pk])),
        client.get(reverse("alerts:approvals")),
        client.post(reverse("alerts:reject", args=[pending.pk]), {"reason": ""}),
    ]
    client.post(reverse("alerts:reject", args=[pending.pk]), {"reason": HOSTILE})
    pages.append(client.get(reverse("alerts:detail", args=[pending.pk])))
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert HOSTILE not in html
        assert ESCAPED in html


def test_pages_carry_no_inline_script_or_style(client, office, leader, proposed):
    client.force_login(leader)
    for url in (reverse("alerts:list"), reverse("alerts:approvals"), reverse("alerts:detail", args=[proposed.pk])):
        html = client.get(url).content.decode()
        assert "style=" not in html
        assert "<script>" not in html


def test_history_is_paginated_and_keeps_the_filters(client, office):
    Alert.objects.bulk_create(
        Alert(level="orange", status=Status.REJECTED, reason=f"old proposal {i}", proposed_by=office) for i in range(30)
    )
    client.force_login(office)
    first = client.get(reverse("alerts:list"), {"level": "orange"})
    assert len(first.context["alerts"]) == 25
    assert "?level=orange&amp;page=2" in first.content.decode()
    second = client.get(reverse("alerts:list"), {"level": "orange", "page": 2})
    assert len(second.context["alerts"]) == 5
