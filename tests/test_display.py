"""Text for people (issue 14 item 6): local times in the reader's format, pollutant names, never codes."""

import datetime

from django.utils import translation

from foundation.display import day, local_time, pollutant, pollutant_names, when, when_short

UTC_EVENING = datetime.datetime(2026, 11, 29, 19, 23, tzinfo=datetime.UTC)  # 03:23 the next day in Shanghai


def test_a_utc_time_is_shown_in_shanghai_time_in_the_chinese_format():
    with translation.override("zh-hans"):
        assert when(UTC_EVENING) == "2026年11月30日 03:23"
        assert when_short(UTC_EVENING) == "11月30日 03:23"
        assert day(UTC_EVENING) == "2026年11月30日"
        assert local_time("2026-11-29T19:23:00+00:00") == "2026年11月30日 03:23"


def test_an_english_reader_gets_the_english_format():
    with translation.override("en"):
        assert when(UTC_EVENING) == "30 Nov 2026, 03:23"
        assert when_short(UTC_EVENING) == "30 Nov 03:23"
        assert day(datetime.date(2026, 12, 1)) == "1 Dec 2026"


def test_pollutant_codes_are_shown_as_names():
    assert [pollutant(c) for c in ("pm2_5", "pm10", "o3", "so2", "no2", "co")] == ["PM2.5", "PM10", "O₃", "SO₂", "NO₂", "CO"]
    assert pollutant_names(["pm2_5", "o3_8h"], "/") == "PM2.5/O₃-8h"
    assert pollutant(None) == "" and when(None) == ""


def test_a_proposals_basis_reads_local_time_and_pollutant_names():
    from feeds.models import Proposal
    from feeds.services import proposal_basis_text

    proposal = Proposal(
        criteria="HJ 633",
        basis={
            "source": "open-meteo", "issued_at": "2026-11-29T19:23:00+00:00",
            "days": [{"date": "2026-11-30", "aqi": 210, "category": "重度污染", "primary_pollutants": ["pm2_5", "pm10"]}],
        },
    )
    with translation.override("zh-hans"):
        text = proposal_basis_text(proposal)
    assert "2026年11月30日 03:23" in text and "PM2.5/PM10" in text
    assert "T19:23" not in text and "pm2_5" not in text


def test_the_written_out_formats_say_exactly_what_django_formats_them_as():
    """``local_time`` formats in Python (issue 13 §4: a list's 100 times were a third of its render); ``FORMATS``
    stays the specification, and Django's ``dateformat`` agrees with it to the character, every month and hour."""
    from django.utils.dateformat import format as date_format

    from foundation.display import FORMATS, _fast

    moments = [datetime.datetime(2026, month, day, hour, minute, second)
               for month in range(1, 13) for day, hour, minute, second in ((1, 0, 0, 0), (9, 7, 5, 3), (28, 23, 59, 59))]
    for language, key in (("zh-hans", "zh"), ("en", "en")):
        with translation.override(language):
            for which, spec in enumerate(FORMATS[key]):
                for moment in moments:
                    value = moment.date() if which == 2 else moment
                    assert _fast(which)(value) == date_format(value, spec), (language, spec, moment)
