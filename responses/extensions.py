"""The response path's extension point: apps above ``responses`` take part in opening, changing and ending a response.

The arrows of the layout point one way (``alerts``/``responses`` never import ``reductions`` or any app
above them), yet the emission-reduction list must become work in the same transaction that issues a
warning (issue 16 item 4). So an app above registers a participant here, from its ``AppConfig.ready``,
and ``responses.services`` calls every registered participant at three points of its own path:

- ``lock(response)``: from ``response_lock``, step 5 of the lock order (``events/locks.py``), after the
  response row and its tasks and before the transaction's first event. A participant locks the rows it
  will change later in the transaction here, in id order; after this it takes no lock.
- ``level_applied(response, alert, previous_level, actor)``: at the end of ``response_apply_level``, for a
  new response (``previous_level`` is "") or one whose warning changed (level or cause).
- ``closed(response, alert, actor, reason)``: from ``response_close``, when the warning is lifted.

A participant runs inside the caller's transaction: an exception rolls the whole change back (an
issue never half-happens). It records its own audit entries and events through ``events.services``,
which push after the commit. Participants are called in registration order.
"""

from __future__ import annotations

from typing import Protocol


class ResponseParticipant(Protocol):
    """What a participant provides; each method is called inside the response's transaction."""

    def lock(self, *, response) -> None: ...

    def level_applied(self, *, response, alert, previous_level: str, actor) -> None: ...

    def closed(self, *, response, alert, actor, reason: str) -> None: ...


_participants: list[ResponseParticipant] = []


def participant_register(participant: ResponseParticipant) -> None:
    """Add ``participant`` once (``AppConfig.ready`` may run more than once in tests); answers nothing."""
    if participant not in _participants:
        _participants.append(participant)


def participants() -> tuple[ResponseParticipant, ...]:
    """The registered participants, in registration order."""
    return tuple(_participants)
