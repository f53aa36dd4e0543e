"""The Celery app. Tasks live in each app's ``tasks.py`` and stay thin: ids in, one service call."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "command_center.settings")

app = Celery("command_center")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def fetch_feeds_at_start(sender=None, **kwargs):
    """Read the feeds once when the worker starts (``FEEDS_FETCH_AT_START``), not only at the next
    half-hour beat: the command sees the feeds' state within a minute of `make run`."""
    from django.conf import settings

    if getattr(settings, "FEEDS_FETCH_AT_START", False):
        app.send_task("feeds.tasks.fetch_all_feeds")
