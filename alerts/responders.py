"""The response to a warning, as the app that runs it registers it (issue 13 §2: dependencies point one way).

Issuing a warning opens, changes or ends its emergency response (应急响应) in the same transaction, and a
leader's decision is told to the office. The response, its tasks and the notifications live in the
``responses`` app, which stands on the floor above this one and reads the warning's level and cause
(``alerts.choices``). ``alerts`` never imports it: that app registers, at start-up
(``responses.apps.ResponsesConfig.ready``), a *responder*, and ``alerts.services`` calls it at five points:

- ``lock(alert, assignments)``: steps 4 and 5 of the lock order (``events/locks.py``), after the area
  and warning locks and before the transaction's first event: the running response of ``alert`` and,
  with ``assignments``, its open tasks;
- ``level_applied(alert, previous, actor)``: ``alert`` was put in force over ``previous`` (None: nothing
  was in force): open the response, or move the running one to the new level and cause;
- ``closed(alert, actor, reason)``: ``alert`` was lifted or ended: end its response;
- ``office_told(key, message, also)``: a leader decided (a rejection, a refused lift): notify the office
  and ``also`` (whoever asked) after the commit, once per ``key``;
- ``responses_of(alert, reader)``: the responses the warning's page lists for ``reader`` (none for a
  reader who may not follow responses), newest first.

Each runs inside the caller's transaction: an exception rolls the whole change back. With no responder
registered a warning would be issued with no response, so ``responder()`` refuses to run without one.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class Responder(Protocol):
    """What the responding app provides; each method is called inside the warning's transaction."""

    def lock(self, *, alert, assignments: bool = True) -> None: ...

    def level_applied(self, *, alert, previous, actor) -> None: ...

    def closed(self, *, alert, actor, reason: str) -> None: ...

    def office_told(self, *, key: str, message: str, also=()) -> None: ...

    def responses_of(self, *, alert, reader) -> list: ...


_responders: list[Responder] = []


def responder_register(responder: Responder) -> None:
    """Register the one responder (``AppConfig.ready`` may run more than once in tests: the same one again
    is a no-op). Raises ImproperlyConfigured (a start-up error, no HTTP answer) for a second, different one."""
    if responder in _responders:
        return
    if _responders:
        raise ImproperlyConfigured("A warning has one response: a responder is registered already.")
    _responders.append(responder)


def responder() -> Responder:
    """The registered responder. Raises ImproperlyConfigured (500: the site is misconfigured) when no app
    registered one: a warning is never issued without its response."""
    if not _responders:
        raise ImproperlyConfigured("No responder is registered (responses.apps.ResponsesConfig.ready).")
    return _responders[0]
