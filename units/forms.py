from django import forms
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from units.models import Contact
from units.phones import validate_cn_phone


class DutyPhoneForm(forms.Form):
    duty_phone = forms.CharField(label=_("Duty phone"), max_length=40, required=False, validators=[validate_cn_phone],
                                 help_text=_("A mobile (11 digits) or a landline with its area code, e.g. 023-4567-8901."))


ContactFormSet = modelformset_factory(
    Contact, fields=["order", "name", "position", "phone", "note"], extra=2, can_delete=True,
)
