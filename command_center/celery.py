"""The Celery app. Tasks live in each app's ``tasks.py`` and stay thin: ids in, one service call."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "command_center.settings")

app = Celery("command_center")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
