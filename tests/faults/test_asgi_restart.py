"""Fault 4: the ASGI server restarted under connected dashboards.

Six dashboard clients (office, leader, three units, a second tab of one unit) follow a
uvicorn; it is stopped (SIGTERM), work goes on while it is down (an upgrade to orange,
acknowledgements, written by the services in this process), and it is started again
on the same port. The clients reconnect as dashboard.js does (backoff with jitter,
``?after=<last id>``), replay what they missed from the database, and end with every
event they may see, in order, none twice. The real-browser version of this check is
``tests/test_browser.py::test_a_dashboard_that_lost_its_server_shows_both_warnings_issued_meanwhile``.
"""

import time

import pytest

from tests.faults.conftest import People, latest_id, visible_ids
from tests.faults.support import DashboardClient, check_stream, wait_for

pytestmark = pytest.mark.slow

DOWN_SECONDS = 1.0


def test_asgi_server_restarted_dashboards_reconnect_with_backoff_and_replay_without_duplicates(
    fault_db, redis_server, start_web, ws_loop, fault_report
):
    from alerts.services import alert_create
    from responses.models import TaskAssignment
    from responses.services import assignment_acknowledge

    people = People()
    web = start_web()
    start = latest_id()
    m = people.members
    watchers = {
        "office": people.office, "leader": people.leader, "education": m["education"], "education-tab-2": m["education"],
        "public-security": m["public-security"], "street-jijiang": m["street-jijiang"],
    }
    clients = {
        name: DashboardClient(name, web.ws_url, people.cookie(user), web.url, after=start).start(ws_loop)
        for name, user in watchers.items()
    }
    for c in clients.values():
        c.wait_open(ws_loop)

    alert_create(actor=people.office, level="yellow", reason="燃烧")
    before = {name: visible_ids(user, start) for name, user in watchers.items()}
    wait_for(lambda: all(c.ids == before[n] for n, c in clients.items()), timeout=10, what="the yellow warning live")

    web.stop()
    stopped = time.monotonic()
    wait_for(lambda: all(c.failures for c in clients.values()), timeout=10, what="every client to find the server gone")
    alert_create(actor=people.leader, level="orange", reason="升级")
    acknowledged = 0
    for member in m.values():
        for task in TaskAssignment.objects.filter(unit=member.unit, status="assigned")[:2]:
            assignment_acknowledge(assignment=task, actor=member)
            acknowledged += 1
    time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - stopped)))
    web.start()
    restarted = time.monotonic()
    down = restarted - stopped

    missed = {name: [i for i in visible_ids(user, start) if i not in set(before[name])] for name, user in watchers.items()}
    wait_for(lambda: all(len(c.connects) == 2 for c in clients.values()), timeout=20, what="every client to reconnect")
    reconnected_after = max(c.connects[1] for c in clients.values()) - restarted
    live_task = TaskAssignment.objects.filter(unit=m["education"].unit, status="assigned").first()
    assignment_acknowledge(assignment=live_task, actor=m["education"])  # a live event after the restart
    expected = {name: visible_ids(user, start) for name, user in watchers.items()}
    try:
        wait_for(lambda: all(c.last_id >= expected[n][-1] for n, c in clients.items()), timeout=15,
                 what="every client to replay and follow live")
        time.sleep(0.3)
    finally:
        ws_loop.close()

    for name, c in clients.items():
        check_stream(c, expected[name])
        assert missed[name], name  # each missed something while the server was down, and got it on the replay
        assert len(c.connects) == 2 and len(c.closes) == 1
        for ceiling, delay in c.waits:  # the backoff of dashboard.js, with its jitter
            assert ceiling / 2 <= delay <= ceiling
        assert [ceiling for ceiling, _ in c.waits] == [min(30.0, 0.5 * 2**k) for k in range(1, len(c.waits) + 1)]
    first_waits = [c.waits[0][1] for c in clients.values()]
    assert len(set(first_waits)) == len(first_waits)  # jitter: no two clients retry in step
    fault_report["4_asgi_restart"] = {
        "clients": len(clients),
        "server_down_seconds": round(down, 1),
        "close_codes": sorted({str(code) for c in clients.values() for _, code in c.closes}),
        "failed_attempts_per_client": {n: len(c.failures) for n, c in clients.items()},
        "backoff_waits_per_client": {n: [[w[0], round(w[1], 2)] for w in c.waits] for n, c in clients.items()},
        "last_client_back_seconds_after_restart": round(reconnected_after, 1),
        "events_missed_per_client": {n: len(ids) for n, ids in missed.items()},
        "events_per_client": {n: len(ids) for n, ids in expected.items()},
        "acknowledged_while_down": acknowledged,
        "duplicates_sent": sum(len(c.raw_ids) - len(set(c.raw_ids)) for c in clients.values()),
    }
