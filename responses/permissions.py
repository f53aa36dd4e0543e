"""Who may do what to responses and task assignments: plain predicates every entry point asks.

``responses.services`` enforces them; views, API views and templates only ask.
"""

from units.permissions import is_command, may_act_for_unit


def may_supervise(user) -> bool:
    """Follow every response, read summaries, send tasks back: the command (office and leaders)."""
    return is_command(user)


def may_act_on(user, assignment) -> bool:
    """Acknowledge, report progress on and complete ``assignment``: members of its own unit."""
    return may_act_for_unit(user, assignment.unit_id)


def may_read_unit_files(user, unit_id: int | None) -> bool:
    """Download a report's attachment of ``unit_id``'s task: the command and that unit's own members."""
    return is_command(user) or may_act_for_unit(user, unit_id)
