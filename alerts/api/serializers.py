from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from alerts.choices import Cause, Level
from alerts.models import Alert
from alerts.selectors import alert_as_seen_by
from command_center.datetimes import PlausibleDateTimeField
from command_center.serializers import ReadModelSerializer
from events.models import AuditEntry


class AlertSerializer(ReadModelSerializer):
    proposed_by = serializers.StringRelatedField(allow_null=True)
    approved_by = serializers.StringRelatedField(allow_null=True)
    issued_by = serializers.StringRelatedField(allow_null=True)
    lifted_by = serializers.StringRelatedField(allow_null=True)
    rejected_by = serializers.StringRelatedField(allow_null=True)
    lift_requested_by = serializers.StringRelatedField(allow_null=True)
    response_level = serializers.CharField(read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id", "level", "status", "response_level", "cause", "advisory_only", "reason", "basis", "area", "drill",
            "starts_at", "ends_at", "proposal", "supersedes", "created_at", "proposed_by", "approved_by", "approved_at", "issued_by",
            "issued_at", "rejected_by", "rejected_at", "rejection_reason", "lift_requested_by", "lift_requested_at",
            "lift_reason", "lift_at", "lifted_by", "lifted_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        """As the reader may see it (``alerts.selectors.alert_as_seen_by``): the command sees everything."""
        data = super().to_representation(instance)
        request = self.context.get("request")
        return data if request is None else alert_as_seen_by(data, request.user)


class AlertCreateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    reason = serializers.CharField(max_length=4000, help_text=_("Why the warning is issued."))
    basis = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    drill = serializers.BooleanField(required=False, default=False)
    starts_at = PlausibleDateTimeField(required=False, allow_null=True, default=None)
    ends_at = PlausibleDateTimeField(required=False, allow_null=True, default=None)
    cause = serializers.ChoiceField(
        choices=Cause.choices, required=False, default=Cause.PM2_5,
        help_text="The episode's cause; it decides the tasks handed out (issue 15 item 2).",
    )
    tasks_override_reason = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default="",
        help_text="Leaders only: hand out every task of the level whatever the cause, for this reason (audited).",
    )

    def validate(self, attrs):
        if attrs.get("starts_at") and attrs.get("ends_at") and attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": _("The end must be after the start.")})
        return attrs


class LiftSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    lift_at = PlausibleDateTimeField(
        required=False, allow_null=True, default=None,
        help_text=_("Lift at this time instead of now; the warning and its response stay in force until then."),
    )

    @property
    def text(self) -> str:
        return self.validated_data["reason"] or self.validated_data["comment"]


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    @property
    def text(self) -> str:
        return self.validated_data["reason"] or self.validated_data["comment"]


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)  # empty for the platform itself

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "from_state", "to_state", "comment"]
