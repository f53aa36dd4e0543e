"""GET /api/events/?after=<id>: the same catch-up the WebSocket gives, over HTTP."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import LimitOffsetPagination

from command_center.serializers import ReadModelSerializer
from events.models import Event
from events.selectors import events_visible_to


class EventSerializer(ReadModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "type", "payload", "audience", "unit", "created_at"]


class EventPagination(LimitOffsetPagination):
    default_limit = 500
    max_limit = 1000


class EventList(ListAPIView):
    """Events the user may see, oldest first, after the given id."""

    serializer_class = EventSerializer
    pagination_class = EventPagination

    @extend_schema(parameters=[OpenApiParameter("after", int, description="Return events with a larger id.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Event.objects.none()
        after = self.request.query_params.get("after", "0")
        try:
            after = max(int(after), 0)
        except ValueError:
            raise serializers.ValidationError({"after": "Give the last event id you have, a whole number."}) from None
        return events_visible_to(self.request.user).filter(id__gt=after)


urlpatterns = [path("events/", EventList.as_view(), name="event-list")]
