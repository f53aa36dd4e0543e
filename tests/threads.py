"""Races in threads against the real database (tests/test_concurrency.py, tests/test_lock_order.py)."""

import threading

from django.db import connections


def race(*calls, timeout: float = 60):
    """Run the calls at the same moment in threads; return each one's result or exception, in order.

    Each thread closes its database connections when its call ends, so the test database can be
    dropped. ``timeout`` (seconds) bounds the wait for each thread.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
