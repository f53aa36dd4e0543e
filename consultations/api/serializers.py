from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from alerts.choices import Cause, Level
from consultations.choices import Conclusion, DirectiveKind, Pollutant
from consultations.models import Consultation, ConsultationAttachment, Directive
from feeds.models import Forecast, Proposal
from foundation.datetimes import PlausibleDateTimeField
from units.models import Unit


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsultationAttachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class ConsultationSerializer(serializers.ModelSerializer):
    """A consultation record as read: the units by code, the forecasts and proposals by id."""

    units = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    # Read-only model fields lose allow_blank in DRF, so the schema would refuse the "" of a record without one.
    cause = serializers.ChoiceField(choices=Cause.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Consultation
        fields = [
            "id", "held_at", "units", "experts", "forecasts", "proposals", "pollutant", "aqi_min", "aqi_max",
            "duration_hours", "meteorology", "conclusion", "cause", "starts_at", "ends_at", "notes", "attachments",
            "created_by", "created_at",
        ]
        read_only_fields = fields


class ConsultationCreateSerializer(serializers.Serializer):
    """A new consultation record; ``consultations.services.consultation_create`` checks the rest (400 per field)."""

    held_at = PlausibleDateTimeField()
    units = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Unit.objects.filter(active=True),
        help_text=_("Codes of the units taking part, e.g. ecology-env, meteorology."),
    )
    experts = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    forecasts = serializers.PrimaryKeyRelatedField(many=True, queryset=Forecast.objects.all(), required=False, default=list)
    proposals = serializers.PrimaryKeyRelatedField(many=True, queryset=Proposal.objects.all(), required=False, default=list)
    pollutant = serializers.ChoiceField(choices=Pollutant.choices)
    aqi_min = serializers.IntegerField(min_value=0, max_value=999)
    aqi_max = serializers.IntegerField(min_value=0, max_value=999)
    duration_hours = serializers.IntegerField(min_value=1, max_value=24 * 30)
    meteorology = serializers.CharField(max_length=4000)
    conclusion = serializers.ChoiceField(choices=Conclusion.choices)
    cause = serializers.ChoiceField(choices=Cause.choices, required=False, allow_blank=True, default="")
    starts_at = PlausibleDateTimeField(required=False, allow_null=True, default=None)
    ends_at = PlausibleDateTimeField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")


class DirectiveSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # A lift advice has no level and a notice may name no cause: "" is an answer (read-only fields lose allow_blank).
    level = serializers.ChoiceField(choices=Level.choices, allow_blank=True, read_only=True)
    cause = serializers.ChoiceField(choices=Cause.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Directive
        fields = [
            "id", "kind", "document_number", "issued_at", "level", "starts_at", "ends_at", "region", "cause", "notes",
            "proposal", "created_by", "created_at",
        ]
        read_only_fields = fields


class DirectiveCreateSerializer(serializers.Serializer):
    """The city's warning notice (level, start) or lift advice; the service checks the rest (400 per field)."""

    kind = serializers.ChoiceField(choices=DirectiveKind.choices)
    document_number = serializers.CharField(max_length=100)
    issued_at = PlausibleDateTimeField()
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True, default="")
    starts_at = PlausibleDateTimeField(required=False, allow_null=True, default=None)
    ends_at = PlausibleDateTimeField(required=False, allow_null=True, default=None)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    cause = serializers.ChoiceField(choices=Cause.choices, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
