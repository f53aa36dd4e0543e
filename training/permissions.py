"""Who may read and keep the training and drill register. Services enforce; pages and the admin only ask."""

from units.choices import Role
from units.permissions import is_command, is_roster_admin
from units.roles import role_of


def may_view_training(user) -> bool:
    """The command reads the register and its attachments."""
    return is_command(user) or is_roster_admin(user)  # the roster admin keeps it (units.permissions: not the command)


def may_edit_training(user) -> bool:
    """The office organises publicity, training and drills (附件1 二); the roster admin may correct the register."""
    return bool(user and user.is_authenticated and user.is_active) and role_of(user) in (Role.OFFICE, Role.ADMIN)
