"""GET /api/events/?after=<id>: the same catch-up the WebSocket gives, over HTTP."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from events.models import Event
from events.selectors import events_visible_to, latest_event_id
from foundation.pagination import BoundedLimitOffsetPagination
from foundation.serializers import ReadModelSerializer


class EventSerializer(ReadModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "type", "payload", "audience", "unit", "created_at"]


class CursorResetSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reset = serializers.BooleanField()
    last_id = serializers.IntegerField(help_text="The newest event id: reload, then continue after it.")


class EventPagination(BoundedLimitOffsetPagination):
    default_limit = 500
    max_limit = 1000


class EventList(ListAPIView):
    """Events the user may see, oldest first, after the given id."""

    serializer_class = EventSerializer
    pagination_class = EventPagination

    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="Return events with a larger id.")],
        responses={200: EventSerializer(many=True), 409: CursorResetSerializer},
    )
    def get(self, request, *args, **kwargs):
        """Events after ``after``; 409 with ``reset`` and ``last_id`` when ``after`` is beyond the newest event.

        A cursor this database never gave (another database, a restore) would otherwise get an empty
        page forever, as the socket would (``events.consumers.reset_frame``). The client drops what it
        holds, reloads its state, and continues with ``?after=<last_id>``.
        """
        answer = super().get(request, *args, **kwargs)
        after = self._after()
        # Only an empty page can come from an unknown cursor: the usual answer costs no extra query.
        if after > 0 and not answer.data["results"]:
            newest = latest_event_id()
            if after > newest:
                return Response(
                    {"detail": "This event id is unknown here: reload, then continue after last_id.", "reset": True,
                     "last_id": newest},
                    status=status.HTTP_409_CONFLICT,
                )
        return answer

    def _after(self) -> int:
        after = self.request.query_params.get("after", "0")
        try:
            return max(int(after), 0)
        except ValueError:
            raise serializers.ValidationError({"after": "Give the last event id you have, a whole number."}) from None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Event.objects.none()
        return events_visible_to(self.request.user).filter(id__gt=self._after())


urlpatterns = [path("events/", EventList.as_view(), name="event-list")]
