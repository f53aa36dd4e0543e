"""A notification transport slow enough to kill a worker in the middle of a send (fault 3).

Test-only: the worker imports it through ``NOTIFICATION_TRANSPORT``. It waits, hands
the message to ``FileTransport`` (one file per idempotency key; a second send of a key
is a no-op), and waits again, writing each step to the trace file ``FAULTS_TRACE`` so the
test knows where to kill the worker: before the send, or after it and before the
platform records ``sent_at``.
"""

import os
import time
from pathlib import Path

from django.conf import settings

from responses.transports import FileTransport


def trace(step: str, key: str) -> None:
    with open(os.environ["FAULTS_TRACE"], "a", encoding="utf-8") as fh:
        fh.write(f"{time.time():.3f} {os.getpid()} {step} {key}\n")


class SlowFileTransport(FileTransport):
    def send(self, *, key, recipients, message):
        pause = float(os.environ.get("FAULTS_SEND_SECONDS", "0.5"))
        outbox_file = Path(settings.NOTIFICATION_OUTBOX) / f"{key.replace(':', '_')}.json"
        trace("begin", key)
        time.sleep(pause)
        already = outbox_file.exists()
        super().send(key=key, recipients=recipients, message=message)
        trace("duplicate" if already else "delivered", key)
        time.sleep(pause)
        trace("end", key)
