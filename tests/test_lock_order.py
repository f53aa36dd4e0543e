"""The one lock order (events/locks.py), proved by races on PostgreSQL with real threads.

Issue 12 item 10: nine acknowledgements racing a lift deadlocked PostgreSQL (the lift held the
event-order lock and waited for assignment rows; each acknowledgement held its row and waited
for the event-order lock). Every race here runs many rounds and counts every answer.
"""


import pytest
from django.db import connection
from rest_framework.test import APIClient

from alerts.models import Alert
from alerts.services import alert_create
from events.models import AuditEntry
from responses.models import TaskAssignment
from tests.conftest import PASSWORD
from tests.threads import race
from units.services import user_create

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 20
ACKS = 9


def _post(user, path, data=None):
    client = APIClient()
    client.force_authenticate(user)
    return lambda: client.post(path, data or {}, format="json").status_code


def _members(count):
    """One member for each of ``count`` units that get level-III tasks, with one task each to act on."""
    from responses.models import TaskTemplate

    codes = list(
        TaskTemplate.objects.filter(stage="response", level="III", active=True, unit__active=True)
        .values_list("unit__code", flat=True).distinct().order_by("unit__code")[:count]
    )
    assert len(codes) == count
    from units.models import Unit

    return [
        user_create(username=f"race-{code}", role="unit", password=PASSWORD, unit=Unit.objects.get(code=code))
        for code in codes
    ]


def _closed_first(assignment_pk) -> bool:
    """Whether the lift closed this task before any acknowledgement of it (audit ids follow commit order here)."""
    entries = list(
        AuditEntry.objects.filter(target_type="taskassignment", target_id=assignment_pk, action__in=["acknowledge", "close"])
        .order_by("id").values_list("action", flat=True)
    )
    return entries[0] == "close"


def test_acknowledgements_racing_a_lift_answer_200_before_it_and_409_after_it(office):
    """Issue 12 item 10: 9 acknowledgements and a lift, 20 rounds; no deadlock, no 503, the lift 200 every round."""
    assert connection.vendor == "postgresql"
    members = _members(ACKS)
    counts = {200: 0, 409: 0}
    for round_ in range(ROUNDS):
        alert = alert_create(actor=office, level="yellow", reason=f"round {round_}")
        tasks = [
            TaskAssignment.objects.filter(response__alert=alert, unit=m.unit, stage="response").order_by("id").first()
            for m in members
        ]
        calls = [_post(m, f"/api/assignments/{t.pk}/acknowledge/") for m, t in zip(members, tasks)]
        calls.insert(round_ % (ACKS + 1), _post(office, f"/api/alerts/{alert.pk}/lift/", {"reason": "clean air"}))
        lift_at = round_ % (ACKS + 1)
        results = race(*calls)
        lift = results.pop(lift_at)
        assert lift == 200, f"round {round_}: lift answered {lift!r}, acks {results}"
        assert Alert.objects.get(pk=alert.pk).status == "lifted"
        for task, answer in zip(tasks, results):
            expected = 409 if _closed_first(task.pk) else 200
            assert answer == expected, f"round {round_}: task {task.pk} answered {answer!r}, acks {results}"
            counts[answer] += 1
        assert not TaskAssignment.objects.filter(response__alert=alert, stage="response").exclude(status="cancelled").exists()
    assert counts[200] + counts[409] == ROUNDS * ACKS
    print(f"\nack/lift race: {ROUNDS} rounds, {ROUNDS} lifts 200, acknowledgements 200: {counts[200]}, 409: {counts[409]}")


def _level_one_only_tasks(alert, count):
    """Up to ``count`` open level-I tasks of the red ``alert``, of distinct units, that orange does not hold."""
    from responses.models import TaskTemplate

    at_two = set(TaskTemplate.objects.filter(stage="response", level="II", active=True).values_list("unit_id", "key"))
    tasks, units = [], set()
    for task in TaskAssignment.objects.filter(response__alert=alert, stage="response").order_by("id"):
        if (task.unit_id, task.key) not in at_two and task.unit_id not in units:
            tasks.append(task)
            units.add(task.unit_id)
    assert len(tasks) >= count
    return tasks[:count]


def test_completions_racing_a_downgrade_answer_200_before_it_and_409_after_it(leader):
    """A second race of the kind: units complete level-I tasks while a leader lowers red to orange, 10 rounds."""
    from units.models import User

    counts = {200: 0, 409: 0}
    for round_ in range(10):
        red = alert_create(actor=leader, level="red", reason=f"round {round_}")
        tasks = _level_one_only_tasks(red, ACKS)
        members = [
            user_create(username=f"down-{t.unit_id}", role="unit", password=PASSWORD, unit=t.unit)
            if not User.objects.filter(username=f"down-{t.unit_id}").exists() else User.objects.get(username=f"down-{t.unit_id}")
            for t in tasks
        ]
        calls = [_post(m, f"/api/assignments/{t.pk}/complete/", {"report": "done"}) for m, t in zip(members, tasks)]
        create = APIClient()
        create.force_authenticate(leader)
        calls.insert(0, lambda: create.post(
            "/api/alerts/", {"level": "orange", "reason": "lower", "confirm_downgrade": True}, format="json"
        ).status_code)
        results = race(*calls)
        downgrade = results.pop(0)
        assert downgrade == 201, f"round {round_}: downgrade answered {downgrade!r}, completions {results}"
        for task, answer in zip(tasks, results):
            entries = list(
                AuditEntry.objects.filter(target_type="taskassignment", target_id=task.pk, action__in=["complete", "close"])
                .order_by("id").values_list("action", flat=True)
            )
            expected = 409 if entries[0] == "close" else 200
            assert answer == expected, f"round {round_}: task {task.pk} answered {answer!r} ({entries}), {results}"
            assert TaskAssignment.objects.get(pk=task.pk).status == ("cancelled" if answer == 409 else "completed")
            counts[answer] += 1
        orange = Alert.objects.in_force().get()
        assert orange.level == "orange"
        from alerts.services import alert_lift

        alert_lift(alert=orange, actor=leader, reason="clean air")
    assert counts[200] + counts[409] == 10 * ACKS
    print(f"\ncomplete/downgrade race: 10 rounds, 10 downgrades 201, completions 200: {counts[200]}, 409: {counts[409]}")


def test_the_escalation_step_racing_a_lift_reminds_only_tasks_it_claimed_before_the_lift(office):
    """A third race of the kind: the beat's escalation step and a lift on the same overdue tasks, 10 rounds."""
    import datetime

    from django.utils import timezone

    from responses.services import assignments_escalate_overdue

    for round_ in range(10):
        alert = alert_create(actor=office, level="yellow", reason=f"round {round_}")
        open_tasks = TaskAssignment.objects.filter(response__alert=alert, stage="response")
        open_tasks.update(ack_deadline=timezone.now() - datetime.timedelta(hours=2))
        results = race(
            lambda: assignments_escalate_overdue(),
            _post(office, f"/api/alerts/{alert.pk}/lift/", {"reason": "clean air"}),
        )
        escalation, lift = results
        assert lift == 200, f"round {round_}: lift answered {lift!r}, escalation {escalation!r}"
        assert isinstance(escalation, dict), f"round {round_}: escalation raised {escalation!r}"
        reminded = 0
        for task in open_tasks:
            entries = list(
                AuditEntry.objects.filter(target_type="taskassignment", target_id=task.pk, action__in=["remind", "close"])
                .order_by("id").values_list("action", flat=True)
            )
            assert entries[-1] == "close" and entries.count("close") == 1, entries  # a reminder never follows the lift
            reminded += entries.count("remind")
        assert reminded == escalation["reminded"]


def test_the_recurring_duties_beat_racing_a_lift_leaves_no_open_occurrence(office):
    """The beat's recurring duties (issue 17 item 6) and a lift on the same response, 10 rounds: the beat
    locks the response first or waits for the lift; an occurrence made before the lift is closed by it,
    none is made after it, and neither side deadlocks."""
    import datetime
    import time

    from responses.models import Response
    from responses.services import assignments_recur

    made = 0
    for round_ in range(10):
        alert = alert_create(actor=office, level="yellow", reason=f"round {round_}")
        response = Response.objects.get(alert=alert)
        back = datetime.timedelta(hours=8, minutes=1)
        Response.objects.filter(pk=response.pk).update(level_since=response.level_since - back)
        TaskAssignment.objects.filter(response=response).update(effective_from=response.level_since - back)
        # The beat starts a little later each round, so that the lift comes first in some rounds.
        recur, lift = race(
            lambda delay=0.015 * round_: (time.sleep(delay), assignments_recur())[1],
            _post(office, f"/api/alerts/{alert.pk}/lift/", {"reason": "clean air"}),
        )
        assert lift == 200, f"round {round_}: lift answered {lift!r}, beat {recur!r}"
        assert isinstance(recur, dict) and recur["created"] in (0, 2), f"round {round_}: beat answered {recur!r}"
        later = TaskAssignment.objects.filter(response=response, occurrence=2)
        assert later.count() == recur["created"]
        assert set(later.values_list("status", flat=True)) <= {"cancelled"}  # the lift closed what came before it
        assert not TaskAssignment.objects.filter(response=response, stage="response", status="assigned").exists()
        made += recur["created"]
    print(f"rounds with the occurrence made before the lift: {made // 2} of 10")


def test_a_lock_after_the_event_order_lock_is_refused(office, member):
    """The guard of events/locks.py: a transaction that records an event, then locks a row, fails at once."""
    from django.db import transaction

    from events.locks import LockOrderError
    from events.services import event_record

    alert = alert_create(actor=office, level="yellow", reason="a")
    with pytest.raises(LockOrderError), transaction.atomic():
        event_record(type="test", payload={})
        list(TaskAssignment.objects.select_for_update().filter(response__alert=alert)[:1])
    with transaction.atomic():  # the same row lock before the first event is the documented order
        list(TaskAssignment.objects.select_for_update().filter(response__alert=alert)[:1])
        event_record(type="test", payload={})
