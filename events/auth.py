"""Who is on a dashboard socket, and from which page: Django's session cookie, read but never
written, and an Origin check that compares scheme, host and port.

Channels' ``AuthMiddlewareStack`` wraps every ``send`` of the socket so that it can save
a session the consumer modified. The dashboard socket never modifies the session, and a
warning is one send per socket, so this stack loads the same session and user (Channels'
``CookieMiddleware`` and ``AuthMiddleware``) and leaves ``send`` as the server gave it.
"""

import hashlib
from importlib import import_module
from urllib.parse import urlsplit

from channels.auth import AuthMiddleware
from channels.security.websocket import WebsocketDenier
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def session_digest(session_key: str | None) -> str:
    """A stand-in for a session key that names it without being usable as one (16 hex digits).

    The ``session.revoked`` event of a logout carries it, so that the hub closes the sockets
    of that session only; the key itself is a credential and never goes into an event.
    """
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:16]


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


def _origin_tuple(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin, the port filled in from the scheme; None if it is not one."""
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port or DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number, or out of range
        return None
    if not parts.hostname or port is None:
        return None
    return scheme, parts.hostname, port


def origin_allowed(scope) -> bool:
    """Whether a WebSocket handshake comes from a page of this site (issue 12 item 7).

    The ``Origin`` header's scheme, host and port must be the socket's own (the ``Host`` header, and
    ``https`` for ``wss``, which uvicorn's ``--proxy-headers`` sets from a trusted proxy's
    ``X-Forwarded-Proto``), or one of ``CSRF_TRUSTED_ORIGINS``; the host must be one of
    ``ALLOWED_HOSTS``. Channels' ``AllowedHostsOriginValidator`` compared the host only, so a page
    served by another program on another port of the same machine could open a socket with the
    user's cookie. Django's CSRF check compares the same three parts for HTTP.
    """
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin", b"").decode("latin-1")
    host = headers.get(b"host", b"").decode("latin-1")
    if not origin or not host or not validate_host(split_domain_port(host)[0], settings.ALLOWED_HOSTS):
        return False
    parts = urlsplit(origin)
    given = _origin_tuple(parts.scheme, parts.netloc)
    if given is None:
        return False
    own_scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    if given == _origin_tuple(own_scheme, host):
        return True
    trusted = (urlsplit(o) for o in settings.CSRF_TRUSTED_ORIGINS)
    return any(given == _origin_tuple(t.scheme, t.netloc) for t in trusted)


class SameOriginValidator:
    """Refuse (403 at the handshake) a WebSocket whose Origin is not this site's: see ``origin_allowed``."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
