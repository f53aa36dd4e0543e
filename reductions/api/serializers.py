"""Out shapes of the emission-reduction list API (read-only: the list changes by import and in the admin)."""

from rest_framework import serializers

from reductions.models import Enterprise, Measure, Site


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Measure
        fields = ["id", "level", "order", "text", "pm", "so2", "nox", "vocs"]
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
