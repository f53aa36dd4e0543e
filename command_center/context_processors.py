"""Template context shared by every page: the user's role and the platform's name."""

from django.conf import settings

from units.roles import role_of


def platform(request):
    user = getattr(request, "user", None)
    return {
        "platform_title": settings.PLATFORM_TITLE,
        "district_name": settings.DISTRICT_NAME,
        "user_role": role_of(user) if user is not None else None,
    }
