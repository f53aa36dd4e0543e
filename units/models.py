"""The roster: the headquarters, its office and the member units, their duties, and the people."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from foundation.display import localized
from units.choices import UnitKind
from units.phones import validate_cn_phone


class UnitQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Unit(models.Model):
    """One entry of the plan's roster: the headquarters, its office, or a member unit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    duty_phone = models.CharField(_("duty phone"), max_length=40, blank=True, validators=[validate_cn_phone])
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self):
        """The name in the reader's language: forms, filters and the admin list units by it (issue 14 item 9)."""
        return localized(self, "name")


class Duty(models.Model):
    """One duty item of a unit, verbatim from the plan's attachment."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="duties", verbose_name=_("unit"))
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("duty"))
    text_en = models.TextField(_("duty in English"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["unit", "order"]
        constraints = [models.UniqueConstraint(fields=["unit", "order"], name="duty_unique_order_per_unit")]
        verbose_name = _("duty")
        verbose_name_plural = _("duties")

    def __str__(self):
        return localized(self, "text")[:40]


class Contact(models.Model):
    """One contact person of a unit (联络人): who the command calls besides the unit's duty phone."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=50)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, validators=[validate_cn_phone])
    note = models.CharField(_("note"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["unit", "order", "id"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")

    def __str__(self):
        return f"{self.name} ({self.phone})"


class User(AbstractUser):
    """A person using the platform; a member unit's staff belong to exactly one unit."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("unit")
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
