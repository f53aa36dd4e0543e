"""Shared test factories: warnings that rest on a basis, as production requires (issue 15 item 1).

With ``ALERT_BASIS_REQUIRED`` on (production's default), issuing, raising or lowering an orange or red
needs a consultation record (会商) or a municipal directive. ``alert_issue`` cites a real consultation
record, made through ``consultations.services.consultation_create`` and concluding the warning's
level, whenever the caller names no basis; a test module that issues through it runs with the rule on
(``pytest.mark.basis_rule``). Tests of the rule itself name their basis (or none) explicitly.
"""

import datetime

from django.utils import timezone

BASIS_LEVELS = ("orange", "red")


def issued_this_morning(**kw):
    """``alert_issue(**kw)`` as of today's midnight, local time: its response then has a report day today
    whatever the hour the test runs (a response that starts after ``DAILY_REPORT_DEADLINE``, 16:00, reports from
    the next day: ``reports.services.response_report_days``; three tests failed when run after 16:00)."""
    import time_machine

    with time_machine.travel(timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0), tick=False):
        return alert_issue(**kw)


def _recorder(actor):
    """Who records the consultation: the actor when they may (the office), else the roster's office account."""
    from consultations.permissions import may_record_consultation
    from units.models import Unit
    from units.services import user_create

    if actor is not None and may_record_consultation(actor):
        return actor
    return user_create(username="office1", role="office", unit=Unit.objects.get(code="office"))


def basis_for(level: str, *, actor=None, cause: str = "pm2_5") -> dict:
    """A consultation record concluding ``level`` (yellow, orange or red), as the keyword arguments that cite it:
    ``{"basis_kind": "consultation", "basis_ref": <id>}``."""
    from consultations.services import consultation_create
    from units.models import Unit

    units = list(Unit.objects.filter(code__in=("ecology-env", "meteorology")))
    record = consultation_create(
        actor=_recorder(actor), held_at=timezone.now() - datetime.timedelta(minutes=30), units=units,
        pollutant="pm2_5", aqi_min=210, aqi_max=260, duration_hours=48, meteorology="静稳，逆温，无降水",
        conclusion=level, cause=cause, experts="张工（区生态环境局）\n李工（江津气象局）",
    )
    return {"basis_kind": "consultation", "basis_ref": record.pk}


def _needs_basis(level: str, kw: dict) -> bool:
    """Orange and red, and lowering an orange or red in force in the warning's area (``alerts.basis.basis_required``
    with the rule on, whatever the setting of the test)."""
    from django.conf import settings

    from alerts.models import Alert

    if level in BASIS_LEVELS:
        return True
    area, drill = kw.get("area") or settings.DISTRICT_NAME, bool(kw.get("drill"))
    return Alert.objects.in_force().filter(area=area, drill=drill, level__in=BASIS_LEVELS).exclude(level=level).exists()


def alert_issue(*, actor, level: str, reason: str = "test", **kw):
    """``alerts.services.alert_create`` citing a consultation for orange and red, and for lowering one, unless
    ``basis_kind`` or ``basis_ref`` is given; the same answer (the warning) and the same errors."""
    from alerts.services import alert_create

    if "basis_kind" not in kw and "basis_ref" not in kw and _needs_basis(level, kw):
        kw.update(basis_for(level, actor=actor, cause=kw.get("cause") or "pm2_5"))
    return alert_create(actor=actor, level=level, reason=reason, **kw)


def yellow_response_ended(office):
    """A yellow issued by ``office`` on 28 September 2026 at 08:00 (Asia/Shanghai), lifted on the 29th at 20:00, and
    the units' summaries opened five minutes later (``reports.summaries.summaries_open``): the ended response."""
    import zoneinfo

    import time_machine

    from alerts.models import Alert
    from alerts.services import alert_lift
    from reports import summaries

    def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(2026, 9, day, hour, minute, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))

    with time_machine.travel(at(28, 8), tick=False):
        alert = alert_issue(actor=office, level="yellow", reason="黄色预警")
    with time_machine.travel(at(29, 20), tick=False):
        alert_lift(alert=Alert.objects.get(pk=alert.pk), actor=office, reason="解除")
    with time_machine.travel(at(29, 20, 5), tick=False):
        summaries.summaries_open()
    return alert.responses.get()
