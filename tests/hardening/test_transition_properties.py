"""Section 16: property tests of the warning transitions (hypothesis stateful testing).

A state machine issues, proposes, approves, rejects and lifts warnings at random, as the
office or a leader, for two areas, drill or not, on any warning made so far. Whatever the
sequence, after every step:

- at most one warning is in force per (area, drill);
- each warning in force has exactly one active response, at the level its colour calls for,
  and no response is active without one;
- a refused action (PermissionDenied, ActionRefused, ValidationError) changed nothing;
- the audit trail and the event log only grow.

Each example runs in a savepoint of the test's transaction, rolled back after it.
"""

from __future__ import annotations

import collections

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule, run_state_machine_as_test

from alerts import services
from alerts.choices import IN_FORCE, RESPONSE_LEVEL, Level, Status
from alerts.models import Alert
from events.models import AuditEntry, Event
from foundation.errors import ActionRefused
from responses.choices import ResponseStatus
from responses.models import Response, TaskAssignment
from tests.hardening.conftest import record_figure

pytestmark = pytest.mark.django_db

REFUSED = (PermissionDenied, ActionRefused, ValidationError)
AREAS = [None, "几江街道"]  # None: the district (the default area)
EXAMPLES = 15
STEPS = 12


def snapshot() -> tuple:
    """Everything a transition may change, cheaply."""
    return (
        tuple(Alert.objects.order_by("pk").values_list("pk", "status", "level", "approved_by", "lifted_by", "rejected_by")),
        tuple(Response.objects.order_by("pk").values_list("pk", "status", "level", "alert_id")),
        tuple(TaskAssignment.objects.values_list("status").annotate(n=Count("id")).order_by("status")),
        AuditEntry.objects.count(),
        Event.objects.count(),
    )


class WarningMachine(RuleBasedStateMachine):
    people: dict = {}
    counts: collections.Counter = collections.Counter()

    warnings = Bundle("warnings")

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        # The example's own block, marked as Django marks a test case's: each action inside it is a
        # service transaction of its own for the lock-order check (events/locks.py).
        self._savepoint._from_testcase = True
        self._savepoint.__enter__()
        self.log_sizes = (AuditEntry.objects.count(), Event.objects.count())
        WarningMachine.counts["examples"] += 1

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def _act(self, name: str, call):
        """Run one action; a refused one must leave everything as it was."""
        before = snapshot()
        WarningMachine.counts["steps"] += 1
        try:
            with transaction.atomic():
                result = call()
        except REFUSED:
            WarningMachine.counts[f"refused:{name}"] += 1
            assert snapshot() == before, f"a refused {name} changed something"
            return None
        WarningMachine.counts[f"done:{name}"] += 1
        return result

    @rule(target=warnings, who=st.sampled_from(["office", "leader"]), level=st.sampled_from(Level.values),
          drill=st.booleans(), area=st.sampled_from(AREAS))
    def create(self, who, level, drill, area):
        alert = self._act("create", lambda: services.alert_create(
            actor=self.people[who], level=level, reason=f"{who} {level}", drill=drill, area=area
        ))
        return multiple() if alert is None else alert.pk

    @rule(pk=warnings, who=st.sampled_from(["office", "leader"]))
    def approve(self, pk, who):
        self._act("approve", lambda: services.alert_approve(alert=Alert.objects.get(pk=pk), actor=self.people[who]))

    @rule(pk=warnings, who=st.sampled_from(["office", "leader"]), reason=st.sampled_from(["not needed", "forecast changed", "", "   "]))
    def reject(self, pk, who, reason):
        self._act("reject", lambda: services.alert_reject(alert=Alert.objects.get(pk=pk), actor=self.people[who], reason=reason))

    @rule(pk=warnings, who=st.sampled_from(["office", "leader"]))
    def lift(self, pk, who):
        self._act("lift", lambda: services.alert_lift(alert=Alert.objects.get(pk=pk), actor=self.people[who], reason="air improved"))

    @invariant()
    def at_most_one_warning_in_force_per_area_and_drill(self):
        in_force = Alert.objects.filter(status__in=IN_FORCE).values("area", "drill").annotate(n=Count("id"))
        assert all(row["n"] == 1 for row in in_force), list(in_force)

    @invariant()
    def each_warning_in_force_has_one_active_response_at_its_level(self):
        in_force = list(Alert.objects.filter(status__in=IN_FORCE))
        active = list(Response.objects.filter(status=ResponseStatus.ACTIVE))
        assert len(active) == len(in_force), (in_force, active)
        for alert in in_force:
            responses = [r for r in active if r.alert_id == alert.pk]
            assert len(responses) == 1, alert
            response = responses[0]
            assert response.level == RESPONSE_LEVEL[alert.level]
            assert (response.area, response.drill) == (alert.area, alert.drill)

    @invariant()
    def ended_states_are_complete(self):
        for alert in Alert.objects.exclude(status__in=IN_FORCE):
            if alert.status == Status.LIFTED:
                assert alert.lifted_at is not None and alert.lifted_by_id is not None
                assert not alert.responses.filter(status=ResponseStatus.ACTIVE).exists()
            if alert.status == Status.SUPERSEDED:
                assert Alert.objects.filter(supersedes=alert).exists()
            if alert.status == Status.REJECTED:
                assert alert.rejection_reason.strip() and alert.issued_at is None

    @invariant()
    def the_audit_trail_and_the_event_log_only_grow(self):
        sizes = (AuditEntry.objects.count(), Event.objects.count())
        assert sizes[0] >= self.log_sizes[0] and sizes[1] >= self.log_sizes[1]
        self.log_sizes = sizes


def test_any_sequence_of_allowed_actions_leaves_a_consistent_state(office, leader):
    WarningMachine.people = {"office": office, "leader": leader}
    WarningMachine.counts = collections.Counter()
    run_state_machine_as_test(
        WarningMachine,
        settings=settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
                          derandomize=True, suppress_health_check=list(HealthCheck)),
    )
    counts = WarningMachine.counts
    record_figure("hypothesis_transitions", {
        "examples": counts["examples"], "steps": counts["steps"],
        "done": {k.split(":")[1]: v for k, v in counts.items() if k.startswith("done:")},
        "refused": {k.split(":")[1]: v for k, v in counts.items() if k.startswith("refused:")},
    })
    # The run exercised both outcomes of every action, not only refusals.
    for action in ("create", "approve", "reject", "lift"):
        assert counts[f"done:{action}"] > 0, counts
        assert counts[f"refused:{action}"] > 0, counts
