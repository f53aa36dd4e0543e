"""Conclusions of a consultation, pollutants it looks at, and the kinds of a municipal directive."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Conclusion(models.TextChoices):
    """What a consultation recommends (会商结论): a warning level, or no warning."""

    NONE = "none", _("No warning")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


class Pollutant(models.TextChoices):
    """The expected primary pollutant (首要污染物), HJ 633."""

    PM2_5 = "pm2_5", "PM2.5"
    PM10 = "pm10", "PM10"
    O3 = "o3", "O3"
    NO2 = "no2", "NO2"
    SO2 = "so2", "SO2"
    CO = "co", "CO"


class DirectiveKind(models.TextChoices):
    """The city's documents a district acts on (Chongqing's practice, reference §Chongqing)."""

    WARNING = "warning", _("Warning notice")
    LIFT = "lift", _("Lift advice")


# The units that consult (附件1 三: 区生态环境局 "会同江津气象局开展环境空气质量会商"; 江津气象局 "会商提出预警建议"):
# their members write consultation records beside the office.
CONSULTING_UNIT_CODES = ("ecology-env", "meteorology")
