from rest_framework import serializers

from reports.models import DailyReport, ReportDay


class ReportDaySerializer(serializers.ModelSerializer):
    due = serializers.IntegerField(read_only=True)
    submitted = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReportDay
        fields = ["id", "response", "day", "deadline", "status", "closed_at", "due", "submitted"]
        read_only_fields = fields


class DailyReportSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    day = serializers.DateField(source="report_day.day", read_only=True)
    deadline = serializers.DateTimeField(source="report_day.deadline", read_only=True)
    late = serializers.BooleanField(read_only=True)

    class Meta:
        model = DailyReport
        fields = ["id", "report_day", "day", "deadline", "unit", "unit_code", "unit_name", "status", "work",
                  "figures", "problems", "first_submitted_at", "submitted_at", "late", "revisions", "reminded_at",
                  "escalated_at"]
        read_only_fields = fields


class DailyReportSubmitSerializer(serializers.Serializer):
    """The body of a submission; the figures are checked against the unit kind's fields by the service."""

    work = serializers.CharField(max_length=4000)
    figures = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=10_000_000),
                                    required=False, default=dict)
    problems = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
