"""Issue 17 acceptance in Chromium: a unit member submits the daily report on a phone-size screen and the office
sees it arrive live on the day's board (the dashboards' WebSocket, no reload): the board comes in the frame, with
no HTTP request after it (issue 13 §1)."""

import os

import pytest

from reports.models import DailyReport
from reports.services import report_days_open
from tests.factories import issued_this_morning
from tests.test_browser import PASSWORD, SHOTS, browser, expect, login, server  # noqa: F401  (fixtures)
from tests.test_browser_live import wait_shown_through, watch_requests
from units.services import user_create

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_unit_submits_the_daily_report_on_a_phone_and_the_office_sees_it_live(browser, server, roster):  # noqa: F811
    office = user_create(username="b-office", role="office", password=PASSWORD, unit=roster["office"])
    user_create(username="b-edu", role="unit", password=PASSWORD, unit=roster["education"])
    issued_this_morning(actor=office, level="yellow", reason="黄色预警")
    report_days_open()
    report = DailyReport.objects.get(unit=roster["education"])

    board = login(browser, server, "b-office", f"/reports/days/{report.report_day_id}/")
    row = board.locator("#daily-board tr[data-unit=education]")
    expect(row).to_have_attribute("data-status", "due")
    board.wait_for_selector("[data-dashboard=reports] [data-conn][data-state=live]", timeout=10_000)
    board.evaluate("window.scrollTo(0, 40)")
    scrolled = board.evaluate("window.scrollY")
    board_requests = watch_requests(board)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True).new_page()
    phone.goto(server.url + f"/login/?next=/reports/daily/{report.pk}/")
    phone.fill("input[name=username]", "b-edu")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_url(server.url + f"/reports/daily/{report.pk}/")
    # Fits the phone: nothing wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.fill("textarea[name=work]", "全区中小学停止户外活动，发布健康提示")
    phone.fill("input[name=figure_notices_published]", "6")
    phone.screenshot(path=str(SHOTS / "daily-report-phone.png"), full_page=True)
    phone.click("#daily-report-form button[type=submit]")
    expect(phone.locator("#report-state")).to_have_attribute("data-status", "submitted")

    expect(row).to_have_attribute("data-status", "submitted", timeout=5_000)
    expect(row).to_contain_text("6")
    assert board.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload: live
    from events.models import Event

    wait_shown_through(board, Event.objects.order_by("-id").values_list("id", flat=True).first())
    board.wait_for_timeout(1_000)  # a fetch after the frame (the old ?fragment=1) would have been asked by now
    assert board_requests == [], board_requests  # the day's board came in the frame (events.screens: reports)
    assert board.evaluate("window.scrollY") == scrolled  # morphed in place: the reader stays where they were
    board.screenshot(path=str(SHOTS / "daily-report-board.png"), full_page=True)
    report.refresh_from_db()
    assert report.figures["notices_published"] == 6 and report.status == "submitted"
