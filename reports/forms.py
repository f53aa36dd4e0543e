from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reports.services import MAX_FIGURE, MAX_TEXT, figure_fields_for


def figure_label(field) -> str:
    """A figure's label in the reader's language (the English one when the page is in English and it has one)."""
    return field.label_en if get_language() == "en" and field.label_en else field.label


class DailyReportForm(forms.Form):
    """A unit's daily report: what it did, the figures its kind reports, its problems (phone-sized)."""

    work = forms.CharField(label=_("Work done today"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}))
    problems = forms.CharField(label=_("Problems and requests"), max_length=MAX_TEXT, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, unit_kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.figure_keys = []
        for field in figure_fields_for(unit_kind):
            name = f"figure_{field.key}"
            self.fields[name] = forms.IntegerField(label=figure_label(field), min_value=0, max_value=MAX_FIGURE, required=False,
                                                   initial=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
            self.figure_keys.append(field.key)

    def figures(self) -> dict:
        return {key: self.cleaned_data.get(f"figure_{key}") or 0 for key in self.figure_keys}


class BulletinForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Body"), max_length=20000, widget=forms.Textarea(attrs={"rows": 20}))


class CityReportForm(forms.Form):
    """Recording a report sent to the city: to whom, when (default now), an optional note."""

    recipient = forms.CharField(label=_("Sent to"), max_length=100)
    sent_at = forms.DateTimeField(label=_("Sent at"), required=False, help_text=_("Empty: now."),
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, recipients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].widget.attrs["list"] = "city-recipients"
        self.recipients = list(recipients)


class UnitSummaryForm(forms.Form):
    text = forms.CharField(label=_("Your unit's summary"), max_length=20000, widget=forms.Textarea(attrs={"rows": 14}),
                           help_text=_("What your unit did during the response, what worked, what did not, and what to improve."))
