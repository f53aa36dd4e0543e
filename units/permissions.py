"""Who is who: the one place that says which role a user acts in, and who counts as the command.

Every app's ``permissions.py`` builds on these predicates; services enforce with them, and
views, API permission classes and templates only ask them. Authority comes from the one role
a user holds (``units.roles``), never from Django's superuser flag or per-user permissions:
a superuser made on the command line is a roster admin here, nothing more (附件1 二: the
office issues yellow, the district leaders decide orange and red).

The roster's contacts (the units' duty phones and contact people): reading is for the command and
the roster admin. Unit members may not: the contact sheet holds other units' staff names and mobile
numbers, personal information that a member does not need for their own tasks (PIPL's
minimum-necessary rule); their own dashboard shows what they need. Editing: the office, which keeps
the watch and the contact sheet (附件1 二: 应急值守、信息上传下达), and the roster admin in the admin site.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from units.choices import Role
from units.roles import role_of

# The headquarters' leaders and its office: they see every unit's work and receive "command"
# events (events.choices.Audience.COMMAND). The roster admin is not the command.
COMMAND_ROLES = frozenset({Role.OFFICE, Role.LEADER})


def acting_role(user) -> str | None:
    """The role ``user`` acts in now: None for anonymous, inactive or role-less users."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return role_of(user)


def is_command(user) -> bool:
    """The office or a headquarters leader: sees every warning, response, task and command event."""
    return acting_role(user) in COMMAND_ROLES


def is_leader(user) -> bool:
    """A headquarters leader (区指挥部领导): decides orange and red, and every downgrade and lift of them."""
    return acting_role(user) == Role.LEADER


def is_office(user) -> bool:
    """Office staff (区指挥部办公室): issue and lift yellow, propose everything else."""
    return acting_role(user) == Role.OFFICE


def is_unit_member(user) -> bool:
    """Staff of a member unit: act on their own unit's tasks only."""
    return acting_role(user) == Role.UNIT and user.unit_id is not None


def is_roster_admin(user) -> bool:
    """The roster admin: edits units, duties, task templates and accounts in the admin site."""
    return acting_role(user) == Role.ADMIN


def may_act_for_unit(user, unit_id: int | None) -> bool:
    """May ``user`` acknowledge, report on and complete tasks of ``unit_id``?

    A unit's own members; office staff and leaders belong to the office and headquarters
    units, and act on those units' tasks the same way.
    """
    return unit_id is not None and user.unit_id == unit_id and acting_role(user) in (Role.UNIT, Role.OFFICE, Role.LEADER)


def may_manage_accounts(user) -> bool:
    """May ``user`` edit the roster and other people's accounts in the admin site?"""
    return is_roster_admin(user)


def may_set_role(actor, user) -> bool:
    """May ``actor`` change ``user``'s role? A roster admin, for anyone but themselves."""
    return may_manage_accounts(actor) and actor.pk != user.pk


def asks(predicate):
    """A page view decorator: 403 unless ``predicate(request.user)``. Put it under ``login_required``
    (anonymous visitors are sent to log in first). The view only asks; its service enforces."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def reads_every_unit(user) -> bool:
    """The command or the roster admin: reads every unit's records (contacts, the duty roster, the training
    register, the whole reduction list). The roster admin is not the command (no command events, no
    decisions), but keeps these records, so reads them all. Each app's ``may_view_*`` is this one rule."""
    return is_command(user) or is_roster_admin(user)


def keeps_records(user) -> bool:
    """Office staff or the roster admin: edits the records the office keeps (附件1 二: 应急值守、信息上传下达、
    培训和演练): contacts, the duty roster, the training register. The roster admin corrects them.
    Each app's ``may_edit_*`` is this one rule."""
    return is_office(user) or is_roster_admin(user)


def may_view_contacts(user) -> bool:
    """The command or the roster admin: may read every unit's duty phone and contact people."""
    return reads_every_unit(user)


def may_edit_contacts(user) -> bool:
    """Office staff or the roster admin: may change duty phones and contact people."""
    return keeps_records(user)


class RosterReadPermission(BasePermission):
    """The roster API (read-only): ``may_view_contacts``; a signed-in unit member gets 403."""

    def has_permission(self, request, view):
        return may_view_contacts(request.user)
