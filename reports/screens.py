"""The daily-reports board of a day as a live screen (``events.screens``): rendered by the hub once per day
watched and per language, carried in the frames, so the office's board updates with no HTTP request.

Registered in ``ReportsConfig.ready`` (``events`` is the ground floor and never imports this app). The page's
socket names the day: ``?screen=reports&subject=<day id>``.
"""

from django.template.loader import render_to_string
from django.utils import translation

from events.screens import Screen, screen_register
from reports.models import ReportDay
from reports.permissions import may_follow_reports
from reports.selectors import report_days_visible_to


def day_subject(user, value: str | None) -> int | None:
    """The day ``value`` names if ``user`` may follow it (the page's own check), else None."""
    try:
        pk = int(value or "")
    except ValueError:
        return None
    return pk if report_days_visible_to(user).filter(pk=pk).exists() else None


def render_days(audiences: list, language: str) -> dict:
    """``{day id: the day's live part}`` for each day id in ``audiences``, in ``language``: the page's own
    context (``reports.views.day_live_context``) and template."""
    from reports.views import day_live_context

    days = ReportDay.objects.select_related("response").in_bulk([a for a in audiences if a is not None])
    with translation.override(language):
        return {pk: render_to_string("reports/day_live.html", day_live_context(day)) for pk, day in days.items()}


def screens_register() -> None:
    """Register the day's board (``reports``) with the events hub."""
    screen_register(Screen("reports", command=True, allowed=may_follow_reports, render=render_days, subject=day_subject))
