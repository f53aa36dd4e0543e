"""Project-wide middleware: absolute session lifetime, and a clean 503 when the database is away."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

DATABASE_UNAVAILABLE = _("Database temporarily unavailable; nothing was changed. Try again.")


def database_unavailable(request) -> HttpResponse:
    """The 503 answer for a lost database: JSON under /api/, the error page elsewhere (foundation.errorpages)."""
    from foundation.errorpages import database_unavailable as answer

    return answer(request)


class AbsoluteSessionLifetimeMiddleware:
    """End a session past its absolute lifetime, however active it was, and renew its idle expiry.

    Idle expiry is the cookie age. Rather than saving the session on every request (a write
    transaction per page, fragment and API call), it is renewed at most once every
    ``SESSION_RENEW_SECONDS``: marking it modified makes SessionMiddleware save it with a fresh
    expiry and send the cookie again.
    """

    key = "_session_started"
    renewed_key = "_session_renewed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        try:
            if "_auth_user_id" in session:  # anonymous visitors get no session row
                now = int(time.time())
                started = session.setdefault(self.key, now)
                if now - started > settings.SESSION_ABSOLUTE_SECONDS:
                    logout(request)
                elif now - session.get(self.renewed_key, 0) >= settings.SESSION_RENEW_SECONDS:
                    session[self.renewed_key] = now
        except (OperationalError, InterfaceError):
            # Reading the session is the first query of a signed-in request: with the
            # database away it fails here, before any view, and must be a 503, not a 500.
            # clear() empties only this request's copy, without a query, so SessionMiddleware
            # does not try to load it again; a 5xx answer is never saved, and the cookie stays.
            session.clear()
            return database_unavailable(request)
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
        return database_unavailable(request)
