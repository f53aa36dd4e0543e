"""Celery tasks: thin wrappers around alerts.services (STYLE §7)."""

from celery import shared_task

from alerts import services


@shared_task(acks_late=True)
def end_due_alerts() -> dict:
    """Beat entry point: end the warnings whose planned end or scheduled lift has come."""
    return services.alerts_end_due()
