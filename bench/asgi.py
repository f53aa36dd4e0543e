"""Bench-only ASGI entry point: the project's application, plus one trivial JSON view for the API baseline.

``/bench/trivial/`` answers ``{"ok": true}`` from a tiny async ASGI app in the same
uvicorn process, on the same event loop, without Django; every other path goes to
``command_center.asgi.application`` unchanged. It exists only for ``python -m bench api``
(uvicorn runs ``bench.asgi:application`` there); the platform never imports it.
"""

from command_center.asgi import application as platform_application

TRIVIAL_PATH = "/bench/trivial/"
_BODY = b'{"ok":true}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_BODY)).encode())]


async def trivial(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == TRIVIAL_PATH:
        return await trivial(scope, receive, send)
    return await platform_application(scope, receive, send)
