"""Answers shared by a group of readers (events.shared): the dashboards' live parts and the
warning and task lists, built once per unit or for the command and per latest event id;
never shared across groups, never stale after a change."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from responses.models import TaskAssignment
from responses.services import assignment_acknowledge
from tests.factories import alert_issue
from units.services import user_create

pytestmark = [pytest.mark.django_db, pytest.mark.basis_rule]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.get("/api/events/?after=0&limit=1")  # the first request after signing in renews the session
    return client


def fragment(client, path="/dashboard/unit/?fragment=1") -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert answer.status_code == 200
    return answer.content.decode(), len(queries.captured_queries)


def test_a_units_live_part_is_rendered_once_for_its_members_and_never_shown_to_another_unit(office, member, other_member):
    alert_issue(actor=office, level="yellow", reason="共享")
    colleague = user_create(username="colleague", role="unit", password="x-pass-2026", unit=member.unit)
    mine_client, colleague_client, their_client = signed_in(member), signed_in(colleague), signed_in(other_member)
    cache.clear()
    first, cold = fragment(mine_client)
    second, warm = fragment(colleague_client)
    assert second == first and warm < cold
    theirs, _ = fragment(their_client)
    mine = set(TaskAssignment.objects.filter(unit=member.unit).values_list("title", flat=True))
    other = set(TaskAssignment.objects.filter(unit=other_member.unit).values_list("title", flat=True))
    assert theirs != first
    assert any(title in theirs for title in other - mine)
    assert not any(title in theirs for title in mine - other)


def test_a_change_shows_at_once(office, member):
    alert_issue(actor=office, level="yellow", reason="变化")
    client = signed_in(member)
    before, _ = fragment(client)
    task = TaskAssignment.objects.filter(unit=member.unit).first()
    button = f'data-action="acknowledge" data-id="{task.pk}"'
    assert button in before
    assignment_acknowledge(assignment=task, actor=member)
    after, _ = fragment(client)
    assert button not in after


def test_the_command_grid_and_the_leaders_queue_are_shared_with_no_ones_csrf_token(office, leader):
    """Issue 13 §1: the leaders' live part holds no reader's CSRF token, so it is rendered once for all
    leaders (and carried in the frames); the page's script puts its own token into the form it sends."""
    alert_issue(actor=office, level="red", reason="待批")  # pending: the leader page shows a decision form
    one_desk, other_desk = signed_in(office), signed_in(office)
    cache.clear()
    grid, cold = fragment(one_desk, "/dashboard/office/?fragment=1")
    again, warm = fragment(other_desk, "/dashboard/office/?fragment=1")
    assert again == grid and warm < cold
    second_leader = user_create(username="leader-two", role="leader", password="x-pass-2026", unit=leader.unit)
    one, cold = fragment(signed_in(leader), "/dashboard/leader/?fragment=1")
    two, warm = fragment(signed_in(second_leader), "/dashboard/leader/?fragment=1")
    assert one == two and warm < cold
    assert "csrfmiddlewaretoken" not in one and 'data-approve="' in one
    assert one != grid  # the leaders' part is its own answer, not the office's
    # The page itself still carries the reader's token (its header's forms), which the script sends.
    page = signed_in(leader).get("/dashboard/leader/").content.decode()
    assert "csrfmiddlewaretoken" in page


def api(client, path) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert answer.status_code == 200
    return answer.json(), len(queries.captured_queries)


def test_a_units_task_list_is_built_once_for_its_members_and_follows_every_change(office, member, other_member):
    alert_issue(actor=office, level="yellow", reason="列表")
    colleague = user_create(username="colleague2", role="unit", password="x-pass-2026", unit=member.unit)
    mine_client, colleague_client, their_client = signed_in(member), signed_in(colleague), signed_in(other_member)
    cache.clear()
    mine, cold = api(mine_client, "/api/assignments/")
    again, warm = api(colleague_client, "/api/assignments/")
    assert again == mine and warm < cold
    assert {a["unit"] for a in mine["results"]} == {member.unit_id}
    theirs, _ = api(their_client, "/api/assignments/")
    assert {a["unit"] for a in theirs["results"]} == {other_member.unit_id}
    # Another page or filter is another answer.
    page, _ = api(colleague_client, "/api/assignments/?limit=1")
    assert len(page["results"]) == 1 and page["next"]
    task = TaskAssignment.objects.filter(unit=member.unit).order_by("unit__order", "id").first()
    assignment_acknowledge(assignment=task, actor=member)
    after, _ = api(colleague_client, "/api/assignments/")
    assert next(a for a in after["results"] if a["id"] == task.pk)["status"] == "acknowledged"


def test_the_command_and_the_units_never_share_a_warning_list(office, member):
    alert_issue(actor=office, level="red", reason="待批")  # pending approval: the command's eyes only
    command_list, _ = api(signed_in(office), "/api/alerts/")
    unit_list, _ = api(signed_in(member), "/api/alerts/")
    assert [a["status"] for a in command_list["results"]] == ["pending_approval"]
    assert unit_list["results"] == []
