"""Reads of warnings, scoped to what a user may see."""

import datetime

from django.utils import timezone

from alerts.basis import basis_of, city_below, city_floor_message, city_warning_at
from alerts.choices import IN_FORCE, Status
from alerts.models import Alert
from alerts.permissions import EFFECT_LABELS, Effect, change_effect, may_see_every_alert
from events.models import AuditEntry
from units.permissions import is_command

PUBLIC_STATUSES = (Status.ISSUED, Status.LIFT_PENDING, Status.LIFTED, Status.SUPERSEDED)


def alerts_visible_to(user):
    """The warnings ``user`` may see: every one for the command (``may_see_every_alert``), those issued
    at some point (``PUBLIC_STATUSES``) for anyone else.

    Returns a lazy queryset with the proposer and issuer joined, the other people prefetched and each
    warning's origin annotated (``alerts.origins``). Raises nothing.
    """
    # Two joins, and the other people by id when there are any: six joins of the user table
    # cost PostgreSQL ~10 ms of planning on every list request.
    alerts = Alert.objects.with_origin().select_related("proposed_by", "issued_by").prefetch_related(
        "approved_by", "lifted_by", "rejected_by", "lift_requested_by"
    )
    if may_see_every_alert(user):
        return alerts
    return alerts.filter(status__in=PUBLIC_STATUSES)


def alert_in_force(*, drill: bool = False, area: str | None = None) -> Alert | None:
    """The warning in force for ``area`` (default: the district, ``DISTRICT_NAME``), a drill's if ``drill``;
    None when nothing is in force. Its origin comes along (``alerts.origins``; one query). Public: any reader
    may know it. Raises nothing."""
    from django.conf import settings

    # The origin carries the forecast the health advice is given for (alerts.advice.episode).
    alerts = Alert.objects.in_force().filter(drill=drill, area=area or settings.DISTRICT_NAME)
    return alerts.with_origin().first()


# The steps of a warning that readers outside the command see: those whose event goes to everyone
# (alerts.services._announce with Audience.ALL). A proposal, its rejection, a lift request and its
# refusal are announced to the command only, and so are their history entries and comments (issue 12
# item 15). A step missing here (a new one) stays with the command until it is added.
PUBLIC_HISTORY_ACTIONS = frozenset(
    {"issue", "approve", "supersede", "lift", "approve_lift", "schedule_lift", "approve_lift_schedule", "expire",
     "scheduled_lift"}
)
# Fields of a warning that only the command sees: who refused it and why, and a lift request (the
# status lift_pending reads as issued: the warning is in force until a leader decides).
COMMAND_ONLY_FIELDS = ("rejected_by", "rejected_at", "rejection_reason", "lift_requested_by", "lift_requested_at")


def alert_history(alert: Alert, *, reader):
    """The warning's audit trail, oldest first, as ``reader`` may see it: every entry for the command,
    the public steps (``PUBLIC_HISTORY_ACTIONS``) for anyone else, as on the dashboard socket."""
    entries = AuditEntry.objects.filter(target_type="alert", target_id=alert.pk).select_related("actor").order_by("id")
    if not is_command(reader):
        entries = entries.filter(action__in=PUBLIC_HISTORY_ACTIONS)
    return entries


def alert_as_seen_by(data: dict, reader) -> dict:
    """A serialised warning as ``reader`` may see it: for readers outside the command, without the
    command's own fields (``COMMAND_ONLY_FIELDS``), a pending lift read as issued and its reason hidden."""
    if is_command(reader):
        return data
    for name in COMMAND_ONLY_FIELDS:
        if name in data:
            data[name] = "" if name == "rejection_reason" else None
    if data.get("status") == Status.LIFT_PENDING:
        data["status"] = Status.ISSUED
        if "lift_at" in data:
            data["lift_at"] = None  # the time the request proposed
    if data.get("status") != Status.LIFTED and data.get("lift_at") is None and "lift_reason" in data:
        data["lift_reason"] = ""  # a request's reason; a scheduled or done lift's reason is public
    return data


def alerts_pending_approval():
    """Warnings awaiting a leader's decision (a proposal, or a lift request), oldest first, with who asked
    and the forecast behind it (a queryset, one query). For the leaders' screen, which asks
    ``alerts.permissions`` first; this read does not check authority. Plan: 附件1 一 (the leaders decide
    orange and red)."""
    return (
        Alert.objects.filter(status__in=(Status.PENDING_APPROVAL, Status.LIFT_PENDING))
        .with_origin()
        .select_related("proposed_by", "lift_requested_by", "proposed_over")
        .order_by("created_at")
    )


def approval_preview(alert: Alert, *, in_force: dict | None = None, city=False) -> dict | None:
    """What approving ``alert`` now would do, for the leader to see before deciding (read only).

    Answers None when nothing awaits approval, else ``{"effect", "effect_label", "in_force",
    "in_force_level", "in_force_label", "stale", "confirm", "proposed_over", "proposed_over_level",
    "proposed_over_label", "below_city"}``: ``effect`` is ``issue``, ``upgrade``, ``downgrade``, ``same`` or ``lift``;
    ``in_force`` the warning in force now; ``proposed_over`` the one in force when it was proposed;
    ``stale`` says they differ; ``confirm`` names the flags the approval needs (``confirm_downgrade``,
    ``confirm_stale``); ``below_city`` is None, or the rule's sentence when approving would put the district
    below the city's warning notice in effect (or lift during it), so the form asks for ``below_city_reason``
    beforehand (issue 15 item 3). ``in_force`` maps (area, drill) to the warning in force and ``city`` is
    the city's notice in effect (``alerts.basis.city_warning_at``), when the caller has them.
    """
    if alert.status == Status.LIFT_PENDING:
        return {
            "effect": Effect.LIFT, "effect_label": str(EFFECT_LABELS[Effect.LIFT]), "in_force": alert.pk,
            "in_force_level": alert.level, "in_force_label": str(alert.get_level_display()), "stale": False,
            "confirm": [], "proposed_over": None, "proposed_over_level": None, "proposed_over_label": None,
            "below_city": _below_city(None, alert, city),
        }
    if alert.status != Status.PENDING_APPROVAL:
        return None
    if in_force is not None:
        current = in_force.get((alert.area, alert.drill))
    else:
        current = Alert.objects.filter(area=alert.area, drill=alert.drill, status__in=IN_FORCE).exclude(pk=alert.pk).first()
    return approval_effect(alert, current, city=city)


def _below_city(level: str | None, alert: Alert, city) -> str | None:
    notice = city_below(level=level, area=alert.area, drill=alert.drill, city=city)
    return city_floor_message(notice) if notice is not None else None


def approval_effect(alert: Alert, current: Alert | None, *, city=False) -> dict:
    """``approval_preview`` for ``alert`` pending approval while ``current`` (None: nothing) is in force.

    ``city``: the city's warning notice in effect, when the caller has it (False: look it up). Returns the
    preview dict (keys as ``approval_preview`` names them): the effect of approving now, whether the warning
    in force changed since the proposal (``stale``), whether it goes below the city's notice
    (``below_city``) and the flags the approval needs. Reads ``alert.proposed_over`` (one query unless
    joined). Raises nothing.
    """
    effect = change_effect(alert.level, current.level if current else None)
    stale = (current.pk if current else None) != alert.proposed_over_id
    confirm = (["confirm_downgrade"] if effect == Effect.DOWNGRADE else []) + (["confirm_stale"] if stale else [])
    return {
        "effect": effect, "effect_label": str(EFFECT_LABELS[effect]), "in_force": current.pk if current else None,
        "in_force_level": current.level if current else None, "stale": stale, "confirm": confirm,
        "in_force_label": str(current.get_level_display()) if current else None,
        "proposed_over": alert.proposed_over_id,
        "proposed_over_level": alert.proposed_over.level if alert.proposed_over_id else None,
        "proposed_over_label": str(alert.proposed_over.get_level_display()) if alert.proposed_over_id else None,
        "below_city": _below_city(alert.level, alert, city),
    }


def with_previews(alerts) -> list[Alert]:
    """The warnings, each with ``preview`` (``approval_preview``) and ``basis_record`` (``alerts.basis.basis_of``)
    for the leaders' queue."""
    alerts = list(alerts)
    # One query for the warnings in force, whatever the number of pending ones.
    in_force = {(a.area, a.drill): a for a in Alert.objects.in_force()} if alerts else {}
    city = city_warning_at(timezone.now()) if alerts else None  # two queries at most, for all of them
    for alert in alerts:
        alert.preview = approval_preview(alert, in_force=in_force, city=city)
        alert.basis_record = basis_of(alert)  # the consultation or directive the leader decides on (issue 15 item 1)
    return alerts


def alert_decisions_recent(*, hours: int = 24, limit: int = 5) -> list[dict]:
    """The leaders' latest rejections and lift refusals, newest first, for the office's screen (issue 14 item 5).

    Answers ``{"at", "action" ("reject" | "refuse_lift"), "alert", "by", "reason"}`` for the last ``hours``.
    Two queries (one when there is none).
    """
    since = timezone.now() - datetime.timedelta(hours=hours)
    entries = list(
        AuditEntry.objects.filter(target_type="alert", action__in=("reject", "refuse_lift"), at__gte=since)
        .select_related("actor").order_by("-at", "-id")[:limit]
    )
    if not entries:
        return []
    alerts = Alert.objects.in_bulk({e.target_id for e in entries})
    return [
        {"at": e.at, "action": e.action, "alert": alerts.get(e.target_id), "by": e.actor, "reason": e.comment}
        for e in entries
        if e.target_id in alerts
    ]
