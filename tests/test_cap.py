"""CAP 1.2 messages of the public warnings (issue 3, section 6), validated against the OASIS schema.

Warnings are made through the services with the personas, as the platform makes them.
"""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from alerts.cap import LEVEL_CAP, xml_text
from alerts.services import alert_approve, alert_lift, alert_reject
from tests.factories import alert_issue

pytestmark = pytest.mark.basis_rule

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schemas" / "CAP-v1.2.xsd")))
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
SENT_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$"


def fetch(client, alert, version=None):
    """GET a warning's CAP message, check it is CAP 1.2 valid, and return the parsed ``<alert>``."""
    if version is None:
        url = reverse("public-cap", args=[alert.pk])
    else:
        url = reverse("public-cap-message", args=[alert.pk, version])
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/cap+xml")
    doc = etree.fromstring(response.content)
    SCHEMA.assertValid(doc)
    return doc


def text(doc, path):
    return doc.findtext(path, namespaces=NS)


def infos(doc):
    return {info.findtext("cap:language", namespaces=NS): info for info in doc.findall("cap:info", NS)}


def triple(doc):
    """The "sender,identifier,sent" reference to the message ``doc``."""
    return ",".join(text(doc, f"cap:{name}") for name in ("sender", "identifier", "sent"))


def test_issued_yellow_is_an_actual_alert_message(client, office):
    yellow = alert_issue(actor=office, level="yellow", reason="预计未来48小时PM2.5日均浓度超过150微克/立方米。")

    doc = fetch(client, yellow)

    assert text(doc, "cap:identifier") == f"cn.jiangjin.air.{yellow.pk}.1"
    assert text(doc, "cap:sender") == "cn.jiangjin.air"
    assert text(doc, "cap:sent") == timezone.localtime(yellow.issued_at).replace(microsecond=0).isoformat()
    assert text(doc, "cap:sent").endswith("+08:00")
    assert text(doc, "cap:status") == "Actual"
    assert text(doc, "cap:msgType") == "Alert"
    assert text(doc, "cap:scope") == "Public"
    assert doc.find("cap:references", NS) is None
    by_language = infos(doc)
    assert list(by_language) == ["zh-CN", "en"]
    zh, en = by_language["zh-CN"], by_language["en"]
    for info in (zh, en):
        assert text(info, "cap:category") == "Env"
        assert [e.text for e in info.findall("cap:responseType", NS)] == ["Prepare"]
        assert (text(info, "cap:urgency"), text(info, "cap:severity"), text(info, "cap:certainty")) == (
            "Expected",
            "Moderate",
            "Likely",
        )
        assert text(info, "cap:description") == yellow.reason
        assert text(info, "cap:web") == "http://testserver/public/"
        assert text(info, "cap:effective") == text(doc, "cap:sent")
    assert text(zh, "cap:event") == "空气重污染黄色预警"
    assert text(en, "cap:event") == "Heavy air pollution yellow warning"
    assert text(zh, "cap:senderName") == "江津区空气重污染应急指挥部"
    assert "黄色预警" in text(zh, "cap:headline") and "Ⅲ级" in text(zh, "cap:headline")
    assert "儿童、老年人和心脏病、肺病" in text(zh, "cap:instruction")
    assert "Children, the elderly and people with heart or lung disease" in text(en, "cap:instruction")
    assert text(zh, "cap:area/cap:areaDesc") == "江津区"
    assert text(en, "cap:area/cap:areaDesc") == "Jiangjin District"


def test_message_is_the_same_on_every_fetch(client, office):
    """A sent message never changes: same identifier, same bytes."""
    yellow = alert_issue(actor=office, level="yellow", reason="静稳天气。")

    first = client.get(reverse("public-cap", args=[yellow.pk])).content
    second = client.get(reverse("public-cap-message", args=[yellow.pk, 1])).content

    assert first == second


def test_upgrade_to_orange_is_an_update_referencing_the_yellow_message(client, office, leader):
    yellow = alert_issue(actor=office, level="yellow", reason="黄色预警。")
    yellow_doc = fetch(client, yellow)
    orange = alert_issue(actor=office, level="orange", reason="污染加重，建议升级为橙色预警。")
    alert_approve(alert=orange, actor=leader, comment="同意")

    doc = fetch(client, orange)

    assert text(doc, "cap:msgType") == "Update"
    assert text(doc, "cap:identifier") == f"cn.jiangjin.air.{orange.pk}.1"
    assert text(doc, "cap:references") == triple(yellow_doc)
    assert text(doc, "cap:incidents") == text(yellow_doc, "cap:incidents")
    zh = infos(doc)["zh-CN"]
    assert text(zh, "cap:event") == "空气重污染橙色预警"
    assert (text(zh, "cap:urgency"), text(zh, "cap:severity")) == ("Expected", "Severe")
    assert [e.text for e in zh.findall("cap:responseType", NS)] == ["Avoid"]
    # The superseded yellow keeps the message it sent, and gets no Cancel of its own.
    assert etree.tostring(fetch(client, yellow)) == etree.tostring(yellow_doc)
    assert client.get(reverse("public-cap-message", args=[yellow.pk, 2])).status_code == 404


def test_red_after_orange_references_the_whole_chain_oldest_first(client, office, leader):
    yellow = alert_issue(actor=office, level="yellow", reason="黄。")
    orange = alert_issue(actor=leader, level="orange", reason="橙。")
    red = alert_issue(actor=leader, level="red", reason="红。")

    doc = fetch(client, red)

    assert text(doc, "cap:references").split(" ") == [triple(fetch(client, yellow)), triple(fetch(client, orange))]
    zh = infos(doc)["zh-CN"]
    assert (text(zh, "cap:urgency"), text(zh, "cap:severity"), text(zh, "cap:certainty")) == (
        "Immediate",
        "Extreme",
        "Likely",
    )


def test_lift_is_a_cancel_with_all_clear_referencing_its_own_message(client, office):
    yellow = alert_issue(actor=office, level="yellow", reason="黄色预警。")
    alert_doc = fetch(client, yellow)
    alert_lift(alert=yellow, actor=office, reason="空气质量已好转，预计36小时以上低于黄色预警条件。")

    doc = fetch(client, yellow)

    assert text(doc, "cap:msgType") == "Cancel"
    assert text(doc, "cap:identifier") == f"cn.jiangjin.air.{yellow.pk}.2"
    assert text(doc, "cap:references") == triple(alert_doc)
    assert text(doc, "cap:sent") != "" and text(doc, "cap:sent") >= text(alert_doc, "cap:sent")
    for info in infos(doc).values():
        assert [e.text for e in info.findall("cap:responseType", NS)] == ["AllClear"]
        assert text(info, "cap:urgency") == "Past"
        assert info.find("cap:expires", NS) is None
    assert "空气质量已好转" in text(infos(doc)["zh-CN"], "cap:description")
    assert "解除" in text(infos(doc)["zh-CN"], "cap:headline")
    # The issue message is still there, unchanged, at its own URL.
    assert etree.tostring(fetch(client, yellow, version=1)) == etree.tostring(alert_doc)


def test_drill_is_an_exercise_marked_in_the_headline(client, office):
    drill = alert_issue(actor=office, level="yellow", reason="应急演练。", drill=True)

    doc = fetch(client, drill)

    assert text(doc, "cap:status") == "Exercise"
    assert "演练" in text(doc, "cap:note")
    assert text(infos(doc)["zh-CN"], "cap:headline").startswith("【演练】")
    assert text(infos(doc)["en"], "cap:headline").startswith("[DRILL]")


def test_pending_rejected_and_unknown_warnings_answer_404(client, office, leader):
    pending = alert_issue(actor=office, level="orange", reason="建议发布橙色预警。")
    rejected = alert_issue(actor=office, level="red", area="几江街道", reason="建议发布红色预警。")
    alert_reject(alert=rejected, actor=leader, reason="会商认为不满足条件。")

    for pk in (pending.pk, rejected.pk, 999_999):
        assert client.get(reverse("public-cap", args=[pk])).status_code == 404
        assert client.get(reverse("public-cap-message", args=[pk, 1])).status_code == 404


def test_hostile_reason_is_escaped_and_control_characters_are_dropped(client, office):
    # No NUL: PostgreSQL cannot store it, and Django's form and DRF fields refuse it before any service runs.
    reason = "<script>alert('x')</script> & </description><x/> \x01\x07\x0b\x1b[31m 超标\ufffe"
    yellow = alert_issue(actor=office, level="yellow", reason=reason)

    response = client.get(reverse("public-cap", args=[yellow.pk]))
    doc = etree.fromstring(response.content)

    SCHEMA.assertValid(doc)
    assert b"<script>" not in response.content
    assert b"&lt;script&gt;" in response.content and b"&amp;" in response.content
    expected = "<script>alert('x')</script> & </description><x/> [31m 超标"
    assert text(infos(doc)["zh-CN"], "cap:description") == expected


def test_onset_and_expires_come_from_the_warning_times(client, office):
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=3)
    ends = starts + datetime.timedelta(days=2)
    yellow = alert_issue(actor=office, level="yellow", reason="预计持续两天。", starts_at=starts, ends_at=ends)

    info = infos(fetch(client, yellow))["zh-CN"]

    assert datetime.datetime.fromisoformat(text(info, "cap:onset")) == starts
    assert datetime.datetime.fromisoformat(text(info, "cap:expires")) == ends
    assert text(info, "cap:expires").endswith("+08:00")


@pytest.mark.parametrize("level", ["yellow", "orange", "red"])
def test_every_level_maps_to_its_documented_cap_values(client, leader, level):
    alert = alert_issue(actor=leader, level=level, reason="会商结论。")

    for info in infos(fetch(client, alert)).values():
        got = {name: text(info, f"cap:{name}") for name in ("responseType", "urgency", "severity", "certainty")}
        assert got == LEVEL_CAP[level]
        values = {
            p.findtext("cap:valueName", namespaces=NS): p.findtext("cap:value", namespaces=NS)
            for p in info.findall("cap:parameter", NS)
        }
        assert values == {
            "warningLevel": level, "responseLevel": alert.response_level, "episodeCause": "pm2_5",
            "episodeCauseName": "PM2.5（静稳型）" if info.findtext("cap:language", namespaces=NS) == "zh-CN" else "PM2.5 (static stagnation)",
        }


def test_cap_messages_are_publicly_cacheable_for_thirty_seconds(client, office):
    yellow = alert_issue(actor=office, level="yellow", reason="黄色预警。")

    response = client.get(reverse("public-cap", args=[yellow.pk]))

    assert "max-age=30" in response["Cache-Control"] and "public" in response["Cache-Control"]


def test_xml_text_keeps_tabs_newlines_and_chinese_and_drops_what_xml_forbids():
    assert xml_text("a\tb\nc\r 空气 \x00\x08\x0b\x0c\x1f\ud800\uffff") == "a\tb\nc\r 空气 "
