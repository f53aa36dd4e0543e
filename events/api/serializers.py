"""The event log's API serializers: an event as ``GET /api/events/`` answers it, and the 409 of an unknown cursor."""

from rest_framework import serializers

from events.models import Event
from foundation.serializers import ReadModelSerializer


class EventSerializer(ReadModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "type", "payload", "audience", "unit", "created_at"]


class CursorResetSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reset = serializers.BooleanField()
    last_id = serializers.IntegerField(help_text="The newest event id: reload, then continue after it.")
