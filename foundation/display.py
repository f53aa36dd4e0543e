"""Text for people, not machines (issue 14 item 6): local times in the reader's format, pollutant names.

A template filter library loaded into every template (``TEMPLATES[…]["OPTIONS"]["builtins"]``):
``{{ value|when }}`` 2026年11月30日 08:00 / 30 Nov 2026, 08:00; ``{{ value|when_short }}`` 11月30日 08:00 /
30 Nov 08:00; ``{{ value|when_exact }}`` with seconds; ``{{ value|day }}`` 2026年11月30日 / 30 Nov 2026; ``{{ code|pollutant }}`` PM2.5, O₃ …
Times are shown in the site's ``TIME_ZONE`` (Asia/Shanghai), whatever zone they were stored in.
"""

import datetime

from django import template
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime

register = template.Library()

# Codes used by the feeds, the criteria and the API, to the names people read (the same in both languages).
POLLUTANT_NAMES = {
    "pm2_5": "PM2.5",
    "pm25": "PM2.5",
    "pm10": "PM10",
    "o3": "O₃",
    "o3_8h": "O₃-8h",
    "o3_1h": "O₃-1h",
    "so2": "SO₂",
    "no2": "NO₂",
    "co": "CO",
    "vocs": "VOCs",
    "nox": "NOₓ",
    "pm": "PM",
}

FORMATS = {
    # language → (full, without the year, date only, with seconds)
    "zh": ("Y年n月j日 H:i", "n月j日 H:i", "Y年n月j日", "Y年n月j日 H:i:s"),
    "en": ("j M Y, H:i", "j M H:i", "j M Y", "j M Y, H:i:s"),
}


def pollutant_name(code) -> str:
    """``"pm2_5"`` → ``"PM2.5"``; an unknown code is returned as given."""
    if code is None:
        return ""
    return POLLUTANT_NAMES.get(str(code).strip().lower(), str(code))


def pollutant_names(codes, sep: str = "、") -> str:
    """A list (or ``/``- or ``,``-separated string) of codes as names, joined by ``sep``."""
    if not codes:
        return ""
    if isinstance(codes, str):
        codes = [c for c in codes.replace(",", "/").split("/") if c.strip()]
    return sep.join(pollutant_name(c) for c in codes)


def _formats() -> tuple[str, str, str]:
    language = (translation.get_language() or "zh-hans").lower()
    return FORMATS["en"] if language.startswith("en") else FORMATS["zh"]


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# The same FORMATS written out in Python: ``dateformat.format`` parses its format and looks every token up
# lazily (translations included) on each call, ~60 µs a time; a list of 50 rows shows 100 of them (issue 13 §4).
_FAST = {
    "zh": (
        lambda d: f"{d.year}年{d.month}月{d.day}日 {d.hour:02d}:{d.minute:02d}",
        lambda d: f"{d.month}月{d.day}日 {d.hour:02d}:{d.minute:02d}",
        lambda d: f"{d.year}年{d.month}月{d.day}日",
        lambda d: f"{d.year}年{d.month}月{d.day}日 {d.hour:02d}:{d.minute:02d}:{d.second:02d}",
    ),
    "en": (
        lambda d: f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}, {d.hour:02d}:{d.minute:02d}",
        lambda d: f"{d.day} {_MONTHS_EN[d.month - 1]} {d.hour:02d}:{d.minute:02d}",
        lambda d: f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}",
        lambda d: f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}, {d.hour:02d}:{d.minute:02d}:{d.second:02d}",
    ),
}


def _fast(which: int):
    language = (translation.get_language() or "zh-hans").lower()
    return _FAST["en" if language.startswith("en") else "zh"][which]


def _as_datetime(value):
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            return day
        return parsed
    return value


def local_time(value, which: int = 0) -> str:
    """``value`` (aware or ISO 8601 text) in local time in the active language's format; "" for None."""
    value = _as_datetime(value)
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return _fast(which)(value)
    if isinstance(value, datetime.date):
        return _fast(2)(value)
    return str(value)


@register.filter
def when(value) -> str:
    """Full local date and time: 2026年11月30日 08:00 / 30 Nov 2026, 08:00."""
    return local_time(value, 0)


@register.filter
def when_short(value) -> str:
    """Local date and time without the year: 11月30日 08:00 / 30 Nov 08:00."""
    return local_time(value, 1)


@register.filter
def when_exact(value) -> str:
    """Local date and time to the second (audit trails): 2026年11月30日 08:00:05."""
    return local_time(value, 3)


@register.filter
def day(value) -> str:
    """A date: 2026年11月30日 / 30 Nov 2026."""
    value = _as_datetime(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return local_time(value, 2) if value else ""


@register.filter
def pollutant(value) -> str:
    """One pollutant code, or a list of them, as names."""
    if isinstance(value, (list, tuple)):
        return pollutant_names(value)
    return pollutant_name(value) if value not in (None, "") else ""


def is_english() -> bool:
    return (translation.get_language() or "").lower().startswith("en")


def localized(obj, field: str) -> str:
    """``obj.<field>_en`` for an English reader when it is filled, else ``obj.<field>`` (issue 14 item 9).

    The roster, the duties and the task templates keep both languages side by side (``name``/``name_en``,
    ``title``/``title_en``, ``instructions``/``instructions_en``); a page shows the reader's one only,
    never both on one line. A dict works too (``{"name": …, "name_en": …}``)."""
    if obj is None:
        return ""
    get = obj.get if isinstance(obj, dict) else (lambda key, default="": getattr(obj, key, default))
    if is_english():
        english = get(f"{field}_en", "")
        if english:
            return english
    return get(field, "")


@register.filter
def local(obj, field: str) -> str:
    """``{{ unit|local:"name" }}``, ``{{ task|local:"title" }}``: the reader's language (``localized``)."""
    return localized(obj, field)


def district_name() -> str:
    """The district's name in the reader's language (``DISTRICT_NAME`` / ``DISTRICT_NAME_EN``)."""
    from django.conf import settings

    english = getattr(settings, "DISTRICT_NAME_EN", "")
    return english if is_english() and english else settings.DISTRICT_NAME


@register.filter
def area(value) -> str:
    """A warning's area: the district's own name in the reader's language; another area as it was typed."""
    from django.conf import settings

    return district_name() if value == settings.DISTRICT_NAME else (value or "")
