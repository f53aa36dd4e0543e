"""Page forms of the emission-reduction list. They shape input; the rules are in xlsx, services and permissions."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reductions.choices import Grade, SiteKind
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
