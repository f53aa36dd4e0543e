"""Who may do what with the emission-reduction list: the one place each entry point asks.

Reading: the command (office, leaders, roster admins) sees the whole list; a member unit sees
what it supervises and what lies in its town, street or park (issue 16, item 7). Writing (import,
edits in the admin, the district's totals) needs ``reductions.manage_list``: the office and the
roster admins, or anyone an admin grants it to (the ecology and environment bureau's list keepers).
"""

from django.db.models import Q
from rest_framework.permissions import BasePermission

from units.permissions import is_command, is_roster_admin

PERM_MANAGE = "reductions.manage_list"


def sees_whole_list(user) -> bool:
    """The command (office, leaders) and the roster admins: they see every enterprise and site of the list."""
    return is_command(user) or is_roster_admin(user)


def scope_q(user) -> Q | None:
    """The filter of entries a user may see: None for everything, else supervised by or lying in their unit.

    A user with neither a command role nor a unit gets a filter that matches nothing.
    """
    if sees_whole_list(user):
        return None
    if user.unit_id is None:
        return Q(pk__in=[])
    return Q(supervisor_id=user.unit_id) | Q(town_id=user.unit_id)


def may_manage(user) -> bool:
    """Import the list, edit it, record the district's totals."""
    return bool(user and user.is_authenticated and user.has_perm(PERM_MANAGE))


def may_see_targets(user) -> bool:
    """The target panel (district totals and what the whole list cuts) is for the command."""
    return sees_whole_list(user)


class ListPermission(BasePermission):
    """API: any signed-in user reads (scoped by ``selectors``); the list's API has no writes."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)
