"""The screens: the landing redirect by role and the live dashboards. Each renders a page; with ``?fragment=1`` only its live part, which
the page's script re-fetches when an event arrives over the WebSocket."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from alerts.advice import alert_advice
from alerts.permissions import may_decide
from alerts.selectors import alert_in_force, alerts_pending_approval, with_previews
from duty.selectors import shift_current
from events.selectors import account_changes_recent, latest_event_id
from events.shared import shared, shared_key
from responses.permissions import may_supervise
from responses.selectors import response_active, unit_grid, unit_tasks_current, unit_tasks_recent
from units.choices import Role, UnitKind
from units.permissions import asks, may_act_for_unit
from units.roles import role_of

ROLE_HOME = {
    Role.OFFICE: "dashboard-office",
    Role.LEADER: "dashboard-leader",
    Role.UNIT: "dashboard-unit",
    Role.ADMIN: "admin:index",
}


@login_required
def home(request):
    """Send each user to their own dashboard (the public page for anyone without a role)."""
    return redirect(ROLE_HOME.get(role_of(request.user), "public-home"))


def _render(request, template: str, build, *, shared_by: str | None = None):
    """The page, or with ``?fragment=1`` its live part: rendered once for a whole group of
    readers (``shared_by``: one unit's members, the command) when it holds nothing of the
    reader's own (``events.shared``)."""
    fragment = bool(request.GET.get("fragment"))
    live = template.replace(".html", "_live.html")
    if fragment and shared_by is not None:
        return HttpResponse(
            shared(shared_key("live", live, shared_by), lambda: render_to_string(live, _context(build()), request=request))
        )
    context = _context(build())
    if fragment:
        return render(request, live, context)
    context["last_event_id"] = latest_event_id()
    return render(request, template, context)


def _context(context: dict) -> dict:
    alert = alert_in_force()
    # The unit and wall screens show the public's health advice for the warning (issue 15, item 6): HJ 633's
    # band text and the primary pollutant's lines, in the reader's language (shared renders are per language).
    health = alert_advice(alert, get_language())["health"][:3] if alert else []
    drill_alert = alert_in_force(drill=True)
    return context | {"alert": alert, "alert_health": health, "drill_alert": drill_alert, "now": timezone.now()}


@login_required
def unit_dashboard(request):
    """A member unit's screen: the warning in force and the unit's tasks with their deadlines."""
    unit = request.user.unit
    if not may_act_for_unit(request.user, request.user.unit_id):
        raise PermissionDenied

    def build():
        tasks = unit_tasks_current(unit)
        recent = unit_tasks_recent(unit)
        return {"unit": unit, "tasks": tasks, "recent": recent, "unit_screen": True}

    return _render(request, "dashboards/unit.html", build, shared_by=f"unit-{unit.pk}")


@login_required
@asks(may_supervise)
def office_dashboard(request):
    """The command grid: every unit's state in the running response, proposals, approvals and feed health."""
    from feeds.selectors import feed_health, proposals_open

    def build():
        response = response_active()
        grid = unit_grid(response)
        return {
            "response": response,
            "grid": grid,
            "totals": _totals(grid),
            "kinds": UnitKind.choices,
            "pending": alerts_pending_approval(),
            "proposals": proposals_open()[:10],
            "feeds": feed_health(),
            "drill_response": response_active(drill=True),
            "on_duty": shift_current(),
        }

    return _render(request, "dashboards/office.html", build, shared_by="command")


@login_required
@asks(may_decide)
def leader_dashboard(request):
    """The leaders' approval queue, live, with the basis of each proposal."""
    def build():  # not shared: the approval forms carry the reader's CSRF token
        response = response_active()
        return {
            "pending": with_previews(alerts_pending_approval()), "response": response,
            "totals": _totals(unit_grid(response)), "role_changes": account_changes_recent(),
        }

    return _render(request, "dashboards/leader.html", build)


@login_required
@asks(may_supervise)
def wall(request):
    """The command room's big screen: read-only, refreshed live."""
    def build():
        response = response_active()
        grid = unit_grid(response)
        return {"response": response, "grid": grid, "totals": _totals(grid), "on_duty": shift_current()}

    return _render(request, "dashboards/wall.html", build, shared_by="command")


def _totals(grid: list[dict]) -> dict:
    totals = {"units": len(grid), "assigned": 0, "acknowledged": 0, "completed": 0, "overdue": 0, "none": 0}
    for row in grid:
        totals[row["state"]] = totals.get(row["state"], 0) + 1
    return totals
