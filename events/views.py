"""The live dashboards. Each renders a page; with ``?fragment=1`` only its live part, which
the page's script re-fetches when an event arrives over the WebSocket."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from alerts.selectors import alert_in_force, alerts_pending_approval
from events.selectors import latest_event_id
from responses.choices import AssignmentStatus
from responses.models import TaskAssignment
from responses.selectors import response_active, unit_grid
from units.choices import UnitKind


def _render(request, template: str, context: dict):
    context.update(
        alert=alert_in_force(),
        drill_alert=alert_in_force(drill=True),
        now=timezone.now(),
    )
    if request.GET.get("fragment"):
        return render(request, template.replace(".html", "_live.html"), context)
    context["last_event_id"] = latest_event_id()
    return render(request, template, context)


@login_required
def unit_dashboard(request):
    """A member unit's screen: the warning in force and the unit's tasks with their deadlines."""
    unit = request.user.unit
    if unit is None or not request.user.has_perm("responses.act_on_assignment"):
        raise PermissionDenied
    tasks = list(
        TaskAssignment.objects.filter(unit=unit, response__status="active")
        .exclude(status=AssignmentStatus.CANCELLED)
        .select_related("response")
        .order_by("status", "ack_deadline")
    )
    recent = list(
        TaskAssignment.objects.filter(unit=unit)
        .exclude(response__status="active")
        .select_related("response")
        .order_by("-assigned_at")[:10]
    )
    return _render(request, "events/unit.html", {"unit": unit, "tasks": tasks, "recent": recent})


@login_required
@permission_required("responses.supervise_assignment", raise_exception=True)
def office_dashboard(request):
    """The command grid: every unit's state in the running response, proposals, approvals and feed health."""
    from feeds.selectors import feed_health, proposals_open

    response = response_active()
    grid = unit_grid(response)
    return _render(
        request,
        "events/office.html",
        {
            "response": response,
            "grid": grid,
            "totals": _totals(grid),
            "kinds": UnitKind.choices,
            "pending": alerts_pending_approval(),
            "proposals": proposals_open()[:10],
            "feeds": feed_health(),
            "drill_response": response_active(drill=True),
        },
    )


@login_required
@permission_required("alerts.approve_alert", raise_exception=True)
def leader_dashboard(request):
    """The leaders' approval queue, live, with the basis of each proposal."""
    response = response_active()
    return _render(
        request,
        "events/leader.html",
        {"pending": alerts_pending_approval(), "response": response, "totals": _totals(unit_grid(response))},
    )


@login_required
@permission_required("responses.supervise_assignment", raise_exception=True)
def wall(request):
    """The command room's big screen: read-only, refreshed live."""
    response = response_active()
    grid = unit_grid(response)
    return _render(request, "events/wall.html", {"response": response, "grid": grid, "totals": _totals(grid)})


def _totals(grid: list[dict]) -> dict:
    totals = {"units": len(grid), "assigned": 0, "acknowledged": 0, "completed": 0, "overdue": 0, "none": 0}
    for row in grid:
        totals[row["state"]] = totals.get(row["state"], 0) + 1
    return totals
