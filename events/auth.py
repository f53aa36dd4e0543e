"""Who is on a dashboard socket: Django's session cookie, read but never written.

Channels' ``AuthMiddlewareStack`` wraps every ``send`` of the socket so that it can save
a session the consumer modified. The dashboard socket never modifies the session, and a
warning is one send per socket, so this stack loads the same session and user (Channels'
``CookieMiddleware`` and ``AuthMiddleware``) and leaves ``send`` as the server gave it.
"""

from importlib import import_module

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware
from django.conf import settings


class ReadOnlySessionMiddleware:
    def __init__(self, inner):
        self.inner = inner
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        session_key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
        # Lazy: the session row is read by AuthMiddleware's get_user, off the event loop.
        return await self.inner(dict(scope, session=self.session_store(session_key)), receive, send)


def SessionAuthStack(inner):
    return CookieMiddleware(ReadOnlySessionMiddleware(AuthMiddleware(inner)))
