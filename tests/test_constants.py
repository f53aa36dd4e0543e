"""One definition of each domain constant (issue 13 §2 item 7): where a copy must exist, it equals the one."""

import datetime

from django.utils import timezone

from alerts.choices import LEVEL_RANK, LEVELS, RESPONSE_LEVEL, Level
from feeds import criteria
from reductions.choices import LEVELS as REDUCTION_LEVELS
from responses.choices import LEVEL_ORDER, acknowledged_late, is_overdue, overdue_q


def test_the_level_order_is_the_order_of_level():
    assert list(LEVELS) == [Level.YELLOW, Level.ORANGE, Level.RED]
    assert sorted(LEVELS, key=LEVEL_RANK.get) == list(LEVELS)


def test_the_response_levels_follow_the_warning_levels():
    assert sorted(LEVEL_ORDER, key=LEVEL_ORDER.get) == ["III", "II", "I"]
    assert REDUCTION_LEVELS == list(LEVELS)


def test_the_stdlib_only_criteria_spell_the_same_levels():
    """feeds.criteria imports no Django, so it keeps a copy: the same order and the same response levels."""
    assert criteria.LEVELS == ("none", *LEVELS)
    assert criteria.RESPONSE_LEVELS == {"none": "", **RESPONSE_LEVEL}


def test_overdue_and_late_as_the_summary_counts_them():
    """An assigned task past its deadline is overdue; an acknowledged one is not (it may have been late)."""
    now = timezone.now()
    past = now - datetime.timedelta(minutes=1)
    assert is_overdue(status="assigned", ack_deadline=past, now=now)
    assert not is_overdue(status="acknowledged", ack_deadline=past, now=now)
    assert not is_overdue(status="assigned", ack_deadline=now + datetime.timedelta(minutes=1), now=now)
    assert set(overdue_q(now).children) == {("ack_deadline__lt", now), ("status", "assigned")}
    assert acknowledged_late(acknowledged_at=now, ack_deadline=past, now=now)
    assert acknowledged_late(acknowledged_at=None, ack_deadline=past, now=now)
    assert not acknowledged_late(acknowledged_at=past, ack_deadline=now, now=now)
