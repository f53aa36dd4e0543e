"""Page forms for warnings. They only shape input: every rule is checked again in ``alerts.services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.basis import basis_form_choices, basis_parse
from alerts.choices import Cause, Level, Status
from alerts.services import times_errors
from foundation.datetimes import UtcDateTimeField
from foundation.text import TEXT_MAX  # 4,000 characters, shown with a counter (static/js/forms.js)

DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class AlertCreateForm(forms.Form):
    """Issue a yellow warning, or propose orange/red to the leaders (leaders issue any level)."""

    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to every unit and, once issued, to the public."),
    )
    basis_ref = forms.ChoiceField(
        label=_("Consultation record or municipal directive"), required=False, choices=[],
        help_text=_("Required for orange and red, and for lowering them; yellow may cite one."),
    )
    basis = forms.CharField(
        label=_("Basis"), max_length=8000, required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Forecast figures and consultation notes."),
    )
    starts_at = UtcDateTimeField(
        label=_("Effective from"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_INPUTS,
        help_text=_("Empty: at once. Units get their tasks now, effective from this time."),
    )
    ends_at = UtcDateTimeField(
        label=_("Expected end"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_INPUTS,
        help_text=_("The warning ends by itself at this time."),
    )
    cause = forms.ChoiceField(
        label=_("Cause of the episode"), choices=Cause.choices, initial=Cause.PM2_5, required=False,
        help_text=_("Decides the tasks: an ozone or dust episode gets no mandatory production cuts."),
    )
    tasks_override_reason = forms.CharField(
        label=_("Hand out every task whatever the cause (leaders), because"), max_length=TEXT_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Leave empty to hand out the tasks of the cause."),
    )
    below_city_reason = forms.CharField(
        label=_("Below the city's level (leaders), because"), max_length=TEXT_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the district goes below, or lifts during, the city's warning in effect."),
    )
    drill = forms.BooleanField(label=_("This is a drill (演练)"), required=False)
    confirm_downgrade = forms.BooleanField(
        label=_("I confirm that this lowers the warning in force (a downgrade)."), required=False,
        help_text=_("Only for a leader issuing a level below the one in force."),
    )
    confirm = forms.BooleanField(
        label=_("I confirm the level and the reason are correct and that this warning is to be issued or proposed."),
        required=True,
        error_messages={"required": _("Tick the confirmation box to go on.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["basis_ref"].choices = basis_form_choices()

    def clean(self):
        data = super().clean()
        data["basis_kind"], data["basis_ref"] = basis_parse(data.get("basis_ref", ""))
        data["cause"] = data.get("cause") or Cause.PM2_5  # a form without the field (older pages) means PM2.5
        # The service's own rule (alerts.services.times_errors), shown next to the field.
        if "starts_at" in data and "ends_at" in data:
            for field, message in times_errors(data["starts_at"], data["ends_at"]).items():
                self.add_error(field, message)
        return data

    def add_service_error(self, error) -> None:
        """Show a service's ValidationError next to the field it names, or at the top of the form."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class CommentForm(forms.Form):
    """An optional comment on an approval, or the reason for a lift."""

    comment = forms.CharField(label=_("Comment"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(CommentForm):
    """A leader's approval: the comment, and optionally another cause of the episode and the basis to cite."""

    cause = forms.ChoiceField(label=_("Cause of the episode"), choices=[("", "—"), *Cause.choices], required=False)
    basis_ref = forms.CharField(required=False, max_length=40)
    below_city_reason = forms.CharField(
        label=_("Below the city's level (leaders), because"), max_length=TEXT_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the district goes below, or lifts during, the city's warning in effect."),
    )

    def clean(self):
        data = super().clean()
        data["basis_kind"], data["basis_ref"] = basis_parse(data.get("basis_ref", ""))
        return data


class LiftForm(CommentForm):
    """The reason for a lift (required: issue 14 item 7), and optionally the time it takes effect (自X时起解除)."""

    comment = forms.CharField(
        label=_("Reason for lifting"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for lifting.")},
    )

    lift_at = UtcDateTimeField(
        label=_("Lift at"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_INPUTS,
        help_text=_("Empty: now. Until then the warning and its response stay in force."),
    )
    below_city_reason = forms.CharField(
        label=_("Below the city's level (leaders), because"), max_length=TEXT_MAX, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the district goes below, or lifts during, the city's warning in effect."),
    )


class RejectForm(forms.Form):
    """The reason a leader rejects a proposal or refuses a lift: required (the plan wants it on record)."""

    reason = forms.CharField(
        label=_("Reason for rejecting"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for rejecting.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for rejecting."))
        return reason


class AlertFilterForm(forms.Form):
    """The history filters of the warning list (GET)."""

    DRILL_CHOICES = [("", _("Drills and real")), ("no", _("Real warnings only")), ("yes", _("Drills only"))]

    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False)
    level = forms.ChoiceField(label=_("Level"), choices=[("", _("Any level")), *Level.choices], required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    drill = forms.ChoiceField(label=_("Drill"), choices=DRILL_CHOICES, required=False)

    def filter(self, alerts):
        """Apply the valid filters; the date range is on the day the warning was created (local time)."""
        if not self.is_valid():
            return alerts
        data = self.cleaned_data
        if data["status"]:
            alerts = alerts.filter(status=data["status"])
        if data["level"]:
            alerts = alerts.filter(level=data["level"])
        if data["date_from"]:
            alerts = alerts.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            alerts = alerts.filter(created_at__date__lte=data["date_to"])
        if data["drill"]:
            alerts = alerts.filter(drill=data["drill"] == "yes")
        return alerts
