

from foundation.serializers import ReadModelSerializer
from units.models import Contact, Duty, Unit


class DutySerializer(ReadModelSerializer):
    class Meta:
        model = Duty
        fields = ["order", "text", "text_en"]


class ContactSerializer(ReadModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "position", "phone", "note", "order"]


class UnitSerializer(ReadModelSerializer):
    """One roster entry as the list shows it: no duty texts, no contact people."""

    class Meta:
        model = Unit
        fields = ["id", "code", "kind", "name", "name_en", "duty_phone", "active", "order"]
        read_only_fields = fields


class UnitDetailSerializer(UnitSerializer):
    """One roster entry with its duties (verbatim from the plan) and its contact people."""

    duties = DutySerializer(many=True, read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)

    class Meta(UnitSerializer.Meta):
        fields = [*UnitSerializer.Meta.fields, "duties", "contacts"]
        read_only_fields = fields



