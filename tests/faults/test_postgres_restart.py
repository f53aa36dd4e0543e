"""Fault 2: PostgreSQL restarted while a warning is being issued.

The server under test runs on a private PostgreSQL cluster, with persistent
connections (``DB_CONN_MAX_AGE=60``, health checks on): the harder case, since every
connection it holds dies with the restart. The test holds the event-order advisory
lock, so the issue request stops inside its transaction after it has inserted the
warning and its audit row (seen in ``pg_locks``); then the cluster is stopped
(``pg_ctl stop -m fast``), asked for while down, and started again.
"""

import threading
import time

import httpx
import pytest
from django.db import connections

from tests.faults.conftest import People, latest_id, visible_ids
from tests.faults.support import DashboardClient, check_stream, wait_for

pytestmark = pytest.mark.slow

EVENT_ORDER_LOCK = 7_340_633  # events.locks.EVENT_ORDER_LOCK


def row_counts() -> dict:
    from alerts.models import Alert
    from events.models import AuditEntry, Event
    from responses.models import Response, TaskAssignment

    return {
        "alerts": Alert.objects.count(),
        "responses": Response.objects.count(),
        "assignments": TaskAssignment.objects.count(),
        "events": Event.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


DATABASE_UNAVAILABLE = {
    "zh-hans": "数据库暂时不可用，没有任何内容被修改，请重试。",
    "en": "Database temporarily unavailable; nothing was changed. Try again.",
}
PAGE_HEADING = {"zh-hans": "服务暂时不可用", "en": "Service temporarily unavailable"}


def assert_clean_503(answer: httpx.Response, *, json_body: bool, language: str) -> None:
    """A 503 with Retry-After, in the request's language: the token client sends no Accept-Language (the
    site's default, Chinese), the session client asks for English; never the web thread's last request's."""
    assert answer.status_code == 503, (answer.status_code, answer.text[:500])
    assert answer.headers.get("retry-after") == "5"
    if json_body:
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json() == {"detail": DATABASE_UNAVAILABLE[language]}
    else:
        assert answer.headers["content-type"].startswith("text/html")
        assert f'<html lang="{language}">' in answer.text and PAGE_HEADING[language] in answer.text


def test_postgres_restarted_during_an_issue_answers_503_leaves_nothing_half_done_and_recovers(
    fault_db, redis_server, start_web, ws_loop, fault_report
):
    from alerts.models import Alert
    from responses.models import Response

    cluster = fault_db.cluster
    people = People()
    web = start_web(DB_CONN_MAX_AGE="60")
    pid = web.pid
    api = httpx.Client(base_url=web.url, timeout=30, headers={"Authorization": f"Token {people.token(people.office)}"})
    page = httpx.Client(base_url=web.url, timeout=30, cookies={"sessionid": people.cookie(people.office)},
                        headers={"Accept-Language": "en"})
    assert api.get("/api/alerts/").status_code == 200  # the server now holds live connections
    assert page.get("/dashboard/office/").status_code == 200
    start = latest_id()
    dashboard = DashboardClient("office", web.ws_url, people.cookie(people.office), web.url, after=start).start(ws_loop)
    dashboard.wait_open(ws_loop)
    before = row_counts()
    connections.close_all()  # the test's own connection dies with the restart too

    holder = cluster.connect(fault_db.name)
    holder.autocommit = False
    holder.cursor().execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_ORDER_LOCK])
    result = {}
    issuing = threading.Thread(
        target=lambda: result.update(answer=api.post("/api/alerts/", json={"level": "yellow", "reason": "重启中发布"}))
    )
    issuing.start()
    waiting = wait_for(
        lambda: cluster.sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event = 'advisory' AND pid <> %s",
            [fault_db.name, holder.get_backend_pid()],
        ),
        timeout=10, what="the issue to wait inside its transaction",
    )
    written = {
        row[0]
        for row in cluster.sql(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND l.mode = 'RowExclusiveLock'", [waiting[0][0]], dbname=fault_db.name,
        )
    }
    assert {"alerts_alert", "events_auditentry"} <= written  # mid-issue: the warning row is inserted, uncommitted

    stopped = time.monotonic()
    cluster.stop("fast")
    issuing.join(30)
    assert_clean_503(result["answer"], json_body=True, language="zh-hans")
    while_down = {
        "issue": api.post("/api/alerts/", json={"level": "yellow", "reason": "数据库停机"}),
        "acknowledge": api.post("/api/assignments/1/acknowledge/"),
        "list": api.get("/api/alerts/"),
        "acknowledge (session)": page.post("/api/assignments/1/acknowledge/"),
        "page": page.get("/dashboard/office/"),
        "page-fragment": page.get("/dashboard/office/?fragment=1"),
        "list after English requests": api.get("/api/alerts/"),  # Chinese again, whatever the thread last spoke
        "issue after English requests": api.post("/api/alerts/", json={"level": "yellow", "reason": "数据库停机"}),
    }
    for name, answer in while_down.items():
        session = name.startswith("page") or "session" in name  # the English reader's session client
        assert_clean_503(answer, json_body=not name.startswith("page"), language="en" if session else "zh-hans")
        assert "set-cookie" not in answer.headers  # the session is kept: the user is still signed in afterwards
    cluster.start()
    down_seconds = time.monotonic() - stopped
    holder.close()

    after = row_counts()
    assert after == before  # no warning without its response, tasks, events and audit: nothing at all
    assert not Alert.objects.exists() and not Response.objects.exists()

    recovered_at = time.monotonic()
    again = api.post("/api/alerts/", json={"level": "yellow", "reason": "恢复后发布"})
    assert again.status_code == 201, again.text
    recovery_seconds = time.monotonic() - recovered_at
    alert = Alert.objects.get(pk=again.json()["id"])
    response = Response.objects.get(alert=alert, status="active")
    assert response.level == "III" and response.assignments.count() > 100
    assert page.get("/dashboard/office/").status_code == 200
    assert web.alive() and web.pid == pid and web.starts == 1  # recovered without a process restart

    expected = visible_ids(people.office, start)
    try:
        wait_for(lambda: dashboard.last_id >= expected[-1], timeout=15, what="the dashboard to get the new issue")
    finally:
        ws_loop.close()
    check_stream(dashboard, expected)
    fault_report["2_postgres_restart"] = {
        "interrupted_issue_status": result["answer"].status_code,
        "requests_while_down": {name: a.status_code for name, a in while_down.items()},
        "postgres_down_seconds": round(down_seconds, 1),
        "rows_left_by_interrupted_issue": {k: after[k] - before[k] for k in before},
        "first_request_after_restart": again.status_code,
        "first_request_seconds": round(recovery_seconds, 2),
        "assignments_of_new_issue": response.assignments.count(),
        "dashboard_events_after_restart": len(dashboard.ids),
        "uvicorn_restarts": web.starts - 1,
    }
