"""The dashboards' live parts as the hub renders them for the frames (``events.screens``).

Registered in ``DashboardsConfig.ready``: ``events`` is the ground floor and never imports this
app. Each renderer runs in the hub's worker thread once per batch of events, and renders the
screen once per audience (each unit with an open unit screen; the command once) in one language,
with the same context functions and templates as the pages' own views (``dashboards.views``).
"""

from django.utils import translation

from alerts.permissions import may_decide
from events.screens import Screen, screen_register
from responses.permissions import may_supervise
from units.models import Unit
from units.permissions import may_act_for_unit


def _render_command(screen: str, build):
    def render(audiences: list, language: str) -> dict:
        with translation.override(language):
            from dashboards.views import live_html

            return {None: live_html(screen, build)}

    return render


def render_units(audiences: list, language: str) -> dict:
    """The unit screen for each unit id in ``audiences``: the context every unit shares (the
    warning in force, its advice) is built once, then each unit's tasks and template."""
    from dashboards.views import _context, live_html, unit_live

    units = Unit.objects.in_bulk([a for a in audiences if a is not None])
    with translation.override(language):
        common = _context({})
        return {unit_id: live_html("unit", lambda unit=unit: unit_live(unit), common) for unit_id, unit in units.items()}


def screens_register() -> None:
    """Register the unit, office, leader and wall screens with the events hub."""
    from dashboards.views import leader_live, office_live, wall_live

    screen_register(
        Screen("unit", command=False, allowed=lambda user: may_act_for_unit(user, user.unit_id), render=render_units)
    )
    screen_register(Screen("office", command=True, allowed=may_supervise, render=_render_command("office", office_live)))
    screen_register(Screen("wall", command=True, allowed=may_supervise, render=_render_command("wall", wall_live)))
    screen_register(Screen("leader", command=True, allowed=may_decide, render=_render_command("leader", leader_live)))
