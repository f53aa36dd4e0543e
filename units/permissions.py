"""Who may read and edit the roster's contacts (the units' duty phones and contact people).

Reading: the command (office and leaders) and the roster admin. Unit members may not: the
contact sheet holds other units' staff names and mobile numbers, personal information that a
member does not need for their own tasks (PIPL's minimum-necessary rule); their own dashboard
shows what they need. Editing: the office, which keeps the watch and the contact sheet
(附件1 二: 应急值守、信息上传下达), and the roster admin in the admin site. The services enforce;
pages and the API only ask.
"""

from rest_framework.permissions import BasePermission

from units.choices import Role
from units.roles import is_command, role_of


def may_view_contacts(user) -> bool:
    """The command or the roster admin: may read every unit's duty phone and contact people."""
    return bool(user and user.is_authenticated and user.is_active) and (is_command(user) or role_of(user) == Role.ADMIN)


def may_edit_contacts(user) -> bool:
    """Office staff or the roster admin: may change duty phones and contact people."""
    return bool(user and user.is_authenticated and user.is_active) and role_of(user) in (Role.OFFICE, Role.ADMIN)


class RosterReadPermission(BasePermission):
    """The roster API (read-only): ``may_view_contacts``; a signed-in unit member gets 403."""

    def has_permission(self, request, view):
        return may_view_contacts(request.user)
