"""The response path's extension point: apps above ``responses`` take part in opening, changing and ending a response.

Two extension points live here: response participants (below) and the air-quality source (at the end).

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

import datetime
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


# --- The air quality around a response (the summary evaluation's AQI chart, issue 17 item 3) -------------
#
# The evaluation shows the AQI before, during and after a response, but the forecasts live in ``feeds``, a
# floor above. ``feeds`` registers its reader here from its ``AppConfig.ready``; without one (an app list
# without ``feeds``) the evaluation shows no AQI.


class AirQualitySource(Protocol):
    """Reads the AQI of each day from ``first`` to ``last`` (dates, inclusive)."""

    def __call__(self, *, first, last) -> dict: ...


_air_quality: list[AirQualitySource] = []


def air_quality_register(source: AirQualitySource) -> None:
    """Set ``source`` as the reader of the daily AQI (the last one registered wins; registering the same twice
    does nothing). Answers nothing."""
    if source not in _air_quality:
        _air_quality.append(source)


def air_quality(*, first, last) -> dict:
    """The daily AQI from ``first`` to ``last`` (dates, inclusive), from the registered source:
    ``{"days": [{"date": date, "aqi": int | None, "category": str, "colour": "#rrggbb" | ""}, …] (one per day,
    in order), "thresholds": [int, …]}`` (the warning criteria's AQI thresholds, ascending). Without a source,
    every day's ``aqi`` is None and there are no thresholds. Raises nothing."""
    if _air_quality:
        return _air_quality[-1](first=first, last=last)
    days, day = [], first
    while day <= last:
        days.append({"date": day, "aqi": None, "category": "", "colour": ""})
        day += datetime.timedelta(days=1)
    return {"days": days, "thresholds": []}


# --- The evaluation's documents (issue 17 item 3: "Output as .docx and PDF beside today's page and CSV") ---------
#
# The Word file and the PDF are made by ``reports``, a floor above. It registers here what it offers for a response,
# and the evaluation page lists those links beside its CSV; without ``reports`` the page offers the CSV alone.


class EvaluationDocuments(Protocol):
    """The documents offered for ``response`` to ``user``: ``[{"label": str, "url": str}, …]``."""

    def __call__(self, *, response, user) -> list[dict]: ...


_evaluation_documents: list[EvaluationDocuments] = []


def evaluation_documents_register(source: EvaluationDocuments) -> None:
    """Add ``source`` once (``AppConfig.ready`` may run more than once in tests). Answers nothing."""
    if source not in _evaluation_documents:
        _evaluation_documents.append(source)


def evaluation_documents(*, response, user) -> list[dict]:
    """Every registered source's documents for ``response`` (a ``Response``) as ``user`` may fetch them:
    ``[{"label": str, "url": str}, …]`` in registration order; empty without a source. Raises nothing."""
    return [document for source in _evaluation_documents for document in source(response=response, user=user)]
