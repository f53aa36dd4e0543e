"""In and out shapes of the feeds API. Validation only; the work is in feeds.services."""

import csv
import io
import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from feeds import aqi
from feeds.daily import PLAUSIBLE_MAX
from feeds.models import Proposal
from feeds.services import POLLUTANT_KEYS

PRIMARY_CHOICES = ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h", "o3")
UNITS = {"co": "mg/m³"}
CSV_MAX_BYTES = 100 * 1024


class ConcentrationField(serializers.FloatField):
    """A finite concentration from 0 to the plausible maximum (CO in mg/m³, the others µg/m³)."""

    default_error_messages = {
        "not_finite": _("Must be a finite number."),
        "implausible": _("%(value)s is not a believable concentration (at most %(limit)s)."),
    }

    def __init__(self, key: str, **kwargs):
        self.key = key
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("help_text", f"{key}, {UNITS.get(key, 'µg/m³')}")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        limit = PLAUSIBLE_MAX[self.key]
        if value > limit:
            raise serializers.ValidationError(self.error_messages["implausible"] % {"value": data, "limit": limit})
        return value


class ForecastDaySerializer(serializers.Serializer):
    """One day: either ``aqi`` or all six daily concentrations (CO in mg/m³, O3 as the max 8-hour mean)."""

    date = serializers.DateField()
    aqi = serializers.IntegerField(min_value=0, max_value=500, required=False, allow_null=True)
    primary_pollutants = serializers.ListField(
        child=serializers.ChoiceField(choices=PRIMARY_CHOICES), required=False, max_length=6
    )
    pm2_5 = ConcentrationField("pm2_5", required=False, allow_null=True)
    pm10 = ConcentrationField("pm10", required=False, allow_null=True)
    o3_8h = ConcentrationField("o3_8h", required=False, allow_null=True)
    no2 = ConcentrationField("no2", required=False, allow_null=True)
    so2 = ConcentrationField("so2", required=False, allow_null=True)
    co = ConcentrationField("co", required=False, allow_null=True)

    def validate(self, attrs):
        given = [k for k in POLLUTANT_KEYS if attrs.get(k) is not None]
        if attrs.get("aqi") is not None:
            if given:
                raise serializers.ValidationError(
                    {k: _("Give either the AQI or the six concentrations, not both.") for k in given}
                )
            return attrs
        missing = [k for k in POLLUTANT_KEYS if attrs.get(k) is None]
        if len(missing) == len(POLLUTANT_KEYS):
            raise serializers.ValidationError({"aqi": _("Give the AQI, or all six concentrations.")})
        if missing:
            raise serializers.ValidationError({k: _("Required when the AQI is not given.") for k in missing})
        return attrs


class ForecastInputSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=60)
    issued_at = serializers.DateTimeField()
    standard = serializers.ChoiceField(choices=aqi.STANDARDS, required=False, help_text="HJ 633 edition; default 2026")
    days = ForecastDaySerializer(many=True, allow_empty=False, max_length=31)

    def validate_days(self, days):
        seen, errors = set(), {}
        for i, day in enumerate(days):
            if day["date"] in seen:
                errors[i] = {"date": [_("This date appears twice.")]}
            seen.add(day["date"])
        if errors:
            raise serializers.ValidationError(errors)
        return days

    def validate(self, attrs):
        attrs.setdefault("standard", settings.AQI_STANDARD)
        return attrs


class ForecastCsvSerializer(serializers.Serializer):
    """A CSV file with a header: ``date,aqi`` or ``date,pm2_5,pm10,o3_8h,no2,so2,co``."""

    file = serializers.FileField()
    source = serializers.CharField(max_length=60)
    issued_at = serializers.DateTimeField(required=False)
    standard = serializers.ChoiceField(choices=aqi.STANDARDS, required=False)

    def validate_file(self, upload):
        if upload.size > CSV_MAX_BYTES:
            raise serializers.ValidationError(_("The file is larger than 100 KB."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise serializers.ValidationError(_("The file is not UTF-8 text.")) from None
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "date" not in header:
            raise serializers.ValidationError(_("The first line must be a header with a 'date' column."))
        allowed = {"date", "aqi", "primary_pollutants", *POLLUTANT_KEYS}
        unknown = [h for h in header if h not in allowed]
        if unknown:
            raise serializers.ValidationError(_("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)})
        reader.fieldnames = header
        days = []
        for row in reader:
            day = {k: (v or "").strip() for k, v in row.items() if k is not None}
            if not any(day.values()):
                continue
            cleaned = {k: v for k, v in day.items() if v != "" and k != "primary_pollutants"}
            if day.get("primary_pollutants"):
                cleaned["primary_pollutants"] = [p.strip() for p in day["primary_pollutants"].split(";") if p.strip()]
            days.append(cleaned)
        return days

    def to_forecast_input(self) -> ForecastInputSerializer:
        data = self.validated_data
        return ForecastInputSerializer(
            data={
                "source": data["source"],
                "issued_at": data.get("issued_at") or timezone.now(),
                "standard": data.get("standard") or settings.AQI_STANDARD,
                "days": data["file"],
            }
        )


class EvaluationDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    aqi = serializers.IntegerField(allow_null=True)
    category = serializers.CharField()
    category_en = serializers.CharField()
    colour = serializers.CharField()
    primary_pollutants = serializers.ListField(child=serializers.CharField())


class EvaluationSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["none", "yellow", "orange", "red"])
    response_level = serializers.CharField()
    lift = serializers.BooleanField()
    lift_from = serializers.DateField(allow_null=True)
    criteria = serializers.CharField(help_text="Version of the criteria the forecast was judged by.")
    trigger_days = serializers.ListField(child=serializers.DateField())
    primary_pollutants = serializers.ListField(child=serializers.CharField())
    advisory_only = serializers.BooleanField()
    advisory_reason = serializers.CharField(allow_blank=True)
    current_level = serializers.CharField()
    days = EvaluationDaySerializer(many=True)


class ProposalSerializer(serializers.ModelSerializer):
    forecast_source = serializers.CharField(source="forecast.source", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Proposal
        fields = [
            "id", "kind", "level", "status", "criteria", "advisory_only", "basis", "forecast", "forecast_source",
            "created_at", "decided_by", "decided_at", "dedupe_key",
        ]
        read_only_fields = fields


class ForecastCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    evaluation = EvaluationSerializer()
    proposal = ProposalSerializer(allow_null=True, help_text="The proposal the criteria call for, if any.")
    proposal_created = serializers.BooleanField(help_text="False when the same condition was proposed before.")


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class AqiQuerySerializer(serializers.Serializer):
    pm2_5 = ConcentrationField("pm2_5", required=False)
    pm10 = ConcentrationField("pm10", required=False)
    o3_8h = ConcentrationField("o3_8h", required=False)
    no2 = ConcentrationField("no2", required=False)
    so2 = ConcentrationField("so2", required=False)
    co = ConcentrationField("co", required=False)
    standard = serializers.ChoiceField(choices=aqi.STANDARDS, required=False, help_text="HJ 633 edition; default 2026")

    def validate(self, attrs):
        if not any(k in attrs for k in POLLUTANT_KEYS):
            raise serializers.ValidationError({"pm2_5": _("Give at least one concentration.")})
        return attrs


class AqiResultSerializer(serializers.Serializer):
    aqi = serializers.IntegerField(allow_null=True, help_text='null = "NA" (2026 missing-data rule)')
    category = serializers.CharField(allow_blank=True)
    category_en = serializers.CharField(allow_blank=True)
    level = serializers.IntegerField()
    colour = serializers.CharField(allow_blank=True)
    primary_pollutants = serializers.ListField(child=serializers.CharField())
    iaqi = serializers.DictField(child=serializers.IntegerField())
    standard = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())

