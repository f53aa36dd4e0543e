"""Kinds, frequencies and states of the office's standing duties (日常事务)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoutineKind(models.TextChoices):
    DRILL = "drill", _("Drill")
    TRAINING = "training", _("Training")
    REDUCTION_LIST = "reduction_list", _("Update of the emission-reduction list")
    CONTACTS = "contacts", _("Review of the contacts and duty phones")
    PLAN = "plan", _("Review of the emergency plan")
    OTHER = "other", _("Other")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Every six months")
    YEARLY = "yearly", _("Yearly")


MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.HALF_YEARLY: 6, Frequency.YEARLY: 12}


class OccurrenceStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")


OCCURRENCE_TRANSITIONS = {(OccurrenceStatus.OPEN, OccurrenceStatus.DONE)}
