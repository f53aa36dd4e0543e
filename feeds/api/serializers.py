"""In and out shapes of the feeds API. Validation only; the work is in feeds.services."""

import csv
import io
import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from feeds import aqi
from feeds.criteria import LEVELS
from feeds.daily import PLAUSIBLE_MAX
from feeds.models import Proposal
from feeds.services import POLLUTANT_KEYS
from foundation.text import TEXT_MAX

PRIMARY_CHOICES = ("so2", "no2", "co", "pm10", "pm2_5", "o3_8h", "o3", "o3_1h")
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
    """One day: either ``aqi`` or all six daily concentrations (CO in mg/m³, O3 as the max 8-hour mean).

    ``o3_1h`` (the day's maximum 1-hour O3) is optional and belongs to HJ 633-2012 only; the
    forecast's ``standard`` is checked against it in ``ForecastInputSerializer.validate``.
    """

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
    o3_1h = ConcentrationField(
        "o3_1h", required=False, allow_null=True, help_text="o3_1h, µg/m³: the day's max 1-hour O3 (HJ 633-2012 only)"
    )

    def validate(self, attrs):
        given = [k for k in (*POLLUTANT_KEYS, "o3_1h") if attrs.get(k) is not None]
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
        errors = {}
        for i, day in enumerate(attrs.get("days") or []):
            problem = o3_1h_problem(day, attrs["standard"])
            if problem:
                errors[i] = {"o3_1h": [problem]}
        if errors:
            raise serializers.ValidationError({"days": errors})
        return attrs


def o3_1h_problem(values: dict, standard: str) -> str:
    """Why the 1-hour ozone of these daily values is wrong for ``standard``, or "".

    HJ 633-2012 table 1 note (3): an 8-hour O3 above 800 µg/m³ has no IAQI and the 1-hour
    value replaces it. Without it the day's AQI is not reported ("NA"), which a forecast
    cannot be judged on, so the push is refused (issue 15, item 7). HJ 633-2026's daily
    AQI does not use the 1-hour O3 at all, so giving it there is refused rather than ignored.
    """
    o3_8h, o3_1h = values.get("o3_8h"), values.get("o3_1h")
    if standard == "2012":
        if o3_8h is not None and o3_8h > aqi.BREAKPOINTS["2012"]["o3_8h"][-1] and o3_1h is None:
            return _(
                "Under HJ 633-2012 an 8-hour ozone above 800 µg/m³ takes its IAQI from the 1-hour value: "
                "give o3_1h, the day's maximum 1-hour ozone."
            )
        return ""
    if o3_1h is not None:
        return _(
            "The daily AQI of HJ 633-2026 does not use the 1-hour ozone; leave o3_1h out or choose the 2012 standard."
        )
    return ""


class ForecastCsvSerializer(serializers.Serializer):
    """A CSV file with a header: ``date,aqi`` or ``date,pm2_5,pm10,o3_8h,no2,so2,co`` (and ``o3_1h`` under 2012).

    Spreadsheet exports are read as people save them: a byte-order mark, blank lines and
    empty columns at the end of the header (Excel writes ``date,aqi,,``) are ignored. What
    cannot be read for sure is refused with the line it is on, never dropped or overwritten
    (issue 15, item 10): a column named twice, a nameless column in the middle, a line
    with more cells than the header or a value under a nameless trailing column, and the
    header repeated as a data line (two exports pasted together).
    """

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
        try:
            # newline=None: a lone "\r" (an old Mac export) ends a line instead of making csv raise.
            lines = list(csv.reader(io.StringIO(text, newline=None)))
        except csv.Error as exc:
            raise serializers.ValidationError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from None
        return csv_forecast_days(lines)

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


def csv_forecast_days(lines: list[list[str]]) -> list[dict]:
    """Forecast days (dicts of strings, for ``ForecastDaySerializer``) from the lines of a CSV file.

    ``lines`` are ``csv.reader`` rows; the first non-blank one is the header. Blank lines
    (every cell empty) are skipped. Raises ``serializers.ValidationError`` (HTTP 400) with one
    message per faulty line, numbered as a spreadsheet shows them (the header is line 1),
    for the faults listed on ``ForecastCsvSerializer``; nothing is returned for a file
    with any of them.
    """
    numbered = [(n, [c.strip() for c in cells]) for n, cells in enumerate(lines, start=1)]
    numbered = [(n, cells) for n, cells in numbered if any(cells)]
    if not numbered:
        raise serializers.ValidationError(_("The first line must be a header with a 'date' column."))
    header_line, header = numbered[0]
    header = [h.lower() for h in header]
    while header and header[-1] == "":
        header.pop()  # Excel's trailing empty columns: "date,aqi,,"
    if "date" not in header:
        raise serializers.ValidationError(_("The first line must be a header with a 'date' column."))
    problems = []
    if "" in header:
        problems.append(
            _("Line %(line)s: column %(col)s of the header has no name.")
            % {"line": header_line, "col": header.index("") + 1}
        )
    allowed = {"date", "aqi", "primary_pollutants", "o3_1h", *POLLUTANT_KEYS}
    unknown = [h for h in header if h and h not in allowed]
    if unknown:
        problems.append(_("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)})
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        problems.append(_("Line %(line)s: the column %(cols)s appears more than once.") % {
            "line": header_line, "cols": ", ".join(repeated),
        })
    if problems:
        raise serializers.ValidationError(problems)

    days, problems = [], []
    for n, cells in numbered[1:]:
        if [c.lower() for c in cells[: len(header)]] == header and not any(cells[len(header):]):
            problems.append(_("Line %(line)s repeats the header.") % {"line": n})
            continue
        if any(cells[len(header):]):
            problems.append(
                _("Line %(line)s has more cells than the header's %(columns)s columns: %(extra)s.")
                % {"line": n, "columns": len(header), "extra": ", ".join(c for c in cells[len(header):] if c)}
            )
            continue
        day = {h: v for h, v in zip(header, cells, strict=False) if v != "" and h != "primary_pollutants"}
        pollutants = dict(zip(header, cells, strict=False)).get("primary_pollutants")
        if pollutants:
            day["primary_pollutants"] = [p.strip() for p in pollutants.split(";") if p.strip()]
        days.append(day)
    if problems:
        raise serializers.ValidationError(problems)
    return days


class EvaluationDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    aqi = serializers.IntegerField(allow_null=True, help_text='null = "NA", the AQI is not reported')
    category = serializers.CharField(allow_blank=True)
    category_en = serializers.CharField(allow_blank=True)
    colour = serializers.CharField(allow_blank=True)
    primary_pollutants = serializers.ListField(child=serializers.CharField())


class EvaluationSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVELS)
    response_level = serializers.CharField()
    lift = serializers.BooleanField()
    lift_from = serializers.DateField(allow_null=True)
    criteria = serializers.CharField(help_text="Version of the criteria the forecast was judged by.")
    trigger_days = serializers.ListField(child=serializers.DateField())
    primary_pollutants = serializers.ListField(child=serializers.CharField())
    advisory_only = serializers.BooleanField()
    advisory_reason = serializers.CharField(allow_blank=True)
    current_level = serializers.CharField()
    na_days = serializers.ListField(
        child=serializers.DateField(), required=False, help_text="Days whose AQI is not reported (NA): not judged."
    )
    days = EvaluationDaySerializer(many=True)


class ProposalSerializer(serializers.ModelSerializer):
    forecast_source = serializers.CharField(source="forecast.source", read_only=True, allow_null=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    issue_by = serializers.DateTimeField(
        read_only=True, allow_null=True,
        help_text="When the office should act: 24 h (ALERT_LEAD_HOURS) before the episode for an issue, the first "
        "clean day for a lift; null: at once (a downgrade).",
    )
    late = serializers.BooleanField(read_only=True, help_text="Open, and its issue_by has passed.")

    class Meta:
        model = Proposal
        fields = [
            "id", "kind", "level", "status", "source", "criteria", "advisory_only", "basis", "forecast", "forecast_source",
            "created_at", "decided_by", "decided_at", "dedupe_key", "issue_by", "late",
        ]
        read_only_fields = fields


class ForecastCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    evaluation = EvaluationSerializer()
    proposal = ProposalSerializer(allow_null=True, help_text="The proposal the criteria call for, if any.")
    proposal_created = serializers.BooleanField(help_text="False when the same condition was proposed before.")


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)


class AqiQuerySerializer(serializers.Serializer):
    """Query of ``GET /api/aqi/``: daily concentrations and the standard (``o3_1h`` for 2012 only)."""

    pm2_5 = ConcentrationField("pm2_5", required=False)
    pm10 = ConcentrationField("pm10", required=False)
    o3_8h = ConcentrationField("o3_8h", required=False)
    no2 = ConcentrationField("no2", required=False)
    so2 = ConcentrationField("so2", required=False)
    co = ConcentrationField("co", required=False)
    o3_1h = ConcentrationField(
        "o3_1h", required=False, help_text="o3_1h, µg/m³: the day's max 1-hour O3 (HJ 633-2012 only)"
    )
    standard = serializers.ChoiceField(choices=aqi.STANDARDS, required=False, help_text="HJ 633 edition; default 2026")

    def validate(self, attrs):
        if not any(k in attrs for k in (*POLLUTANT_KEYS, "o3_1h")):
            raise serializers.ValidationError({"pm2_5": _("Give at least one concentration.")})
        standard = attrs.get("standard") or aqi.DEFAULT_STANDARD
        # A 2012 O3-8h above 800 without o3_1h is answered as "NA", not refused: the
        # calculator reports what the standard says; only 2026 + o3_1h is a bad question.
        if standard != "2012" and "o3_1h" in attrs:
            raise serializers.ValidationError({"o3_1h": o3_1h_problem(attrs, standard)})
        return attrs


class AqiResultSerializer(serializers.Serializer):
    aqi = serializers.IntegerField(
        allow_null=True,
        help_text='null = "NA": a pollutant missing and the others at most 100, or (2012) an O3-8h above 800 '
        "without o3_1h",
    )
    category = serializers.CharField(allow_blank=True)
    category_en = serializers.CharField(allow_blank=True)
    level = serializers.IntegerField()
    colour = serializers.CharField(allow_blank=True)
    primary_pollutants = serializers.ListField(child=serializers.CharField())
    iaqi = serializers.DictField(child=serializers.IntegerField())
    standard = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())

