"""Chromium on a phone-size screen (390 px): an inspector records a non-compliant check with a photo, the office's
compliance view and the wall screen show it live, and a follow-up check closes it (issue 16 item 5 and 6 acceptance).
The compliance page's part comes in the frame, with no HTTP request after it (issue 13 §1)."""

import datetime

import pytest
from django.utils import timezone

from alerts.services import alert_create
from reductions.data.make_sample import SAMPLE, YEAR
from reductions.models import Enterprise, Inspection, Inspector
from reductions.services import list_import
from events.models import Event
from tests.test_browser import PASSWORD, SHOTS, browser, expect, login, server  # noqa: F401
from tests.test_browser_live import wait_shown_through, watch_requests
from tests.test_reductions import _read
from units.services import user_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_an_inspector_on_a_phone_records_a_non_compliant_check_the_office_sees_it_live_and_a_follow_up_closes_it(
    browser, server, roster  # noqa: F811
):
    admin = user_create(username="b-admin", role="admin", password=PASSWORD)
    list_import(actor=admin, year=YEAR, plan=_read(SAMPLE.read_bytes()), sample=True)
    leader = user_create(username="b-leader", role="leader", password=PASSWORD, unit=roster["hq"])
    user_create(username="b-office", role="office", password=PASSWORD, unit=roster["office"])
    alert_create(actor=leader, level="orange", reason="AQI 260")
    enterprise = Enterprise.objects.select_related("supervisor").order_by("id").first()
    inspector = user_create(username="b-inspector", role="unit", password=PASSWORD, unit=enterprise.supervisor)
    Inspector.objects.create(user=inspector)

    office = login(browser, server, "b-office", "/dashboard/office/")
    office.click("a[href='/reductions/compliance/']")
    office.wait_for_selector("[data-dashboard=compliance] [data-conn][data-state=live]", timeout=10_000)
    office_requests = watch_requests(office)
    # The wall screen, live: its compliance part rides in the socket's frames (no fragment fetched over HTTP).
    wall = office.context.new_page()
    wall.goto(server.url + "/dashboard/wall/")
    wall.wait_for_selector("[data-dashboard=wall] [data-conn][data-state=live]", timeout=10_000)
    fetched = []
    wall.on("request", lambda request: fetched.append(request.url) if "fragment=1" in request.url else None)
    expect(wall.locator("[data-count=owners-non-compliant]")).to_have_text("0")
    unchecked = int(wall.locator("[data-count=owners-unchecked]").inner_text())

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    phone.goto(server.url + "/login/?next=/reductions/inspect/")
    phone.fill("input[name=username]", "b-inspector")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_url(server.url + "/reductions/inspect/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    # The page shows 25 enterprises and sites at a time; the enterprise's own link names it in the form wherever it is.
    phone.goto(server.url + f"/reductions/inspect/?owner=enterprise-{enterprise.pk}#record")
    phone.select_option("select[name=owner]", f"enterprise-{enterprise.pk}")
    phone.check("input[name=result][value=non_compliant]")
    phone.fill("input[name=place]", "厂区东门")
    phone.fill("textarea[name=findings]", "生产线未按要求限产")
    phone.fill("textarea[name=rectification]", "立即按橙色预警措施限产50%")
    deadline = timezone.localtime(timezone.now() + datetime.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M")
    phone.fill("input[name=rectify_by]", deadline)
    phone.set_input_files("input[name=photos]", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}])
    phone.screenshot(path=str(SHOTS / "inspector-phone.png"), full_page=True)
    phone.click("form.inspect-form button[type=submit]")
    phone.wait_for_selector("[data-open-inspection]")

    inspection = Inspection.objects.get()
    assert inspection.photos.count() == 1 and inspection.status == "open"
    row = office.locator(f"[data-inspection='{inspection.pk}']")
    expect(row).to_have_count(1)  # live: the part came in the inspection's frame
    wait_shown_through(office, Event.objects.order_by("-id").values_list("id", flat=True).first())
    office.wait_for_timeout(1_000)  # a fetch after the frame (the old ?fragment=1) would have been asked by now
    assert office_requests == [], office_requests  # events.screens: compliance
    office.screenshot(path=str(SHOTS / "reductions-compliance.png"), full_page=True)
    expect(wall.locator(f"[data-wall-non-compliant] [data-inspection='{inspection.pk}']")).to_have_count(1)
    expect(wall.locator("[data-count=owners-non-compliant]")).to_have_text("1")
    expect(wall.locator("[data-count=owners-unchecked]")).to_have_text(str(unchecked - 1))
    wall.screenshot(path=str(SHOTS / "wall-compliance.png"), full_page=True)

    phone.click(f"[data-open-inspection='{inspection.pk}'] a.button")
    phone.check("input[name=result][value=compliant]")
    phone.fill("input[name=place]", "厂区东门")
    phone.click("form.inspect-form button[type=submit]")
    expect(phone.locator("[data-open-inspection]")).to_have_count(0)
    expect(row).to_have_count(0)
    expect(wall.locator("[data-wall-non-compliant] [data-inspection]")).to_have_count(0)
    expect(wall.locator("[data-count=owners-compliant]")).to_have_text("1")
    assert fetched == []  # every change came in a frame
    inspection.refresh_from_db()
    assert inspection.status == "rectified"
