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

from events.auth import SameOriginValidator, SessionAuthStack  # noqa: E402  (needs the app registry)
from events.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": WSGIMiddleware(django_wsgi_app, workers=settings.WEB_THREADS),
        "websocket": SameOriginValidator(SessionAuthStack(URLRouter(websocket_urlpatterns))),
    }
)
