"""Bench-only ASGI entry point: the project's application, plus the event loop's floor.

``/bench/trivial/`` answers ``{"ok": true}`` from a tiny async ASGI app in the same
uvicorn process, on the same event loop, without Django: what the server answers when
no Django work is involved. The API part's baseline proper is the trivial *view*,
``/bench/view/`` (``bench/settings.py``). Every other path goes to
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
