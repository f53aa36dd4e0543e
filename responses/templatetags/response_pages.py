"""Display helpers for the response pages."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def occurrence_label(n) -> str:
    """A recurring task's occurrence (issue 17 item 6) in the reader's language: "第2次" / "2nd occurrence"."""
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    labels = {
        "st": _("%(n)sst occurrence"),
        "nd": _("%(n)snd occurrence"),
        "rd": _("%(n)srd occurrence"),
        "th": _("%(n)sth occurrence"),
    }
    return labels[suffix] % {"n": n}


@register.filter
def occurrence(task) -> str:
    """``{{ task|occurrence }}``: the occurrence of a task handed out more than once in its response
    (a recurring duty's later ones, a task re-assigned), else "" (the first needs no number)."""
    n = getattr(task, "occurrence", 1) or 1
    return occurrence_label(n) if n > 1 else ""


@register.filter
def duration(seconds) -> str:
    """Seconds in words a reader takes in at a glance: "45 s", "12 min", "3 h 05 min", "2 d 4 h"."""
    if seconds is None or seconds == "":
        return "—"
    seconds = max(0, round(float(seconds)))
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
