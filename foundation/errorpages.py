"""Error pages for people (issue 14 item 12): every status in the site's layout and the reader's language.

Django's defaults answer a refused or broken request with a bare English page ("403 Forbidden"),
and with ``DEBUG`` on with the whole URL map. Each status here has a page in ``templates/errors/page.html``
that says what happened and what to do next; under ``/api/`` the answer is JSON ``{"detail": …}``,
also translated. 500 and 503 render without the request's context processors: those read the user and
the database, which may be what failed.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy

from foundation.display import district_name

logger = logging.getLogger(__name__)

# status → (heading, what happened, what to do next)
PAGES = {
    400: (
        gettext_lazy("The request could not be processed"),
        gettext_lazy("The page sent something the server could not read, such as an expired form or a damaged address."),
        gettext_lazy("Go back, reload the page and try again. Nothing was changed."),
    ),
    403: (
        gettext_lazy("You may not open this page"),
        gettext_lazy("Your account's role or unit does not cover this page or record."),
        gettext_lazy("Go to your start page. If your work needs this page, ask the roster admin to change your account's role or unit."),
    ),
    404: (
        gettext_lazy("Page not found"),
        gettext_lazy("The address is wrong, or the record was removed, or it belongs to another unit."),
        gettext_lazy("Check the address, or start again from your start page."),
    ),
    429: (
        gettext_lazy("Sign-in locked for now"),
        gettext_lazy("Too many wrong passwords were typed for this account from this computer."),
        gettext_lazy("Wait until the time below and sign in again, or ask the roster admin to unlock the account (Roster admin → Users → select the account → \"Unlock sign-in\")."),
    ),
    500: (
        gettext_lazy("Something went wrong on our side"),
        gettext_lazy("The error was logged for the administrators. What you sent may not have been saved."),
        gettext_lazy("Reload the page to see what was saved, then try again. If it keeps happening, call the office's duty phone."),
    ),
    503: (
        gettext_lazy("Service temporarily unavailable"),
        gettext_lazy("The database cannot be reached for a moment; nothing was changed."),
        gettext_lazy("Wait a few seconds and try again."),
    ),
}

CSRF_FAILED = gettext_lazy("The form had expired (the page was open too long, or you signed in again in another tab).")
API_MESSAGES = {
    400: gettext_lazy("Bad request."),
    403: gettext_lazy("You do not have permission to perform this action."),
    404: gettext_lazy("Not found."),
    500: gettext_lazy("Server error; the error was logged."),
    503: gettext_lazy("Database temporarily unavailable; nothing was changed. Try again."),
}


def _is_api(request) -> bool:
    return request is not None and request.path.startswith("/api/")


def request_language(request) -> str:
    """The language an error answer to ``request`` speaks: the reader's, never the thread's.

    Arguments: ``request``, Django's or DRF's request, or ``None``. Returns a language code of
    ``settings.LANGUAGES``: ``LocaleMiddleware``'s choice for this request when it ran
    (``request.LANGUAGE_CODE``), else the ``django_language`` cookie, the ``Accept-Language`` header,
    or the site's default (``zh-hans``) when there is no request. The thread's active language is
    not asked: a failure before ``LocaleMiddleware`` ran (the session's first query) or after its
    answer still holds whatever a previous request on this thread activated. Raises nothing.
    """
    if request is None:
        return settings.LANGUAGE_CODE
    request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    chosen = request.__dict__.get("LANGUAGE_CODE")
    if chosen in dict(settings.LANGUAGES):
        return chosen
    return translation.get_language_from_request(request)


def error_page(request, status: int, *, detail: str = "", extra: dict | None = None, with_request: bool = True, headers=None) -> HttpResponse:
    """The answer for ``status``: JSON ``{"detail"}`` under ``/api/``, the site's error page elsewhere.

    Arguments: ``request`` (may be ``None``); ``status`` one of ``PAGES``; ``detail`` a sentence of
    the case at hand shown under the heading; ``extra`` more template context; ``with_request`` False
    renders without context processors (500, 503: the user and the database may be what failed).
    The reader's language is the request's (``request_language``), whether or not ``LocaleMiddleware`` ran.
    """
    with translation.override(request_language(request)):
        if _is_api(request):
            return JsonResponse({"detail": str(detail or API_MESSAGES.get(status, PAGES[status][0]))}, status=status, headers=headers)
        heading, happened, next_step = PAGES[status]
        context = {
            "status": status,
            "heading": heading,
            "happened": detail or happened,
            "next_step": next_step,
            "platform_title": settings.PLATFORM_TITLE,
            "district_name": district_name(),
            **(extra or {}),
        }
        template = loader.get_template("errors/page.html")
        body = None
        if with_request and request is not None:
            try:
                body = template.render(context, request)
            except Exception:  # a context processor needed what failed: the page without them
                logger.warning("error page %s rendered without the request's context", status, exc_info=True)
        if body is None:
            body = template.render(context)
        return HttpResponse(body, status=status, headers=headers)


def bad_request(request, exception=None):
    """``handler400``."""
    return error_page(request, 400)


def permission_denied(request, exception=None):
    """``handler403``: a refused request (the role, the unit), with the service's own sentence if it gave one."""
    message = str(exception) if exception is not None and exception.args else ""
    return error_page(request, 403, detail=message)


def page_not_found(request, exception=None):
    """``handler404``: JSON under ``/api/`` (what the schema documents), the page elsewhere.

    Never the exception's text: Django's resolver puts the URL patterns tried in it."""
    return error_page(request, 404)


def server_error(request):
    """``handler500``: rendered without context processors."""
    return error_page(request, 500, with_request=False)


def database_unavailable(request) -> HttpResponse:
    """503 for a lost database, with ``Retry-After: 5``."""
    return error_page(request, 503, with_request=False, headers={"Retry-After": "5"})


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: an expired or foreign form is a 403 that says to reload, not Django's English page."""
    logger.warning("CSRF refused %s: %s", request.path, reason)
    return error_page(request, 403, detail=CSRF_FAILED, extra={"reload": True, "technical": "CSRF"})


def lockout(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: 429 with when the lock ends and how an admin unlocks the account."""
    from foundation.lockout import cool_off

    minutes = max(1, round(cool_off(request) / timedelta(minutes=1)))
    # Rendered without the request: a locked unknown name must answer byte for byte like a locked real
    # one (no per-request CSRF token, no user), so the page tells nobody which accounts exist.
    return error_page(
        request, 429, extra={"locked_minutes": minutes}, with_request=False, headers={"Retry-After": str(minutes * 60)}
    )
