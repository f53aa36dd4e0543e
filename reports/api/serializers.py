from rest_framework import serializers

from reports.models import Bulletin, CityReport, DailyReport, ReportDay, UnitSummary


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


class BulletinSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bulletin
        fields = ["id", "response", "day", "year", "number", "status", "title", "body", "table", "created_at",
                  "issued_at"]
        read_only_fields = fields


class BulletinDraftSerializer(serializers.Serializer):
    report_day = serializers.IntegerField(min_value=1)


class BulletinEditSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=20000)


class CityReportSerializer(serializers.ModelSerializer):
    on_time = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = CityReport
        fields = ["id", "bulletin", "recipient", "number", "content", "sent_at", "deadline", "on_time", "file_name",
                  "created_at"]
        read_only_fields = fields


class CityReportCreateSerializer(serializers.Serializer):
    bulletin = serializers.IntegerField(min_value=1)
    recipient = serializers.CharField(max_length=100)
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class UnitSummarySerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    late = serializers.BooleanField(read_only=True)

    class Meta:
        model = UnitSummary
        fields = ["id", "response", "unit", "unit_code", "unit_name", "due_on", "due_provisional", "status", "text",
                  "first_submitted_at", "submitted_at", "late", "reminded_at", "escalated_at"]
        read_only_fields = fields


class UnitSummarySubmitSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20000)
