"""Date-time inputs that the database can always store: every aware value is turned into UTC.

Python accepts UTC offsets up to ±23:59 (``2026-01-01T00:00+19:37``); PostgreSQL refuses
offsets past ±15:59 with a DataError, which was a 500 on the warning and forecast forms and
the warning list's filters. Converting to UTC on input keeps the instant and removes the
offset; a value that would leave the calendar in UTC (year 1 or 9999 at the edge) is a
validation error. The API's warning times must also fall in a plausible window.
"""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers

OUT_OF_RANGE = _("Enter a date and time between the years 1 and 9999.")


def to_utc(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise forms.ValidationError(OUT_OF_RANGE, code="overflow") from None


class UtcDateTimeField(forms.DateTimeField):
    """A form date-time field whose aware values are in UTC."""

    def to_python(self, value):
        return to_utc(super().to_python(value))


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        return to_utc(super().to_python(value))


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """django-filter's ISO 8601 date-time filter, compared in UTC."""

    field_class = UtcIsoDateTimeField


EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


class PlausibleDateTimeField(serializers.DateTimeField):
    """An API date-time between the years 2000 and 2099: a warning starts or ends in our time.

    Any ISO 8601 value used to be accepted; one from the year 754 came back in local mean
    time (``+08:05:43``), which is not an RFC 3339 date-time: an answer outside its schema.
    """

    default_error_messages = {"implausible": _("Give a time between the years 2000 and 2099.")}

    def to_internal_value(self, value):
        value = super().to_internal_value(value)
        if not EARLIEST <= value < LATEST:
            self.fail("implausible")
        return value
