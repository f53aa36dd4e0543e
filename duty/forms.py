from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from duty.models import Shift
from duty.services import shift_check_overlap, shift_validate
from units.choices import Role
from units.models import User


def _people(role: str):
    return User.objects.filter(is_active=True, groups__name=role).order_by("username")


class ShiftForm(forms.ModelForm):
    """A shift: the people are office staff and leaders only; the service checks everything again under its lock."""

    class Meta:
        model = Shift
        fields = ["starts_at", "ends_at", "officer", "officer_phone", "leader", "leader_phone", "note"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }
        help_texts = {"officer_phone": _("A mobile (11 digits) or a landline with its area code, e.g. 023-4567-8901.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = _people(Role.OFFICE)
        self.fields["leader"].queryset = _people(Role.LEADER)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            shift_validate(starts_at=data.get("starts_at"), ends_at=data.get("ends_at"), officer=data.get("officer"),
                           officer_phone=data.get("officer_phone"), leader=data.get("leader"),
                           leader_phone=data.get("leader_phone"))
            if self.instance.pk is None:
                shift_check_overlap(starts_at=data["starts_at"], ends_at=data["ends_at"])
        except ValidationError as exc:
            self.add_error(None, exc) if not hasattr(exc, "error_dict") else [
                self.add_error(field if field in self.fields else None, errors)
                for field, errors in exc.error_dict.items()
            ]
        return data
