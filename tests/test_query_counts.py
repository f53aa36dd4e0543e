"""Query counts per request stay the same as the data grows (NetBox-style baselines)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.services import alert_create, alert_lift
from responses.models import TaskTemplate
from units.models import Unit

pytestmark = pytest.mark.django_db

PAGES = {
    "office": ["/dashboard/office/?fragment=1", "/dashboard/wall/?fragment=1", "/api/alerts/", "/api/events/?after=0",
               "/api/assignments/", "/alerts/", "/responses/"],
    "leader": ["/dashboard/leader/?fragment=1", "/alerts/approvals/"],
    "member": ["/dashboard/unit/?fragment=1", "/api/assignments/", "/api/events/?after=0"],
}


def _grow(office, leader, member, rounds):
    """More warnings, more units, more tasks for the member's unit."""
    from alerts.models import Alert

    for current in Alert.objects.in_force():  # the office may not lower or lift the orange of the last call
        alert_lift(alert=current, actor=leader, reason="next round")
    for i in range(rounds):
        unit = Unit.objects.create(code=f"grow-{Unit.objects.count()}", kind="park", name=f"园区{i}")
        TaskTemplate.objects.bulk_create(TaskTemplate(unit=unit, level=lv, key="k", title="任务") for lv in ("III", "II", "I"))
        TaskTemplate.objects.create(unit=member.unit, level="III", key=f"extra-{unit.pk}", title="附加任务")
        alert = alert_create(actor=office, level="yellow", reason=f"round {i}")
        alert_lift(alert=alert, actor=office, reason="done")
        alert_create(actor=office, level="red", reason=f"proposal {i}")  # stays pending
    alert_create(actor=leader, level="orange", reason="in force")


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    return len(ctx.captured_queries)


def test_pages_and_lists_take_the_same_number_of_queries_with_more_data(office, leader, member, client):
    users = {"office": office, "leader": leader, "member": member}
    for user in users.values():
        user.get_all_permissions()
    _grow(office, leader, member, 1)
    before = {}
    for who, urls in PAGES.items():
        client.force_login(users[who])
        for url in urls:
            before[(who, url)] = _count(client, url)
    _grow(office, leader, member, 4)
    for who, urls in PAGES.items():
        client.force_login(users[who])
        for url in urls:
            assert _count(client, url) == before[(who, url)], (who, url)
