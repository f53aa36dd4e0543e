"""Template context shared by every page: the user's role, what they may do, and the platform's name."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from foundation.display import district_name
from units.roles import role_of


def _may(user) -> dict:
    """What the templates show buttons and links for, asked of each app's permissions module."""
    from alerts import permissions as alerts
    from consultations import permissions as consultations
    from feeds import permissions as feeds
    from responses import permissions as responses
    from units import permissions as units

    return {
        "create_alert": alerts.may_create(user),
        "decide": alerts.may_decide(user),
        "lift": alerts.may_lift(user),
        "see_every_alert": alerts.may_see_every_alert(user),
        "supervise": responses.may_supervise(user),
        "own_unit_tasks": units.may_act_for_unit(user, user.unit_id),
        "view_proposals": feeds.may_view_proposals(user),
        "manage_forecasts": feeds.may_manage_forecasts(user),
        "manage_accounts": units.may_manage_accounts(user),
        "view_contacts": units.may_view_contacts(user),
        "view_consultations": consultations.may_view_consultations(user),
    }


def platform(request):
    user = getattr(request, "user", None)
    return {
        "platform_title": settings.PLATFORM_TITLE,
        "district_name": district_name(),
        "user_role": role_of(user) if user is not None else None,
        "may": SimpleLazyObject(lambda: _may(user) if user is not None and user.is_authenticated else {}),
    }
