"""Project-level pages: the landing redirect by role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from units.choices import Role
from units.roles import role_of

ROLE_HOME = {
    Role.OFFICE: "dashboard-office",
    Role.LEADER: "dashboard-leader",
    Role.UNIT: "dashboard-unit",
    Role.ADMIN: "admin:index",
}


@login_required
def home(request):
    """Send each user to their own dashboard."""
    return redirect(ROLE_HOME.get(role_of(request.user), "public-home"))
