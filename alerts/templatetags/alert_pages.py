"""Small display helpers for the warning and response pages: audit wording, state names, forecast rows."""

from django import template
from django.utils.translation import gettext_lazy as _

from alerts.choices import Level, ResponseLevel, Status
from alerts.origins import origin_of
from foundation.display import pollutant_names

register = template.Library()

# The audit actions written by alerts.services and responses.services, in words.
AUDIT_ACTIONS = {
    "propose": _("Proposed"),
    "issue": _("Issued"),
    "approve": _("Approved and issued"),
    "reject": _("Rejected"),
    "request_lift": _("Lift requested"),
    "refuse_lift": _("Lift refused"),
    "lift": _("Lifted"),
    "approve_lift": _("Lift approved"),
    "schedule_lift": _("Lift scheduled"),
    "approve_lift_schedule": _("Scheduled lift approved"),
    "scheduled_lift": _("Lifted at the scheduled time"),
    "checklists_apply": _("Reduction checklists applied"),
    "expire": _("Ended at the planned end"),
    "supersede": _("Superseded"),
    "open": _("Response started"),
    "change_level": _("Response level changed"),
    "end": _("Response ended"),
    "recur": _("Recurring task handed out"),
}

_STATE_LABELS = {}


def state_labels_register(*choices) -> None:
    """Name the states of ``choices`` (``TextChoices`` classes) for ``state_label``: an app above alerts
    registers its own from its ``AppConfig.ready`` (``responses``: its statuses), since alerts never imports
    it. A value named already keeps its first name. Raises nothing."""
    for kind in choices:
        for value, label in kind.choices:
            _STATE_LABELS.setdefault(value, label)


state_labels_register(Status, ResponseLevel, Level)


@register.filter
def audit_action(action: str) -> str:
    """The audit action's name for people; an action no label names yet reads "checklists apply", not its code."""
    return AUDIT_ACTIONS.get(action) or action.replace("_", " ")


@register.filter
def state_label(value: str) -> str:
    return _STATE_LABELS.get(value, value)


@register.filter
def origin(alert):
    """The proposal and forecast ``alert`` came from (``alerts.origins.Origin``), or None."""
    return origin_of(alert)


@register.filter
def forecast_days(alert) -> list[dict]:
    """The daily figures of the forecast behind a warning's proposal, if any (tolerant of missing keys)."""
    found = origin_of(alert)
    rows = []
    for day in (found.forecast_days if found is not None else None) or []:
        if not isinstance(day, dict):
            continue
        pollutants = day.get("primary_pollutants") or day.get("primary") or ()
        if isinstance(pollutants, str):
            pollutants = [pollutants]
        rows.append(
            {
                "date": day.get("date", ""),
                "aqi": day.get("aqi", ""),
                "pollutants": pollutant_names(pollutants, ", "),
                "pm2_5": day.get("pm2_5"),
                "o3_8h": day.get("o3_8h"),
            }
        )
    return rows


@register.filter
def lookup(mapping: dict, key):
    """``mapping[key]``, or "" when it is missing."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
