"""The office's standing duties (附件1 二: 组织…宣传、培训和演练; 承担区指挥部其他日常事务; the ecology bureau's
应急减排清单…定期进行动态更新): what recurs, when each round is due, and who did it when."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from routines.choices import Frequency, OccurrenceStatus, RoutineKind


class Routine(models.Model):
    """A duty of the office that recurs (monthly, quarterly, yearly): drills, training, the list's update…"""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=RoutineKind.choices)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices)
    first_due = models.DateField(_("first due on"))
    remind_days = models.PositiveIntegerField(_("remind days before"), default=7)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("standing duty")
        verbose_name_plural = _("standing duties")

    def __str__(self):
        return self.title


class Occurrence(models.Model):
    """One round of a standing duty: due on a day, done by someone with a note (and the register's record)."""

    routine = models.ForeignKey(Routine, on_delete=models.PROTECT, related_name="occurrences", verbose_name=_("duty"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=OccurrenceStatus.choices, default=OccurrenceStatus.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("done by"))
    note = models.TextField(_("what was done"), blank=True)
    # A drill or training done: its entry in the training register (training app).
    training_record = models.ForeignKey("training.TrainingRecord", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("training or drill record"))
    # Set once each by the beat (conditional UPDATE claims).
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["routine", "due_on"], name="occurrence_unique_per_due_day")]
        indexes = [models.Index(fields=["status", "due_on"], name="occurrence_status_due_idx")]
        verbose_name = _("round of a standing duty")
        verbose_name_plural = _("rounds of standing duties")

    def __str__(self):
        return f"{self.routine} · {self.due_on}"
