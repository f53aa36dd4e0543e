from django import forms
from django.utils.translation import gettext_lazy as _

from routines.models import Routine
from training.models import TrainingRecord


class RoutineForm(forms.ModelForm):
    class Meta:
        model = Routine
        fields = ["title", "kind", "frequency", "first_due", "remind_days", "notes"]
        widgets = {"first_due": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 2})}


class CompleteForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    training_record = forms.ModelChoiceField(label=_("Training or drill record"), required=False,
                                             queryset=TrainingRecord.objects.order_by("-date", "-id"))
