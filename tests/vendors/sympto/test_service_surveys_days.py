"""The dates of a recurring survey (``service/surveys.py``: ``_days``, ``occurrences``), each rule found unpinned
by mutation testing (issue #20, item 6): weeks counted from Sunday, exactly the wanted number of dates, months
counted from the start's month, the last day of a month at the ends of the calendar; and, found with them, a
schedule at the ends of the calendar (starts the contract accepts, 0001-01-01 to 9999-12-31): it starts on a
Monday 0001-01-01, and stops at 9999-12-31 instead of failing the request (was the sandbox's internal error)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

from flask.testing import FlaskClient

from sandbox.vendors.sympto.service.surveys import _days, occurrences
from tests.vendors.sympto.support import create_phone_patient
from tests.vendors.sympto.test_service_surveys import DAILY, a_generic_survey, schedule, survey_body

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


def test_a_weekly_schedule_ends_once_it_has_given_the_wanted_number_of_dates() -> None:
    """The weekly generator returns after its last date instead of looking for more weeks forever: listing a
    schedule must end (a generator that kept counting weeks would hang the request that lists it). Run in
    a daemon thread so that a generator that never ends fails this test instead of hanging the run."""
    dates: list[date] = []
    worker = threading.Thread(target=lambda: dates.extend(_days(MONDAY, weekly(1, "Mon"), 2)), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert dates == [MONDAY, date(2026, 12, 7)]


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


def at_9_30(day: date) -> float:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC).timestamp()


def test_a_schedule_running_past_the_end_of_the_calendar_stops_there() -> None:
    """The dates after 9999-12-31 do not exist: the schedule keeps those before and sends no more."""
    ends = {**DAILY, "nOccurrences": 3}
    last_month = {**ends, "surveyStartDate": "9999-12-01", "frequency": monthly(1, 1)}
    assert list(occurrences(last_month, "UTC")) == [at_9_30(date(9999, 12, 1))]
    last_days = {**ends, "surveyStartDate": "9999-12-30", "frequency": {"type": "daily", "everyN": 1}}
    assert list(occurrences(last_days, "UTC")) == [at_9_30(date(9999, 12, 30)), at_9_30(date(9999, 12, 31))]
    next_monday = {**ends, "surveyStartDate": "9999-12-30", "frequency": weekly(1, "Mon")}
    assert list(occurrences(next_monday, "UTC")) == []


def test_a_weekly_schedule_can_start_on_the_first_day_of_the_calendar() -> None:
    """0001-01-01 is a Monday: its week's Sunday is no date, yet the schedule starts that Monday."""
    first = date(1, 1, 1)
    assert list(_days(first, weekly(1, "Sun", "Mon"), 3)) == [first, date(1, 1, 7), date(1, 1, 8)]


def test_a_survey_scheduled_past_the_end_of_the_calendar_is_accepted(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    """Was a 500 (the sandbox's internal error): a start the contract accepts must never fail the request."""
    patient = create_phone_patient(client, headers)
    generic = a_generic_survey(client, headers)
    for frequency in (monthly(1, 1), weekly(1, "Mon")):
        preference = {**DAILY, "surveyStartDate": "9999-12-30", "frequency": frequency}
        answer = schedule(client, headers, patient, survey_body(generic, startDatePreference=preference))
        assert answer.status_code == 200, answer.json
