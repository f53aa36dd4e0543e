"""Working days by China's official calendar (chinese-calendar): public holidays and the adjusted working
weekends (调休) the State Council publishes each year, never a hand-kept list.

The package carries the years it knows (2004 to its release's last published year). For a later year it
raises NotImplementedError; ``working_day_add`` then counts Monday to Friday for that stretch and says so in
its answer (``exact`` False), so the page can show the date as provisional until the package is updated.
"""

import datetime
import logging

import chinese_calendar

logger = logging.getLogger(__name__)


def is_working_day(day: datetime.date) -> tuple[bool, bool]:
    """(whether ``day`` is a working day, whether the official calendar knew the year)."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def working_day_add(start: datetime.date, days: int) -> tuple[datetime.date, bool]:
    """The ``days``-th working day after ``start`` (``start`` itself not counted), and whether every day
    counted was in the official calendar (False: Monday-to-Friday was assumed for an unpublished year).

    ``days`` must be at least 1 (ValueError otherwise). E.g. with the 2026 calendar, 5 working days after
    Tuesday 29 September 2026 is Monday 12 October: 1-7 October are the National Day holiday and Saturday
    10 October is an adjusted working day."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day, counted, exact = start, 0, True
    while counted < days:
        day += datetime.timedelta(days=1)
        working, known = is_working_day(day)
        exact = exact and known
        counted += working
    if not exact:
        logger.warning("working days after %s counted Monday to Friday: chinese-calendar does not know the year", start)
    return day, exact
