"""GET /api/events/?after=<id>: the same catch-up the WebSocket gives, over HTTP."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from events.api.serializers import CursorResetSerializer, EventSerializer
from events.models import Event
from events.selectors import events_visible_to, latest_event_id, replay_too_long
from foundation.pagination import BoundedLimitOffsetPagination


class EventPagination(BoundedLimitOffsetPagination):
    default_limit = 500
    max_limit = 1000


class EventList(ListAPIView):
    """Events the user may see, oldest first, after the given id."""

    serializer_class = EventSerializer
    pagination_class = EventPagination
    RESET_DETAIL = "This event id is unknown here or older than the replay keeps: reload, then continue after last_id."

    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="Return events with a larger id.")],
        responses={200: EventSerializer(many=True), 409: CursorResetSerializer},
    )
    def get(self, request, *args, **kwargs):
        """Events after ``after``; 409 with ``reset`` and ``last_id`` when the cursor cannot be replayed.

        A cursor more than ``EVENTS_REPLAY_WINDOW`` events behind (``events.selectors.replay_too_long``, the
        replay's retention rule, issue 13 §4) would page through years of history; one beyond the newest
        event (another database, a restore) would get an empty page forever, as the socket would
        (``events.consumers.reset_frame``). The client drops what it holds, reloads its state, and
        continues with ``?after=<last_id>``. The window costs one indexed query; the newest id is read
        only for an empty page.
        """
        after = self._after()
        if replay_too_long(after):
            return self._reset(latest_event_id())
        answer = super().get(request, *args, **kwargs)
        # Only an empty page can come from an unknown cursor: the usual answer costs no extra query.
        if after > 0 and not answer.data["results"]:
            newest = latest_event_id()
            if after > newest:
                return self._reset(newest)
        return answer

    def _reset(self, newest: int) -> Response:
        return Response(
            {"detail": self.RESET_DETAIL, "reset": True, "last_id": newest}, status=status.HTTP_409_CONFLICT
        )

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
