"""Project-wide middleware: absolute session lifetime, and a clean 503 when the database is away."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse


class AbsoluteSessionLifetimeMiddleware:
    """End a session past its absolute lifetime, however active it was (idle expiry is the cookie age)."""

    key = "_session_started"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if "_auth_user_id" in session:  # anonymous visitors get no session row
            now = int(time.time())
            started = session.setdefault(self.key, now)
            if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Answer 503 instead of 500 when the database connection is lost mid-request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Database temporarily unavailable; nothing was changed. Try again."},
                status=503,
                headers={"Retry-After": "5"},
            )
        return HttpResponse("Service temporarily unavailable.", status=503, headers={"Retry-After": "5"})
