from rest_framework import serializers

from routines.models import Occurrence, Routine


class RoutineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Routine
        fields = ["id", "title", "kind", "frequency", "first_due", "remind_days", "notes", "active"]
        read_only_fields = fields


class OccurrenceSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="routine.title", read_only=True)

    class Meta:
        model = Occurrence
        fields = ["id", "routine", "title", "due_on", "status", "done_at", "note", "training_record", "reminded_at",
                  "escalated_at"]
        read_only_fields = fields


class RoundCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)
    training_record = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
