"""Celery tasks: thin wrappers around responses.services."""

from celery import shared_task

from foundation.uploads import uploads_sweep
from responses import services
from responses.transports import TransientError


@shared_task(acks_late=True)
def escalate_overdue() -> dict:
    counts = services.assignments_escalate_overdue()
    for notification_id in services.notifications_unsent():
        send_notification.delay(notification_id)
    return counts


@shared_task(acks_late=True)
def recur_assignments() -> dict:
    """The beat's round of recurring duties (``services.assignments_recur``): each due occurrence once."""
    return services.assignments_recur()


@shared_task(
    acks_late=True,
    autoretry_for=(TransientError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=10,
)
def send_notification(notification_id: int) -> bool:
    return services.notification_send(notification_id=notification_id)


@shared_task(acks_late=True)
def sweep_uploads() -> int:
    """Delete report files an upload wrote but never linked (a web process killed mid-upload)."""
    return len(uploads_sweep())
