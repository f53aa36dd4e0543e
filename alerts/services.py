"""Every warning transition, one function each (Zulip's do_* discipline).

Each one: takes the area lock, locks the row, does nothing if already in the target
state, checks the actor's authority and the transition table, saves, writes the
audit entry and the event in the same transaction. Pushes leave after the commit
(``events.services``). The plan's rule (附件1 二): the office issues and lifts yellow
itself and proposes orange and red to the district government, whose leaders decide
issuing and lifting.
"""

import datetime
import zlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts import permissions
from alerts.basis import basis_check, basis_of, basis_required, city_floor_check
from alerts.choices import IN_FORCE, TRANSITIONS, Cause, Level, Status
from alerts.models import Alert
from alerts.permissions import Effect, change_effect
from alerts.responders import responder
from alerts.selectors import approval_effect
from events.choices import Audience, EventType
from events.services import audit_record, event_record
from foundation.errors import ActionRefused
from foundation.text import TEXT_MAX, storable_text, text_checked


def alert_payload(alert: Alert) -> dict:
    """What dashboards and the public page need to show ``alert``, as its events carry it.

    Returns a dict: ``id``, ``level`` and ``level_display``, ``status``, ``response_level`` (III/II/I),
    ``colour`` (hex), ``reason``, ``area``, ``drill``, ``supersedes`` (id or None) and the times as ISO 8601
    with offset. Reads no other row. Raises nothing.
    """
    return {
        "id": alert.pk,
        "level": alert.level,
        "level_display": alert.get_level_display(),
        "status": alert.status,
        "response_level": alert.response_level,
        "colour": alert.colour,
        "reason": alert.reason,
        "area": alert.area,
        "drill": alert.drill,
        "supersedes": alert.supersedes_id,
        "issued_at": alert.issued_at.isoformat() if alert.issued_at else None,
        "starts_at": alert.starts_at.isoformat() if alert.starts_at else None,
        "ends_at": alert.ends_at.isoformat() if alert.ends_at else None,
        "lift_at": alert.lift_at.isoformat() if alert.lift_at else None,
        "lifted_at": alert.lifted_at.isoformat() if alert.lifted_at else None,
        # The episode's cause and the record the decision rests on (issue 15 items 1-3).
        "cause": alert.cause,
        "cause_display": str(alert.get_cause_display()),
        "basis_record": basis.as_payload() if (basis := basis_of(alert)) else None,
    }


def _check_transition(alert: Alert | None, to_state: str) -> None:
    from_state = alert.status if alert is not None else None
    if (from_state, to_state) not in TRANSITIONS:
        raise ActionRefused(
            _("A warning that is %(from)s cannot become %(to)s.")
            % {"from": alert.get_status_display() if alert else "-", "to": Status(to_state).label}
        )


def _lock_area(area: str, drill: bool) -> None:
    """Serialise every transition that can change what is in force for one area.

    Two leaders approving two proposals for the same area at once must not both
    issue; the partial unique index would catch it, but as an error, not an answer.
    """
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"alert-area:{area}:{int(drill)}".encode()) - 2**31
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _lock(alert: Alert) -> Alert:
    """Take the area lock, then the row lock (steps 2 and 3 of ``events/locks.py``), and return the fresh row."""
    _lock_area(alert.area, alert.drill)
    return Alert.objects.select_for_update(no_key=True).get(pk=alert.pk)


def _announce(alert: Alert, event_type: str, audience: str = Audience.ALL) -> None:
    event_record(type=event_type, payload=alert_payload(alert), audience=audience)


def _tell_office(alert: Alert, entry, template: str, *, also=None) -> None:
    """The office hears of a leader's rejection or refusal in its notifications, after the commit (issue 14 item 5);
    the event (audience: the command) brings it to the office's screen at once."""
    message = template % {
        "leader": entry.actor.get_full_name() or entry.actor.username if entry.actor else "",
        "level": alert.get_level_display(), "id": alert.pk, "reason": entry.comment,
    }
    responder().office_told(key=f"decision:{entry.pk}", message=message, also=[also])


def _start_grace() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.ALERT_START_GRACE_MINUTES)


def times_errors(starts_at, ends_at, *, now: datetime.datetime | None = None) -> dict:
    """What is wrong with a warning's planned start and end, as ``{field: message}`` (empty: nothing).

    The start (default: now) may be at most ``ALERT_START_GRACE_MINUTES`` in the past; a warning
    never takes effect before it is issued, so a start in the past means "now". The end must come
    after the effective start, which also keeps a CAP message's ``expires`` after its ``sent``
    and ``effective`` (CAP 1.2 §3.2.2).
    """
    now = now or timezone.now()
    errors = {}
    if starts_at is not None and starts_at < now - _start_grace():
        errors["starts_at"] = _("The start may be at most %(minutes)d minutes in the past.") % {
            "minutes": settings.ALERT_START_GRACE_MINUTES
        }
    elif ends_at is not None and ends_at <= max(starts_at or now, now):
        errors["ends_at"] = _("The end must be after the start and in the future.")
    return errors


def _validate_new(level: str, reason: str, starts_at, ends_at) -> None:
    errors = {}
    if level not in Level.values:
        errors["level"] = _("Choose yellow, orange or red.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the warning.")
    elif len(reason) > TEXT_MAX:
        errors["reason"] = _("At most %(max)s characters (this text has %(count)s).") % {
            "max": f"{TEXT_MAX:,}", "count": f"{len(reason):,}"}
    errors.update(times_errors(starts_at, ends_at))
    if errors:
        raise ValidationError(errors)


def _check_cause(actor, cause: str, tasks_override_reason: str) -> None:
    """ValidationError (400) for an unknown cause; PermissionDenied (403) for an override by anyone but a leader."""
    if cause not in Cause.values:
        raise ValidationError({"cause": _("Choose the cause of the episode.")})
    if tasks_override_reason and not permissions.may_decide(actor):
        raise PermissionDenied(_("Only headquarters leaders hand out every task whatever the cause."))


def _in_force(area: str, drill: bool, *, exclude: int | None = None) -> Alert | None:
    """The area's warning in force, row-locked. The caller holds the area lock."""
    current = Alert.objects.select_for_update(no_key=True).filter(area=area, drill=drill, status__in=IN_FORCE)
    if exclude is not None:
        current = current.exclude(pk=exclude)
    return current.first()


def _refuse_same(level: str, current: Alert) -> ActionRefused:
    return ActionRefused(
        _("A %(level)s warning is already in force for this area.") % {"level": current.get_level_display()},
        effect=Effect.SAME,
    )


def _refuse_downgrade(alert: Alert, current: Alert) -> ActionRefused:
    return ActionRefused(
        _(
            "This would lower the %(current)s warning in force to %(level)s (a downgrade): the %(response)s "
            "response and its tasks change. Confirm the downgrade to go on (API: \"confirm_downgrade\": true)."
        )
        % {"current": current.get_level_display(), "level": alert.get_level_display(), "response": current.response_level_label},
        effect=Effect.DOWNGRADE, in_force=current.pk, in_force_level=current.level,
    )


def alert_create(
    *,
    actor,
    level: str,
    reason: str,
    basis: str = "",
    drill: bool = False,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    area: str | None = None,
    cause: str = Cause.PM2_5,
    advisory_only: bool = False,
    tasks_override_reason: str = "",
    confirm_downgrade: bool = False,
    basis_kind: str = "",
    basis_ref: int | None = None,
    below_city_reason: str = "",
) -> Alert:
    """Issue a warning, or propose it to the leaders, as ``alerts.permissions.create_outcome`` decides.

    The office issues yellow while nothing above yellow is in force and proposes every other level
    (附件1 二: the leaders decide orange and red, and so every lowering of them); a leader issues any
    level. A warning made from a feeds proposal is made by ``feeds.services.proposal_act``, which holds
    the proposal's row lock and records on the proposal the warning it became (``alerts.origins``).

    ``cause`` (``alerts.choices.Cause``) decides the task set: only the templates naming it are handed
    out (issue 15 item 2; an ozone or dust episode gets no mandatory production cuts). ``advisory_only``
    is the proposal's health-advisory flag, kept on the warning. A leader may hand out every template of
    the level whatever the cause by giving ``tasks_override_reason``, which is audited
    (``override_tasks``); anyone else giving one gets PermissionDenied (403), an unknown cause a
    ValidationError (400).

    ``starts_at`` (default: at issue) is when the warning and its response take effect; units get
    their tasks at once, effective from then. ``ends_at`` is the planned end, when the warning ends
    by itself (``alerts_end_due``).

    Raises PermissionDenied (403) for a role that may not create warnings; ValidationError (400)
    for a bad level, an empty reason, a start more than ``ALERT_START_GRACE_MINUTES`` in the past or
    an end not after the start; ActionRefused (409) when that level is already in force, or when a
    leader's warning would lower the one in force and ``confirm_downgrade`` is not set (the answer
    carries ``"effect": "downgrade"``). Returns the new warning (``issued`` or ``pending_approval``).

    ``basis_kind``/``basis_ref`` name the record the decision rests on (``alerts.basis``): a consultation
    (会商) or a municipal directive. Issuing or proposing orange or red, and lowering an orange or red in
    force, need one (issue 15 item 1); without it, or citing a record that calls for no warning, the
    answer is a ValidationError (400) naming what is missing.

    Issuing below the level of the city's warning notice in effect (``alerts.basis.city_floor_check``) needs a
    leader's ``below_city_reason`` (400 without it, 403 for the office), audited as ``below_city`` (issue 15 item 3).
    """
    reason, basis = storable_text(reason), storable_text(basis)
    if not permissions.may_create(actor):
        raise PermissionDenied(_("You may not issue or propose warnings."))
    _validate_new(level, reason, starts_at, ends_at)
    tasks_override_reason = storable_text(tasks_override_reason).strip()
    _check_cause(actor, cause, tasks_override_reason)
    basis_check(level=level, kind=basis_kind, pk=basis_ref)
    alert = Alert(
        level=level,
        reason=reason.strip(),
        basis=basis,
        drill=drill,
        starts_at=starts_at,
        ends_at=ends_at,
        proposed_by=actor,
        cause=cause,
        advisory_only=advisory_only,
        tasks_override_reason=tasks_override_reason,
        basis_kind=basis_kind or "",
        basis_ref=basis_ref if basis_kind else None,
    )
    if area:
        alert.area = area
    with transaction.atomic():
        # The lock order (events/locks.py): a proposal's row comes before the area lock. ``feeds`` takes
        # it (feeds.services.proposal_act) before calling here; alerts never imports feeds.
        _lock_area(alert.area, alert.drill)
        current = _in_force(alert.area, alert.drill)
        effect = change_effect(level, current.level if current else None)
        if effect == Effect.SAME:
            raise _refuse_same(level, current)
        if current is not None and not basis_kind:
            basis_check(level=level, kind="", pk=None, in_force_level=current.level)  # lowering an orange or red
        outcome = permissions.create_outcome(actor, level, current.level if current else None)
        if outcome == Status.ISSUED:
            if effect == Effect.DOWNGRADE and not confirm_downgrade:
                raise _refuse_downgrade(alert, current)
            city = city_floor_check(actor=actor, level=level, area=alert.area, drill=drill, reason=below_city_reason)
            _issue(alert, current, actor=actor, comment=reason)
            _audit_below_city(alert, city, actor=actor, reason=below_city_reason)
        else:
            _check_transition(None, Status.PENDING_APPROVAL)
            alert.status = Status.PENDING_APPROVAL
            alert.proposed_over = current
            alert.save()
            audit_record(
                actor=actor, action="propose", target=alert, to_state=alert.status, comment=reason,
                data={"effect": effect, "in_force": current.pk if current else None, **_basis_data(alert)},
            )
            _announce(alert, EventType.ALERT_PENDING_APPROVAL, Audience.COMMAND)
        if tasks_override_reason:
            audit_record(
                actor=actor, action="override_tasks", target=alert, comment=tasks_override_reason,
                data={"cause": cause, "level": level},
            )
    return alert


def _issue(alert: Alert, current: Alert | None, *, actor, comment: str, approving: bool = False) -> None:
    """Put ``alert`` in force for its area, superseding ``current`` (the warning in force), and start or
    change the response.

    The caller holds the area lock, the row lock of ``current`` and, for an existing row, its own.
    """
    if current is not None and current.level == alert.level:
        raise _refuse_same(alert.level, current)
    _check_transition(alert if alert.pk else None, Status.ISSUED)
    now = timezone.now()
    # A warning takes effect at its start, never before it is issued: a proposal approved after
    # its start (or a start within the grace) takes effect now. A planned end that has passed
    # meanwhile cannot be issued: CAP would say it expired before it was sent.
    if alert.ends_at is not None and alert.ends_at <= max(alert.starts_at or now, now):
        raise ActionRefused(
            _("The planned end of this warning (%(end)s) has passed; reject it and propose it again with new times.")
            % {"end": timezone.localtime(alert.ends_at).strftime("%Y-%m-%d %H:%M")}
        )
    if current is not None:
        _check_transition(current, Status.SUPERSEDED)
        # The lock order (events/locks.py): the response and its open tasks, before any event. A downgrade
        # or a change of cause closes some of them; an upgrade closes none but may be either of those too.
        responder().lock(alert=current)
        previous_status = current.status
        current.status = Status.SUPERSEDED
        current.save(update_fields=["status"])
        audit_record(
            actor=actor, action="supersede", target=current, from_state=previous_status, to_state=current.status,
            comment=_("Superseded by a %(level)s warning.") % {"level": alert.get_level_display()},
        )
        _announce(current, EventType.ALERT_SUPERSEDED)
    from_state = alert.status if alert.pk else ""
    alert.status = Status.ISSUED
    alert.issued_by = actor
    alert.issued_at = now
    requested_start = alert.starts_at
    alert.starts_at = max(alert.starts_at or now, now)
    alert.supersedes = current
    if approving:
        alert.approved_by = actor
        alert.approved_at = now
    alert.save()
    audit_record(
        actor=actor, action="approve" if approving else "issue", target=alert, from_state=from_state,
        to_state=alert.status, comment=comment,
        data={
            "effect": change_effect(alert.level, current.level if current else None),
            "starts_at": alert.starts_at.isoformat(),
            **({"requested_start": requested_start.isoformat()} if requested_start and requested_start != alert.starts_at else {}),
            **({"ends_at": alert.ends_at.isoformat()} if alert.ends_at else {}),
            **_basis_data(alert),
        },
    )
    _announce(alert, EventType.ALERT_ISSUED)
    responder().level_applied(alert=alert, previous=current, actor=actor)


def _basis_data(alert: Alert) -> dict:
    """The cause and the basis of ``alert``, for its audit entries."""
    basis = {"basis": {"kind": alert.basis_kind, "id": alert.basis_ref}} if alert.basis_kind else {}
    return {"cause": alert.cause, **basis}


def _audit_below_city(alert: Alert, city, *, actor, reason: str) -> None:
    """Record that a leader kept the district below the city's warning (``city``: its notice, or None)."""
    if city is not None:
        audit_record(
            actor=actor, action="below_city", target=alert, comment=storable_text(reason).strip(),
            data={"directive": city.pk, "city_level": city.level, "level": alert.level, "status": alert.status},
        )


def _decide_basis(alert: Alert, current: Alert | None, *, actor, comment: str, cause: str, basis_kind: str,
                  basis_ref: int | None) -> None:
    """At approval: check (or set) the basis of ``alert`` and apply the leader's cause, both audited.

    The caller holds the area and row locks; ``alert`` is saved by ``_issue``. A leader may cite a basis the
    proposal lacked, or another one; the one in force must still resolve to a record calling for a warning
    (``alerts.basis.basis_check``, ValidationError 400). A cause other than the proposal's overrides it
    (issue 15: "when approving, a leader may override the cause"); it then decides the task set.
    """
    in_force_level = current.level if current else None
    if basis_kind or basis_ref is not None:
        basis_check(level=alert.level, kind=basis_kind, pk=basis_ref, in_force_level=in_force_level)
        if (basis_kind, basis_ref) != (alert.basis_kind, alert.basis_ref):
            audit_record(
                actor=actor, action="set_basis", target=alert, comment=comment,
                data={"from": {"kind": alert.basis_kind, "id": alert.basis_ref}, "to": {"kind": basis_kind, "id": basis_ref}},
            )
            alert.basis_kind, alert.basis_ref = basis_kind, basis_ref
    elif alert.basis_kind or basis_required(alert.level, in_force_level):
        basis_check(level=alert.level, kind=alert.basis_kind, pk=alert.basis_ref, in_force_level=in_force_level)
    if cause and cause != alert.cause:
        if cause not in Cause.values:
            raise ValidationError({"cause": _("Choose the cause of the episode.")})
        audit_record(
            actor=actor, action="override_cause", target=alert, comment=comment,
            data={"from": alert.cause, "to": cause},
        )
        alert.cause = cause


def alert_approve(
    *, alert: Alert, actor, comment: str = "", confirm_downgrade: bool = False, confirm_stale: bool = False,
    cause: str = "", basis_kind: str = "", basis_ref: int | None = None, below_city_reason: str = "",
) -> Alert:
    """A leader approves what is pending: the issue of a proposed warning, or a requested lift.

    Approving a proposal puts it in force over whatever is in force now. Its effect
    (``approval_preview``) is never applied unseen: lowering the warning in force needs
    ``confirm_downgrade``, and a stale proposal (the warning in force changed since it was
    proposed) needs ``confirm_stale``. A repeated approval (a double click, two leaders at
    once) changes nothing.

    ``cause`` (optional) overrides the proposal's cause of the episode, and ``basis_kind``/``basis_ref``
    cite the record the decision rests on (``alerts.basis``) when the proposal had none or the leader
    cites another; both are audited (``override_cause``, ``set_basis``). Approving orange or red, or a
    lowering of either, without a basis is a ValidationError (400) naming it (issue 15 item 1). Approving a
    level below the city's warning in effect, or a lift during it, needs ``below_city_reason`` (400 without;
    ``alerts.basis.city_floor_check``, issue 15 item 3).

    Raises PermissionDenied (403) unless ``actor`` is a leader (``alerts.permissions.may_decide``);
    ValidationError (400) for a missing or wrong basis or an unknown cause;
    ActionRefused (409) when nothing awaits approval, when the level is already in force, or when
    a confirmation is missing (the answer carries the preview: ``effect``, ``stale``, ``confirm``).
    Returns the warning.
    """
    comment = text_checked(comment, field="comment")
    if not permissions.may_decide(actor):
        raise PermissionDenied(_("Only headquarters leaders approve warnings."))
    with transaction.atomic():
        alert = _lock(alert)
        if alert.status == Status.PENDING_APPROVAL:
            current = _in_force(alert.area, alert.drill, exclude=alert.pk)
            preview = approval_effect(alert, current)
            if preview["effect"] == Effect.SAME:
                raise _refuse_same(alert.level, current)
            if preview["effect"] == Effect.DOWNGRADE and not confirm_downgrade:
                raise ActionRefused(_refuse_downgrade(alert, current).message, **preview)
            if preview["stale"] and not confirm_stale:
                raise ActionRefused(
                    _(
                        "The warning in force changed since this was proposed (then: %(then)s; now: %(now)s). "
                        "Approving now would %(effect)s. Confirm to go on (API: \"confirm_stale\": true)."
                    )
                    % {
                        "then": alert.proposed_over.get_level_display() if alert.proposed_over_id else _("none"),
                        "now": current.get_level_display() if current else _("none"),
                        "effect": preview["effect_label"],
                    },
                    **preview,
                )
            _decide_basis(
                alert, current, actor=actor, comment=comment, cause=cause, basis_kind=basis_kind, basis_ref=basis_ref
            )
            city = city_floor_check(
                actor=actor, level=alert.level, area=alert.area, drill=alert.drill, reason=below_city_reason
            )
            _issue(alert, current, actor=actor, comment=comment, approving=True)
            _audit_below_city(alert, city, actor=actor, reason=below_city_reason)
        elif alert.status == Status.LIFT_PENDING:
            city = city_floor_check(actor=actor, level=None, area=alert.area, drill=alert.drill, reason=below_city_reason)
            _lift_or_schedule(alert, actor=actor, comment=comment or alert.lift_reason, approving=True)
            _audit_below_city(alert, city, actor=actor, reason=below_city_reason)
        elif alert.status == Status.LIFTED or (alert.status == Status.ISSUED and alert.approved_by_id is not None):
            return alert  # approved already (a double click, or two leaders at once): nothing to do
        else:
            raise ActionRefused(_("This warning has nothing awaiting approval."))
    return alert


def alert_reject(*, alert: Alert, actor, reason: str) -> Alert:
    """A leader rejects a proposed warning, or refuses a requested lift (the warning stays in force).

    Raises PermissionDenied (403) unless ``actor`` is a leader; ValidationError (400) without a
    reason; ActionRefused (409) when nothing awaits a decision. Returns the warning.
    """
    if not permissions.may_decide(actor):
        raise PermissionDenied(_("Only headquarters leaders reject warnings."))
    reason = text_checked(reason, field="reason", required=True, required_message=_("Give the reason for rejecting."))
    with transaction.atomic():
        alert = _lock(alert)
        if alert.status == Status.REJECTED:
            return alert
        if alert.status == Status.PENDING_APPROVAL:
            _check_transition(alert, Status.REJECTED)
            alert.status = Status.REJECTED
            alert.rejected_by = actor
            alert.rejected_at = timezone.now()
            alert.rejection_reason = reason
            alert.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_reason"])
            entry = audit_record(actor=actor, action="reject", target=alert, from_state=Status.PENDING_APPROVAL, to_state=alert.status, comment=reason)
            _announce(alert, EventType.ALERT_REJECTED, Audience.COMMAND)
            _tell_office(alert, entry, _("%(leader)s rejected the proposal of a %(level)s warning (#%(id)s): %(reason)s"),
                         also=alert.proposed_by)
        elif alert.status == Status.LIFT_PENDING:
            _check_transition(alert, Status.ISSUED)
            alert.status = Status.ISSUED
            alert.lift_at = None  # a refused lift is not carried out later either
            alert.save(update_fields=["status", "lift_at"])
            entry = audit_record(actor=actor, action="refuse_lift", target=alert, from_state=Status.LIFT_PENDING, to_state=alert.status, comment=reason)
            _announce(alert, EventType.ALERT_LIFT_REFUSED, Audience.COMMAND)
            _tell_office(alert, entry, _("%(leader)s refused to lift the %(level)s warning (#%(id)s); it stays in force: %(reason)s"),
                         also=alert.lift_requested_by)
        else:
            raise ActionRefused(_("This warning has nothing awaiting approval."))
    return alert


def _lift_time(at: datetime.datetime | None, alert: Alert) -> datetime.datetime | None:
    """The time a lift is scheduled for, or None to lift now; ValidationError (400) for a time that cannot be."""
    if at is None:
        return None
    now = timezone.now()
    if at < now - _start_grace():
        raise ValidationError({"lift_at": _("The lift time has passed; leave it empty to lift now.")})
    if alert.ends_at is not None and at >= alert.ends_at:
        raise ValidationError(
            {"lift_at": _("The warning ends by itself at %(end)s; a lift must be scheduled before that.")
             % {"end": timezone.localtime(alert.ends_at).strftime("%Y-%m-%d %H:%M")}}
        )
    return at if at > now else None


def alert_lift(
    *, alert: Alert, actor, reason: str = "", lift_at: datetime.datetime | None = None, below_city_reason: str = ""
) -> Alert:
    """Lift a warning, or ask the leaders to, as ``alerts.permissions.lift_outcome`` decides.

    The office lifts yellow itself and asks to lift orange and red (``lift_pending``); a leader
    lifts any level, and lifting a warning whose lift was requested approves the request.

    ``lift_at`` (optional) schedules the lift for a later time (自X时起解除): until then the warning, its
    response and its tasks stay in force, and the beat lifts it at that time (``alerts_end_due``).
    Empty, or a time already reached, lifts now. Returns the warning. Raises PermissionDenied (403)
    for who may not lift, ValidationError (400) for a lift time long past or after the planned end or for
    a lift without a reason (the request's, or ``reason``: issue 14 item 7),
    ActionRefused (409) for a warning not in force.

    Lifting while the city's warning notice is in effect (no lift advice since) needs a leader's
    ``below_city_reason`` (400 without, 403 for the office; ``alerts.basis.city_floor_check``): the district
    lifts after the city's 解除建议函 (issue 15 item 3). A request to lift (``lift_pending``) needs none.
    """
    if not permissions.may_lift(actor):
        raise PermissionDenied(_("You may not lift warnings."))
    reason = text_checked(reason, field="reason")
    with transaction.atomic():
        alert = _lock(alert)
        if alert.status == Status.LIFTED:
            return alert
        at = _lift_time(lift_at, alert)
        # Every lift states its grounds (issue 14 item 7): the request's, or the one who lifts gives them.
        if not reason.strip() and not (alert.status == Status.LIFT_PENDING and alert.lift_reason.strip()):
            raise ValidationError({"reason": _("Give the reason for lifting.")})
        outcome = permissions.lift_outcome(actor, alert)
        if alert.status == Status.LIFT_PENDING:
            if outcome != Status.LIFTED:
                return alert  # already asked; the leaders decide
            alert.lift_at = at if lift_at is not None else alert.lift_at
            city = city_floor_check(actor=actor, level=None, area=alert.area, drill=alert.drill, reason=below_city_reason)
            _lift_or_schedule(alert, actor=actor, comment=reason or alert.lift_reason, approving=True)
            _audit_below_city(alert, city, actor=actor, reason=below_city_reason)
        elif alert.status == Status.ISSUED:
            if outcome == Status.LIFTED:
                alert.lift_at = at
                if at is not None:
                    alert.lift_requested_by, alert.lift_requested_at = actor, timezone.now()
                    alert.lift_reason = reason
                city = city_floor_check(
                    actor=actor, level=None, area=alert.area, drill=alert.drill, reason=below_city_reason
                )
                _lift_or_schedule(alert, actor=actor, comment=reason)
                _audit_below_city(alert, city, actor=actor, reason=below_city_reason)
            else:
                _check_transition(alert, Status.LIFT_PENDING)
                alert.status = Status.LIFT_PENDING
                alert.lift_requested_by = actor
                alert.lift_requested_at = timezone.now()
                alert.lift_reason = reason
                alert.lift_at = at
                alert.save(update_fields=["status", "lift_requested_by", "lift_requested_at", "lift_reason", "lift_at"])
                audit_record(
                    actor=actor, action="request_lift", target=alert, from_state=Status.ISSUED, to_state=alert.status,
                    comment=reason, data={"lift_at": at.isoformat()} if at else None,
                )
                _announce(alert, EventType.ALERT_LIFT_PENDING, Audience.COMMAND)
        else:
            raise ActionRefused(_("Only a warning in force can be lifted."))
    return alert


def _lift_or_schedule(alert: Alert, *, actor, comment: str, approving: bool = False) -> None:
    """Lift now, or, when ``alert.lift_at`` is still ahead, keep the warning in force with its lift scheduled.

    The caller holds the area and row locks. An approved lift request for a later time goes back to
    ``issued`` (the plan's state "in force") with ``lift_at`` set: nothing is awaiting the leaders any more.
    """
    if alert.lift_at is None or alert.lift_at <= timezone.now():
        _lift(alert, actor=actor, comment=comment, approving=approving)
        return
    from_state = alert.status
    if from_state != Status.ISSUED:
        _check_transition(alert, Status.ISSUED)
    alert.status = Status.ISSUED
    if not alert.lift_reason:
        alert.lift_reason = comment
    alert.save(update_fields=["status", "lift_at", "lift_reason", "lift_requested_by", "lift_requested_at"])
    audit_record(
        actor=actor, action="approve_lift_schedule" if approving else "schedule_lift", target=alert,
        from_state=from_state, to_state=alert.status, comment=comment, data={"lift_at": alert.lift_at.isoformat()},
    )
    _announce(alert, EventType.ALERT_LIFT_SCHEDULED)


def _lift(alert: Alert, *, actor, comment: str, approving: bool = False, action: str = "") -> None:
    """End ``alert`` and its response now; ``actor`` None is the platform itself (expiry, scheduled lift)."""
    _check_transition(alert, Status.LIFTED)
    # The lock order (events/locks.py): the response and its open tasks before the first event.
    responder().lock(alert=alert)
    from_state = alert.status
    alert.status = Status.LIFTED
    alert.lifted_by = actor
    alert.lifted_at = timezone.now()
    if not alert.lift_reason:
        alert.lift_reason = comment
    alert.save(update_fields=["status", "lifted_by", "lifted_at", "lift_reason", "lift_at"])
    audit_record(
        actor=actor, action=action or ("approve_lift" if approving else "lift"), target=alert, from_state=from_state,
        to_state=alert.status, comment=comment,
    )
    _announce(alert, EventType.ALERT_LIFTED)
    responder().closed(alert=alert, actor=actor, reason=comment)


def alerts_end_due(*, now: datetime.datetime | None = None, limit: int = 100) -> dict:
    """End, as the platform itself, every warning whose planned end or scheduled lift has come.

    Run by the beat every ``ALERT_END_INTERVAL_SECONDS`` (``alerts.tasks.end_due_alerts``). A warning
    in force past its ``ends_at`` expires (issue 12 item 8: "at ends_at the warning ends by itself");
    an issued warning past its ``lift_at`` is lifted as decided. A lift request still awaiting the
    leaders is not carried out: only its planned end ends it. Each warning is claimed once: under the
    area lock and its row lock the due condition is checked again, so a second beat (or a person
    lifting at the same moment) finds it lifted and does nothing. The audit entry has no actor (the
    platform), the lift is pushed to every dashboard after the commit, and the public page, CAP
    (``Cancel``) and the Atom feed follow from the lifted state. Returns ``{"expired": n, "lifted": n}``.
    Raises nothing in practice: ``_lift``'s ActionRefused (409) for a transition not in the table cannot
    happen here, as the due condition is checked again under the locks. A Celery task's work, so no HTTP
    answer either way.
    """
    now = now or timezone.now()
    counts = {"expired": 0, "lifted": 0}
    due = Alert.objects.filter(
        Q(status__in=IN_FORCE, ends_at__lte=now) | Q(status=Status.ISSUED, lift_at__lte=now)
    ).order_by("pk")
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            alert = Alert.objects.filter(pk=pk).first()
            if alert is None:
                continue
            alert = _lock(alert)
            if alert.status in IN_FORCE and alert.ends_at is not None and alert.ends_at <= now:
                _lift(alert, actor=None, action="expire", comment=_("The planned end of the warning was reached."))
                counts["expired"] += 1
            elif alert.status == Status.ISSUED and alert.lift_at is not None and alert.lift_at <= now:
                _lift(alert, actor=None, action="scheduled_lift", comment=alert.lift_reason or _("Scheduled lift."))
                counts["lifted"] += 1
    return counts
