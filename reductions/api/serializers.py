"""Out shapes of the emission-reduction list API (read-only: the list changes by import and in the admin)."""

from django.urls import reverse
from rest_framework import serializers

from alerts.choices import Cause
from foundation.datetimes import PlausibleDateTimeField
from foundation.text import TEXT_MAX
from reductions.choices import InspectionResult
from reductions.models import ChecklistItem, Enterprise, Inspection, InspectionPhoto, Measure, Site


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MeasureSerializer(serializers.ModelSerializer):
    causes = serializers.ListField(
        child=serializers.ChoiceField(choices=Cause.choices), read_only=True,
        help_text="The episode causes the measure applies to (the warning's cause decides the checklists).",
    )

    class Meta:
        model = Measure
        fields = ["id", "level", "order", "text", "causes", "pm", "so2", "nox", "vocs"]
        read_only_fields = fields


class EnterpriseSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="version.year", read_only=True)
    town = UnitRefSerializer(read_only=True)
    supervisor = UnitRefSerializer(read_only=True)
    measures = MeasureSerializer(many=True, read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "year", "credit_code", "name", "industry", "address", "town", "supervisor", "grade", "livelihood",
                  "pm", "so2", "nox", "vocs", "measures"]
        read_only_fields = fields


class SiteSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="version.year", read_only=True)
    town = UnitRefSerializer(read_only=True)
    supervisor = UnitRefSerializer(read_only=True)
    measures = MeasureSerializer(many=True, read_only=True)

    class Meta:
        model = Site
        fields = ["id", "year", "ref", "project", "builder", "address", "town", "supervisor", "kind", "measures"]
        read_only_fields = fields


class PollutantProgressSerializer(serializers.Serializer):
    pollutant = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=3, help_text="t/yr, the district's inventory")
    required = serializers.DecimalField(max_digits=14, decimal_places=3, help_text="t/yr the target asks")
    cut = serializers.DecimalField(max_digits=14, decimal_places=3, help_text="t/yr the list's measures cut")
    achieved_pct = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    met = serializers.BooleanField()


class ContributorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["enterprise", "site"])
    pk = serializers.IntegerField()
    name = serializers.CharField()
    town = serializers.CharField()
    share_pct = serializers.DecimalField(max_digits=8, decimal_places=2, help_text="mean share of the four totals, %")


class LevelProgressSerializer(serializers.Serializer):
    level = serializers.CharField()
    target_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    met = serializers.BooleanField()
    pollutants = PollutantProgressSerializer(many=True)
    top = ContributorSerializer(many=True)


class TargetsSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    levels = LevelProgressSerializer(many=True, allow_null=True, help_text="null until the district's totals are recorded")


class TargetsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)


# --- Checklists and inspections (issue 16 items 4 and 5) ---------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner_name", read_only=True)
    unit = UnitRefSerializer(read_only=True)
    town = UnitRefSerializer(read_only=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "response", "enterprise", "site", "owner", "unit", "town", "level", "text", "status", "check_state",
                  "created_at", "confirmed_at", "closed_at", "closed_reason"]
        read_only_fields = fields


class InspectionPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPhoto
        fields = ["id", "original_name", "content_type", "size", "url"]
        read_only_fields = fields

    def get_url(self, photo) -> str:
        return reverse("reductions:inspection-photo", args=[photo.pk])


class InspectionSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner_name", read_only=True)
    unit = UnitRefSerializer(read_only=True)
    town = UnitRefSerializer(read_only=True)
    inspector = serializers.CharField(source="inspector.get_username", read_only=True)
    photos = InspectionPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "response", "enterprise", "site", "owner", "unit", "town", "inspector", "inspected_at", "place",
                  "result", "findings", "rectification", "rectify_by", "status", "follow_up_of", "closed_at", "photos"]
        read_only_fields = fields


class InspectionCreateSerializer(serializers.Serializer):
    """In shape of ``POST /api/inspections/`` (multipart for photos); the service checks the rules."""

    response = serializers.IntegerField()
    enterprise = serializers.IntegerField(required=False, allow_null=True)
    site = serializers.IntegerField(required=False, allow_null=True)
    inspected_at = PlausibleDateTimeField(required=False, allow_null=True)
    place = serializers.CharField(max_length=300)
    result = serializers.ChoiceField(choices=InspectionResult.choices)
    findings = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    rectification = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    rectify_by = PlausibleDateTimeField(required=False, allow_null=True)
    follow_up_of = serializers.IntegerField(required=False, allow_null=True)
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=6)
