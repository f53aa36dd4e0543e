"""``{% reduction_targets cause %}``: the target panel where a warning is issued (alerts/new.html), without alerts importing us.

The national shares count the measures handed out in an episode of the warning's cause
(``selectors.target_progress``): the panel holds one table set per cause, the one the form's cause
names shown, the others ``hidden`` until the cause select names them (``static/js/forms.js``,
``data-follows-select``).
"""

from django import template

from alerts.choices import Cause
from reductions.permissions import may_see_targets
from reductions.selectors import targets_by_cause, version_current

register = template.Library()


@register.inclusion_tag("reductions/_targets.html", takes_context=True)
def reduction_targets(context, cause=None):
    """The current list's targets per level for each cause, ``cause`` shown (default PM2.5); four queries;
    nothing for a user outside the command."""
    user = context.get("user")
    if user is None or not may_see_targets(user):
        return {"hidden": True}
    version = version_current()
    by_cause = targets_by_cause(version)
    shown = cause if cause in Cause.values else Cause.PM2_5
    panels = None if by_cause is None else [
        {"cause": c, "label": label, "targets": by_cause[c], "shown": c == shown} for c, label in Cause.choices
    ]
    return {"version": version, "panels": panels, "follows": "cause"}
