"""Locust users for ``python -m bench api``: the dashboards' reads, and the trivial baseline view.

Each of the 50 users loops with no think time over six requests, picked at random with
equal weight: its unit's assignments in the running response
(``/api/assignments/?response=<id>``), the unfiltered first page of them
(``/api/assignments/``, 100 a page over the unit's whole history) and the unit
dashboard's live part (``/dashboard/unit/?fragment=1``, what every unit screen re-fetches
after an event), as a unit member;
the office grid (``/dashboard/office/?fragment=1``) and the current warning
(``/api/alerts/?status=issued``), as office staff; and the two baselines, the trivial
Django view ``/bench/view/`` (``bench/settings.py``) and the event loop's floor
``/bench/trivial/`` (``bench/asgi.py``). Sessions come from ``BENCH_LOCUST_SESSIONS`` (a JSON file the bench
writes). Every response time is kept at full resolution and written to
``BENCH_LOCUST_OUT`` when the run ends (locust's own percentiles are rounded).
"""

import itertools
import json
import os
import random
import time
from collections import defaultdict

from locust import FastHttpUser, events, task

SESSIONS = json.loads(open(os.environ["BENCH_LOCUST_SESSIONS"]).read())
_unit_cookies = itertools.cycle(SESSIONS["units"])
TIMES: dict[str, list[float]] = defaultdict(list)
ENDED: dict[str, list[float]] = defaultdict(list)  # when each answer was complete (time.time())
ERRORS: dict[str, list[str]] = defaultdict(list)

ENDPOINTS = {
    "assignments": f"/api/assignments/?response={os.environ['BENCH_RESPONSE_ID']}",
    "assignments_all": "/api/assignments/",
    "unit_dashboard": "/dashboard/unit/?fragment=1",
    "office_grid": "/dashboard/office/?fragment=1",
    "current_warning": "/api/alerts/?status=issued",
    "trivial_view": "/bench/view/",
    "trivial": "/bench/trivial/",
}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kw):
    TIMES[name].append(response_time)
    ENDED[name].append(time.time())
    if exception is not None:
        ERRORS[name].append(repr(exception)[:200])


@events.quitting.add_listener
def _dump(environment, **kw):
    with open(os.environ["BENCH_LOCUST_OUT"], "w") as f:
        json.dump({"times": TIMES, "ended": ENDED, "errors": ERRORS}, f)


class Dashboard(FastHttpUser):
    def on_start(self):
        self.unit_cookie = f"sessionid={next(_unit_cookies)}"
        self.office_cookie = f"sessionid={SESSIONS['office']}"

    def _get(self, name: str, cookie: str | None):
        headers = {"Cookie": cookie} if cookie else {}
        with self.client.get(
            ENDPOINTS[name], headers=headers, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task
    def pick(self):
        name = random.choice(list(ENDPOINTS))
        unit = self.unit_cookie
        cookie = {"assignments": unit, "assignments_all": unit, "unit_dashboard": unit, "trivial": None, "trivial_view": None}.get(
            name, self.office_cookie
        )
        self._get(name, cookie)
