"""Who may do what in the feeds app: plain predicates, and the DRF permission class that asks them.

The services enforce with these predicates; views, API views and templates only ask them.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from units.permissions import is_command, is_leader, is_office


def may_view_proposals(user) -> bool:
    """Proposals, forecasts and feed health: the command (office and leaders)."""
    return is_command(user)


def may_manage_forecasts(user) -> bool:
    """Enter or push forecasts, act on and dismiss proposals: the office (its accounts, incl. a feed's token)."""
    return is_office(user)


def may_dismiss_proposal(user, proposal) -> bool:
    """Set a proposal aside: the office; a municipal directive's proposal only a leader (issue 15 item 3:
    the district follows the city unless a leader records why not)."""
    if getattr(proposal, "source", "") == "municipal":
        return is_leader(user)
    return may_manage_forecasts(user)


class FeedsPermission(BasePermission):
    """Reads ask ``may_view_proposals``; writes ``may_manage_forecasts``.

    A view may narrow it with ``manage_only = True`` (every method needs ``may_manage_forecasts``).
    The services check authority again.
    """

    def has_permission(self, request, view):
        if getattr(view, "action", None) == "dismiss":
            return may_view_proposals(request.user)  # a leader sets aside a municipal one: the service decides
        if getattr(view, "manage_only", False) or request.method not in SAFE_METHODS:
            return may_manage_forecasts(request.user)
        return may_view_proposals(request.user)
