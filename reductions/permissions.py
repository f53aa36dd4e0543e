"""Who may do what with the emission-reduction list: the one place each entry point asks.

Reading: the command (office, leaders, roster admins) sees the whole list; a member unit sees
what it supervises and what lies in its town, street or park (issue 16, item 7). Writing (import,
edits in the admin, the district's totals) needs ``reductions.manage_list``: the office and the
roster admins, or anyone an admin grants it to (the ecology and environment bureau's list keepers).
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from rest_framework.permissions import BasePermission

from units.permissions import is_command, is_office, is_unit_member, reads_every_unit

PERM_MANAGE = "reductions.manage_list"


def sees_whole_list(user) -> bool:
    """The command (office, leaders) and the roster admins: they see every enterprise and site of the list."""
    return reads_every_unit(user)


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


# --- During a response: checklists (issue 16 item 4), inspections (item 5), the compliance view (item 6) ---


def item_scope_q(user) -> Q | None:
    """The checklist items and inspections a user may see: None for everything (the command, the roster
    admin), else those its unit supervises or that lie in its town, street or park; nothing without a unit."""
    if sees_whole_list(user):
        return None
    if user.unit_id is None:
        return Q(pk__in=[])
    return Q(unit_id=user.unit_id) | Q(town_id=user.unit_id)


def may_confirm_item(user, item) -> bool:
    """Confirm a checklist item is in place: members of its supervising unit or of its town, street or park."""
    return is_unit_member(user) and user.unit_id in (item.unit_id, item.town_id)


def may_inspect(user) -> bool:
    """Record inspections at all: office staff, and unit members the roster admin named inspectors (``Inspector``)."""
    if is_office(user):
        return True
    if not is_unit_member(user):
        return False
    try:
        return user.inspector.active  # one query, cached on the user object for the request
    except ObjectDoesNotExist:
        return False


def may_inspect_entry(user, entry) -> bool:
    """Inspect this enterprise or site: office staff anywhere; an inspector what its unit supervises or its town holds."""
    if not may_inspect(user):
        return False
    return is_office(user) or user.unit_id in (entry.supervisor_id, entry.town_id)


def may_follow_up(user, inspection) -> bool:
    """Record the follow-up of an open inspection: whoever may inspect its enterprise or site."""
    if not may_inspect(user):
        return False
    return is_office(user) or user.unit_id in (inspection.unit_id, inspection.town_id)


def may_see_compliance(user) -> bool:
    """The live compliance view of a response's list (issue 16 item 6): the command."""
    return is_command(user)


class InspectionPermission(BasePermission):
    """API: any signed-in user reads inspections in their scope; writing asks ``may_inspect`` (the service re-checks)."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return may_inspect(request.user)
