"""Bench-only ASGI entry point for the A/B of the hub's socket writes (issue 13 §2 item 10).

The project's application with ``events.hub.run_eagerly`` replaced by plain
``asyncio.ensure_future``: every socket's flush becomes a task of its own instead of running in
place up to its first suspension. ``BENCH_PLAIN_TASKS=1 python -m bench fanout …`` serves this
instead of ``command_center.asgi:application``, so the two can be compared in the same way; the
figures are in the comment beside ``run_eagerly``. The platform never imports it.
"""

import asyncio

from command_center.asgi import application  # noqa: F401 (served by uvicorn)
from events import hub

hub.run_eagerly = asyncio.ensure_future
