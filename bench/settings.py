"""Settings of the server ``python -m bench api`` measures: the platform's own, plus one URL.

``/bench/view/`` is the API part's baseline, a trivial JSON view: a Django view answering
``{"ok": true}`` through the same middleware, thread pool and database connection as the
platform's views (no session cookie is sent, so it reads nothing). The platform never
imports this module.
"""

from command_center.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
