"""Warning lifecycle through the API: every action for every role, allowed and refused."""

import pytest

from alerts.models import Alert
from events.models import AuditEntry, Event
from responses.models import Response

pytestmark = pytest.mark.django_db


def create(client, level, **extra):
    return client.post("/api/alerts/", {"level": level, "reason": f"{level} forecast", **extra}, format="json")


def test_office_issues_yellow_directly_and_the_level_iii_response_starts(office, api_as):
    answer = create(api_as(office), "yellow")
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "issued"
    assert Response.objects.get(alert_id=answer.json()["id"]).level == "III"


@pytest.mark.parametrize("level", ["orange", "red"])
def test_office_proposes_orange_and_red_for_approval(office, api_as, level):
    answer = create(api_as(office), level)
    assert answer.status_code == 201
    assert answer.json()["status"] == "pending_approval"
    assert not Response.objects.exists()
    assert Event.objects.get(type="alert.pending_approval").audience == "command"


def test_leader_approves_red_and_the_level_i_response_starts(office, leader, api_as):
    alert_id = create(api_as(office), "red").json()["id"]
    answer = api_as(leader).post(f"/api/alerts/{alert_id}/approve/", {"comment": "agreed"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["status"] == "issued"
    assert answer.json()["approved_by"] == "leader1"
    assert Response.objects.get(alert_id=alert_id).level == "I"


def test_leader_rejects_with_a_reason_and_nothing_starts(office, leader, api_as):
    alert_id = create(api_as(office), "orange").json()["id"]
    assert api_as(leader).post(f"/api/alerts/{alert_id}/reject/", {}, format="json").status_code == 400
    answer = api_as(leader).post(f"/api/alerts/{alert_id}/reject/", {"reason": "forecast too uncertain"}, format="json")
    assert answer.json()["status"] == "rejected"
    assert answer.json()["rejection_reason"] == "forecast too uncertain"
    assert not Response.objects.exists()


def test_office_lifts_yellow_directly(office, api_as):
    alert_id = create(api_as(office), "yellow").json()["id"]
    answer = api_as(office).post(f"/api/alerts/{alert_id}/lift/", {"reason": "air improved"}, format="json")
    assert answer.json()["status"] == "lifted"
    assert Response.objects.get(alert_id=alert_id).status == "ended"


def test_office_asks_to_lift_red_and_a_leader_decides(office, leader, api_as):
    alert_id = create(api_as(office), "red").json()["id"]
    api_as(leader).post(f"/api/alerts/{alert_id}/approve/", format="json")
    asked = api_as(office).post(f"/api/alerts/{alert_id}/lift/", {"reason": "improving"}, format="json")
    assert asked.json()["status"] == "lift_pending"
    refused = api_as(leader).post(f"/api/alerts/{alert_id}/reject/", {"reason": "not yet"}, format="json")
    assert refused.json()["status"] == "issued"
    api_as(office).post(f"/api/alerts/{alert_id}/lift/", {"reason": "improving"}, format="json")
    approved = api_as(leader).post(f"/api/alerts/{alert_id}/approve/", format="json")
    assert approved.json()["status"] == "lifted"


def test_leader_issues_and_lifts_any_level_directly(leader, api_as):
    alert_id = create(api_as(leader), "red").json()["id"]
    assert Alert.objects.get(pk=alert_id).status == "issued"
    lifted = api_as(leader).post(f"/api/alerts/{alert_id}/lift/", {"reason": "clean air"}, format="json")
    assert lifted.json()["status"] == "lifted"


def test_issuing_another_level_supersedes_and_the_response_follows(office, leader, api_as):
    yellow = create(api_as(office), "yellow").json()["id"]
    orange = create(api_as(leader), "orange").json()["id"]
    assert Alert.objects.get(pk=yellow).status == "superseded"
    assert Alert.objects.get(pk=orange).supersedes_id == yellow
    response = Response.objects.get(status="active")
    assert (response.level, response.alert_id) == ("II", orange)
    assert Alert.objects.in_force().count() == 1


def test_same_level_again_is_refused_with_409(office, api_as):
    create(api_as(office), "yellow")
    answer = create(api_as(office), "yellow")
    assert answer.status_code == 409
    assert "黄色预警" in answer.json()["detail"]  # the message names the warning in force (zh-hans by default)


@pytest.mark.parametrize(
    ("level", "answers"),
    [
        # An issued yellow is the member's to see, not to act on: 403 with the reason.
        ("yellow", {"approve": (403, "预警仅由指挥部领导批准。"), "reject": (403, "预警仅由指挥部领导驳回。"),
                    "lift": (403, "您无权解除预警。")}),
        # A proposal awaiting a leader is internal to the command: the member cannot see it at all.
        ("orange", dict.fromkeys(("approve", "reject", "lift"), (404, "No Alert matches the given query."))),
        ("red", dict.fromkeys(("approve", "reject", "lift"), (404, "No Alert matches the given query."))),
    ],
)
def test_unit_member_can_do_nothing_to_warnings(member, office, api_as, level, answers):
    assert create(api_as(member), level).status_code == 403
    alert_id = create(api_as(office), level).json()["id"]
    for verb, (status, detail) in answers.items():
        answer = api_as(member).post(f"/api/alerts/{alert_id}/{verb}/", {"reason": "x"}, format="json")
        assert (answer.status_code, answer.json()) == (status, {"detail": detail}), verb
    assert AuditEntry.objects.filter(actor=member).count() == 0


def test_anonymous_can_do_nothing(roster, api_as):
    for answer in (create(api_as(None), "yellow"), api_as(None).get("/api/alerts/")):
        assert (answer.status_code, answer.json()) == (403, {"detail": "身份认证信息未提供。"})
    assert not Alert.objects.exists()


def test_office_cannot_approve_or_reject(office, api_as):
    alert_id = create(api_as(office), "red").json()["id"]
    assert api_as(office).post(f"/api/alerts/{alert_id}/approve/", format="json").status_code == 403
    assert api_as(office).post(f"/api/alerts/{alert_id}/reject/", {"reason": "x"}, format="json").status_code == 403
    assert Alert.objects.get(pk=alert_id).status == "pending_approval"


def test_wrong_state_is_409_and_changes_nothing(office, leader, api_as):
    alert_id = create(api_as(office), "yellow").json()["id"]
    api_as(office).post(f"/api/alerts/{alert_id}/lift/", {"reason": "clean air"}, format="json")
    before = AuditEntry.objects.count()
    assert api_as(leader).post(f"/api/alerts/{alert_id}/reject/", {"reason": "x"}, format="json").status_code == 409
    assert AuditEntry.objects.count() == before


def test_bad_input_is_400_with_field_errors(office, api_as):
    answer = api_as(office).post("/api/alerts/", {"level": "purple", "reason": ""}, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) >= {"level", "reason"}
    assert not Alert.objects.exists()


def test_history_is_the_audit_trail_in_order(office, leader, api_as):
    alert_id = create(api_as(office), "orange").json()["id"]
    api_as(leader).post(f"/api/alerts/{alert_id}/approve/", {"comment": "ok"}, format="json")
    history = api_as(office).get(f"/api/alerts/{alert_id}/history/").json()
    assert [(h["action"], h["from_state"], h["to_state"]) for h in history] == [
        ("propose", "", "pending_approval"),
        ("approve", "pending_approval", "issued"),
    ]
    assert history[1]["actor"] == "leader1"


def test_unit_members_see_issued_warnings_but_not_pending_ones(office, member, api_as):
    create(api_as(office), "red")
    create(api_as(office), "yellow")
    statuses = {a["status"] for a in api_as(member).get("/api/alerts/").json()["results"]}
    assert statuses == {"issued"}


def test_filters_by_status_and_level(office, api_as):
    create(api_as(office), "yellow")
    create(api_as(office), "red")
    results = api_as(office).get("/api/alerts/?status=pending_approval&level=red").json()["results"]
    assert [(a["level"], a["status"]) for a in results] == [("red", "pending_approval")]


def test_drill_runs_beside_a_real_warning(office, api_as):
    create(api_as(office), "yellow")
    drill = create(api_as(office), "yellow", drill=True)
    assert drill.status_code == 201 and drill.json()["drill"] is True
    assert Alert.objects.in_force().official().count() == 1


# --- Issue 12 item 15: each reader sees the history its audience may see ---------------------------


def _orange_with_a_refused_lift(leader, office, api_as) -> int:
    alert_id = create(api_as(leader), "orange").json()["id"]
    assert api_as(office).post(f"/api/alerts/{alert_id}/lift/", {"reason": "office wants out"}, format="json").json()[
        "status"
    ] == "lift_pending"
    return alert_id


def test_a_unit_member_reads_the_public_steps_of_a_warning_and_never_a_lift_request_or_refusal(
    office, leader, member, api_as
):
    alert_id = _orange_with_a_refused_lift(leader, office, api_as)
    # While the lift request waits, the member sees the warning in force, without the request.
    seen = api_as(member).get(f"/api/alerts/{alert_id}/").json()
    assert (seen["status"], seen["lift_requested_by"], seen["lift_requested_at"], seen["lift_reason"]) == (
        "issued", None, None, ""
    )
    listed = next(a for a in api_as(member).get("/api/alerts/").json()["results"] if a["id"] == alert_id)
    assert (listed["status"], listed["lift_reason"]) == ("issued", "")
    assert [h["action"] for h in api_as(member).get(f"/api/alerts/{alert_id}/history/").json()] == ["issue"]
    api_as(leader).post(f"/api/alerts/{alert_id}/reject/", {"reason": "leader: keep it, the peak is tomorrow"}, format="json")
    member_history = api_as(member).get(f"/api/alerts/{alert_id}/history/").json()
    assert [h["action"] for h in member_history] == ["issue"]
    assert "peak is tomorrow" not in str(member_history) and "office wants out" not in str(member_history)
    # The command reads every step, with the comments.
    command_history = api_as(office).get(f"/api/alerts/{alert_id}/history/").json()
    assert [(h["action"], h["comment"]) for h in command_history] == [
        ("issue", "orange forecast"), ("request_lift", "office wants out"), ("refuse_lift", "leader: keep it, the peak is tomorrow")
    ]
    assert api_as(leader).get(f"/api/alerts/{alert_id}/").json()["lift_requested_by"] == "office1"
    after_refusal = api_as(member).get(f"/api/alerts/{alert_id}/").json()
    assert (after_refusal["status"], after_refusal["lift_requested_by"], after_refusal["lift_reason"]) == ("issued", None, "")
    # The same audience on the event catch-up: no lift request or refusal for the member.
    member_events = {e["type"] for e in api_as(member).get("/api/events/?after=0").json()["results"]}
    assert "alert.issued" in member_events
    assert not member_events & {"alert.lift_pending", "alert.lift_refused"}


def test_a_unit_member_reads_the_lift_once_a_leader_approves_it(office, leader, member, api_as):
    alert_id = _orange_with_a_refused_lift(leader, office, api_as)
    api_as(leader).post(f"/api/alerts/{alert_id}/approve/", {"comment": "agreed"}, format="json")
    seen = api_as(member).get(f"/api/alerts/{alert_id}/").json()
    assert (seen["status"], seen["lift_reason"]) == ("lifted", "office wants out")
    assert [h["action"] for h in api_as(member).get(f"/api/alerts/{alert_id}/history/").json()] == [
        "issue", "approve_lift"
    ]


def test_the_command_pages_history_keeps_every_step(office, leader, api_as):
    from django.test import Client

    alert_id = _orange_with_a_refused_lift(leader, office, api_as)
    page = Client()
    page.force_login(office)
    assert "office wants out" in page.get(f"/alerts/{alert_id}/").content.decode()


def test_a_unit_screen_shows_the_warning_in_force_without_the_pending_lift_request(office, leader, member, api_as):
    from django.test import Client
    from django.utils import translation

    _orange_with_a_refused_lift(leader, office, api_as)
    with translation.override("zh-hans"):
        chip = str(translation.gettext("Lift awaiting approval"))
    screens = {}
    for user, path in ((member, "/dashboard/unit/?fragment=1"), (office, "/dashboard/office/?fragment=1")):
        client = Client()
        client.force_login(user)
        answer = client.get(path)
        assert answer.status_code == 200
        screens[user.username] = answer.content.decode()
    assert "level-orange" in screens["edu1"] and chip not in screens["edu1"]
    assert chip in screens["office1"]
