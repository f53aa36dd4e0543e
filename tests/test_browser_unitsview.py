"""Issue 14 items 2, 3, 4 and 5 in Chromium on the production stack (PostgreSQL, Redis, uvicorn): the office
opens a unit's page from the grid and reminds it or sends a task back; an approval says what it will do and
waits for the tick; a unit's progress note, double-clicked, is stored once and listed with its image; a
leader's rejection reaches the office's screen live."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from alerts.models import Alert
from alerts.services import alert_create
from events.models import AuditEntry
from responses.models import AssignmentUpdate, Notification, TaskAssignment
from responses.services import assignment_acknowledge, assignment_complete
from tests.test_browser import PASSWORD, SHOTS, browser, expect, people, server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def sign_in(browser, server, username, path, *, accept_dialogs=True):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    if accept_dialogs:
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm questions (static/js/confirm.js)
    page.goto(server.url + "/login/?next=" + path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(server.url + path)
    return page


def _tasks(unit):
    return list(TaskAssignment.objects.filter(unit=unit).order_by("id"))


def test_item_2_office_opens_a_units_page_from_the_grid_and_reminds_it_and_sends_a_task_back(browser, server, people, roster):  # noqa: F811
    from units.models import Contact

    unit = roster["education"]
    unit.duty_phone = "023-47521234"
    unit.save(update_fields=["duty_phone"])
    Contact.objects.create(unit=unit, name="王联络", phone="13800138000", position="办公室主任")
    alert_create(actor=people["office"], level="yellow", reason="预测未来48小时日均AQI超过150")
    first, second = _tasks(unit)[:2]
    assignment_complete(assignment=first, actor=people["unit"], report="已停止户外活动",
                        files=[SimpleUploadedFile("schools.png", PNG, content_type="image/png")])
    office = sign_in(browser, server, "b-office", "/dashboard/office/")
    cell = office.locator("[data-unit=education]")
    expect(cell.locator("[data-progress]")).to_contain_text(f"已完成 1/{len(_tasks(unit))}")
    cell.locator("a.name").click()
    office.wait_for_url("**/units/education/")
    expect(office.locator("#unit-contacts")).to_contain_text("023-47521234")
    expect(office.locator("#unit-contacts")).to_contain_text("王联络")
    task = office.locator(f"#task-{first.pk}")
    expect(task).to_contain_text("已停止户外活动")
    image = task.locator("img.attachment")
    expect(image).to_have_count(1)
    assert office.evaluate("img => img.naturalWidth", image.element_handle()) == 1  # the image is shown, not a link only
    office.screenshot(path=str(SHOTS / "unit-page-for-the-office.png"), full_page=True)

    office.locator(f"#task-{second.pk} .remind-form textarea[name=note]").fill("请尽快签收")
    office.locator(f"#task-{second.pk} .remind-form button[type=submit]").click()
    expect(office.locator(".messages .success")).to_contain_text("已催办")
    assert Notification.objects.filter(assignment=second, kind=Notification.Kind.REMINDER).count() == 1
    expect(office.locator(f"#task-{second.pk} [data-reminder]")).to_have_count(1)

    office.locator(f"#task-{first.pk} .return-form textarea[name=reason]").fill("缺少现场照片说明")
    office.locator(f"#task-{first.pk} .return-form button[type=submit]").click()
    expect(office.locator(".messages .success")).to_contain_text("退回")
    expect(office.locator(f"#task-{first.pk}")).to_have_attribute("data-status", "returned")


def test_item_3_an_approval_says_what_it_does_and_waits_for_the_tick(browser, server, people):  # noqa: F811
    orange = alert_create(actor=people["office"], level="orange", reason="预测连续三天AQI超过150")
    leader = sign_in(browser, server, "b-leader", "/dashboard/leader/")
    form = leader.locator(f"[data-approve-form='{orange.pk}']")
    expect(form.locator("[data-approval-will]")).to_contain_text("发布橙色预警")
    expect(form.locator("[data-approval-will]")).to_contain_text("批准后立即生效")
    form.locator("button[type=submit]").click()  # one click: the browser asks for the tick, nothing is sent
    time.sleep(0.5)
    assert Alert.objects.get(pk=orange.pk).status == "pending_approval"
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").click()
    expect(leader.locator(".messages .success")).to_be_visible()
    assert Alert.objects.get(pk=orange.pk).status == "issued"

    # The approvals page asks the same way.
    red = alert_create(actor=people["office"], level="red", reason="预测AQI超过300")
    leader.goto(server.url + "/alerts/approvals/")
    form = leader.locator(f"[data-approve-form='{red.pk}']")
    expect(form.locator("[data-approval-will]")).to_contain_text("由橙色升为红色")
    form.locator("button[type=submit]").click()
    time.sleep(0.5)
    assert Alert.objects.get(pk=red.pk).status == "pending_approval"
    leader.screenshot(path=str(SHOTS / "approval-says-what-it-does.png"), full_page=True)


def test_item_4_a_double_clicked_progress_note_is_stored_once_and_listed_with_its_image(browser, server, people, roster):  # noqa: F811
    alert_create(actor=people["office"], level="yellow", reason="预测未来48小时日均AQI超过150")
    task = _tasks(roster["education"])[0]
    assignment_acknowledge(assignment=task, actor=people["unit"])
    unit = sign_in(browser, server, "b-edu", "/dashboard/unit/")
    unit.wait_for_selector("[data-conn][data-state=live]", timeout=10_000)
    article = unit.locator(f"article[data-assignment-id='{task.pk}']")
    form = article.locator("form[data-action=progress]")
    form.locator("textarea[name=text]").fill("已通知全区学校停止户外活动")
    form.locator("input[type=file]").set_input_files({"name": "notice.png", "mimeType": "image/png", "buffer": PNG})
    form.locator("button[type=submit]").dblclick()
    notes = article.locator("li.note")
    expect(notes).to_have_count(1, timeout=5_000)
    expect(notes.first).to_contain_text("已通知全区学校停止户外活动")
    expect(notes.first.locator("img.attachment")).to_have_count(1)
    expect(article.locator("[data-received]")).to_contain_text("已收到")
    time.sleep(1.0)  # a second copy would have arrived by now
    assert AssignmentUpdate.objects.filter(assignment=task, kind="progress").count() == 1
    # A second, different note is a new submission and is stored.
    form = article.locator("form[data-action=progress]")
    form.locator("textarea[name=text]").fill("第二次报送")
    form.locator("button[type=submit]").click()
    expect(article.locator("li.note")).to_have_count(2, timeout=5_000)
    texts = article.locator("li.note").all_inner_texts()
    assert "已通知全区学校" in texts[0] and "第二次报送" in texts[1]  # in order
    unit.screenshot(path=str(SHOTS / "unit-notes-listed.png"), full_page=True)


def test_item_4_the_counter_shows_the_limit_and_text_over_it_is_not_sent(browser, server, people, roster):  # noqa: F811
    alert_create(actor=people["office"], level="yellow", reason="预测未来48小时日均AQI超过150")
    task = _tasks(roster["education"])[0]
    unit = sign_in(browser, server, "b-edu", "/dashboard/unit/")
    article = unit.locator(f"article[data-assignment-id='{task.pk}']")
    area = article.locator("form[data-action=progress] textarea[name=text]")
    area.fill("长" * 4001)
    assert area.evaluate("el => el.value.length") == 4001  # never cut
    counter = article.locator("form[data-action=progress] .char-count")
    expect(counter).to_contain_text("4,001 / 4,000")
    expect(counter).to_have_class("char-count over")
    article.locator("form[data-action=progress] button[type=submit]").click()
    time.sleep(0.5)
    assert not AssignmentUpdate.objects.filter(assignment=task).exists()


def test_item_5_a_rejection_reaches_the_office_live_and_the_leader_sees_it_done(browser, server, people):  # noqa: F811
    orange = alert_create(actor=people["office"], level="orange", reason="预测连续三天AQI超过150")
    office = sign_in(browser, server, "b-office", "/dashboard/office/")
    office.wait_for_selector("[data-conn][data-state=live]", timeout=10_000)
    leader = sign_in(browser, server, "b-leader", "/dashboard/leader/")
    card = leader.locator(f"article[data-alert-id='{orange.pk}']")
    card.locator(".reject-form textarea[name=reason]").fill("预报不确定，继续观察")
    card.locator(".reject-form button[type=submit]").click()
    expect(leader.locator(".messages .success")).to_contain_text("驳回")
    decision = office.locator(f"[data-decision=reject][data-alert='{orange.pk}']")
    expect(decision).to_contain_text("预报不确定，继续观察", timeout=5_000)  # live, no reload
    assert Notification.objects.filter(kind=Notification.Kind.DECISION).count() == 1
    assert AuditEntry.objects.filter(action="reject", target_id=orange.pk).count() == 1
    office.screenshot(path=str(SHOTS / "office-sees-rejection.png"), full_page=True)
