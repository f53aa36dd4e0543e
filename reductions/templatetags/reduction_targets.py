"""``{% reduction_targets %}``: the target panel where a warning is issued (alerts/new.html), without alerts importing us."""

from django import template

from reductions.permissions import may_see_targets
from reductions.selectors import target_progress, version_current

register = template.Library()


@register.inclusion_tag("reductions/_targets.html", takes_context=True)
def reduction_targets(context):
    """The current list's targets per level (five queries); nothing for a user outside the command."""
    user = context.get("user")
    if user is None or not may_see_targets(user):
        return {"hidden": True}
    version = version_current()
    return {"version": version, "targets": target_progress(version)}
