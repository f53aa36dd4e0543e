"""The dashboards' live parts as the hub renders them for the frames (``events.screens``).

Registered in ``DashboardsConfig.ready``: ``events`` is the ground floor and never imports this
app. Each renderer runs in the hub's worker thread once per batch of events, and renders the
screen once per audience (each unit with an open unit screen; the command once) in one language,
with the same context functions and templates as the pages' own views (``dashboards.views``).
"""

from django.template.loader import render_to_string
from django.utils import translation

from alerts.permissions import may_decide
from events.screens import Screen, screen_register
from responses.permissions import may_supervise
from responses.selectors import units_tasks_current
from units.models import Unit
from units.permissions import may_act_for_unit


def _render_command(screen: str, build):
    def render(audiences: list, language: str) -> dict:
        with translation.override(language):
            from dashboards.views import live_html

            return {None: live_html(screen, build)}

    return render


def render_units(audiences: list, language: str) -> dict:
    """The unit screen for each unit id in ``audiences``: the context every unit shares (the warning in
    force, its advice) is built once, every unit's tasks are read at once (``units_tasks_current``: three
    queries) and their "Earlier tasks" parts too (``recent_parts``: one query, two when one is not cached),
    not per unit; then each unit's template."""
    from dashboards.views import _context, live_html, recent_parts, unit_live

    units = Unit.objects.in_bulk([a for a in audiences if a is not None])
    tasks = units_tasks_current(units)
    with translation.override(language):
        recent = recent_parts(list(units))
        common = _context({"unit_screen": True})
        # The banner is every unit's own: rendered once for the pass (unit_live.html includes it otherwise).
        common["banner_html"] = render_to_string("dashboards/_banner.html", common)
        return {
            unit_id: live_html("unit", lambda unit=unit: unit_live(unit, tasks=tasks[unit.pk], recent_html=recent[unit.pk]), common)
            for unit_id, unit in units.items()
        }


def screens_register() -> None:
    """Register the unit, office, leader and wall screens with the events hub."""
    from dashboards.views import leader_live, office_live, wall_live

    screen_register(
        Screen("unit", command=False, allowed=lambda user: may_act_for_unit(user, user.unit_id), render=render_units)
    )
    screen_register(Screen("office", command=True, allowed=may_supervise, render=_render_command("office", office_live)))
    screen_register(Screen("wall", command=True, allowed=may_supervise, render=_render_command("wall", wall_live)))
    screen_register(Screen("leader", command=True, allowed=may_decide, render=_render_command("leader", leader_live)))
