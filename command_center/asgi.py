"""ASGI entry point: Django for HTTP, Channels for the dashboard WebSocket.

HTTP goes to Django's WSGI handler on a fixed pool of ``WEB_THREADS`` threads (a2wsgi).
Every view and middleware of the project is synchronous; under Django's own ASGI handler
each request would hop from the event loop to a thread, back to the loop and to a thread
again, each in a fresh thread with its own database connection. Here a request is one hop
to a pool thread that keeps its connection (``DB_CONN_MAX_AGE``), so the connections of a
process are bounded by the pool. The event loop is left to the dashboard sockets.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "command_center.settings")
django_wsgi_app = get_wsgi_application()

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware  # noqa: E402

from events.auth import SameOriginValidator, SessionAuthStack  # noqa: E402  (needs the app registry)
from events.routing import websocket_urlpatterns  # noqa: E402


class TrustedProxyHeaders:
    """Apply ``X-Forwarded-For`` / ``X-Forwarded-Proto`` only from ``settings.TRUSTED_PROXIES`` (issue 12 item 13).

    uvicorn's own ``--proxy-headers`` trusts 127.0.0.1 by default, so anyone on the host (or a proxy that
    passes the header on) could pick the address that the login lockout sees. Here one setting, read by
    Django like every other, names the proxies, and the Procfile turns uvicorn's off
    (``--no-proxy-headers``). uvicorn's middleware does the parsing: from a trusted peer, the right-most
    address that is not itself a trusted proxy is the client.
    """

    def __init__(self, app):
        self.app = app
        self._trusted: tuple[str, ...] = ()
        self._proxied = None

    async def __call__(self, scope, receive, send):
        trusted = tuple(settings.TRUSTED_PROXIES)
        if not trusted or scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if trusted != self._trusted:  # built once (tests change the setting)
            self._trusted, self._proxied = trusted, ProxyHeadersMiddleware(self.app, trusted_hosts=list(trusted))
        return await self._proxied(scope, receive, send)


application = TrustedProxyHeaders(
    ProtocolTypeRouter(
        {
            "http": WSGIMiddleware(django_wsgi_app, workers=settings.WEB_THREADS),
            "websocket": SameOriginValidator(SessionAuthStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
