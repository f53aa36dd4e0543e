from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordKind(models.TextChoices):
    """附件1 二: the office organises publicity, training and drills (宣传、培训和演练)."""

    TRAINING = "training", _("Training")
    TABLETOP = "tabletop", _("Tabletop exercise")
    DRILL = "drill", _("Drill")
    PUBLICITY = "publicity", _("Publicity")
