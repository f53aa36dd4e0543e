from rest_framework import serializers

from foundation.serializers import ReadModelSerializer
from foundation.text import TEXT_MAX
from responses.models import Response, TaskAssignment


class AssignmentSerializer(ReadModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = TaskAssignment
        fields = [
            "id", "response", "unit", "unit_code", "unit_name", "key", "occurrence", "stage", "level", "title", "instructions",
            "report_required", "status", "overdue", "assigned_at", "effective_from", "ack_deadline", "acknowledged_at",
            "completed_at", "report", "closed_reason", "reminded_at", "escalated_at",
        ]
        read_only_fields = fields


class UploadList(serializers.ListField):
    """The files of a multipart form. A file input left empty still sends a part with no file name, which
    arrives as an empty string: it is no file, and is dropped rather than refused."""

    def to_internal_value(self, data):
        if isinstance(data, list | tuple):
            data = [item for item in data if item not in ("", None)]
        return super().to_internal_value(data)


class ProgressSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX)
    files = UploadList(child=serializers.FileField(), required=False, default=list, max_length=10)


class CompleteSerializer(serializers.Serializer):
    report = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    files = UploadList(child=serializers.FileField(), required=False, default=list, max_length=10)


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX)


class RemindSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ResponseSerializer(ReadModelSerializer):
    class Meta:
        model = Response
        fields = ["id", "alert", "level", "status", "area", "drill", "started_at", "ended_at"]
        read_only_fields = fields
