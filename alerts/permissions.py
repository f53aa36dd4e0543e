"""Who may do what to a warning: the one home of the plan's authority rule (附件1 二).

The plan gives the office yellow and the district leaders orange and red: the office
issues and lifts yellow itself and proposes everything else; the leaders decide orange
and red, and so also every lowering and every lift of an orange or red in force. Hence:

- while orange or red is in force, any lower level the office asks for is a proposal
  (``pending_approval``) and any lift a request (``lift_pending``), never issued by it;
- a leader may issue any level, but lowering what is in force (a downgrade) needs an
  explicit confirmation, whether the leader issues it or approves the office's proposal;
- a proposal whose basis changed since it was made (another warning was issued or lifted
  in its area meanwhile: it is *stale*) is never applied silently: the approval needs an
  explicit confirmation too.

``alerts.services`` enforces these predicates; the views, the API, ``feeds`` and the
templates only ask them. ``authority_rows`` turns them into the role × transition table of
the README (a test keeps the two equal, and runs every cell through the services).
"""

from django.utils.translation import gettext_lazy as _

from alerts.choices import LEVEL_RANK, LEVELS, Level, Status
from units.choices import Role
from units.permissions import is_command, is_leader, is_office


class Effect:
    """What putting a warning in force does to the area's warning in force."""

    ISSUE = "issue"  # nothing in force: a new warning
    UPGRADE = "upgrade"  # a higher level replaces the one in force
    DOWNGRADE = "downgrade"  # a lower level replaces the one in force: needs confirm_downgrade
    SAME = "same"  # that level is already in force: refused
    LIFT = "lift"  # the warning in force ends


EFFECT_LABELS = {
    Effect.ISSUE: _("issue a new warning"),
    Effect.UPGRADE: _("raise the warning in force"),
    Effect.DOWNGRADE: _("lower the warning in force"),
    Effect.SAME: _("nothing: that level is already in force"),
    Effect.LIFT: _("lift the warning"),
}


def change_effect(level: str, in_force_level: str | None) -> str:
    """What putting ``level`` in force does while ``in_force_level`` (None: nothing) is in force."""
    if in_force_level is None:
        return Effect.ISSUE
    if level == in_force_level:
        return Effect.SAME
    return Effect.UPGRADE if LEVEL_RANK[level] > LEVEL_RANK[in_force_level] else Effect.DOWNGRADE


def may_see_every_alert(user) -> bool:
    """The command sees proposals, refusals and lift requests; everyone else only issued warnings."""
    return is_command(user)


def may_create(user) -> bool:
    """May ``user`` open the new-warning form at all (to issue or to propose)?"""
    return is_office(user) or is_leader(user)


def create_outcome(user, level: str, in_force_level: str | None) -> str | None:
    """What asking for ``level`` does when ``in_force_level`` is in force: the new warning's status.

    ``Status.ISSUED`` (in force at once), ``Status.PENDING_APPROVAL`` (a proposal the leaders
    decide), or None (not allowed: a 403). The office issues yellow only while nothing above
    yellow is in force: lowering an orange or red is the leaders' decision.
    """
    if is_leader(user):
        return Status.ISSUED
    if is_office(user):
        if level == Level.YELLOW and (in_force_level is None or in_force_level == Level.YELLOW):
            return Status.ISSUED
        return Status.PENDING_APPROVAL
    return None


def may_decide(user) -> bool:
    """Approve or reject a proposal, approve or refuse a lift request: the headquarters leaders."""
    return is_leader(user)


def lift_outcome(user, alert) -> str | None:
    """What ``user`` lifting ``alert`` (in force) does: ``Status.LIFTED``, ``Status.LIFT_PENDING`` (a
    request the leaders decide) or None (not allowed: a 403)."""
    if is_leader(user):
        return Status.LIFTED
    if is_office(user):
        return Status.LIFTED if alert.level == Level.YELLOW else Status.LIFT_PENDING
    return None


def may_lift(user) -> bool:
    """May ``user`` lift or ask to lift warnings at all?"""
    return is_office(user) or is_leader(user)


def may_lift_directly(user, alert) -> bool:
    return lift_outcome(user, alert) == Status.LIFTED


# --- The role × transition table (README) -----------------------------------------------------------

TABLE_ROLES = (Role.OFFICE, Role.LEADER, Role.UNIT, Role.ADMIN)
NONE = "—"


class _Persona:
    """A stand-in user of one role, to evaluate the predicates without a database."""

    is_authenticated = True
    is_active = True
    unit_id = None
    pk = None

    def __init__(self, role: str):
        self._role_cache = role
        self.is_superuser = False


def _cell_create(role: str, level: str, in_force: str | None) -> str:
    outcome = create_outcome(_Persona(role), level, in_force)
    if outcome is None:
        return NONE
    if outcome == Status.PENDING_APPROVAL:
        return "proposes"
    return "issues, confirming the downgrade" if change_effect(level, in_force) == Effect.DOWNGRADE else "issues"


def _cell_lift(role: str, level: str) -> str:
    outcome = lift_outcome(_Persona(role), type("A", (), {"level": level})())
    return {Status.LIFTED: "lifts", Status.LIFT_PENDING: "requests the lift", None: NONE}[outcome]


def _cell_decide(role: str, level: str, in_force: str | None) -> str:
    if not may_decide(_Persona(role)):
        return NONE
    if change_effect(level, in_force) == Effect.DOWNGRADE:
        return "decides (approving confirms the downgrade)"
    return "decides"


def _article(level: str) -> str:
    return "an" if level[0] in "aeiou" else "a"


def authority_rows() -> list[tuple[str, str, list[str]]]:
    """The table's rows, (in force, action, one cell per ``TABLE_ROLES`` role), from the predicates above.

    "decide" rows list only what can await a decision: a proposal the office makes in that
    situation, a lift the office asks for.
    """
    office = _Persona(Role.OFFICE)
    rows = []
    for in_force in (None, *LEVELS):
        shown = in_force or "nothing"
        others = [level for level in Level.values if level != in_force]
        for level in others:
            rows.append((shown, f"issue {level}", [_cell_create(r, level, in_force) for r in TABLE_ROLES]))
        if in_force is not None:
            rows.append((shown, "lift", [_cell_lift(r, in_force) for r in TABLE_ROLES]))
        for level in others:
            if create_outcome(office, level, in_force) == Status.PENDING_APPROVAL:
                action = f"decide {_article(level)} {level} proposal"
                rows.append((shown, action, [_cell_decide(r, level, in_force) for r in TABLE_ROLES]))
        if in_force is not None and lift_outcome(office, type("A", (), {"level": in_force})()) == Status.LIFT_PENDING:
            rows.append((shown, "decide a lift request", [_cell_decide(r, in_force, None) for r in TABLE_ROLES]))
    return rows


def authority_table_markdown() -> str:
    """The README's role × transition table, as Markdown."""
    head = ["in force", "action", *(str(r) for r in TABLE_ROLES)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join([in_force, action, *cells]) + " |" for in_force, action, cells in authority_rows()]
    return "\n".join(lines)
