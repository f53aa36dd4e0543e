"""Failed sign-ins: locked by account **and** address together, with a delay that grows (issue 12 item 13).

Five wrong passwords for one account from one address lock that pair for ``LOGIN_LOCK_FIRST_MINUTES``;
each further failure of the pair, during the lock or after it, doubles the lock, up to
``LOGIN_LOCK_MAX_MINUTES``. The same account from another address, and other accounts from the same
address, are not locked: during an episode nobody can lock a leader out by typing their name wrong
five times, and an office network behind one NAT address is not locked by one person's typos. A
successful sign-in of the pair forgets its failures; a roster admin can unlock an account in the admin
(``units.services.user_login_unlock``).

The address is the peer's (``REMOTE_ADDR``); ``X-Forwarded-For`` changes it only when the peer is one
of ``TRUSTED_PROXIES`` (``command_center.asgi.TrustedProxyHeaders``).
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def failures_of(username: str | None, ip_address: str | None) -> int:
    """Failed sign-ins remembered for one account from one address (every user agent together)."""
    if username is None:
        return 0
    attempts = AccessAttempt.objects.filter(username=username, ip_address=ip_address)
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def lock_delay(failures: int) -> timedelta:
    """How long ``failures`` failed sign-ins lock their account-and-address pair: the first lock at
    ``AXES_FAILURE_LIMIT`` failures lasts ``LOGIN_LOCK_FIRST_MINUTES``, each failure beyond doubles it,
    capped at ``LOGIN_LOCK_MAX_MINUTES``. Below the limit this is the window failures are counted in."""
    first = timedelta(minutes=settings.LOGIN_LOCK_FIRST_MINUTES)
    longest = timedelta(minutes=settings.LOGIN_LOCK_MAX_MINUTES)
    beyond = max(0, failures - settings.AXES_FAILURE_LIMIT)
    return longest if beyond >= 32 else min(first * 2**beyond, longest)


def cool_off(request=None) -> timedelta:
    """``AXES_COOLOFF_TIME``: the lock of this request's account-and-address pair (axes asks per request)."""
    if request is None:
        return timedelta(minutes=settings.LOGIN_LOCK_MAX_MINUTES)
    username = get_client_username(request, getattr(request, "axes_credentials", None))
    return lock_delay(failures_of(username, getattr(request, "axes_ip_address", None)))


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler, keeping failures for as long as the longest lock.

    axes deletes every attempt older than the cool-off of the request at hand; with a cool-off that
    differs per pair, one fresh pair's sign-in would wipe every other pair's longer lock and its count.
    """

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        threshold = timezone.now() - timedelta(minutes=settings.LOGIN_LOCK_MAX_MINUTES)
        count, _ = AccessAttempt.objects.filter(attempt_time__lte=threshold).delete()
        return count
