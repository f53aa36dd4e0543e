"""Who may do what in the reporting cycle. Services enforce; views, the API and templates only ask."""

from units.permissions import is_command, is_office, is_roster_admin, may_act_for_unit


def may_follow_reports(user) -> bool:
    """See every unit's daily reports and summaries, the bulletins and the reports to the city: the command."""
    return is_command(user)


def may_submit_for(user, unit_id: int | None) -> bool:
    """Submit or correct ``unit_id``'s daily report or summary: that unit's own members (附件1 三)."""
    return may_act_for_unit(user, unit_id)


def may_compile(user) -> bool:
    """Close a day, draft, edit and issue bulletins, record reports to the city: the office
    (附件1 二: 信息上传下达; 及时汇总上报)."""
    return is_office(user)


def may_edit_figures(user) -> bool:
    """Edit which figures each kind of unit reports (admin site): the roster admin."""
    return is_roster_admin(user)
