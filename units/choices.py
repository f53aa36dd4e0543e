"""Kinds of roster entries and the platform's roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    HEADQUARTERS = "headquarters", _("Headquarters")
    OFFICE = "office", _("Headquarters office")
    DEPARTMENT = "department", _("Department")
    TOWNSHIP = "township", _("Town or street")
    PARK = "park", _("Industrial park")


class Role(models.TextChoices):
    OFFICE = "office", _("Office staff")
    LEADER = "leader", _("Headquarters leader")
    UNIT = "unit", _("Member unit")
    ADMIN = "admin", _("Administrator")
