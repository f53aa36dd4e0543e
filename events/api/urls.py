"""The event log's API: ``/api/events/`` (events.api.views)."""

from django.urls import path

from events.api.views import EventList

urlpatterns = [path("events/", EventList.as_view(), name="event-list")]
