"""Page forms of consultations and directives. They only shape input; ``consultations.services`` does the work."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.choices import Cause, Level
from consultations.choices import CONSULTING_UNIT_CODES, Conclusion, DirectiveKind, Pollutant
from consultations.models import ConsultationAttachment
from feeds.models import Forecast, Proposal
from foundation.datetimes import UtcDateTimeField
from foundation.display import localized
from units.models import Unit

_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _when(label, required=True, help_text=""):
    return UtcDateTimeField(
        label=label, required=required, help_text=help_text, input_formats=_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class UnitChoiceField(forms.ModelMultipleChoiceField):
    """Units by their name in the reader's language (issue 14 item 9)."""

    def label_from_instance(self, obj):
        return localized(obj, "name")


class ConsultationForm(forms.Form):
    held_at = _when(_("Held at"))
    units = UnitChoiceField(
        label=_("Units taking part"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=_("Normally the ecology and environment bureau and the meteorological bureau."),
    )
    experts = forms.CharField(label=_("People taking part"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Named people and experts, one per line."))
    forecasts = forms.ModelMultipleChoiceField(
        label=_("Forecasts looked at"), queryset=Forecast.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
    )
    proposals = forms.ModelMultipleChoiceField(
        label=_("Proposals looked at"), queryset=Proposal.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
    )
    pollutant = forms.ChoiceField(label=_("Expected primary pollutant"), choices=Pollutant.choices)
    aqi_min = forms.IntegerField(label=_("Expected AQI from"), min_value=0, max_value=999)
    aqi_max = forms.IntegerField(label=_("Expected AQI to"), min_value=0, max_value=999)
    duration_hours = forms.IntegerField(label=_("Expected duration (hours)"), min_value=1, max_value=720)
    meteorology = forms.CharField(label=_("Meteorological conditions"), widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Wind, humidity, boundary layer, inversion, rain."))
    conclusion = forms.ChoiceField(label=_("Recommended level"), choices=Conclusion.choices)
    cause = forms.ChoiceField(label=_("Cause of the episode"), choices=[("", "—"), *Cause.choices], required=False)
    starts_at = _when(_("Recommended start"), required=False)
    ends_at = _when(_("Recommended end"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.FileField(label=_("Minutes"), required=False, help_text=_("PNG, JPEG, WebP or PDF."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.active()
        # The last week's forecasts and proposals: what a consultation looks at (issue 15 item 1).
        since = timezone.now() - datetime.timedelta(days=7)
        self.fields["forecasts"].queryset = Forecast.objects.filter(issued_at__gte=since).order_by("-issued_at")
        self.fields["proposals"].queryset = Proposal.objects.filter(created_at__gte=since).order_by("-created_at")
        if not self.is_bound:
            self.initial.setdefault("held_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("units", list(Unit.objects.filter(code__in=CONSULTING_UNIT_CODES)))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Minutes"), help_text=_("PNG, JPEG, WebP or PDF."))

    class Meta:
        model = ConsultationAttachment


class DirectiveForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DirectiveKind.choices)
    document_number = forms.CharField(label=_("Document number"), max_length=100,
                                      help_text=_("As printed on the city's document."))
    issued_at = _when(_("Issued at"))
    level = forms.ChoiceField(label=_("Level ordered"), choices=[("", "—"), *Level.choices], required=False)
    starts_at = _when(_("Effective from"), required=False)
    ends_at = _when(_("Until"), required=False)
    region = forms.CharField(
        label=_("Region"), max_length=100, required=False,
        help_text=_("Empty: the whole city. A notice naming other districts only is recorded but binds nothing here."),
    )
    cause = forms.ChoiceField(label=_("Cause of the episode"), choices=[("", "—"), *Cause.choices], required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
