"""Warning levels, statuses, and the transition table every service checks."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class Status(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
    ISSUED = "issued", _("In force")
    REJECTED = "rejected", _("Rejected")
    LIFT_PENDING = "lift_pending", _("Lift awaiting approval")
    LIFTED = "lifted", _("Lifted")
    SUPERSEDED = "superseded", _("Superseded")


class Cause(models.TextChoices):
    """What drives the episode (issue 15 item 2; 环大气〔2024〕6号 treats ozone and dust apart from PM2.5):
    it decides which task templates the warning hands out (``TaskTemplate.causes``)."""

    PM2_5 = "pm2_5", _("PM2.5 (static stagnation)")
    DUST = "dust", _("Dust (PM10-led)")
    OZONE = "ozone", _("Ozone")
    SMOKE = "smoke", _("Wildfire or burning smoke")
    TRANSPORT = "transport", _("Regional transport")


class BasisKind(models.TextChoices):
    """What a decision on orange or red rests on (issue 15 items 1, 3; ``alerts.basis``)."""

    CONSULTATION = "consultation", _("consultation record")
    DIRECTIVE = "directive", _("municipal directive")


def all_causes() -> list[str]:
    """Every cause: the default of a task template that names none (it applies whatever the cause)."""
    return list(Cause.values)


# The one level order of the platform, low to high: the order of ``Level`` above. Upgrades and
# downgrades compare by this rank (alerts.permissions.change_effect); the response levels
# (responses.choices.LEVEL_ORDER), the feeds' proposals and the reduction list read it from here.
LEVELS = tuple(Level)
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS, start=1)}
class ResponseLevel(models.TextChoices):
    """The emergency response's levels (应急响应 Ⅲ/Ⅱ/Ⅰ级); ``responses`` runs the response and reads them here."""

    III = "III", _("Level III")
    II = "II", _("Level II")
    I = "I", _("Level I")  # noqa: E741  (the plan's own name)


# The plan: yellow starts the level III response, orange level II, red level I.
RESPONSE_LEVEL = {Level.YELLOW: ResponseLevel.III, Level.ORANGE: ResponseLevel.II, Level.RED: ResponseLevel.I}
LEVEL_COLOUR = {Level.YELLOW: "#f5c400", Level.ORANGE: "#ff7e00", Level.RED: "#e60012"}

# A warning "in force" is issued, or issued with a lift request waiting.
IN_FORCE = (Status.ISSUED, Status.LIFT_PENDING)

# Every allowed transition: (from, to). Services refuse anything else with a 409.
TRANSITIONS = {
    (None, Status.PENDING_APPROVAL),  # office proposes orange/red
    (None, Status.ISSUED),  # office issues yellow; a leader issues any level
    (Status.PENDING_APPROVAL, Status.ISSUED),  # leader approves
    (Status.PENDING_APPROVAL, Status.REJECTED),  # leader rejects
    (Status.ISSUED, Status.LIFT_PENDING),  # office asks to lift orange/red
    (Status.LIFT_PENDING, Status.ISSUED),  # leader refuses the lift
    (Status.ISSUED, Status.LIFTED),  # office lifts yellow; a leader lifts any level
    (Status.LIFT_PENDING, Status.LIFTED),  # leader approves the lift
    (Status.ISSUED, Status.SUPERSEDED),  # another level issued for the area
    (Status.LIFT_PENDING, Status.SUPERSEDED),
}
