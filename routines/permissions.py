"""Who may see and keep the office's standing duties. Services enforce; pages and the API only ask."""

from units.permissions import is_command, is_office


def may_view_routines(user) -> bool:
    """The command sees the standing duties, their due dates and the record of each round."""
    return is_command(user)


def may_keep_routines(user) -> bool:
    """The office schedules its standing duties and records each round done (附件1 二)."""
    return is_office(user)
