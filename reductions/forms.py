"""Page forms of the emission-reduction list. They shape input; the rules are in xlsx, services and permissions."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alerts.choices import Cause
from foundation.datetimes import UtcDateTimeField
from foundation.text import TEXT_MAX
from reductions.choices import CAUSE_FIELDS, Grade, InspectionResult, SiteKind
from reductions.models import Measure
from reductions.xlsx import MAX_BYTES
from units.choices import UnitKind
from units.models import Unit


def _year_default() -> int:
    return timezone.localdate().year


class ImportForm(forms.Form):
    """Upload a year's list workbook for a preview."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, initial=_year_default)
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("For example 2026年度江津区重污染天气应急减排清单."))
    file = forms.FileField(label=_("Workbook (.xlsx)"), help_text=_("At most 5 MB, in the template's layout."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ConfirmForm(forms.Form):
    token = forms.CharField(max_length=64)


class ListFilterForm(forms.Form):
    """Filters of the list page (all optional)."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    town = forms.ModelChoiceField(label=_("Town, street or park"), required=False, to_field_name="code",
                                  queryset=Unit.objects.filter(kind__in=[UnitKind.TOWNSHIP, UnitKind.PARK]))
    unit = forms.ModelChoiceField(label=_("Supervising unit"), required=False, to_field_name="code",
                                  queryset=Unit.objects.filter(kind=UnitKind.DEPARTMENT))
    grade = forms.ChoiceField(label=_("Performance grade"), required=False, choices=[("", "—"), *Grade.choices])
    kind = forms.ChoiceField(label=_("Site kind"), required=False, choices=[("", "—"), *SiteKind.choices])
    q = forms.CharField(label=_("Name or code contains"), required=False, max_length=100)

    def narrow(self, enterprises, sites):
        """The two querysets filtered by what the form holds (call after is_valid)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("town"):
            enterprises, sites = enterprises.filter(town=data["town"]), sites.filter(town=data["town"])
        if data.get("unit"):
            enterprises, sites = enterprises.filter(supervisor=data["unit"]), sites.filter(supervisor=data["unit"])
        if data.get("grade"):
            enterprises = enterprises.filter(grade=data["grade"])
        if data.get("kind"):
            sites = sites.filter(kind=data["kind"])
        if data.get("q"):
            q = data["q"]
            enterprises = enterprises.filter(name__icontains=q) | enterprises.filter(credit_code__icontains=q)
            sites = sites.filter(project__icontains=q) | sites.filter(ref__icontains=q)
        return enterprises, sites


class MeasureForm(forms.ModelForm):
    """A measure in the admin: its episode causes as one set of boxes (stored as ``Measure.for_<cause>``)."""

    causes = forms.MultipleChoiceField(
        label=_("Causes"), choices=Cause.choices, widget=forms.CheckboxSelectMultiple, initial=Cause.values,
        error_messages={"required": _("A measure applies to at least one cause of an episode.")},
        help_text=_("The episode causes this measure applies to: only those episodes' checklists hold it."),
    )

    class Meta:
        model = Measure
        exclude = list(CAUSE_FIELDS.values())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["causes"] = self.instance.causes

    def clean(self):
        data = super().clean()
        if "causes" in data:
            self.instance.causes = data["causes"]  # before the model's own clean, which needs one
        return data


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos from one ``<input type=file multiple>`` (checked by the service, by content)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/png,image/jpeg,image/webp", "capture": "environment"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


class InspectionForm(forms.Form):
    """The inspector's form on a phone (issue 16 item 5); ``inspections.inspection_record`` checks the rules."""

    owner = forms.ChoiceField(label=_("Enterprise or site"))
    result = forms.ChoiceField(label=_("Result"), choices=InspectionResult.choices, widget=forms.RadioSelect)
    place = forms.CharField(label=_("Place"), max_length=300)
    findings = forms.CharField(label=_("Problems found"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    rectification = forms.CharField(label=_("Rectification asked"), required=False, max_length=TEXT_MAX,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    rectify_by = UtcDateTimeField(label=_("Rectify by"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                     input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    photos = MultiplePhotoField(label=_("Photos"), required=False)
    follow_up_of = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—")] + [(o.key, f"{o.name} · {o.town}") for o in owners]
