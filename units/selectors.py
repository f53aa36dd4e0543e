"""Reads of the roster, scoped to the reader."""

from django.db.models import Prefetch, QuerySet

from units.models import Contact, Duty, Unit, User
from units.permissions import COMMAND_ROLES, may_view_contacts


def units_visible_to(user) -> QuerySet[Unit]:
    """Every unit, active or not, for ``user`` if they may read the contact sheet
    (``units.permissions.may_view_contacts``); an empty queryset for anyone else (the page answers 403 first).
    Returns a lazy ``QuerySet[Unit]``. Raises nothing.
    """
    if not may_view_contacts(user):
        return Unit.objects.none()
    return Unit.objects.all()


def units_with_contacts(user, *, active_only: bool = True) -> QuerySet[Unit]:
    """``units_visible_to(user)`` with each unit's duties and contact people prefetched, in their order:
    three queries, whatever the count. ``active_only`` (default) leaves out units no longer active.
    Returns a lazy ``QuerySet[Unit]``. Raises nothing.
    """
    units = units_visible_to(user)
    if active_only:
        units = units.filter(active=True)
    return units.prefetch_related(
        Prefetch("duties", queryset=Duty.objects.order_by("order")),
        Prefetch("contacts", queryset=Contact.objects.order_by("order", "id")),
    )


def command_users() -> QuerySet[User]:
    """The command's active accounts (office staff and leaders, ``units.permissions.COMMAND_ROLES``), by id:
    whom an escalation or a feed failure is sent to. Returns a queryset; raises nothing."""
    return User.objects.filter(is_active=True, groups__name__in=COMMAND_ROLES).distinct().order_by("id")
