"""Writes of the units' summaries after a response (总结评估, issue 17 item 3).

Plan: 附件1 二 (after the response ends the office organises the summary evaluation and reports it up in
time: 应急响应结束后，组织开展应急响应总结评估，及时汇总上报). Every member unit that had tasks in the
response submits its summary within ``SUMMARY_WORKING_DAYS`` working days after the response ended, counted
on China's official calendar (``reports.workdays``). The beat opens the summaries when a response ends,
reminds on the due day and escalates the ones still missing after it, each step claimed once.

Locks (``events/locks.py`` step 5): a submission locks its one summary row; the event-order lock comes last.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events.choices import Audience, EventType
from events.services import audit_record, event_record
from foundation.text import storable_text
from reports import documents, permissions
from reports.choices import ReportStatus
from reports.models import Bulletin, CityReport, DailyReport, UnitSummary
from reports.services import REPORTING_KINDS, notification_queue, unit_recipients
from reports.workdays import working_day_add
from responses.choices import ResponseStatus, Stage
from responses.models import Notification, Response, TaskAssignment

MAX_SUMMARY = 20_000
REMIND_AT = datetime.time(9, 0)  # the due day's reminder, local time


def summary_due_on(response: Response) -> tuple[datetime.date, bool]:
    """The day a unit's summary of ``response`` is due: ``SUMMARY_WORKING_DAYS`` working days after the day it
    ended (local), and whether the official calendar covered every day counted (``working_day_add``)."""
    return working_day_add(timezone.localdate(response.ended_at), settings.SUMMARY_WORKING_DAYS)


def summary_payload(summary: UnitSummary) -> dict:
    """The event payload of a unit summary (``report.summary``)."""
    return {"id": summary.pk, "response": summary.response_id, "unit": summary.unit_id,
            "unit_name": summary.unit.name, "due_on": summary.due_on.isoformat(), "status": summary.status,
            "late": summary.late}


def summaries_open(*, now: datetime.datetime | None = None) -> int:
    """Ask every member unit that had tasks in a response that ended (in the last 30 days) for its summary,
    due on ``summary_due_on`` (run by the beat; idempotent: one summary per response and unit).
    Returns the number of summaries added."""
    now = now or timezone.now()
    added = 0
    ended = Response.objects.filter(status=ResponseStatus.ENDED, ended_at__gte=now - datetime.timedelta(days=30),
                                    ended_at__lte=now)
    for response in ended.exclude(unit_summaries__isnull=False).order_by("id"):
        units = sorted(set(TaskAssignment.objects.filter(response=response, stage=Stage.RESPONSE,
                                                         unit__kind__in=REPORTING_KINDS)
                           .values_list("unit_id", flat=True)))
        if not units:
            continue
        due_on, exact = summary_due_on(response)
        with transaction.atomic():
            created = UnitSummary.objects.bulk_create(
                [UnitSummary(response=response, unit_id=unit_id, due_on=due_on, due_provisional=not exact)
                 for unit_id in units], ignore_conflicts=True)
            audit_record(actor=None, action="summaries_open", target=response,
                         data={"units": len(units), "due_on": due_on.isoformat(), "provisional": not exact})
            event_record(type=EventType.SUMMARY_CHANGED, audience=Audience.COMMAND,
                         payload={"response": response.pk, "units": len(units), "due_on": due_on.isoformat()})
            added += len(created)
    return added


def unit_summary_submit(*, summary: UnitSummary, actor, text: str) -> UnitSummary:
    """Submit, or correct, a unit's summary of a response: what it did, what worked, what did not.

    Args: ``text`` (required, at most 20,000 characters). A first submission after the due day is kept and
    marked late. Returns the summary. Raises PermissionDenied (403) unless the actor is a member of the unit;
    ValidationError (400) for an empty or too long text."""
    if not permissions.may_submit_for(actor, summary.unit_id):
        raise PermissionDenied(_("Only the unit's own members submit its summary."))
    if text is not None and not isinstance(text, str):
        raise ValidationError({"text": _("Enter text.")})
    text = storable_text(text).strip()
    if not text:
        raise ValidationError({"text": _("Write the summary.")})
    if len(text) > MAX_SUMMARY:
        raise ValidationError({"text": _("At most %(n)d characters.") % {"n": MAX_SUMMARY}})
    now = timezone.now()
    with transaction.atomic():
        locked = UnitSummary.objects.select_for_update(no_key=True).select_related("unit").get(pk=summary.pk)
        before = locked.status
        correction = before == ReportStatus.SUBMITTED
        locked.status, locked.text, locked.submitted_at, locked.submitted_by = ReportStatus.SUBMITTED, text, now, actor
        locked.first_submitted_at = locked.first_submitted_at or now
        locked.save(update_fields=["status", "text", "submitted_at", "submitted_by", "first_submitted_at"])
        audit_record(actor=actor, action="unit_summary_correct" if correction else "unit_summary_submit", target=locked,
                     from_state=before, to_state=locked.status, data={"late": locked.late, "length": len(text)})
        payload = summary_payload(locked)
        event_record(type=EventType.SUMMARY_CHANGED, audience=Audience.COMMAND, payload=payload)
        event_record(type=EventType.SUMMARY_CHANGED, audience=Audience.UNIT, unit_id=locked.unit_id, payload=payload)
    return locked


def summaries_remind(*, now: datetime.datetime | None = None, limit: int = 500) -> dict:
    """Remind units whose summary is due today (from 09:00), or already past due and never reminded; escalate to
    the command (the person on duty first) the ones still missing the day after their due day.

    Each step is claimed by a conditional UPDATE of ``reminded_at``/``escalated_at`` from NULL with its
    notification (keys ``summary:remind:<id>`` / ``summary:escalate:<id>``) in the same transaction, so a
    second run sends nothing twice. Returns ``{"summaries_reminded": n, "summaries_escalated": n}``."""
    from responses.services import notify_command

    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    counts = {"summaries_reminded": 0, "summaries_escalated": 0}
    due = UnitSummary.objects.filter(status=ReportStatus.DUE)
    remind_through = today if local.time() >= REMIND_AT else today - datetime.timedelta(days=1)
    for pk in list(due.filter(reminded_at__isnull=True, due_on__lte=remind_through).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            if not UnitSummary.objects.filter(pk=pk, status=ReportStatus.DUE, reminded_at__isnull=True).update(reminded_at=now):
                continue
            summary = UnitSummary.objects.select_related("unit", "response").get(pk=pk)
            message = _("Summary due: %(unit)s, please submit your summary of %(response)s by %(due)s.") % {
                "unit": summary.unit.name, "response": summary.response, "due": summary.due_on.isoformat()}
            audit_record(actor=None, action="unit_summary_remind", target=summary, from_state=summary.status,
                         to_state=summary.status, comment=message)
            notification_queue(Notification.objects.create(kind=Notification.Kind.REMINDER, idempotency_key=f"summary:remind:{pk}",
                                               recipients=unit_recipients(summary.unit_id), message=message))
            event_record(type=EventType.SUMMARY_CHANGED, audience=Audience.UNIT, unit_id=summary.unit_id,
                         payload={**summary_payload(summary), "reminded": True})
            counts["summaries_reminded"] += 1
    for pk in list(due.filter(reminded_at__isnull=False, escalated_at__isnull=True, due_on__lt=today)
                   .values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            if not UnitSummary.objects.filter(pk=pk, status=ReportStatus.DUE, escalated_at__isnull=True).update(escalated_at=now):
                continue
            summary = UnitSummary.objects.select_related("unit", "response").get(pk=pk)
            message = _("Escalated: %(unit)s has not submitted its summary of %(response)s, due %(due)s.") % {
                "unit": summary.unit.name, "response": summary.response, "due": summary.due_on.isoformat()}
            audit_record(actor=None, action="unit_summary_escalate", target=summary, from_state=summary.status,
                         to_state=summary.status, comment=message)
            notify_command(kind=Notification.Kind.ESCALATION, key=f"summary:escalate:{pk}", message=message)
            event_record(type=EventType.SUMMARY_CHANGED, audience=Audience.COMMAND,
                         payload={**summary_payload(summary), "escalated": True})
            counts["summaries_escalated"] += 1
    return counts


# --- The office's summary evaluation (总结评估) as a Word file ---------------------------------------


def _minutes(seconds) -> str:
    return "—" if seconds is None else str(round(seconds / 60, 1))


STAGE_NAMES = {"before": "响应前", "during": "响应期间", "after": "响应后"}


def aqi_around(response: Response, *, charts: dict | None = None) -> list[list]:
    """The evaluation's AQI table: the forecast AQI of each day from two days before the response to two days
    after it (``responses.selectors.response_evaluation_charts``, the chart's own figures). Rows
    ``[date, stage, AQI or "—", category]`` with stage 响应前 / 响应期间 / 响应后."""
    from responses.selectors import response_evaluation_charts

    charts = charts if charts is not None else response_evaluation_charts(response)
    return [[d["date"].isoformat(), STAGE_NAMES[d["stage"]], d["aqi"] if d["aqi"] is not None else "—", d["category"]]
            for d in charts["aqi"]]


def evaluation_compose(response: Response) -> dict:
    """The office's summary evaluation of ``response``: sections of text and tables (Chinese, it goes up).

    Figures: each unit's tasks, acknowledgements, completions, overdue count and acknowledgement times
    (``responses.selectors.response_summary``), the daily reports each unit owed, sent late or missed, the
    bulletins and reports to the city, the inspections and their findings, and the units' summaries; the
    AQI before, during and after and the units' acknowledgement times also as charts (PNG,
    ``responses.selectors.response_evaluation_charts`` drawn by ``responses.charts``). Returns
    ``summary_docx``'s arguments: ``{"title", "subtitle", "sections", "tables", "charts": [(caption, png)]}``."""
    from django.utils import translation

    from responses import charts as drawing
    from responses.selectors import response_evaluation_charts, response_summary

    figures = response_summary(response)
    totals = figures["totals"]
    charts = response_evaluation_charts(response, summary=figures)
    started = timezone.localtime(response.started_at)
    ended = timezone.localtime(response.ended_at) if response.ended_at else None
    with translation.override("zh-hans"):
        level = str(response.get_level_display())
        alert_level = str(response.alert.get_level_display())
    hours = round(((response.ended_at or timezone.now()) - response.started_at).total_seconds() / 3600, 1)
    daily = {}
    for report in DailyReport.objects.filter(report_day__response=response).select_related("unit", "report_day"):
        row = daily.setdefault(report.unit_id, {"unit": report.unit.name, "order": report.unit.order, "owed": 0,
                                                "submitted": 0, "late": 0, "missing": 0})
        row["owed"] += 1
        if report.status == ReportStatus.SUBMITTED:
            row["submitted"] += 1
            row["late"] += report.late
        else:
            row["missing"] += 1
    summaries = list(UnitSummary.objects.filter(response=response).select_related("unit").order_by("unit__order", "id"))
    issued = Bulletin.objects.filter(response=response, status="issued").count()
    sent = CityReport.objects.filter(bulletin__response=response)
    sent_late = sum(1 for r in sent.only("sent_at", "deadline") if r.on_time is False)
    try:
        from reductions.models import Inspection

        inspections = Inspection.objects.filter(response_id=response.pk)
        checks = (inspections.count(), inspections.filter(result="non_compliant").count())
    except ImportError:  # pragma: no cover - the reductions app is part of the project
        checks = (0, 0)
    drill = "（演练）" if response.drill else ""
    sections = [
        ("一、基本情况", [
            f"{started:%Y年%m月%d日%H时}启动{alert_level}预警、{level}应急响应{drill}，"
            + (f"{ended:%Y年%m月%d日%H时}解除" if ended else "目前仍在执行") + f"，历时{hours}小时。",
        ]),
        ("二、任务落实情况", [
            f"共向{totals['units']}个单位下达任务{totals['assigned']}项，已签收{totals['acknowledged']}项，"
            f"已完成{totals['completed']}项，超时{totals['overdue']}项，关闭{totals['cancelled']}项。",
        ]),
        ("三、信息报送情况", [
            f"每日报送应报{sum(r['owed'] for r in daily.values())}份，已报{sum(r['submitted'] for r in daily.values())}份"
            f"（迟报{sum(r['late'] for r in daily.values())}份），未报{sum(r['missing'] for r in daily.values())}份；"
            f"印发简报{issued}期，向市报送{sent.count()}次（超时{sent_late}次）。",
        ]),
        ("四、检查督查情况", [f"现场检查{checks[0]}次，发现问题{checks[1]}个。"]),
        ("五、单位总结", [
            f"应提交总结{len(summaries)}个单位，已提交{sum(s.status == ReportStatus.SUBMITTED for s in summaries)}个"
            f"（逾期{sum(s.late for s in summaries)}个）。",
        ]),
    ]
    tasks = [["单位", "任务", "已签收", "已完成", "超时", "平均签收（分钟）", "最长签收（分钟）"]] + [
        [row["unit"].name, row["assigned"], row["acknowledged"], row["completed"], row["overdue"],
         _minutes(row["ack_latency_avg_s"]), _minutes(row["ack_latency_max_s"])] for row in figures["units"]]
    reports = [["单位", "应报", "已报", "迟报", "未报"]] + [
        [r["unit"], r["owed"], r["submitted"], r["late"], r["missing"]] for r in sorted(daily.values(), key=lambda r: r["order"])]
    due = [["单位", "截止日期", "状态", "提交时间"]] + [
        [s.unit.name, s.due_on.isoformat(), "未提交" if s.status == ReportStatus.DUE else ("逾期提交" if s.late else "已提交"),
         timezone.localtime(s.first_submitted_at).strftime("%Y-%m-%d %H:%M") if s.first_submitted_at else "—"]
        for s in summaries]
    return {"title": f"{settings.DISTRICT_NAME}空气重污染应急响应总结评估",
            "subtitle": f"{level}应急响应 #{response.pk}{drill}",
            "sections": sections,
            "tables": [("附表1：各单位任务落实情况", tasks), ("附表2：各单位每日报送情况", reports), ("附表3：各单位总结提交情况", due),
                       ("附表4：响应前后空气质量（预报AQI）", [["日期", "阶段", "AQI", "级别"]] + aqi_around(response, charts=charts))],
            # Chinese labels (it goes up); English where the server has no CJK font (responses.charts).
            "charts": [("附图1：响应前后空气质量（预报AQI，虚线为预警阈值）", drawing.aqi_chart(charts, language="zh-hans")),
                       ("附图2：各单位任务签收用时（红色为有超时任务的单位，虚线为签收时限）",
                        drawing.ack_chart(charts, language="zh-hans"))]}


def evaluation_docx(response: Response) -> bytes:
    """The summary evaluation (``evaluation_compose``) as a ``.docx``."""
    return documents.summary_docx(**evaluation_compose(response))


def evaluation_documents(*, response, user) -> list[dict]:
    """The summary evaluation's files for ``response`` (a ``Response``) that ``user`` may fetch, for the evaluation
    page (registered in ``responses.extensions``): ``[{"label": str, "url": str}, …]``, the Word file, then the PDF
    when this server has LibreOffice (``documents.pdf_available``); empty for anyone outside the command (the routes
    answer them 404). Issue 17 item 3: "Output as .docx and PDF beside today's page and CSV". Raises nothing."""
    if not permissions.may_follow_reports(user):
        return []
    files = [{"label": _("Download Word (.docx)"), "url": reverse("reports:evaluation-docx", args=[response.pk])}]
    if documents.pdf_available():
        files.append({"label": _("Download PDF"), "url": reverse("reports:evaluation-pdf", args=[response.pk])})
    return files
