"""Working days (工作日) for time limits, from the State Council's yearly holiday schedule.

Uses the `chinesecalendar` package (maintained, MIT, no dependencies; it carries each year's holidays and
adjusted working days once the State Council announces them). A year it does not know yet is reported, never
guessed: the due date is then computed Monday–Friday and marked provisional so staff see the warning.
"Within N working days" counts from the day after acceptance (民法典 第二百零一条).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar


@dataclass(frozen=True)
class DueDate:
    date: dt.date
    provisional: bool  # True when a year without a published schedule was crossed


def is_known_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=8192)  # a pure function of the date and the installed schedule; statistics ask for every day
def is_workday(day: dt.date) -> tuple[bool, bool]:
    """(is it a working day, is that certain)."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_workdays(start: dt.date, workdays: int) -> DueDate:
    """The N-th working day after start; 0 means the same day (当场办结)."""
    day, counted, certain = start, 0, True
    while counted < workdays:
        day += dt.timedelta(days=1)
        working, known = is_workday(day)
        certain = certain and known
        counted += working
    return DueDate(day, provisional=not certain)


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after start up to and including end (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_workday(day)[0]
    return count
