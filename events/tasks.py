"""Celery tasks of the events app: thin wrappers around its services."""

from celery import shared_task

from events.idempotency import submission_keys_prune


@shared_task(acks_late=True)
def prune_submission_keys() -> int:
    """Forget idempotency keys older than a week (``events.idempotency.submission_keys_prune``)."""
    return submission_keys_prune()
