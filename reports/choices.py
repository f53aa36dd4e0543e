"""States of the reporting cycle (报送): daily reports, report days, bulletins and unit summaries."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    """A unit's daily report or summary: due until the unit submits it."""

    DUE = "due", _("Not yet submitted")
    SUBMITTED = "submitted", _("Submitted")


class DayStatus(models.TextChoices):
    """A response day: open for reports and corrections until the office closes it."""

    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


# The only transitions (STYLE §4): a day is closed once; a bulletin is issued once.
DAY_TRANSITIONS = {(DayStatus.OPEN, DayStatus.CLOSED)}
BULLETIN_TRANSITIONS = {(BulletinStatus.DRAFT, BulletinStatus.ISSUED)}
