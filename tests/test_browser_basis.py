"""Issue 15's acceptance in Chromium on the production stack (PostgreSQL, Redis, uvicorn): a consultation (会商)
recorded in the browser, then a leader approving an orange on its basis, which the approval page shows."""

import pytest

from alerts.choices import BasisKind, Status
from alerts.models import Alert
from consultations.models import Consultation
from tests.processes import LiveServer
from tests.test_browser import PASSWORD, SHOTS, browser, expect, people  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.basis_rule, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(roster):
    live = LiveServer(EVENTS_POLL_SECONDS="1", ALERT_BASIS_REQUIRED="true")  # the production default
    live.start()
    yield live
    live.stop()


def sign_in(browser, server, username, path):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the approval's confirm() (static/js/confirm.js)
    page.goto(server.url + "/login/?next=" + path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(server.url + path)
    return page


def test_a_consultation_recorded_in_the_browser_is_the_basis_a_leader_approves_orange_on(browser, server, people, roster):  # noqa: F811
    office = sign_in(browser, server, "b-office", "/consultations/")
    office.click("#new-consultation")
    office.wait_for_selector("#consultation-form")
    # The ecology and meteorological bureaux are ticked by default.
    expect(office.locator(f"input[name=units][value='{roster['ecology-env'].pk}']")).to_be_checked()
    office.fill("textarea[name=experts]", "张工（市环境监测中心）")
    office.select_option("select[name=pollutant]", "pm2_5")
    office.fill("input[name=aqi_min]", "210")
    office.fill("input[name=aqi_max]", "265")
    office.fill("input[name=duration_hours]", "72")
    office.fill("textarea[name=meteorology]", "静稳，风速小于2 m/s，逆温")
    office.select_option("select[name=conclusion]", "orange")
    office.select_option("select[name=cause]", "pm2_5")
    office.click("#save-consultation")
    office.wait_for_selector("#consultation")
    record = Consultation.objects.get()
    assert record.conclusion == "orange"

    # Without a basis the orange proposal is refused next to the field, in Chinese.
    office.goto(server.url + "/alerts/new/")
    office.check("input[name=level][value=orange]")
    office.fill("textarea[name=reason]", "会商预测连续三天重度污染")
    office.check("input[name=confirm]")
    office.click("main button.primary[type=submit]")
    expect(office.locator(".has-error .error").first).to_contain_text("会商")
    assert not Alert.objects.exists()

    office.check("input[name=level][value=orange]")
    office.select_option("select[name=basis_ref]", f"consultation:{record.pk}")
    office.check("input[name=confirm]")
    office.click("main button.primary[type=submit]")
    office.wait_for_selector(".status-pending_approval")
    orange = Alert.objects.get()
    assert (orange.status, orange.basis_kind, orange.basis_ref) == (Status.PENDING_APPROVAL, BasisKind.CONSULTATION, record.pk)

    leader = sign_in(browser, server, "b-leader", "/alerts/approvals/")
    row = leader.locator(f"tr[data-alert-id='{orange.pk}']")
    basis = row.locator(".basis-record")
    expect(basis).to_contain_text(f"会商记录 #{record.pk}")
    expect(basis).to_contain_text("AQI 210–265")
    expect(basis.locator("a")).to_have_attribute("href", f"/consultations/{record.pk}/")
    leader.screenshot(path=str(SHOTS / "approval-basis.png"), full_page=True)
    row.locator(".approve-form input[name=confirm]").check()  # every approval asks for the tick (issue 14 item 3)
    row.locator(".approve-form button[type=submit]").click()
    leader.wait_for_load_state()
    expect(leader.locator(f"tr[data-alert-id='{orange.pk}']")).to_have_count(0)
    orange.refresh_from_db()
    assert orange.status == Status.ISSUED and orange.approved_by.username == "b-leader"
