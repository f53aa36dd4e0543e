from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert
from training.models import TrainingRecord
from units.models import Unit


class TrainingRecordForm(forms.ModelForm):
    class Meta:
        model = TrainingRecord
        fields = ["date", "kind", "title", "units", "practised", "alert"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}), "units": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(active=True)
        self.fields["alert"].queryset = Alert.objects.filter(drill=True).order_by("-created_at")
        self.fields["alert"].help_text = _("For a drill run in the platform: the warning issued as a drill.")


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Attachment"), help_text=_("PNG, JPEG, WebP or PDF."))
