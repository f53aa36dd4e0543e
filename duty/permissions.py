"""Who may read and keep the on-duty roster. Services enforce; pages and the admin only ask."""

from units.choices import Role
from units.permissions import is_command, is_roster_admin
from units.roles import role_of


def may_view_duty(user) -> bool:
    """The command sees the roster and who is on duty now."""
    return is_command(user) or is_roster_admin(user)  # the roster admin keeps it (units.permissions: not the command)


def may_edit_duty(user) -> bool:
    """The office keeps the watch (附件1 二 应急值守) and its roster; the roster admin may correct it."""
    return bool(user and user.is_authenticated and user.is_active) and role_of(user) in (Role.OFFICE, Role.ADMIN)
