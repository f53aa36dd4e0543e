"""Fault 7: a dashboard that stops reading (a half-open socket) must not slow the others.

A raw TCP client completes the WebSocket handshake as a unit member, with a tiny
receive buffer (SO_RCVBUF), and never reads again. Events of that unit are written one
by one: real progress notes, each followed by a 48 KB event written through the same
``events.services.event_record`` (on loopback the kernel lets the server queue about
3 MB for a socket that does not read, which would take thousands of 1 KB progress
events to fill). The office and a second member of the unit read normally. The
hub gives each socket its own queue (``EVENTS_SOCKET_QUEUE``, lowered to 64 here):
once the stalled socket's kernel buffers and queue are full the hub closes it (4008)
and the others go on. Their delivery latency is compared with a baseline taken
before the stalled socket connected. Finally the stalled client reads what the kernel
kept for it and reconnects with ``?after=<last id it read>``: it ends with every event,
in order, none twice.
"""

import statistics
import time

import pytest
from django.db import transaction

from tests.faults.conftest import People, latest_id, visible_ids
from tests.faults.support import DashboardClient, StalledSocket, check_stream, wait_for

pytestmark = pytest.mark.slow

QUEUE = 64
BASELINE = 20  # pairs of events
MAX_PAIRS = 400  # bound: the stalled socket must be dropped well before this
AFTER_DROP = 20


def latencies(client: DashboardClient, written: dict[int, float]) -> list[float]:
    return [e["t"] - written[e["id"]] for e in client.events if e["id"] in written]


def summary(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 1),
        "p95_ms": round(values[int(len(values) * 0.95) - 1] * 1000, 1),
        "max_ms": round(values[-1] * 1000, 1),
    }


def test_a_unit_that_stops_reading_does_not_slow_the_others_and_gets_what_it_missed(
    fault_db, redis_server, start_web, ws_loop, fault_report
):
    from alerts.services import alert_create
    from events.services import event_record
    from responses.models import TaskAssignment
    from responses.services import assignment_acknowledge, assignment_progress

    people = People()
    member = people.members["education"]
    alert_create(actor=people.office, level="yellow", reason="燃烧")
    task = TaskAssignment.objects.filter(unit=member.unit).first()
    assignment_acknowledge(assignment=task, actor=member)
    web = start_web(EVENTS_SOCKET_QUEUE=QUEUE)
    start = latest_id()
    readers = {
        "office": DashboardClient("office", web.ws_url, people.cookie(people.office), web.url, after=start),
        "education-reader": DashboardClient("education-reader", web.ws_url, people.cookie(member), web.url, after=start),
    }
    for c in readers.values():
        c.start(ws_loop).wait_open(ws_loop)

    written: dict[int, float] = {}

    def write(n: int, label: str) -> None:
        """``n`` progress notes, each followed by a large event for the same unit."""
        for i in range(n):
            assignment_progress(assignment=task, actor=member, text=f"{label} {i + 1}")
            written[latest_id()] = time.monotonic()
            with transaction.atomic():
                event_record(type="fault.filler", payload={"n": i, "blob": "填" * 16_000}, audience="unit",
                             unit_id=member.unit_id)
            written[latest_id()] = time.monotonic()
            time.sleep(0.005)

    def caught_up() -> bool:
        last = max(written)
        return all(c.last_id >= last for c in readers.values())

    write(BASELINE, "基线")
    wait_for(caught_up, timeout=10, what="the baseline")
    baseline_ids = set(written)

    stalled_from = latest_id()
    stalled = StalledSocket("127.0.0.1", web.port, f"/ws/dashboard/?after={stalled_from}",
                            people.cookie(member), web.url)
    time.sleep(0.2)  # let it register with the hub
    dropped_after = None
    while len(written) < 2 * (BASELINE + MAX_PAIRS):
        write(10, "进展")
        if "stopped reading; closing it" in web.log_text():
            dropped_after = len(written) - 2 * BASELINE
            break
    assert dropped_after, "the hub never dropped the stalled socket"
    write(AFTER_DROP, "断开后")
    wait_for(caught_up, timeout=15, what="the readers to get every event")

    during = {i: t for i, t in written.items() if i not in baseline_ids}
    before_stats = {n: summary(latencies(c, {i: written[i] for i in baseline_ids})) for n, c in readers.items()}
    during_stats = {n: summary(latencies(c, during)) for n, c in readers.items()}
    for name in readers:
        b, d = before_stats[name], during_stats[name]
        # Similar latency: within a few milliseconds or a small factor of the baseline, never a stall.
        assert d["p50_ms"] <= max(3 * b["p50_ms"], b["p50_ms"] + 20), (name, b, d)
        assert d["p95_ms"] <= max(3 * b["p95_ms"], b["p95_ms"] + 50), (name, b, d)
        assert d["max_ms"] < 1000, (name, d)

    # The stalled client wakes up: it reads what reached its buffers, then reconnects from its last id.
    got, close_code = stalled.drain()
    ids = [e["id"] for e in got]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) and all(i > stalled_from for i in ids)
    resumed = DashboardClient("education-resumed", web.ws_url, people.cookie(member), web.url,
                              after=ids[-1] if ids else stalled_from, reconnect=False).start(ws_loop)
    expected = visible_ids(member, stalled_from)
    try:
        wait_for(lambda: resumed.last_id >= expected[-1], timeout=15, what="the resumed client to catch up")
        time.sleep(0.3)
    finally:
        ws_loop.close()
    assert ids + resumed.ids == expected  # everything, in order, none twice
    assert len(resumed.connects) == 1 and not resumed.closes  # in one reconnect, though it missed more than a queue
    assert len(resumed.ids) > QUEUE
    assert len(resumed.raw_ids) == len(set(resumed.raw_ids)) and resumed.dropped == 0
    for name, c in readers.items():
        check_stream(c, visible_ids(people.office if name == "office" else member, start))
        assert len(c.connects) == 1 and not c.closes  # never dropped
    fault_report["7_stalled_reader"] = {
        "socket_queue": QUEUE,
        "stalled_client_rcvbuf_bytes": stalled.rcvbuf,
        "events_written_while_stalled": len(during),
        "dropped_after_events": dropped_after,
        "stalled_close_code_seen": close_code,
        "stalled_read_before_reconnect": len(ids),
        "replayed_on_reconnect": len(resumed.ids),
        "normal_clients": len(readers),
        "latency_before": before_stats,
        "latency_while_stalled": during_stats,
    }
