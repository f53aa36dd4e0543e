"""Writes of the office's bulletins (应急工作简报) and its reports to the city (issue 17 item 2).

Plan: 附件1 一 (the headquarters reports the response to the city government, the district and the
municipal ecology bureau: 向市政府，区委、区政府和市生态环境局报告) and 附件1 二 (the office passes
information up: 信息上传下达). The office drafts a bulletin from a day's reports and the response's state,
edits it, and issues it: the issue gives it the year's next number and freezes its Word file. Each report
sent up is recorded with its recipient, time, sender, number, content, file and the deadline it met.

Locks (``events/locks.py`` step 5): an issue takes the year's numbering advisory lock, then the bulletin
row; an edit the bulletin row; the event-order lock comes last.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events.choices import Audience, EventType
from events.services import audit_record, event_record
from foundation.errors import ActionRefused
from foundation.text import storable_text
from reports import documents, permissions
from reports.choices import BulletinStatus, ReportStatus
from reports.models import Bulletin, CityReport, FigureField, ReportDay

_NUMBERING_LOCK = 7_340_640  # with the year as second key: one numbering per year at a time
TITLE = "空气重污染应急工作简报"
MAX_TITLE = 200
MAX_BODY = 20_000
MAX_TEXT_NOTE = 2000


def bulletin_number_line(bulletin: Bulletin) -> str:
    """"2026年第3期", or "（草稿）" before the issue gives it a number."""
    return f"{bulletin.year}年第{bulletin.number}期" if bulletin.number else "（草稿，印发时编号）"


def bulletin_document_number(bulletin: Bulletin) -> str:
    """The reference the city sees: "江津区空气重污染应急工作简报〔2026〕3号"."""
    return f"{settings.DISTRICT_NAME}空气重污染应急工作简报〔{bulletin.year}〕{bulletin.number}号"


def _figure_columns(rows) -> list[FigureField]:
    """The figures any unit reported a non-zero value for, in the fields' order (the table's columns)."""
    used = {key for row in rows for key, value in (row.figures or {}).items() if value}
    fields, seen = [], set()
    for field in FigureField.objects.order_by("order", "unit_kind", "id"):
        if field.key in used and field.key not in seen:
            fields.append(field)
            seen.add(field.key)
    return fields


def _inspections(report_day: ReportDay) -> tuple[int, int] | None:
    """(inspections, non-compliant) recorded for the response on the day; None when the reduction
    list's inspections are not installed."""
    try:
        from reductions.models import Inspection
    except ImportError:  # pragma: no cover - the reductions app is part of the project
        return None
    start = timezone.make_aware(datetime.datetime.combine(report_day.day, datetime.time()))
    done = Inspection.objects.filter(response_id=report_day.response_id, inspected_at__gte=start,
                                     inspected_at__lt=start + datetime.timedelta(days=1))
    return done.count(), done.filter(result="non_compliant").count()


def _forecast_aqi(day: datetime.date) -> dict | None:
    """The latest forecast's row for ``day`` (``{"aqi", "category", "primary_pollutants"}``), if any."""
    from feeds.models import Forecast

    for forecast in Forecast.objects.order_by("-issued_at", "-id")[:3]:
        for row in forecast.days or []:
            if row.get("date") == day.isoformat() and row.get("aqi") is not None:
                return row
    return None


def bulletin_compose(report_day: ReportDay) -> dict:
    """The draft's title, body and table from a day's reports, the response, inspections and the AQI forecast.

    Chinese whatever the reader's language (the bulletin goes up to the city). Returns
    ``{"title", "body", "table"}``; the table's first row is its header, one row per unit, a last row of totals."""
    response = report_day.response
    alert = response.alert
    rows = list(report_day.reports.select_related("unit").order_by("unit__order", "id"))
    submitted = [r for r in rows if r.status == ReportStatus.SUBMITTED]
    missing = [r.unit.name for r in rows if r.status == ReportStatus.DUE]
    late = [r for r in submitted if r.late]
    columns = _figure_columns(submitted)
    with translation.override("zh-hans"):
        level = str(response.get_level_display())
        alert_level = str(alert.get_level_display())
        state = "仍在执行" if response.ended_at is None or response.ended_at > report_day.deadline else "已解除"
        day = f"{report_day.day.month}月{report_day.day.day}日"
        started = timezone.localtime(response.started_at)
        drill = "（演练）" if response.drill else ""
        lines = [
            "一、预警及响应情况",
            f"{started.month}月{started.day}日{started.hour}时起，我区启动空气重污染{alert_level}预警、{level}应急响应{drill}，"
            f"截至{day}{state}。预警原因：{alert.reason}",
            "二、各单位报送情况",
            f"{day}应报送单位{len(rows)}个，已报送{len(submitted)}个（其中迟报{len(late)}个）"
            + (f"，未报送：{'、'.join(missing)}。" if missing else "，全部按时报送。" if not late else "。"),
            "三、主要工作开展情况",
        ]
        lines += [f"{r.unit.name}：{r.work.replace(chr(10), ' ')}" for r in submitted] or ["暂无。"]
        totals = {f.key: sum(int((r.figures or {}).get(f.key, 0)) for r in submitted) for f in columns}
        lines.append("四、主要数据")
        lines.append("；".join(f"{f.label}{totals[f.key]}" for f in columns if totals[f.key]) + "。" if any(totals.values())
                     else "暂无数据。")
        checks = _inspections(report_day)
        lines.append("五、检查督查情况")
        lines.append(f"当日现场检查{checks[0]}次，发现问题{checks[1]}个。" if checks and checks[0] else "当日无现场检查记录。")
        aqi = _forecast_aqi(report_day.day)
        lines.append("六、空气质量")
        lines.append(f"预报{day}空气质量指数（AQI）为{aqi['aqi']}" + (f"，{aqi['category']}" if aqi.get("category") else "")
                     + (f"，首要污染物{'、'.join(aqi.get('primary_pollutants') or [])}" if aqi.get("primary_pollutants") else "")
                     + "。" if aqi else "暂无空气质量预报数据。")
        problems = [f"{r.unit.name}：{r.problems.replace(chr(10), ' ')}" for r in submitted if r.problems]
        lines.append("七、存在问题及建议")
        lines += problems or ["无。"]
    header = ["单位", "报送情况"] + [f.label for f in columns]
    table = [header]
    for r in rows:
        state = "未报送" if r.status == ReportStatus.DUE else ("迟报" if r.late else "已报送")
        table.append([r.unit.name, state] + [int((r.figures or {}).get(f.key, 0)) for f in columns])
    table.append(["合计", f"{len(submitted)}/{len(rows)}"] + [totals[f.key] for f in columns])
    return {"title": TITLE, "body": "\n".join(lines), "table": table}


def bulletin_payload(bulletin: Bulletin) -> dict:
    """The event payload of a bulletin (``report.bulletin`` to the command)."""
    return {"id": bulletin.pk, "day": bulletin.day.isoformat(), "year": bulletin.year, "number": bulletin.number,
            "status": bulletin.status, "title": bulletin.title}


def bulletin_draft(*, report_day: ReportDay, actor) -> Bulletin:
    """Draft a bulletin from ``report_day`` (``bulletin_compose``) for the office to edit. Several drafts of a day
    may exist; only issued bulletins are numbered. Returns the draft.
    Raises PermissionDenied (403) unless the actor is office staff."""
    if not permissions.may_compile(actor):
        raise PermissionDenied(_("Only the office compiles bulletins."))
    content = bulletin_compose(report_day)
    with transaction.atomic():
        bulletin = Bulletin.objects.create(response=report_day.response, day=report_day.day, year=report_day.day.year,
                                           created_by=actor, **content)
        audit_record(actor=actor, action="bulletin_draft", target=bulletin, to_state=bulletin.status,
                     data={"report_day": report_day.pk})
        event_record(type=EventType.BULLETIN_CHANGED, audience=Audience.COMMAND, payload=bulletin_payload(bulletin))
    return bulletin


def _clean(title, body) -> tuple[str, str]:
    errors = {}
    title = storable_text(title if isinstance(title, str) else "").strip()
    body = storable_text(body if isinstance(body, str) else "").strip()
    if not title:
        errors["title"] = _("Enter the title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("At most %(n)d characters.") % {"n": MAX_TITLE}
    if not body:
        errors["body"] = _("Enter the body.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("At most %(n)d characters.") % {"n": MAX_BODY}
    if errors:
        raise ValidationError(errors)
    return title, body


def bulletin_edit(*, bulletin: Bulletin, actor, title: str, body: str) -> Bulletin:
    """Edit a draft's title and body (audited with the text before). Returns the bulletin.
    Raises PermissionDenied (403) unless office staff; ValidationError (400) for an empty or too long
    title (200) or body (20,000); ActionRefused (409) once issued (an issued bulletin is on record)."""
    if not permissions.may_compile(actor):
        raise PermissionDenied(_("Only the office compiles bulletins."))
    title, body = _clean(title, body)
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update(no_key=True).get(pk=bulletin.pk)
        if locked.status != BulletinStatus.DRAFT:
            raise ActionRefused(_("This bulletin is issued: it can no longer be edited."))
        before = {"title": locked.title, "body": locked.body}
        if before == {"title": title, "body": body}:
            return locked
        locked.title, locked.body = title, body
        locked.save(update_fields=["title", "body"])
        audit_record(actor=actor, action="bulletin_edit", target=locked, from_state=locked.status,
                     to_state=locked.status, data={"before": before})
        event_record(type=EventType.BULLETIN_CHANGED, audience=Audience.COMMAND, payload=bulletin_payload(locked))
    return locked


AQI_CAPTION = "附图：响应前后空气质量（预报AQI，虚线为预警阈值）"


def bulletin_render(bulletin: Bulletin) -> bytes:
    """The bulletin's Word file: as issued (stored), or the draft rendered now. Under its body, the forecast AQI
    of the response's days and two days either side as a chart (``responses.charts.aqi_chart``, the summary
    evaluation's), when the feeds have a forecast for any of them."""
    if bulletin.docx:
        return bytes(bulletin.docx)
    return documents.bulletin_docx(title=bulletin.title, number_line=bulletin_number_line(bulletin),
                                   issuer=documents.issuer_name(), day=bulletin.day, body=bulletin.body,
                                   table=bulletin.table, charts=_charts(bulletin))


def _charts(bulletin: Bulletin) -> list[tuple[str, bytes]]:
    from responses.charts import aqi_chart
    from responses.selectors import response_air_quality

    if bulletin.response is None:
        return []
    air = response_air_quality(bulletin.response)
    if all(day["aqi"] is None for day in air["aqi"]):
        return []
    return [(AQI_CAPTION, aqi_chart(air, language="zh-hans"))]


def bulletin_issue(*, bulletin: Bulletin, actor) -> Bulletin:
    """Issue a draft: it takes the year's next number (1, 2, 3… per calendar year of its day) and its Word file
    is frozen. Issuing an issued bulletin does nothing. Returns the bulletin.
    Raises PermissionDenied (403) unless office staff."""
    if not permissions.may_compile(actor):
        raise PermissionDenied(_("Only the office issues bulletins."))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NUMBERING_LOCK, bulletin.year])
        locked = Bulletin.objects.select_for_update(no_key=True).get(pk=bulletin.pk)
        if locked.status == BulletinStatus.ISSUED:
            return locked
        last = Bulletin.objects.filter(year=locked.year, number__isnull=False).aggregate(n=Max("number"))["n"] or 0
        locked.number = last + 1
        locked.status, locked.issued_at, locked.issued_by = BulletinStatus.ISSUED, timezone.now(), actor
        locked.docx = bulletin_render(locked)
        locked.save(update_fields=["number", "status", "issued_at", "issued_by", "docx"])
        audit_record(actor=actor, action="bulletin_issue", target=locked, from_state=BulletinStatus.DRAFT,
                     to_state=BulletinStatus.ISSUED, data={"number": locked.number, "year": locked.year})
        event_record(type=EventType.BULLETIN_CHANGED, audience=Audience.COMMAND, payload=bulletin_payload(locked))
    return locked


def city_report_deadline(day: datetime.date) -> datetime.datetime:
    """When the day's report to the city is due: ``day`` at ``CITY_REPORT_DEADLINE`` (default 18:00), local."""
    hours, minutes = (int(part) for part in settings.CITY_REPORT_DEADLINE.split(":"))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hours, minutes)))


def city_report_record(*, actor, bulletin: Bulletin, recipient: str, sent_at: datetime.datetime | None = None,
                       note: str = "") -> CityReport:
    """Record that an issued bulletin was sent up to ``recipient`` (附件1 一: 向市政府…报告).

    The record keeps the bulletin's document number, its text (plus ``note``), its Word file as issued, the
    time sent (default now; not in the future, not more than 7 days back) and the deadline of its day
    (``CITY_REPORT_DEADLINE``): ``on_time`` says whether it was met. Returns the record.
    Raises PermissionDenied (403) unless office staff; ValidationError (400) for an empty or too long recipient
    or a bad time; ActionRefused (409) for a bulletin not yet issued."""
    if not permissions.may_compile(actor):
        raise PermissionDenied(_("Only the office records reports to the city."))
    recipient = storable_text(recipient if isinstance(recipient, str) else "").strip()
    note = storable_text(note if isinstance(note, str) else "").strip()
    now = timezone.now()
    sent_at = sent_at or now
    if not recipient:
        raise ValidationError({"recipient": _("Enter who the report was sent to.")})
    if len(recipient) > 100:
        raise ValidationError({"recipient": _("At most %(n)d characters.") % {"n": 100}})
    if len(note) > MAX_TEXT_NOTE:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": MAX_TEXT_NOTE}})
    if sent_at > now + datetime.timedelta(minutes=5) or sent_at < now - datetime.timedelta(days=7):
        raise ValidationError({"sent_at": _("The time sent must be within the last 7 days, not in the future.")})
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update(no_key=True).get(pk=bulletin.pk)
        if locked.status != BulletinStatus.ISSUED:
            raise ActionRefused(_("Issue the bulletin before sending it to the city."))
        content = locked.body + (f"\n\n{note}" if note else "")
        record = CityReport.objects.create(
            bulletin=locked, recipient=recipient, number=bulletin_document_number(locked), content=content,
            sent_at=sent_at, sent_by=actor, deadline=city_report_deadline(locked.day),
            file_name=f"{bulletin_document_number(locked)}.docx", file=bytes(locked.docx))
        audit_record(actor=actor, action="city_report_record", target=record,
                     data={"bulletin": locked.pk, "recipient": recipient, "number": record.number,
                           "sent_at": sent_at.isoformat(), "on_time": record.on_time})
        event_record(type=EventType.CITY_REPORT_SENT, audience=Audience.COMMAND,
                     payload={"id": record.pk, "bulletin": locked.pk, "recipient": recipient, "number": record.number,
                              "on_time": record.on_time})
    return record

