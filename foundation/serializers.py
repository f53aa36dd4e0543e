"""A faster answer path for read-only model serializers (long lists of assignments, warnings, events).

DRF's ``Serializer.to_representation`` resolves every field of every row through the
field's generic ``get_attribute`` and ``to_representation``: about a third of a
100-assignment page's cost. For a field that is a model column shown as it is (text,
numbers, booleans, choices, a foreign key's id) the answer is the attribute itself, so
the plan below reads it directly; every other field (datetimes, dotted sources,
properties, nested serializers) goes through DRF unchanged. ``tests/test_api_serializers.py``
holds the result equal to DRF's own for every serializer that uses it.
"""

from django.core.exceptions import FieldDoesNotExist
from rest_framework import fields, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

_AS_IS = (fields.CharField, fields.IntegerField, fields.BooleanField, fields.ChoiceField)
_NOT_AS_IS = (fields.MultipleChoiceField, fields.FilePathField)


class ReadModelSerializer(serializers.ModelSerializer):
    def to_representation(self, instance):
        plan = self.__dict__.get("_read_plan")
        if plan is None:
            plan = self._read_plan = self._plan()
        ret = {}
        for name, attname, field in plan:
            if attname is not None:
                ret[name] = getattr(instance, attname)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret

    def _plan(self) -> list[tuple[str, str | None, fields.Field]]:
        """(name, model attribute to read as it is, or None to ask the field) for each readable field."""
        opts = self.Meta.model._meta
        return [(field.field_name, self._as_is(opts, field), field) for field in self._readable_fields]

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
