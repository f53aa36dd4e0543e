"""Screens whose live part rides in the frames: rendered once per audience, never per socket.

``events`` is the ground floor and knows no screen. An upper app (``dashboards``, in its
``AppConfig.ready``) registers each screen with ``screen_register``: its name, whether its
audience is the command or one unit's members, who may watch it, and a renderer. A socket
opened with ``?screen=<name>&lang=<language>`` (the page's own) then gets, on the last frame of
each batch it receives, the screen's live part as rendered for its audience after that batch:

    [{"id": 41, "type": "alert.issued", "payload": {…}},
     {"id": 42, "type": "assignment.created", "payload": {…},
      "screen": {"name": "unit", "through": 42, "html": "<div …>…"}}]

The hub (``events.hub``) asks ``screens_render`` once per batch for every (screen, audience,
language) that has at least one socket, in one worker thread, before it writes any frame.
Rendering stays in one place: the renderer is the same function and template the page's own
HTTP view uses (``?fragment=1``, which the page asks only after a reconnect).

A screen of one thing (a day's reports board, a response's compliance page) takes a *subject*:
the page's socket adds ``&subject=<id>``, the screen's ``subject(user, value)`` says which id (if
any) the user may watch, and that id is the audience it is rendered for, once per id.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Screen:
    """One live screen.

    ``command``: its audience is the command (rendered once for all of them), else each unit's
    members (rendered once per unit). ``allowed(user) -> bool`` is asked when a socket names the
    screen (a socket that may not watch it gets its events without the screen part).
    ``render(unit_ids, language) -> {unit_id or None: html}`` renders the live part for each
    audience asked (``[None]`` for the command) in ``language``; it runs in a worker thread and may
    query the database.

    ``subject(user, value) -> int | None``, for a screen of one thing: the id named by the socket's
    ``subject`` parameter (``value``, a string or None) if ``user`` may watch that thing, else None
    (events only). Its audiences are then those ids (the screen's audience is the command), and
    ``render`` gets them.
    """

    name: str
    command: bool
    allowed: Callable
    render: Callable
    subject: Callable | None = None


_screens: dict[str, Screen] = {}


def screen_register(screen: Screen) -> None:
    """Register (or replace) ``screen`` by its name. Called from an upper app's ``ready()``."""
    _screens[screen.name] = screen


def screen_get(name: str | None) -> Screen | None:
    """The registered screen called ``name``, or None."""
    return _screens.get(name) if name else None


def language_of(value: str | None) -> str:
    """``value`` if it is one of ``settings.LANGUAGES``, else the site's default language."""
    codes = {code for code, _ in settings.LANGUAGES}
    return value if value in codes else settings.LANGUAGE_CODE


def screen_json(name: str, through: int, html: str) -> str:
    """The ``"screen"`` value a frame carries, as JSON text (encoded once per audience)."""
    return json.dumps({"name": name, "through": through, "html": html}, ensure_ascii=False, separators=(",", ":"))


def screens_render(wanted: dict[tuple[str, str], set], through: int) -> dict[tuple, str]:
    """Render each wanted screen once per audience and language.

    ``wanted`` maps ``(screen name, language)`` to the set of audiences to render (unit ids, or
    ``None`` for the command). Returns ``{(name, language, audience): screen JSON text}``. A renderer
    that fails is logged and left out: those sockets get their events without the screen part, and
    the page fetches its live part over HTTP instead.
    """
    out: dict[tuple, str] = {}
    for (name, language), audiences in wanted.items():
        screen = _screens.get(name)
        if screen is None or not audiences:
            continue
        try:
            rendered = screen.render(sorted(audiences, key=lambda a: -1 if a is None else a), language)
        except Exception:
            logger.exception("rendering the %s screen (%s) failed; its pages will fetch it", name, language)
            continue
        for audience, html in rendered.items():
            out[(name, language, audience)] = screen_json(name, through, html)
    return out

