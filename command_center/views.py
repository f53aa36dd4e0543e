"""Project-level pages: the landing redirect by role, and the 404 answer."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views import defaults

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


def not_found(request, exception):
    """404: JSON under /api/ (what the schema documents, e.g. for ``/api/alerts/0.5/``), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
