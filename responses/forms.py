"""Page forms of the command's actions on a unit's tasks. They only shape input: ``responses.services`` checks every rule again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from foundation.text import TEXT_MAX


class RemindForm(forms.Form):
    """An optional note with a reminder (催办)."""

    note = forms.CharField(label=_("Note to the unit (optional)"), max_length=TEXT_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    """Why the office sends a task back: required."""

    reason = forms.CharField(
        label=_("Reason for sending back (required)"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the task is sent back.")},
    )
