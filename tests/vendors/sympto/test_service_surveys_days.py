"""The dates of a recurring survey (``service/surveys.py``: ``_days``), each rule found unpinned
by mutation testing (issue #20, item 6): weeks counted from Sunday, exactly the wanted number of dates, months
counted from the start's month, the last day of a month at the ends of the calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from sandbox.vendors.sympto.service.surveys import _days

SUNDAY = date(2026, 11, 29)
MONDAY = date(2026, 11, 30)


def weekly(every: int, *days: str) -> dict[str, Any]:
    return {"type": "weekly", "everyN": every, "days": list(days)}


def monthly(every: int, day: int) -> dict[str, Any]:
    return {"type": "monthly", "everyN": every, "day": day}


def test_a_fortnightly_schedule_starting_on_a_sunday_starts_in_that_sundays_week() -> None:
    """Weeks start on Sunday: a Sunday start is day 0 of the first week, not the last day of the week before."""
    assert SUNDAY.weekday() == 6
    assert list(_days(SUNDAY, weekly(2, "Sun", "Wed"), 3)) == [SUNDAY, date(2026, 12, 2), date(2026, 12, 13)]


def test_a_weekly_schedule_gives_exactly_the_wanted_number_of_dates() -> None:
    assert list(_days(MONDAY, weekly(1, "Mon", "Tue", "Wed"), 1)) == [MONDAY]
    assert list(_days(MONDAY, weekly(1, "Mon", "Tue", "Wed"), 2)) == [MONDAY, date(2026, 12, 1)]


def test_a_weekly_schedule_moves_on_one_period_at_a_time() -> None:
    assert list(_days(MONDAY, weekly(1, "Mon"), 4)) == [
        MONDAY,
        date(2026, 12, 7),
        date(2026, 12, 14),
        date(2026, 12, 21),
    ]


def test_a_monthly_schedule_counts_its_months_from_the_starts_month() -> None:
    """Every 3 months from January 15 is January, April, July (not a cycle begun in an earlier month)."""
    start = date(2026, 1, 15)
    assert list(_days(start, monthly(3, 15), 3)) == [start, date(2026, 4, 15), date(2026, 7, 15)]
    assert list(_days(start, monthly(2, 15), 2)) == [start, date(2026, 3, 15)]


def test_the_last_day_of_a_month_is_found_at_both_ends_of_the_calendar() -> None:
    """A monthly day past the month's end is its last day, in year 1 and in year 9999 too (the contract accepts
    0001-01-01 to 9999-12-31)."""
    assert list(_days(date(1, 1, 31), monthly(1, 31), 2)) == [date(1, 1, 31), date(1, 2, 28)]
    assert list(_days(date(1, 12, 31), monthly(1, 31), 1)) == [date(1, 12, 31)]
    assert list(_days(date(9999, 11, 30), monthly(1, 31), 1)) == [date(9999, 11, 30)]
