"""The screens: the landing redirect by role and the live dashboards.

Each dashboard is a page shell around a live part (``templates/dashboards/<screen>_live.html``).
The live part rides in the dashboard socket's frames, rendered once per audience by the hub
(``dashboards.screens``, registered in ``DashboardsConfig.ready``); ``?fragment=1`` answers the
same text over HTTP, which the page asks only after a reconnect."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

from alerts.advice import alert_advice
from alerts.permissions import may_decide
from alerts.selectors import alert_decisions_recent, alert_in_force, alerts_pending_approval, with_previews
from duty.selectors import shift_current
from events.selectors import account_changes_recent, latest_event_id
from events.shared import shared, shared_key
from reductions.selectors import compliance_summary
from responses.permissions import may_supervise
from responses.selectors import (
    grid_totals, response_active, unit_grid, unit_tasks_current, units_tasks_recent, units_tasks_recent_states,
)
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


def _render(request, screen: str, build, *, audience=None):
    """The page, or with ``?fragment=1`` its live part. The live part is the screen's own
    (``live_html``): the same text the dashboard socket carries in its frames, rendered without a
    request (nothing of the reader's own), so one render serves a whole audience (``audience``: the
    unit's id, or None for the command); the page asks for it only after a reconnect."""
    template = f"dashboards/{screen}.html"
    if request.GET.get("fragment"):
        group = "command" if audience is None else f"unit-{audience}"
        return HttpResponse(shared(shared_key("live", screen, group), lambda: live_html(screen, build)))
    context = _context(build())
    context["last_event_id"] = latest_event_id()
    return render(request, template, context)


def live_html(screen: str, build, common: dict | None = None) -> str:
    """The live part of ``screen`` (``templates/dashboards/<screen>_live.html``) in the current language,
    rendered with no request: what the frames carry and what ``?fragment=1`` answers. ``common``: the
    part of the context every audience shares (``_context``), when the caller has it already."""
    context = (common if common is not None else _context({})) | build()
    return render_to_string(f"dashboards/{screen}_live.html", context)


def _context(context: dict) -> dict:
    alert = alert_in_force()
    # The unit and wall screens show the public's health advice for the warning (issue 15, item 6): HJ 633's
    # band text and the primary pollutant's lines, in the reader's language (shared renders are per language).
    health = alert_advice(alert, get_language())["health"][:3] if alert else []
    drill_alert = alert_in_force(drill=True)
    return context | {"alert": alert, "alert_health": health, "drill_alert": drill_alert, "now": timezone.now()}


def unit_live(unit, *, tasks=None, recent_html=None) -> dict:
    """The unit screen's live context: the unit's current tasks and its "Earlier tasks" part (``tasks``,
    ``recent_html``: already read and rendered for many units at once by the hub's renderer,
    ``dashboards.screens.render_units``)."""
    tasks = unit_tasks_current(unit) if tasks is None else tasks
    recent_html = recent_parts([unit.pk])[unit.pk] if recent_html is None else recent_html
    return {"unit": unit, "tasks": tasks, "recent_html": recent_html, "unit_screen": True}


RECENT_SECONDS = 3600  # how long a unit's "Earlier tasks" part stays cached (it is keyed by what it lists)


def recent_parts(unit_ids) -> dict[int, str]:
    """Each unit's "Earlier tasks" part (``dashboards/_recent.html``) in the current language, ``{unit id:
    html}`` ("" for a unit with none). Ended tasks seldom change, so a part is cached by what it lists (its
    tasks' ids and statuses, ``units_tasks_recent_states``: one query) and the tasks themselves are read and
    rendered only for the units whose part is not cached (``units_tasks_recent``: one more query for all of
    them). The hub renders every open unit screen after each batch: 54 units' parts read afresh cost 30 ms
    here (``bench/``'s fan-out database), from the cache 2 ms. Raises nothing."""
    language = get_language()
    keys = {unit_id: make_template_fragment_key("unit-recent", [language, state])
            for unit_id, state in units_tasks_recent_states(unit_ids).items() if state}
    found = cache.get_many(keys.values())
    missing = [unit_id for unit_id, key in keys.items() if key not in found]
    if missing:
        fresh = {keys[unit_id]: render_to_string("dashboards/_recent.html", {"recent": recent})
                 for unit_id, recent in units_tasks_recent(missing).items()}
        cache.set_many(fresh, RECENT_SECONDS)
        found |= fresh
    return {unit_id: found.get(keys.get(unit_id), "") for unit_id in unit_ids}


def office_live() -> dict:
    """The office screen's live context: the grid, approvals, proposals, feed health, who is on duty."""
    from feeds.selectors import feed_health, proposals_open

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
        # A leader's rejection or refusal reaches the office's screen live (issue 14 item 5).
        "decisions": alert_decisions_recent(),
    }


def leader_live() -> dict:
    """The leader screen's live context: the approval queue with previews, the totals, account changes.
    The same for every leader: its forms get the reader's CSRF token from the page (``dashboard.js``)."""
    response = response_active()
    return {
        "pending": with_previews(alerts_pending_approval()), "response": response,
        "totals": _totals(unit_grid(response)), "role_changes": account_changes_recent(),
    }


def wall_live() -> dict:
    """The wall screen's live context: the grid, its totals, who is on duty, and the reduction list's
    compliance in the response (``reductions.selectors.compliance_summary``: checked, compliant,
    non-compliant, not yet checked, and the open rectifications nearest deadline first)."""
    response = response_active()
    grid = unit_grid(response)
    return {"response": response, "grid": grid, "totals": _totals(grid), "on_duty": shift_current(),
            "compliance": compliance_summary(response) if response is not None else None}


@login_required
def unit_dashboard(request):
    """A member unit's screen: the warning in force and the unit's tasks with their deadlines."""
    unit = request.user.unit
    if not may_act_for_unit(request.user, request.user.unit_id):
        raise PermissionDenied
    return _render(request, "unit", lambda: unit_live(unit), audience=unit.pk)


@login_required
@asks(may_supervise)
def office_dashboard(request):
    """The command grid: every unit's state in the running response, proposals, approvals and feed health."""
    return _render(request, "office", office_live)


@login_required
@asks(may_decide)
def leader_dashboard(request):
    """The leaders' approval queue, live, with the basis of each proposal."""
    return _render(request, "leader", leader_live)


@login_required
@asks(may_supervise)
def wall(request):
    """The command room's big screen: read-only, refreshed live."""
    return _render(request, "wall", wall_live)


def _totals(grid: list[dict]) -> dict:
    """Task counts and unit counts, each labelled on the screens (``responses.selectors.grid_totals``)."""
    return grid_totals(grid)
