"""Who may do what in the feeds app: one DRF permission class mapping actions to permissions."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

PERM_VIEW = "feeds.view_proposal"
PERM_MANAGE = "feeds.manage_forecasts"


class FeedsPermission(BasePermission):
    """Reads need ``feeds.view_proposal`` (office, leader); writes ``feeds.manage_forecasts`` (office, feed account).

    A view may narrow it with ``required_perm``. The services check authority again.
    """

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        perm = getattr(view, "required_perm", None) or (PERM_VIEW if request.method in SAFE_METHODS else PERM_MANAGE)
        return user.has_perm(perm)
