"""Warnings as CAP 1.2 messages (OASIS Common Alerting Protocol v1.2, 2010).

Each state change of a public warning is one CAP message, and a message never
changes once sent, so its identifier is stable: ``<prefix>.<alert id>.<version>``.

- version 1, sent when the warning was issued: ``Alert``, or ``Update`` when it
  superseded the warning in force for the area (an upgrade or a downgrade). An
  ``Update`` references the issue messages of every warning it replaces, oldest
  first, so a receiver that missed one link of the chain can still tie them up.
- version 2, sent when the warning was lifted: ``Cancel`` referencing the warning's
  own version-1 message. A superseded warning has no version 2: the successor's
  ``Update`` already replaces it.

Level mapping (``LEVEL_CAP``), one row per warning level:

    level   responseType  urgency    severity  certainty
    yellow  Prepare       Expected   Moderate  Likely
    orange  Avoid         Expected   Severe    Likely
    red     Avoid         Immediate  Extreme   Likely
    lifted  AllClear      Past       Minor     Observed

Warnings are issued on a forecast (环大气〔2024〕6号: forecast daily AQI), hence
``Likely``; a lift is decided on observed air quality and says that responsive action
is no longer needed, hence ``Past``/``Minor``/``Observed``. Yellow asks sensitive
groups to prepare and reduce exposure (``Prepare``); orange and red ask everyone to
stay out of the polluted air (``Avoid``).

Each ``info`` block carries the parameters ``warningLevel``, ``responseLevel``, ``episodeCause`` (the
code of ``alerts.choices.Cause``: pm2_5, dust, ozone, smoke, transport) and ``episodeCauseName`` (its name in
the block's language), in that order.

Drills (演练) are ``status=Exercise`` and say 演练/DRILL in the headline and the note.

This module only builds: it reads the alert (and the warnings it superseded) and
returns lxml elements or bytes. The views decide what is public.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from lxml import etree

from alerts import advice
from alerts.choices import Level, Status
from alerts.models import Alert
from foundation.text import xml_text

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_CONTENT_TYPE = "application/cap+xml"

ISSUE, LIFT = 1, 2

LEVEL_CAP = {
    Level.YELLOW: {"responseType": "Prepare", "urgency": "Expected", "severity": "Moderate", "certainty": "Likely"},
    Level.ORANGE: {"responseType": "Avoid", "urgency": "Expected", "severity": "Severe", "certainty": "Likely"},
    Level.RED: {"responseType": "Avoid", "urgency": "Immediate", "severity": "Extreme", "certainty": "Likely"},
}
LIFTED_CAP = {"responseType": "AllClear", "urgency": "Past", "severity": "Minor", "certainty": "Observed"}

LANGUAGES = (("zh-CN", "zh"), ("en", "en"))

def sender() -> str:
    # CAP: globally unique, no spaces, commas or "<" / "&". A setting, so the real
    # deployment can use its own domain-based sender.
    return getattr(settings, "CAP_SENDER", "cn.jiangjin.air")


def identifier_prefix() -> str:
    return getattr(settings, "CAP_IDENTIFIER_PREFIX", "cn.jiangjin.air")


def sender_name(language: str) -> str:
    if language == "en":
        return getattr(settings, "CAP_SENDER_NAME_EN", "Jiangjin District Heavy Air Pollution Emergency Headquarters")
    return getattr(settings, "CAP_SENDER_NAME", f"{settings.DISTRICT_NAME}空气重污染应急指挥部")


def cap_datetime(value: datetime) -> str:
    """CAP's dateTime: local time with its offset, whole seconds ("2026-01-12T08:00:00+08:00")."""
    local = value.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(microsecond=0)
    return local.isoformat()


@dataclass(frozen=True)
class CapMessage:
    """One sent CAP message: the issue (version 1) or the lift (version 2) of a warning."""

    alert: Alert
    version: int

    @property
    def identifier(self) -> str:
        return f"{identifier_prefix()}.{self.alert.pk}.{self.version}"

    @property
    def sent(self) -> datetime:
        return self.alert.lifted_at if self.version == LIFT else self.alert.issued_at

    @property
    def effective(self) -> datetime:
        """When the message's information takes effect: the warning's start, never before it was sent."""
        if self.version == LIFT or self.alert.starts_at is None:
            return self.sent
        return max(self.alert.starts_at, self.sent)

    @property
    def msg_type(self) -> str:
        if self.version == LIFT:
            return "Cancel"
        return "Update" if self.alert.supersedes_id else "Alert"

    @property
    def status(self) -> str:
        return "Exercise" if self.alert.drill else "Actual"

    def reference(self) -> str:
        """This message as CAP's "sender,identifier,sent" triple."""
        return f"{sender()},{self.identifier},{cap_datetime(self.sent)}"


def messages_for(alert: Alert) -> list[CapMessage]:
    """Every message sent for ``alert`` so far, oldest first (none before it is issued)."""
    if alert.issued_at is None or alert.status in (Status.PENDING_APPROVAL, Status.REJECTED):
        return []
    messages = [CapMessage(alert, ISSUE)]
    if alert.status == Status.LIFTED and alert.lifted_at is not None:
        messages.append(CapMessage(alert, LIFT))
    return messages


def superseded_chain(alert: Alert) -> list[Alert]:
    """The warnings ``alert`` replaced, oldest first (yellow, then orange, for a red that followed both)."""
    chain, seen, current = [], {alert.pk}, alert.supersedes
    while current is not None and current.pk not in seen:  # guard against a cycle in bad data
        chain.append(current)
        seen.add(current.pk)
        current = current.supersedes
    return list(reversed(chain))


def references_for(message: CapMessage) -> list[CapMessage]:
    if message.version == LIFT:
        return [CapMessage(message.alert, ISSUE)]
    return [CapMessage(earlier, ISSUE) for earlier in superseded_chain(message.alert)]


def incident_for(alert: Alert) -> str:
    """One incident per chain of warnings: named after the first warning of the chain."""
    chain = superseded_chain(alert)
    first = chain[0] if chain else alert
    return f"{identifier_prefix()}.incident.{first.pk}"


def _area_name(alert: Alert, language: str) -> str:
    if language == "en" and alert.area == settings.DISTRICT_NAME:
        return getattr(settings, "DISTRICT_NAME_EN", "Jiangjin District")
    return alert.area


def _event(alert: Alert, language: str) -> str:
    zh, en = advice.LEVEL_NAME[alert.level]
    return f"空气重污染{zh}预警" if language == "zh" else f"Heavy air pollution {en} warning"


def headline(message: CapMessage, language: str) -> str:
    alert = message.alert
    area = _area_name(alert, language)
    event = _event(alert, language)
    response = advice.response_title(alert.level, language)
    if language == "zh":
        if message.msg_type == "Cancel":
            text = f"{area}解除{event}"
        elif message.msg_type == "Update":
            text = f"{area}{event}（调整），启动{response}"
        else:
            text = f"{area}发布{event}，启动{response}"
        return f"【演练】{text}" if alert.drill else text
    if message.msg_type == "Cancel":
        text = f"{area}: {event} lifted"
    elif message.msg_type == "Update":
        text = f"{area}: warning changed to {event[0].lower()}{event[1:]}; {response}"
    else:
        text = f"{area}: {event} issued; {response}"
    return f"[DRILL] {text}" if alert.drill else text


def description(message: CapMessage, language: str) -> str:
    alert = message.alert
    if message.version == LIFT:
        lead = "预警已解除。" if language == "zh" else "The warning is lifted."
        reason = alert.lift_reason.strip()
        return f"{lead}\n{reason}" if reason else lead
    return alert.reason


def _sub(parent, tag: str, text=None):
    element = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        element.text = xml_text(text)
    return element


def _parameter(info, name: str, value: str) -> None:
    parameter = _sub(info, "parameter")
    _sub(parameter, "valueName", name)
    _sub(parameter, "value", value)


def _info(root, message: CapMessage, code: str, language: str, web: str) -> None:
    alert = message.alert
    lifted = message.version == LIFT
    mapping = LIFTED_CAP if lifted else LEVEL_CAP[alert.level]
    info = _sub(root, "info")
    _sub(info, "language", code)
    _sub(info, "category", "Env")
    _sub(info, "event", _event(alert, language))
    _sub(info, "responseType", mapping["responseType"])
    _sub(info, "urgency", mapping["urgency"])
    _sub(info, "severity", mapping["severity"])
    _sub(info, "certainty", mapping["certainty"])
    _sub(info, "effective", cap_datetime(message.effective))
    if not lifted:
        if alert.starts_at:
            _sub(info, "onset", cap_datetime(max(alert.starts_at, message.sent)))
        if alert.ends_at and alert.ends_at > message.effective:
            # sent ≤ effective ≤ expires; the service refuses a planned end that is not ahead of the
            # start, so only rows older than that rule could have one in the past.
            _sub(info, "expires", cap_datetime(alert.ends_at))
    _sub(info, "senderName", sender_name(language))
    _sub(info, "headline", headline(message, language))
    _sub(info, "description", description(message, language))
    # HJ 633 table 2's advice for the AQI band and primary pollutant of the warning's forecast (issue 15, item 6).
    _sub(info, "instruction", advice.alert_instruction(alert, language, lifted=lifted))
    if web:
        _sub(info, "web", web)
    _parameter(info, "warningLevel", alert.level)
    _parameter(info, "responseLevel", alert.response_level)
    # The episode's cause (issue 15 item 2): the code for receivers, the name in the block's language.
    # CAP 1.2 §3.2.2: <parameter> follows <web>/<contact> and precedes <resource> and <area>.
    _parameter(info, "episodeCause", alert.cause)
    with translation.override("zh-hans" if language == "zh" else "en"):
        _parameter(info, "episodeCauseName", str(alert.get_cause_display()))
    area = _sub(info, "area")
    _sub(area, "areaDesc", _area_name(alert, language))


def cap_element(message: CapMessage, *, web: str = "") -> etree._Element:
    """The ``<alert>`` element of ``message``; ``web`` is the absolute URL of the public page."""
    alert = message.alert
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(root, "identifier", message.identifier)
    _sub(root, "sender", sender())
    _sub(root, "sent", cap_datetime(message.sent))
    _sub(root, "status", message.status)
    _sub(root, "msgType", message.msg_type)
    _sub(root, "scope", "Public")
    if alert.drill:
        _sub(root, "note", "演练，非真实预警。 / DRILL: this is an exercise, not a real warning.")
    references = references_for(message)
    if references:
        _sub(root, "references", " ".join(ref.reference() for ref in references))
    _sub(root, "incidents", incident_for(alert))
    for code, language in LANGUAGES:
        _info(root, message, code, language, web)
    return root


def cap_bytes(message: CapMessage, *, web: str = "") -> bytes:
    return etree.tostring(cap_element(message, web=web), xml_declaration=True, encoding="UTF-8", pretty_print=True)
