"""Notification transports: one ``send()`` each, raising a transient or a permanent error.

The caller retries transient errors and gives up on permanent ones. Each message
carries its idempotency key, so a retried send after a worker crash reaches the
recipient once (a gateway de-duplicates by key; ``FileTransport`` does it itself).
"""

import json
import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class TransientError(Exception):
    """Try again later (network, gateway busy)."""


class PermanentError(Exception):
    """Retrying will not help (bad address, rejected message)."""


class Transport:
    def send(self, *, key: str, recipients: list[str], message: str) -> None:
        raise NotImplementedError


class LogTransport(Transport):
    """The default: write the message to the log."""

    def send(self, *, key, recipients, message):
        logger.info("notification %s to %s: %s", key, ", ".join(recipients) or "-", message)


class FileTransport(Transport):
    """One JSON file per key in ``NOTIFICATION_OUTBOX``; a second send of the same key is a no-op."""

    def send(self, *, key, recipients, message):
        outbox = Path(getattr(settings, "NOTIFICATION_OUTBOX", settings.VAR_DIR / "outbox"))
        outbox.mkdir(parents=True, exist_ok=True)
        try:
            with open(outbox / f"{key.replace(':', '_')}.json", "x", encoding="utf-8") as fh:
                json.dump({"key": key, "recipients": recipients, "message": message}, fh, ensure_ascii=False)
        except FileExistsError:
            logger.info("notification %s already delivered", key)
        except OSError as exc:
            raise TransientError(str(exc)) from exc


class EmailTransport(Transport):
    """E-mail through Django's configured backend, to the recipients' addresses."""

    def send(self, *, key, recipients, message):
        addresses = [r for r in recipients if "@" in r]
        if not addresses:
            raise PermanentError("no e-mail address")
        try:
            send_mail(f"[{key}] 空气重污染应急任务提醒", message, None, addresses, fail_silently=False)
        except OSError as exc:
            raise TransientError(str(exc)) from exc


@cache
def get_transport() -> Transport:
    return import_string(settings.NOTIFICATION_TRANSPORT)()
