"""Benchmark: ``foundation.serializers.ReadModelSerializer`` against DRF's own ``to_representation``.

Issue 13 §2 item 10: a re-implemented framework path stays only where a benchmark shows it matters.
In-process and in memory (no database, no server): the API's read serializers (assignments, warnings,
events) turn pages of rows built in memory into dicts, as ``ListSerializer.data`` does for a list
view, once with ``ReadModelSerializer.to_representation`` and once with DRF's
``Serializer.to_representation`` put in its place, alternately, in the same run. Pages: 100 assignments
(the assignments list's page), 100 warnings, 1,000 events (``/api/events/``'s largest page).

``python -m bench serializers`` prints the medians, the ratio (DRF / ours) and writes
``bench/out/serializers.json``. Needs only the settings (``bench.seed.django_init``).
"""

from __future__ import annotations

import datetime
import gc
import time

from bench.common import log, median, save_result

ROUNDS = 41


def _pages():
    from django.utils import timezone

    from alerts.api.serializers import AlertSerializer
    from alerts.models import Alert
    from events.api.serializers import EventSerializer
    from events.models import Event
    from responses.api.serializers import AssignmentSerializer
    from responses.models import TaskAssignment
    from units.models import Unit, User

    now = timezone.now()
    units = [Unit(pk=i, code=f"unit-{i}", name=f"单位{i}", kind="department", order=i) for i in range(1, 55)]
    people = [User(pk=i, username=f"user{i}") for i in range(1, 6)]
    assignments = []
    for i in range(100):
        a = TaskAssignment(
            pk=i + 1, response_id=7, unit=units[i % 54], key=f"task-{i % 3}", stage="response", level="I",
            title="落实一级响应措施", instructions="按照预案落实一级响应措施，并及时报告进展。" * 3,
            report_required=i % 3 == 0, status="acknowledged" if i % 2 else "assigned", assigned_at=now,
            effective_from=now, ack_deadline=now + datetime.timedelta(minutes=15),
            acknowledged_at=now if i % 2 else None, report="", closed_reason="",
        )
        assignments.append(a)
    alerts = []
    for i in range(100):
        alert = Alert(
            pk=i + 1, level=("yellow", "orange", "red")[i % 3], status="superseded", cause="pm2_5",
            reason="未来三天AQI超过200", basis="", area="江津区", drill=False, starts_at=now, created_at=now,
            issued_at=now,
        )
        alert.origin_proposal = None  # made by hand (alerts.origins): no query for its proposal
        alert.proposed_by = people[i % 5]
        alert.issued_by = people[(i + 1) % 5]
        alerts.append(alert)
    events = [
        Event(pk=i + 1, type="assignment.created", audience="unit", unit_id=units[i % 54].pk, created_at=now,
              payload={"id": i + 1, "unit": units[i % 54].pk, "title": "落实一级响应措施", "status": "assigned"})
        for i in range(1000)
    ]
    return [
        ("assignments ×100", AssignmentSerializer, assignments),
        ("warnings ×100", AlertSerializer, alerts),
        ("events ×1000", EventSerializer, events),
    ]


def _time_page(serializer_class, rows) -> float:
    """CPU seconds (this process's, so that other programs on a busy machine do not count) to turn ``rows``
    into dicts as a list view does, with a new serializer per page as per request."""
    gc.disable()
    try:
        started = time.process_time()
        _ = serializer_class(rows, many=True).data
        return time.process_time() - started
    finally:
        gc.enable()


def run(rounds: int = ROUNDS) -> dict:
    from bench import seed

    seed.django_init()
    from rest_framework import serializers

    from foundation.serializers import ReadModelSerializer

    ours = ReadModelSerializer.to_representation
    drf = serializers.Serializer.to_representation
    results = {}
    for name, serializer_class, rows in _pages():
        ReadModelSerializer.to_representation = drf
        plain = serializer_class(rows, many=True).data
        ReadModelSerializer.to_representation = ours
        assert serializer_class(rows, many=True).data == plain, f"{name}: the two paths answer differently"
        times = {"read_model": [], "drf": []}
        for i in range(rounds):  # alternate, so that a busy moment of the machine falls on both
            for label, method in (("read_model", ours), ("drf", drf)) if i % 2 else (("drf", drf), ("read_model", ours)):
                ReadModelSerializer.to_representation = method
                times[label].append(_time_page(serializer_class, rows))
        ReadModelSerializer.to_representation = ours
        row = {k: median(v) * 1000 for k, v in times.items()}
        row["ratio"] = row["drf"] / row["read_model"]
        row["saved_ms"] = row["drf"] - row["read_model"]
        results[name] = row
        log(f"serializers {name}: ReadModelSerializer {row['read_model']:.2f} ms, DRF {row['drf']:.2f} ms, "
            f"DRF/ours {row['ratio']:.2f}x, saves {row['saved_ms']:.2f} ms a page (median of {rounds})")
    save_result("serializers", results)
    return results


if __name__ == "__main__":
    run()
