"""Fault 1 (and issue 5's acceptance): Redis stopped during a burst of writes.

A uvicorn on the test's database publishes to a private redis-server; the test kills
that Redis (SIGKILL) in the middle of a burst of HTTP writes (issues, lifts,
acknowledgements) and starts it again on the same port later. Writes do not depend on
Redis (the push happens after the commit and a failed push is only logged), so each
one must succeed or be refused with a message, never half-done; and every connected
dashboard must end with exactly the events it may see, in order, once each.
"""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.faults.conftest import People, latest_id, visible_ids
from tests.faults.support import DashboardClient, check_stream, wait_for

pytestmark = pytest.mark.slow

UNITS = (
    "education", "public-security", "street-jijiang", "finance", "transport", "health", "town-youxi",
    "park-lingang", "ecology-env", "emergency",
)
LATE_UNIT = "town-wutan"
OUTAGE_START, OUTAGE_SECONDS, BURST_SECONDS = 1.0, 10.0, 11.5


class Writer:
    """HTTP writes with each user's API token; every answer is kept with the time and whether Redis was up."""

    def __init__(self, base_url: str, people: People, redis_up: threading.Event):
        self.base_url = base_url
        self.people = people
        self.redis_up = redis_up
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.clients: dict[int, httpx.Client] = {}

    def client(self, user) -> httpx.Client:
        with self.lock:
            if user.pk not in self.clients:
                self.clients[user.pk] = httpx.Client(
                    base_url=self.base_url, timeout=30, headers={"Authorization": f"Token {self.people.token(user)}"}
                )
            return self.clients[user.pk]

    def write(self, user, kind: str, path: str, body: dict | None = None, **extra) -> httpx.Response:
        redis_up = self.redis_up.is_set()
        answer = self.client(user).post(path, json=body or {})
        try:
            data = answer.json()
        except ValueError:
            data = None
        with self.lock:
            self.log.append({"kind": kind, "status": answer.status_code, "body": data, "redis_up": redis_up, **extra})
        return answer

    def assigned(self, user) -> list[dict]:
        answer = self.client(user).get("/api/assignments/", params={"status": "assigned", "limit": 50})
        assert answer.status_code == 200, answer.text
        return answer.json()["results"]

    def close(self):
        for c in self.clients.values():
            c.close()


def acknowledge_some(writer: Writer, members, per_unit: int) -> list[int]:
    """Members acknowledge up to ``per_unit`` of their unit's open tasks, four at a time."""
    jobs = []
    for member in members:
        for task in writer.assigned(member)[:per_unit]:
            jobs.append((member, task["id"]))
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda j: writer.write(j[0], "acknowledge", f"/api/assignments/{j[1]}/acknowledge/", task=j[1]), jobs))
    return [task for _, task in jobs]


def check_database(writer: Writer) -> dict:
    """No write half-succeeded: what each 2xx says happened is in the database, with its audit row."""
    from alerts.models import Alert
    from events.models import AuditEntry
    from responses.models import Response, TaskAssignment

    for entry in writer.log:
        assert entry["status"] in (200, 201, 409), entry
        if entry["status"] == 409:
            assert entry["body"] and entry["body"].get("detail"), entry  # refused, and says why
    acknowledged = {e["task"] for e in writer.log if e["kind"] == "acknowledge" and e["status"] == 200}
    tasks = {a.pk: a for a in TaskAssignment.objects.filter(pk__in=acknowledged)}
    ack_audits = Counter(
        AuditEntry.objects.filter(action="acknowledge", target_type="taskassignment").values_list("target_id", flat=True)
    )
    for pk in acknowledged:
        assert tasks[pk].acknowledged_at is not None and tasks[pk].acknowledged_by_id is not None, pk
    refused = [e["task"] for e in writer.log if e["kind"] == "acknowledge cancelled"]
    assert refused and all(
        (a.status, a.acknowledged_at) == ("cancelled", None) for a in TaskAssignment.objects.filter(pk__in=refused)
    )  # a refused write changed nothing
    for a in TaskAssignment.objects.exclude(acknowledged_at=None):
        assert ack_audits[a.pk] == 1, (a.pk, ack_audits[a.pk])  # each acknowledgement audited exactly once
    assert set(ack_audits) == set(TaskAssignment.objects.exclude(acknowledged_at=None).values_list("pk", flat=True))

    created = [e["body"]["id"] for e in writer.log if e["kind"].startswith("issue") and e["status"] == 201]
    assert Alert.objects.filter(pk__in=created).count() == len(created)
    in_force = list(Alert.objects.in_force().filter(drill=False))
    active = list(Response.objects.filter(status="active", drill=False))
    assert len(in_force) <= 1 and len(active) <= 1
    if in_force:
        assert active and active[0].alert_id == in_force[0].pk and active[0].level == in_force[0].response_level
    else:
        assert not active
    for response in Response.objects.all():
        assert response.assignments.exists(), response  # no response without its tasks
        assert AuditEntry.objects.filter(target_type="response", target_id=response.pk, action="open").count() == 1
    for alert in Alert.objects.exclude(status__in=["pending_approval", "rejected"]):
        assert AuditEntry.objects.filter(target_type="alert", target_id=alert.pk, action__in=["issue", "approve"]).count() == 1
    return {"acknowledged_tasks": len(acknowledged), "alerts": Alert.objects.count(), "responses": Response.objects.count()}


def test_redis_stopped_for_10_s_during_a_burst_of_issues_lifts_and_acknowledgements(
    fault_db, redis_server, start_web, ws_loop, fault_report
):
    people = People((*UNITS, LATE_UNIT))
    members = [people.members[code] for code in UNITS]
    late = people.members[LATE_UNIT]  # never acknowledges: tries once the lift has cancelled its task
    web = start_web()
    start = latest_id()
    watchers = {
        "office": people.office,
        "education": people.members["education"],
        "public-security": people.members["public-security"],
        "street-jijiang": people.members["street-jijiang"],
    }
    clients = {
        name: DashboardClient(name, web.ws_url, people.cookie(user), web.url, after=start).start(ws_loop)
        for name, user in watchers.items()
    }
    for c in clients.values():
        c.wait_open(ws_loop)

    redis_up = threading.Event()
    redis_up.set()
    outage = {}

    def stop_redis():
        redis_up.clear()
        outage["stopped"] = time.monotonic()
        redis_server.kill()

    def start_redis():
        redis_server.start()
        outage["started"] = time.monotonic()
        redis_up.set()

    writer = Writer(web.url, people, redis_up)
    t0 = time.monotonic()
    timers = [threading.Timer(OUTAGE_START, stop_redis), threading.Timer(OUTAGE_START + OUTAGE_SECONDS, start_redis)]
    for t in timers:
        t.start()
    cycles = 0
    try:
        while time.monotonic() - t0 < BURST_SECONDS or "started" not in outage:
            cycles += 1
            yellow = writer.write(people.office, "issue yellow", "/api/alerts/", {"level": "yellow", "reason": f"燃烧 {cycles}"})
            assert yellow.status_code == 201, yellow.text
            first = acknowledge_some(writer, members, per_unit=2)
            writer.write(people.members["education"], "acknowledge", f"/api/assignments/{first[0]}/acknowledge/", task=first[0])
            # A second yellow while one is in force is refused with a reason, and changes nothing.
            refused = writer.write(people.office, "issue yellow again", "/api/alerts/", {"level": "yellow", "reason": "重复"})
            assert refused.status_code == 409, refused.text
            orange = writer.write(people.leader, "issue orange", "/api/alerts/", {"level": "orange", "reason": f"升级 {cycles}"})
            assert orange.status_code == 201, orange.text
            acknowledge_some(writer, members, per_unit=1)
            open_task = writer.assigned(late)[0]
            lift = writer.write(people.leader, "lift", f"/api/alerts/{orange.json()['id']}/lift/", {"reason": "好转"})
            assert lift.status_code == 200, lift.text
            # Its task was cancelled by the lift: acknowledging it now is refused, with the reason.
            refused_late = writer.write(late, "acknowledge cancelled", f"/api/assignments/{open_task['id']}/acknowledge/",
                                        task=open_task["id"])
            assert refused_late.status_code == 409, refused_late.text
    finally:
        for t in timers:
            t.join()
        writer.close()
    burst_seconds = time.monotonic() - t0

    db = check_database(writer)
    expected = {name: visible_ids(user, start) for name, user in watchers.items()}
    try:
        wait_for(lambda: all(c.last_id >= expected[n][-1] for n, c in clients.items()), timeout=20,
                 what="every dashboard to catch up after Redis came back")
    finally:
        ws_loop.close()
    for name, c in clients.items():
        check_stream(c, expected[name])
        assert not c.failures and len(c.connects) == 1, (name, c.failures)  # the sockets never dropped

    statuses = Counter(e["status"] for e in writer.log)
    during = [e for e in writer.log if not e["redis_up"]]
    assert len(during) >= 50 and any(e["kind"] == "issue orange" for e in during)  # a real burst hit the outage
    assert "event push to Redis failed" in web.log_text()  # the outage was felt, and only logged
    fault_report["1_redis_outage_burst"] = {
        "redis_down_seconds": round(outage["started"] - outage["stopped"], 1),
        "burst_seconds": round(burst_seconds, 1),
        "cycles": cycles,
        "writes": len(writer.log),
        "writes_while_redis_down": len(during),
        "statuses": dict(statuses),
        "events_total": len(expected["office"]),
        "events_per_client": {n: len(ids) for n, ids in expected.items()},
        "clients": len(clients),
        **db,
    }


def test_a_burst_of_100_events_with_redis_stopped_and_restarted_reaches_every_client_once_in_order(
    fault_db, redis_server, start_web, ws_loop, fault_report
):
    from alerts.services import alert_create
    from responses.models import TaskAssignment
    from responses.services import assignment_acknowledge

    people = People()
    member = people.members["education"]
    alert_create(actor=people.office, level="yellow", reason="燃烧")
    task = TaskAssignment.objects.filter(unit=member.unit).first()
    assignment_acknowledge(assignment=task, actor=member)
    web = start_web()
    start = latest_id()
    watchers = [("office", people.office), ("education-1", member), ("education-2", member),
                ("public-security", people.members["public-security"])]
    clients = [DashboardClient(n, web.ws_url, people.cookie(u), web.url, after=start).start(ws_loop) for n, u in watchers]
    for c in clients:
        c.wait_open(ws_loop)

    down_at = up_at = None
    with httpx.Client(base_url=web.url, timeout=30, headers={"Authorization": f"Token {people.token(member)}"}) as http:
        for i in range(100):
            if i == 25:
                redis_server.kill()
                down_at = time.monotonic()
            if i == 75:
                redis_server.start()
                up_at = time.monotonic()
            answer = http.post(f"/api/assignments/{task.pk}/progress/", json={"text": f"第{i + 1}次进展"})
            assert answer.status_code == 200, answer.text

    burst = visible_ids(people.office, start)
    assert len(burst) == 100  # exactly one event per write
    try:
        wait_for(lambda: all(c.last_id >= burst[-1] for c in clients[:3]), timeout=15, what="the 100 events")
        time.sleep(0.5)  # anything extra would show now
    finally:
        ws_loop.close()
    for c, (_, user) in zip(clients, watchers, strict=True):
        check_stream(c, visible_ids(user, start))
    assert [c.ids for c in clients[:3]] == [burst] * 3
    assert clients[3].ids == []  # another unit's progress notes never reach it
    fault_report["1b_redis_outage_100_events"] = {
        "events": len(burst),
        "redis_down_seconds": round(up_at - down_at, 1),
        "writes_while_redis_down": 50,
        "clients": len(clients),
        "clients_with_all_100": sum(c.ids == burst for c in clients),
    }
