"""Celery tasks: thin wrappers around routines.services."""

from celery import shared_task

from routines import services


@shared_task(acks_late=True)
def run_routines() -> dict:
    """Open the next rounds of the office's standing duties, remind ahead of the due day, escalate late ones."""
    return services.routines_run()
