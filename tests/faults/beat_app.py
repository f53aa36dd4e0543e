"""The platform's Celery app, with the feeds round due every ``FAULTS_FETCH_EVERY`` seconds (fault 5).

Production beat fetches feeds on a crontab (every 30 minutes) and escalates every
``ESCALATION_INTERVAL_SECONDS``; the two-beats test runs both every second, so that two
beat processes started by mistake overlap many times within a few seconds.
"""

import os

from django.conf import settings

from command_center.celery import app

app.conf.beat_schedule = {
    **settings.CELERY_BEAT_SCHEDULE,
    "fetch-feeds": {
        **settings.CELERY_BEAT_SCHEDULE["fetch-feeds"],
        "schedule": float(os.environ.get("FAULTS_FETCH_EVERY", "1")),
    },
}
