"""Feed providers, fetch outcomes, proposal kinds and statuses."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    OPEN_METEO = "open_meteo", _("Open-Meteo air quality and weather")
    PUSH = "push", _("Municipal forecast push (CSV/JSON)")
    MANUAL = "manual", _("Consultation entered by hand")


class FetchStatus(models.TextChoices):
    OK = "ok", _("OK")
    ERROR = "error", _("Error")


class ProposalKind(models.TextChoices):
    ISSUE = "issue", _("Issue or raise a warning")
    LIFT = "lift", _("Lift the warning")
    # A lower level than the one in force (issue 15 item 4): made into a new warning that
    # supersedes the one in force, so the response and its tasks follow the lower level.
    DOWNGRADE = "downgrade", _("Lower the warning")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")


class ProposalSource(models.TextChoices):
    """Where a proposal comes from: the evaluation of a forecast, or the city's directive (issue 15 item 3)."""

    FORECAST = "forecast", _("Forecast")
    MUNICIPAL = "municipal", _("Municipal directive")
