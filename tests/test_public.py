"""The public warning page and the Atom feed (issue 3, section 6), with no login.

Warnings are made through the services with the personas, as the platform makes them.
"""

import xml.etree.ElementTree as ET

from django.urls import reverse
from django.utils import timezone

from alerts.services import alert_approve, alert_create, alert_lift, alert_reject

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def page(client, **headers):
    response = client.get(reverse("public-home"), **headers)
    assert response.status_code == 200
    return response, response.content.decode()


def test_public_page_needs_no_login_and_says_no_warning_is_in_force(client, roster):
    response, html = page(client)

    assert "pub-banner--none" in html
    assert "目前无空气重污染预警" in html
    assert "pub-banner--yellow" not in html


def test_yellow_warning_shows_its_colour_response_level_and_advice(client, office):
    alert = alert_create(actor=office, level="yellow", reason="预计未来48小时日均AQI超过150。")

    _, html = page(client)

    assert "pub-banner--yellow" in html
    assert "黄色预警" in html
    assert "Ⅲ级（一般）应急响应" in html
    assert "预计未来48小时日均AQI超过150。" in html
    # HJ 633 table 2, AQI 201–300 (yellow's headline condition, no forecast attached): stay indoors.
    assert "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动" in html
    assert "禁止露天焚烧秸秆、垃圾、落叶等。" in html  # a control in force
    assert "限制燃放烟花爆竹。" in html
    assert reverse("public-cap", args=[alert.pk]) in html  # a link to its CAP message


def test_english_readers_get_the_english_advice(client, office):
    alert_create(actor=office, level="yellow", reason="污染。")

    _, html = page(client, HTTP_ACCEPT_LANGUAGE="en")

    assert "Yellow warning" in html
    assert "Level III emergency response" in html
    assert "Children, the elderly and people with heart or lung disease should stay indoors and stop outdoor" in html
    assert "儿童、老年人" not in html


def test_public_page_shows_red_once_a_leader_approves_red(client, office, leader):
    red = alert_create(actor=office, level="red", reason="预计AQI连续72小时超过200。")

    _, html = page(client)
    assert "pub-banner--none" in html  # a proposal awaiting approval is not public
    assert "预计AQI连续72小时超过200。" not in html

    alert_approve(alert=red, actor=leader, comment="同意发布红色预警")

    _, html = page(client)
    assert "pub-banner--red" in html
    assert "红色预警" in html and "Ⅰ级（严重）应急响应" in html
    assert "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动" in html  # HJ 633, AQI > 300
    assert "教育部门可视情况实施停课" in html
    assert "全区禁止燃放烟花爆竹。" in html


def test_drills_never_change_what_the_public_page_says_is_in_force(client, office, leader):
    alert_create(actor=office, level="yellow", reason="演练：黄色预警。", drill=True)

    _, html = page(client)
    assert "pub-banner--none" in html
    assert "演练" not in html

    alert_create(actor=office, level="yellow", reason="真实的黄色预警。")
    alert_create(actor=leader, level="red", reason="演练：红色预警。", drill=True)

    _, html = page(client)
    assert "pub-banner--yellow" in html
    assert "pub-banner--red" not in html
    assert "演练" not in html  # nor in the history
    assert html.count('class="pub-history__row"') == 1


def test_hostile_reason_is_escaped_on_the_page(client, office):
    alert_create(actor=office, level="yellow", reason='<script>alert("x")</script> & <img src=x onerror=alert(1)> \x07')

    _, html = page(client)

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in html


def test_history_lists_the_last_ten_official_warnings_with_issued_and_lifted_times(client, office, leader):
    lifted = []
    for n in range(11):
        alert = alert_create(actor=office, level="yellow", reason=f"第{n}次黄色预警。")
        lifted.append(alert_lift(alert=alert, actor=office, reason="好转。"))
    yellow = alert_create(actor=office, level="yellow", reason="黄色。")
    alert_create(actor=leader, level="orange", reason="升级为橙色。")
    alert_create(actor=office, level="yellow", reason="演练。", drill=True)
    pending = alert_create(actor=office, level="red", area="几江街道", reason="待审批的红色预警。")
    rejected = alert_create(actor=office, level="orange", area="德感街道", reason="被驳回的橙色预警。")
    alert_reject(alert=rejected, actor=leader, reason="不满足条件。")

    _, html = page(client)

    assert html.count('class="pub-history__row"') == 10
    rows = html.split('class="pub-history__row"')[1:]
    assert "橙色预警" in rows[0] and "pub-note--live" in rows[0]  # the orange in force, newest first
    assert "黄色预警" in rows[1] and "pub-note--superseded" in rows[1]  # the yellow it superseded
    local = timezone.localtime(lifted[-1].lifted_at)
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in rows[2]
    assert "pub-note--lifted" in rows[2]
    assert f"/public/alerts/{lifted[0].pk}/cap.xml" not in html  # the 11th-newest official warning
    assert f"/public/alerts/{yellow.pk}/cap.xml" in html
    assert pending.reason not in html and rejected.reason not in html
    assert f"/public/alerts/{pending.pk}/" not in html and f"/public/alerts/{rejected.pk}/" not in html


def test_public_page_is_cached_briefly_and_obeys_the_csp(client, office):
    alert_create(actor=office, level="yellow", reason="黄色。")

    response, html = page(client)

    assert "max-age=30" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]  # it carries a CSRF token and, signed in, a name
    assert "style=" not in html and "<style" not in html
    assert "<script" not in html
    assert "css/public.css" in html
    assert reverse("public-feed") in html


def test_atom_feed_parses_and_lists_the_official_messages_newest_first(client, office, leader):
    yellow = alert_create(actor=office, level="yellow", reason="黄色 <b>预警</b> & 提醒")
    orange = alert_create(actor=leader, level="orange", reason="升级。")
    alert_lift(alert=orange, actor=leader, reason="好转。")
    drill = alert_create(actor=leader, level="red", reason="演练。", drill=True)
    alert_create(actor=office, level="orange", reason="待审批。")

    response = client.get(reverse("public-feed"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "max-age=30" in response["Cache-Control"]
    feed = ET.fromstring(response.content)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = feed.findall("atom:entry", ATOM)
    links = [entry.find("atom:link", ATOM).get("href") for entry in entries]
    assert links == [
        f"http://testserver/public/alerts/{orange.pk}/cap/2.xml",  # Cancel
        f"http://testserver/public/alerts/{orange.pk}/cap/1.xml",  # Update
        f"http://testserver/public/alerts/{yellow.pk}/cap/1.xml",  # Alert
    ]
    assert all(f"/alerts/{drill.pk}/" not in link for link in links)
    titles = [entry.findtext("atom:title", namespaces=ATOM) for entry in entries]
    assert "解除" in titles[0] and "橙色" in titles[1] and "黄色" in titles[2]
    # The summary is HTML: the reason's markup arrives escaped, as text.
    assert entries[2].findtext("atom:summary", namespaces=ATOM) == "黄色 &lt;b&gt;预警&lt;/b&gt; &amp; 提醒"
    for link in links:
        assert client.get(link.removeprefix("http://testserver")).status_code == 200


def test_page_and_feed_take_a_constant_number_of_queries(client, office, leader, django_assert_max_num_queries):
    for n in range(4):
        alert = alert_create(actor=office, level="yellow", reason=f"第{n}次。")
        alert_create(actor=leader, level="orange", reason="升级。")
        alert_lift(alert=alert.superseded_by, actor=leader, reason="好转。")

    with django_assert_max_num_queries(3):
        page(client)
    with django_assert_max_num_queries(1):
        assert client.get(reverse("public-feed")).status_code == 200
