"""Repeated submissions done once (issue 14 item 4): every state-changing form carries an idempotency key.

Each form renders a hidden ``idempotency_key`` (``{% idempotency_field %}``; live parts shared by many
readers leave it empty and the page's script fills it once per submission); API clients may send the
``Idempotency-Key`` header instead. ``IdempotencyMiddleware`` claims the key (one row of
``events.SubmissionKey``, unique) before the view runs:

- the first request runs; on success (2xx, or a redirect) its answer is kept with the key; when the view
  refused the input (4xx, a form shown again, 5xx) the key is released, so the corrected form may be sent;
- a repeat of a finished request is not run again: a page is redirected where the first went, with a
  message that it was stored once; the API gets the first answer again;
- a repeat while the first still runs (a double click) waits for it, up to ``WAIT_SECONDS``, then answers
  as above; after that a 409.

A claim left by a process that died is taken over after ``STALE_SECONDS``. Requests without a key, and
users who are not signed in (the login form), pass untouched.

API clients that sign in with a token are protected as session users are: this middleware runs before
DRF authenticates in the view, so for a POST under ``/api/`` that carries a key and no session user it
asks DRF's own authentication classes (``REST_FRAMEWORK``'s, the session's excepted) who sent it. A
token that is not valid passes untouched, and the view answers it (403) as it answers any.
"""

import re
import time

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

FIELD = "idempotency_key"
HEADER = "HTTP_IDEMPOTENCY_KEY"
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
WAIT_SECONDS = 5.0
STALE_SECONDS = 120
BODY_MAX = 64 * 1024
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _key_of(request) -> str | None:
    key = request.META.get(HEADER)
    if not key and request.content_type in _FORM_TYPES:
        key = request.POST.get(FIELD)
    return key or None


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _sender_of(request):
    """The signed-in user who sent ``request``: the session's, else (under /api/) the token's; None if neither."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    if not _is_api(request):
        return None
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.exceptions import APIException
    from rest_framework.settings import api_settings

    for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        if issubclass(authentication, SessionAuthentication):
            continue  # the session is AuthenticationMiddleware's, read above
        try:
            found = authentication().authenticate(request)
        except APIException:
            return None  # a bad or inactive token: the view refuses it as it would without a key
        if found is not None and found[0].is_authenticated:
            return found[0]
    return None


class IdempotencyMiddleware:
    """Claim, keep or release the idempotency key of each POST (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        session_user = getattr(request, "user", None)
        if (session_user is None or not session_user.is_authenticated) and not _is_api(request):
            return self.get_response(request)  # the login form, and other pages for no one signed in
        key = _key_of(request)
        if key is None:
            return self.get_response(request)
        user = _sender_of(request)  # under /api/, a token client's user too (one query, only with a key)
        if user is None:
            return self.get_response(request)
        if not KEY_RE.match(key):
            return self._refuse(request, 400, _("This form's idempotency key is not valid; reload the page and send it again."))
        claim = self._claim(request, user, key)
        if claim is not None:
            return claim
        try:
            response = self.get_response(request)
        except BaseException:
            self._release(key)
            raise
        self._finish(request, key, response)
        return response

    # --- claiming

    def _claim(self, request, user, key):
        """None once this request holds the key; else the answer to the repeat."""
        from events.models import SubmissionKey

        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                with transaction.atomic():
                    SubmissionKey.objects.create(key=key, user=user, path=request.path[:300])
                return None
            except IntegrityError:
                pass
            first = SubmissionKey.objects.filter(key=key).first()
            if first is None:
                continue  # released meanwhile: claim it
            if first.user_id != user.pk or first.path != request.path[:300]:
                return self._refuse(request, 409, _("This form was already used for something else; reload the page."))
            if first.status_code is not None:
                return self._replay(request, first)
            if (timezone.now() - first.created_at).total_seconds() > STALE_SECONDS:
                # The first request's process died before it finished: take the key over.
                SubmissionKey.objects.filter(pk=first.pk, status_code__isnull=True).delete()
                continue
            if time.monotonic() >= deadline:
                return self._refuse(request, 409, _("This form is still being processed; wait a moment and reload the page."))
            time.sleep(0.1)

    def _finish(self, request, key, response) -> None:
        from events.models import SubmissionKey

        status = response.status_code
        if status >= 400 or (status == 200 and not _is_api(request)):
            self._release(key)  # refused or shown again: nothing was stored; the form may be sent again
            return
        body, content_type = "", response.get("Content-Type", "")
        if _is_api(request) and not getattr(response, "streaming", False) and "json" in content_type:
            content = response.content
            if len(content) <= BODY_MAX:
                body = content.decode("utf-8", "replace")
        SubmissionKey.objects.filter(key=key).update(
            status_code=status, location=(response.get("Location") or "")[:500], body=body, content_type=content_type[:100]
        )

    @staticmethod
    def _release(key: str) -> None:
        from events.models import SubmissionKey

        SubmissionKey.objects.filter(key=key, status_code__isnull=True).delete()

    # --- answering a repeat

    def _replay(self, request, first):
        if _is_api(request):
            if first.body:
                return HttpResponse(first.body, status=first.status_code, content_type=first.content_type or "application/json",
                                    headers={"Idempotent-Replay": "true"})
            return JsonResponse({"detail": _("Already received; stored once.")}, status=200, headers={"Idempotent-Replay": "true"})
        messages.info(request, _("This form was already sent; it was stored once."))
        return HttpResponseRedirect(first.location or request.META.get("HTTP_REFERER") or "/")

    @staticmethod
    def _refuse(request, status: int, message: str):
        if _is_api(request):
            return JsonResponse({"detail": message}, status=status)
        messages.error(request, message)
        return HttpResponseRedirect(request.META.get("HTTP_REFERER") or "/")


KEEP_DAYS = 7


def submission_keys_prune(*, days: int = KEEP_DAYS) -> int:
    """Delete the idempotency keys older than ``days`` days (a repeat comes within seconds or minutes, never
    a week later). Run daily by the beat (``events.tasks.prune_submission_keys``). Returns how many."""
    import datetime

    from events.models import SubmissionKey

    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _rows = SubmissionKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
