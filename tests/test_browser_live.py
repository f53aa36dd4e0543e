"""Issue 13 §1 in Chromium: a screen is current when its frame arrives (no HTTP request after it), and an
update never takes away what a person is typing."""

import time

import pytest

from alerts.services import alert_create
from responses.models import TaskAssignment
from responses.services import assignment_acknowledge
from tests.test_browser import PASSWORD, browser, login, people, server  # noqa: F401 (fixtures)
from units.services import user_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_requests(page) -> list[str]:
    """Every HTTP request the page makes from now on (the socket's frames are not requests)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def shown_through(page) -> int:
    return int(page.locator("[data-dashboard]").get_attribute("data-shown-through") or 0)


def wait_shown_through(page, event_id: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while shown_through(page) < event_id:
        assert time.monotonic() < deadline, f"the screen never showed event {event_id}"
        page.wait_for_timeout(50)


def test_the_units_banner_and_tasks_come_in_the_frame_with_no_request_after_it(browser, server, people):  # noqa: F811
    unit = login(browser, server, "b-edu", "/dashboard/unit/", width=390)
    requests = watch_requests(unit)
    alert = alert_create(actor=people["office"], level="yellow", reason="预测未来48小时日均AQI超过150")
    unit.wait_for_selector(".banner.level-yellow", timeout=5_000)
    unit.wait_for_selector("article.task", timeout=5_000)
    from events.models import Event

    last = Event.objects.order_by("-id").values_list("id", flat=True).first()
    wait_shown_through(unit, last)
    titles = set(TaskAssignment.objects.filter(unit=people["unit"].unit, response__alert=alert).values_list("title", flat=True))
    shown = set(unit.locator("article.task h3").all_inner_texts())
    assert titles and titles == shown
    unit.wait_for_timeout(1_000)  # anything the page would fetch (the old 100 ms re-fetch) has been asked by now
    assert requests == [], requests


def test_typing_survives_colleagues_and_other_units_acting(browser, server, people, roster):  # noqa: F811
    """A leader's half-typed rejection reason and a unit's half-typed progress note keep their text and
    focus while the screen is updated under them by others' actions."""
    office = people["office"]
    alert_create(actor=office, level="yellow", reason="黄色预警")
    red = alert_create(actor=office, level="red", reason="预测连续三天AQI超过200")  # pending: the leaders decide
    colleague = user_create(username="b-edu-2", role="unit", password=PASSWORD, unit=people["unit"].unit)
    police = user_create(username="b-police", role="unit", password=PASSWORD, unit=roster["public-security"])

    leader = login(browser, server, "b-leader", "/dashboard/leader/")
    member = login(browser, server, "b-edu", "/dashboard/unit/")
    leader_requests, member_requests = watch_requests(leader), watch_requests(member)

    reason = leader.locator(f"#approval-{red.pk} textarea[name=reason]")
    reason.click()
    reason.type("数据来源尚需核实，请补充")
    mine = list(TaskAssignment.objects.filter(unit=people["unit"].unit, status="assigned").order_by("id"))
    assert len(mine) >= 2
    note = member.locator(f"#task-{mine[0].pk} textarea[name=text]")
    note.click()
    note.type("已部署洒水车三台，")

    # Others act: another unit acknowledges its tasks, a colleague acknowledges one of the unit's own.
    from events.models import Event

    for task in TaskAssignment.objects.filter(unit=police.unit, status="assigned"):
        assignment_acknowledge(assignment=task, actor=police)
    assignment_acknowledge(assignment=mine[1], actor=colleague)
    last = Event.objects.order_by("-id").values_list("id", flat=True).first()
    wait_shown_through(leader, last)
    wait_shown_through(member, last)

    # The screens did change under the typing: the colleague's acknowledgement is shown ...
    member.wait_for_selector(f"#task-{mine[1].pk}.status-acknowledged", timeout=5_000)
    # ... and what was being typed is still there, still focused, the caret at its end.
    assert reason.input_value() == "数据来源尚需核实，请补充"
    assert leader.evaluate("document.activeElement.name") == "reason"
    assert note.input_value() == "已部署洒水车三台，"
    assert member.evaluate("document.activeElement.name") == "text"
    note.type("已完成第一轮冲洗。")
    assert note.input_value() == "已部署洒水车三台，已完成第一轮冲洗。"
    assert leader_requests == [] and member_requests == []  # nothing fetched: the frames carried the screens

    # The leader's form, rendered once for every leader, still sends the leader's own CSRF token.
    with leader.expect_navigation():
        leader.click(f"#approval-{red.pk} button.danger")
    red.refresh_from_db()
    assert red.status == "rejected"
