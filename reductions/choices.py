"""Grades, livelihood status, site kinds and pollutants of the emission-reduction list (应急减排清单)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from alerts.choices import LEVELS as ALERT_LEVELS
from alerts.choices import Cause, Level


class Grade(models.TextChoices):
    """The enterprise's environmental performance grade (重点行业绩效分级)."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    LEADING = "leading", _("Leading (引领性)")
    UNGRADED = "ungraded", _("Not graded")


class Livelihood(models.TextChoices):
    """Whether an enterprise is essential to people's livelihoods (民生保障类), and what that means for it."""

    NO = "no", _("No")
    EXEMPT = "exempt", _("Livelihood: exempt")
    REDUCED = "reduced", _("Livelihood: reduced cuts")


class SiteKind(models.TextChoices):
    """Kinds of construction and dust sites (施工工地、扬尘源)."""

    BUILDING = "building", _("Building construction")
    MUNICIPAL = "municipal", _("Municipal works")
    DEMOLITION = "demolition", _("Demolition")
    EARTHWORKS = "earthworks", _("Earthworks")
    WHARF_YARD = "wharf_yard", _("Wharf or storage yard")
    CONCRETE_PLANT = "concrete_plant", _("Concrete mixing plant")


class Pollutant(models.TextChoices):
    """The four pollutants of the national reduction requirement, in the order the list's columns give them."""

    PM = "pm", "PM"
    SO2 = "so2", "SO₂"
    NOX = "nox", "NOx"
    VOCS = "vocs", "VOCs"


POLLUTANTS = [p.value for p in Pollutant]

# The national requirement (重污染天气应急减排措施制定技术指南): cuts at yellow, orange and red reach 10 %,
# 20 % and 30 % of the area's total emissions of SO2, NOx, PM and VOCs. These are the defaults of a new
# inventory; the admin can change them per year (EmissionInventory.*_pct).
DEFAULT_TARGET_PCT = {Level.YELLOW: Decimal(10), Level.ORANGE: Decimal(20), Level.RED: Decimal(30)}
LEVELS = list(ALERT_LEVELS)  # the one level order (alerts.choices.LEVELS), low to high

# The causes of an episode a measure applies to (issue 16; the warning's cause, alerts.choices.Cause, the
# vocabulary of responses.TaskTemplate.causes): one boolean column per cause on Measure, so that the
# checklists' INSERT … SELECT filters by a plain column on PostgreSQL and SQLite alike (SQLite has no JSON
# containment lookup). A new cause needs its column (tests/test_reductions_causes.py checks every cause has one).
CAUSE_FIELDS = {cause: f"for_{cause}" for cause in Cause.values}


class ItemStatus(models.TextChoices):
    """A checklist item's life (issue 16 item 4): the responsible unit confirms it; a level change or a lift ends it."""

    PENDING = "pending", _("To confirm")
    CONFIRMED = "confirmed", _("Confirmed")
    REPLACED = "replaced", _("Replaced by another level")
    ENDED = "ended", _("Ended (warning lifted)")


# Items still in force during the response.
LIVE_ITEM_STATUSES = (ItemStatus.PENDING, ItemStatus.CONFIRMED)

# Every allowed change of an item's status; services refuse anything else with a 409.
ITEM_TRANSITIONS = {
    (ItemStatus.PENDING, ItemStatus.CONFIRMED),  # the responsible unit confirms it is in place
    (ItemStatus.PENDING, ItemStatus.REPLACED),  # the level changed: the new level's measures replace it
    (ItemStatus.CONFIRMED, ItemStatus.REPLACED),
    (ItemStatus.PENDING, ItemStatus.ENDED),  # the warning was lifted
    (ItemStatus.CONFIRMED, ItemStatus.ENDED),
}


class CheckState(models.TextChoices):
    """What the latest inspection found of an item's enterprise or site (the office's compliance view)."""

    UNCHECKED = "unchecked", _("Not yet checked")
    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")


class InspectionResult(models.TextChoices):
    """What an inspector found on the spot."""

    COMPLIANT = "compliant", _("Compliant")
    NON_COMPLIANT = "non_compliant", _("Non-compliant")


class InspectionStatus(models.TextChoices):
    """An inspection's state: a non-compliant one stays open until a follow-up check closes it (issue 16 item 5)."""

    COMPLIANT = "compliant", _("Compliant")
    OPEN = "open", _("Rectification due")
    RECTIFIED = "rectified", _("Rectified (closed by a follow-up)")
    FOLLOWED_UP = "followed_up", _("Followed up: still non-compliant")


INSPECTION_TRANSITIONS = {
    (InspectionStatus.OPEN, InspectionStatus.RECTIFIED),  # a compliant follow-up closes it
    (InspectionStatus.OPEN, InspectionStatus.FOLLOWED_UP),  # a non-compliant follow-up takes over, with a new deadline
}
