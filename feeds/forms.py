"""Page forms of the feeds app. They only shape input; feeds.services does the work."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.basis import basis_parse
from alerts.choices import Cause
from feeds.criteria import Criteria
from feeds.models import CriteriaProfile
from foundation.datetimes import UtcDateTimeField
from foundation.text import TEXT_MAX

MAX_DAYS = 7


class ForecastForm(forms.Form):
    """A consultation forecast typed in by the office: where it comes from and when it was issued."""

    source = forms.CharField(
        label=_("Source"), max_length=60, initial=_("Consultation"),
        help_text=_("For example the municipal consultation of the day."),
    )
    issued_at = UtcDateTimeField(
        label=_("Issued at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("issued_at", timezone.localtime().replace(second=0, microsecond=0))


class ForecastDayForm(forms.Form):
    """One day of the forecast: the date and the forecast daily AQI; blank rows are skipped."""

    date = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    aqi = forms.IntegerField(label=_("AQI"), min_value=0, max_value=500, required=False)
    primary = forms.MultipleChoiceField(
        label=_("Primary pollutants"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[("pm2_5", "PM2.5"), ("pm10", "PM10"), ("o3_8h", "O₃"), ("no2", "NO₂"), ("so2", "SO₂"), ("co", "CO")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The table's header names the columns; each input still needs its own name for screen readers.
        day = self.initial.get("date")
        suffix = f" {day.isoformat()}" if day else ""
        self.fields["date"].widget.attrs["aria-label"] = f"{_('Date')}{suffix}"
        self.fields["aqi"].widget.attrs["aria-label"] = f"{_('AQI')}{suffix}"

    def clean(self):
        data = super().clean()
        date, aqi_value = data.get("date"), data.get("aqi")
        if (date is None) != (aqi_value is None) and not self.errors:
            raise forms.ValidationError(_("Give both the date and the AQI, or leave the row empty."))
        return data


class BaseForecastDayFormSet(forms.BaseFormSet):
    """The next ``MAX_DAYS`` days, dated from tomorrow (issue 14 item 11): the office types only the AQI.

    Each row's date is the row's own initial value, so a row left without an AQI is unchanged and skipped."""

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None:
            kwargs["initial"] = {"date": timezone.localdate() + datetime.timedelta(days=index + 1)}
        return kwargs

    def clean(self):
        if any(self.errors):
            return
        dates = [f.cleaned_data["date"] for f in self.forms if f.cleaned_data.get("date")]
        if not dates:
            raise forms.ValidationError(_("Enter at least one day."))
        if len(set(dates)) != len(dates):
            raise forms.ValidationError(_("Each date may appear only once."))

    def days(self) -> list[dict]:
        return [
            {"date": f.cleaned_data["date"], "aqi": f.cleaned_data["aqi"], "primary_pollutants": f.cleaned_data["primary"]}
            for f in self.forms
            if f.cleaned_data.get("date")
        ]


ForecastDayFormSet = forms.formset_factory(
    ForecastDayForm, formset=BaseForecastDayFormSet, extra=MAX_DAYS, max_num=MAX_DAYS, validate_max=True
)


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Why dismiss"), max_length=TEXT_MAX, required=False)


class ActForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=TEXT_MAX, required=False)
    # Empty: the cause the forecast points to (feeds.services.proposal_cause); issue 15 item 2.
    cause = forms.ChoiceField(label=_("Cause of the episode"), choices=[("", "—"), *Cause.choices], required=False)
    # "<kind>:<id>" of the consultation record the office cites (alerts.basis); a municipal proposal
    # cites its directive by itself. Required by alerts.services for orange and red.
    basis_ref = forms.CharField(required=False, max_length=40)

    def clean(self):
        data = super().clean()
        data["basis_kind"], data["basis_ref"] = basis_parse(data.get("basis_ref", ""))
        return data


class CriteriaProfileForm(forms.ModelForm):
    """Admin form: the parameters must build a valid ``feeds.criteria.Criteria``."""

    class Meta:
        model = CriteriaProfile
        fields = ["name", "active", "params"]

    def clean_params(self):
        params = self.cleaned_data.get("params") or {}
        try:
            Criteria.from_dict(params)
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(str(exc)) from None
        return params
