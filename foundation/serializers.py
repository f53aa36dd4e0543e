"""A faster answer path for read-only model serializers (long lists of assignments, warnings, events).

DRF's ``Serializer.to_representation`` resolves every field of every row through the
field's generic ``get_attribute`` and ``to_representation``: about a third of a
100-assignment page's cost. For a field that is a model column shown as it is (text,
numbers, booleans, choices, a foreign key's id) the answer is the attribute itself, so
the plan below reads it directly; a model time shown by DRF's plain ``DateTimeField`` is
written as that field writes it, with the time zone looked up once per row (``_stamp``); every
other field (dotted sources, properties, nested serializers) goes through DRF unchanged. ``tests/test_api_serializers.py``
holds the result equal to DRF's own for every serializer that uses it.

Why it stays (issue 13 §2 item 10): ``python -m bench serializers`` (bench/serializers.py) times the
API's pages both ways in one run, in CPU time. On 2026-11-30 (2 shared cores, busy): 100 assignments
7.2 ms here against 9.8 ms with DRF's ``to_representation`` (DRF 1.36x, 2.6 ms saved a page),
100 warnings 7.6 against 10.9 ms (1.43x), 1,000 events 13.8 against 23.2 ms (1.68x, 9.4 ms). Under
the API benchmark's load a dashboard request costs about 14 ms of server CPU (1.34 cores for 93
requests a second, docs/benchmarks.md), so DRF's path would add close to a fifth to an assignments
page. If a rerun shows DRF within ~10%, delete this class and use ``serializers.ModelSerializer``.
"""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, fields, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

_AS_IS = (fields.CharField, fields.IntegerField, fields.BooleanField, fields.ChoiceField)
_NOT_AS_IS = (fields.MultipleChoiceField, fields.FilePathField)


class ReadModelSerializer(serializers.ModelSerializer):
    """A read-only ModelSerializer whose plain columns are read as they are (DRF 1.36-1.68x slower, above)."""

    def to_representation(self, instance):
        plan = self.__dict__.get("_read_plan")
        if plan is None:
            plan = self._read_plan = self._plan()
        ret = {}
        zone = None
        for name, attname, field, stamp in plan:
            if attname is not None:
                value = getattr(instance, attname)
                if stamp and value is not None:
                    value, zone = _stamp(value, field, zone)
                ret[name] = value
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret

    def _plan(self) -> list[tuple[str, str | None, fields.Field, bool]]:
        """(name, model attribute to read directly, or None to ask the field, whether it is a time to write
        as DRF's ``DateTimeField`` does) for each readable field."""
        opts = self.Meta.model._meta
        plan = []
        for field in self._readable_fields:
            stamp = self._stamp_column(opts, field)
            plan.append((field.field_name, stamp or self._as_is(opts, field), field, stamp is not None))
        return plan

    @staticmethod
    def _stamp_column(opts, field) -> str | None:
        """The model column of a plain ISO 8601 ``DateTimeField`` in the current time zone, else None."""
        if type(field) is not fields.DateTimeField or hasattr(field, "timezone") or not settings.USE_TZ:
            return None
        output = getattr(field, "format", api_settings.DATETIME_FORMAT)
        if not isinstance(output, str) or output.lower() != ISO_8601 or len(field.source_attrs) != 1:
            return None
        try:
            model_field = opts.get_field(field.source_attrs[0])
        except FieldDoesNotExist:
            return None
        return model_field.attname if isinstance(model_field, models.DateTimeField) else None

    @staticmethod
    def _as_is(opts, field) -> str | None:
        if len(field.source_attrs) != 1:
            return None
        try:
            model_field = opts.get_field(field.source_attrs[0])
        except FieldDoesNotExist:
            return None  # a property or method: DRF calls it
        if not model_field.concrete:
            return None
        if isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None:
            return model_field.attname if model_field.is_relation else None
        if model_field.is_relation or not isinstance(field, _AS_IS) or isinstance(field, _NOT_AS_IS):
            return None
        if isinstance(field, fields.CharField) and model_field.get_internal_type() not in ("CharField", "TextField"):
            return None  # e.g. a UUID or a number shown as text: DRF's str() matters
        return model_field.attname


def _stamp(value, field, zone):
    """An aware datetime as DRF's ``DateTimeField.to_representation`` writes it (ISO 8601 in the current time
    zone, ``Z`` for UTC), the zone looked up once per row instead of once per field (issue 13 §4: through
    asgiref's thread-local, that lookup was most of a 100-row page's time in DRF's time fields). Anything else
    (text, a naive time, one out of range) goes to the field itself. Returns (text, the zone used)."""
    if isinstance(value, str) or value.utcoffset() is None:
        return field.to_representation(value), zone
    if zone is None:
        zone = timezone.get_current_timezone()
    try:
        text = value.astimezone(zone).isoformat()
    except OverflowError:
        return field.to_representation(value), zone
    return (text[:-6] + "Z" if text.endswith("+00:00") else text), zone
