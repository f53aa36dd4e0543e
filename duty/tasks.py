"""Celery tasks: thin wrappers around duty.services."""

from celery import shared_task

from duty import services


@shared_task(acks_late=True)
def hand_over_shifts() -> int:
    return services.shifts_hand_over()
