"""Celery tasks: thin wrappers around feeds.services (STYLE §7)."""

import httpx
from celery import shared_task
from django.conf import settings

from feeds import selectors, services


@shared_task(acks_late=True)
def fetch_all_feeds() -> int:
    """Beat entry point: raise FEED_STALE where due, then one fetch_station per station due."""
    services.feeds_check_stale()
    station_ids = selectors.stations_due()
    for station_id in station_ids:
        fetch_station.delay(station_id)
    return len(station_ids)


# Retried only on transport errors (timeouts included): a wrong answer is recorded and
# waits for the next beat round instead. Redelivery is harmless: equal forecasts are
# not stored twice and proposals are deduplicated by their key.
@shared_task(
    acks_late=True,
    autoretry_for=(httpx.TransportError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=settings.FEED_FETCH_RETRIES,
)
def fetch_station(station_id: int) -> int | None:
    forecast = services.station_fetch(station_id=station_id)
    return forecast.pk if forecast else None
