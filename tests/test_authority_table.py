"""The README's role × transition table is the permissions module's, and every cell holds in the services.

The table is read from the README between its markers, compared with
``alerts.permissions.authority_table_markdown()``, and then each row is played through
``alerts.services`` for each role: the answer must be the cell's (issue 12 acceptance).
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from alerts.models import Alert
from alerts.permissions import TABLE_ROLES, authority_table_markdown
from alerts.services import alert_approve, alert_create, alert_lift, alert_reject
from foundation.errors import ActionRefused

README = Path(settings.BASE_DIR) / "README.md"
TABLE = re.compile(r"<!-- authority-table:[^>]*-->\n(.*?)\n<!-- /authority-table -->", re.S)


def readme_rows() -> list[tuple[str, str, list[str]]]:
    text = TABLE.search(README.read_text(encoding="utf-8")).group(1)
    rows = []
    for line in text.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append((cells[0], cells[1], cells[2:]))
    return rows


def test_the_readme_table_is_the_permissions_modules():
    assert TABLE.search(README.read_text(encoding="utf-8")).group(1) == authority_table_markdown()


def test_the_table_has_a_row_for_each_situation_and_a_column_for_each_role():
    rows = readme_rows()
    assert len(rows) == 22
    assert all(len(cells) == len(TABLE_ROLES) for _, _, cells in rows)


def _outcome(call):
    """The new status, or "denied" / "refused"."""
    try:
        with transaction.atomic():
            alert = call()
    except PermissionDenied:
        return "denied"
    except ActionRefused:
        return "refused"
    return alert.status


def _play(in_force_level, action, user, leader, office, *, confirm: bool):
    """Set up the row's situation and do the row's action as ``user``; answer the outcome."""
    current = alert_create(actor=leader, level=in_force_level, reason="in force") if in_force_level else None
    if action.startswith("issue "):
        level = action.split()[1]
        return _outcome(lambda: alert_create(actor=user, level=level, reason="r", confirm_downgrade=confirm))
    if action == "lift":
        return _outcome(lambda: alert_lift(alert=current, actor=user, reason="clean"))
    if action == "decide a lift request":
        alert_lift(alert=current, actor=office, reason="clean")
        target = Alert.objects.get(pk=current.pk)
    else:
        level = action.split()[2]
        target = alert_create(actor=office, level=level, reason="proposal")
        assert target.status == "pending_approval"
    rejected = _outcome(lambda: alert_reject(alert=Alert.objects.get(pk=target.pk), actor=user, reason="no"))
    if rejected == "denied":
        return "denied"
    assert rejected in ("rejected", "issued")  # a refused lift leaves the warning in force
    return "decided"


EXPECTED = {
    "issues": ("issued", "issued"),  # (without confirmation, with it)
    "issues, confirming the downgrade": ("refused", "issued"),
    "proposes": ("pending_approval", "pending_approval"),
    "lifts": ("lifted", "lifted"),
    "requests the lift": ("lift_pending", "lift_pending"),
    "decides": ("decided", "decided"),
    "decides (approving confirms the downgrade)": ("decided", "decided"),
    "—": ("denied", "denied"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("in_force,action,cells", readme_rows(), ids=lambda v: v if isinstance(v, str) else None)
def test_each_cell_of_the_table_holds_in_the_services(request, in_force, action, cells, office, leader, member, admin_user):
    users = {"office": office, "leader": leader, "unit": member, "admin": admin_user}
    in_force_level = None if in_force == "nothing" else in_force
    for role, cell in zip(TABLE_ROLES, cells):
        for confirm, expected in zip((False, True), EXPECTED[cell]):
            sid = transaction.savepoint()
            try:
                got = _play(in_force_level, action, users[str(role)], leader, office, confirm=confirm)
            finally:
                transaction.savepoint_rollback(sid)
            assert got == expected, (in_force, action, role, cell, confirm, got)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "in_force,level",
    [(row[0], m.group(1)) for row in readme_rows() if (m := re.fullmatch(r"decide an? (\w+) proposal", row[1]))],
)
def test_each_proposal_a_leader_may_decide_is_approved_as_the_table_says(in_force, level, office, leader):
    """The "decides" cells, by approval: a downgrade only with its confirmation."""
    in_force_level = None if in_force == "nothing" else in_force
    current = alert_create(actor=leader, level=in_force_level, reason="in force") if in_force_level else None
    proposal = alert_create(actor=office, level=level, reason="proposal")
    downgrade = current is not None and ["yellow", "orange", "red"].index(level) < ["yellow", "orange", "red"].index(in_force)
    if downgrade:
        with pytest.raises(ActionRefused):
            with transaction.atomic():
                alert_approve(alert=proposal, actor=leader)
    alert_approve(alert=proposal, actor=leader, confirm_downgrade=downgrade)
    assert Alert.objects.get(pk=proposal.pk).status == "issued"
    if current is not None:
        assert Alert.objects.get(pk=current.pk).status == "superseded"
