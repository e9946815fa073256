"""The schedule body's schema (``contracts.sympto.surveys``) loaded directly, at its edges, with every message.

Its fields are built in class bodies and bound when ``GENERIC_SURVEY_REQUEST`` is built, both at import; these
tests load that very instance (the one the route uses), so a changed field builder shows in a fresh interpreter.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields, validate

from contracts.sympto.surveys import (
    GENERIC_SURVEY_REQUEST,
    MAX_DURATION_HOURS,
    Hours,
    SurveyFrequencySchema,
    SurveyStartDatePreferenceSchema,
    SurveyTimeOfDaySchema,
    WholeNumber,
)

PREFERENCE: dict[str, Any] = {
    "type": "recurring",
    "nOccurrences": 3,
    "timeOfDay": {"hours": 9, "minutes": 0},
    "surveyStartDate": "2026-12-01",
    "frequency": {"type": "weekly", "everyN": 1, "days": ["Mon"]},
}
SURVEY: dict[str, Any] = {"genericSurveyId": "g1", "duration": 24, "startDatePreference": PREFERENCE}


def body(**changes: Any) -> dict[str, Any]:
    """The survey with `changes` (a `preference_` prefix changes the start-date preference, `time_` its time)."""
    survey = copy.deepcopy(SURVEY)
    for key, value in changes.items():
        if key.startswith("time_"):
            survey["startDatePreference"]["timeOfDay"][key.removeprefix("time_")] = value
        elif key.startswith("preference_"):
            survey["startDatePreference"][key.removeprefix("preference_")] = value
        else:
            survey[key] = value
    return {"survey": survey}


def refusal(data: dict[str, Any]) -> Any:
    with pytest.raises(ValidationError) as refused:
        GENERIC_SURVEY_REQUEST.load(data)
    return refused.value.normalized_messages()  # type: ignore[no-untyped-call]


def test_a_whole_schedule_is_taken_and_the_optional_parts_default_to_null() -> None:
    loaded = GENERIC_SURVEY_REQUEST.load(body(time_hours=23.0, time_minutes=59, duration=MAX_DURATION_HOURS))
    assert loaded["survey"]["messageData"] is None
    assert loaded["survey"]["notifications"] is None
    assert loaded["survey"]["duration"] == MAX_DURATION_HOURS
    assert loaded["survey"]["startDatePreference"]["timeOfDay"] == {"hours": 23, "minutes": 59}
    days = GENERIC_SURVEY_REQUEST.load(body(preference_frequency={"type": "weekly", "everyN": 1, "days": ["Mon"] * 28}))
    assert len(days["survey"]["startDatePreference"]["frequency"]["days"]) == 28
    channels = {"creation": None, "reminder": {"text": None, "email": None}}
    assert GENERIC_SURVEY_REQUEST.load(body(messageData=channels))["survey"]["messageData"] == channels


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({}, {"survey": ["`survey` is required"]}),
        ({"survey": None}, {"survey": ["`survey` must not be null"]}),
        ({"survey": []}, {"survey": {"_schema": ["`survey` must be a JSON object"]}}),
        (
            body(startDatePreference=None),
            {"survey": {"startDatePreference": ["`startDatePreference` must not be null"]}},
        ),
        (
            body(messageData=None, notifications=None),
            {
                "survey": {
                    "messageData": ["`messageData` must not be null"],
                    "notifications": ["`notifications` must not be null"],
                }
            },
        ),
        (
            body(preference_timeOfDay="x", preference_frequency=5),
            {
                "survey": {
                    "startDatePreference": {
                        "timeOfDay": {"_schema": ["`timeOfDay` must be a JSON object"]},
                        "frequency": {"_schema": ["`frequency` must be a JSON object"]},
                    }
                }
            },
        ),
        (
            body(messageData={"creation": 5, "reminder": {"email": 5}}),
            {
                "survey": {
                    "messageData": {
                        "creation": {"_schema": ["`creation or reminder` must be a JSON object"]},
                        "reminder": {"email": {"_schema": ["`email` must be a JSON object"]}},
                    }
                }
            },
        ),
    ],
)
def test_each_nested_part_says_its_name_when_missing_null_or_not_an_object(
    data: dict[str, Any], messages: dict[str, Any]
) -> None:
    assert refusal(data) == messages


def time_refusal(**parts: Any) -> Any:
    return refusal(body(preference_timeOfDay=parts))["survey"]["startDatePreference"]["timeOfDay"]


def test_a_time_of_day_is_whole_hours_0_to_23_and_minutes_0_to_59() -> None:
    assert time_refusal(hours=24, minutes=-1) == {
        "hours": ["`hours` must be between 0 and 23, got 24"],
        "minutes": ["`minutes` must be between 0 and 59, got -1"],
    }
    assert time_refusal(hours="9", minutes=True) == {
        "hours": ["`hours` must be a whole number, got a JSON string"],
        "minutes": ["`minutes` must be a whole number, got a JSON boolean"],
    }
    assert time_refusal(hours=9.5, minutes=60) == {
        "hours": ["`hours` must be a whole number, got a JSON number"],
        "minutes": ["`minutes` must be between 0 and 59, got 60"],
    }
    assert time_refusal() == {"hours": ["`hours` is required"], "minutes": ["`minutes` is required"]}
    assert time_refusal(hours=None, minutes=None) == {
        "hours": ["`hours` must not be null"],
        "minutes": ["`minutes` must not be null"],
    }


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ([], "`days` must hold 1 to 28 entries"),
        (["Mon"] * 29, "`days` must hold 1 to 28 entries"),
        ("Mon", "`days` must be a JSON array"),
        (None, "`days` must not be null"),
    ],
)
def test_a_weekly_frequencys_days_are_a_list_of_1_to_28_week_days(days: Any, message: str) -> None:
    frequency = {"type": "weekly", "everyN": 1, "days": days}
    assert refusal(body(preference_frequency=frequency)) == {
        "survey": {"startDatePreference": {"frequency": {"days": [message]}}}
    }


def test_the_frequencys_numbers_are_whole_and_in_range() -> None:
    frequency = {"type": "monthly", "everyN": 366, "day": 0}
    assert refusal(body(preference_frequency=frequency)) == {
        "survey": {
            "startDatePreference": {
                "frequency": {
                    "everyN": ["`everyN` must be between 1 and 365, got 366"],
                    "day": ["`day` must be between 1 and 31, got 0"],
                }
            }
        }
    }
    assert refusal(body(preference_nOccurrences=1001)) == {
        "survey": {"startDatePreference": {"nOccurrences": ["`nOccurrences` must be between 1 and 1000, got 1001"]}}
    }


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        (0, "`duration` must be more than 0 and at most 8784 hours"),
        (MAX_DURATION_HOURS + 0.5, "`duration` must be more than 0 and at most 8784 hours"),
        ("1", "`duration` must be a JSON number of hours"),
        (None, "`duration` must not be null"),
    ],
)
def test_a_duration_is_more_than_0_and_at_most_8784_hours(duration: Any, message: str) -> None:
    assert refusal(body(duration=duration)) == {"survey": {"duration": [message]}}


@pytest.mark.parametrize("duration", [0.5, 1, MAX_DURATION_HOURS])
def test_any_duration_above_0_up_to_8784_hours_is_taken(duration: float) -> None:
    assert GENERIC_SURVEY_REQUEST.load(body(duration=duration))["survey"]["duration"] == duration


def test_a_reminder_day_is_whole_0_to_365_named_by_its_list() -> None:
    assert refusal(body(notifications={"daysBeforeDueDate": [366, 0.5, -1]})) == {
        "survey": {
            "notifications": {
                "daysBeforeDueDate": {
                    0: ["`daysBeforeDueDate` must be between 0 and 365, got 366"],
                    1: ["`daysBeforeDueDate` must be a whole number, got a JSON number"],
                    2: ["`daysBeforeDueDate` must be between 0 and 365, got -1"],
                }
            }
        }
    }


@pytest.mark.parametrize("day", ["2024-02-29", "2026-12-31", "0001-01-01"])
def test_a_start_date_is_a_real_calendar_day(day: str) -> None:
    loaded = GENERIC_SURVEY_REQUEST.load(body(preference_surveyStartDate=day))
    assert loaded["survey"]["startDatePreference"]["surveyStartDate"] == day


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-02-30", '`surveyStartDate` must be a date as YYYY-MM-DD, got "2026-02-30"'),
        ("2023-02-29", '`surveyStartDate` must be a date as YYYY-MM-DD, got "2023-02-29"'),
        ("2026-1-01", '`surveyStartDate` must be a date as YYYY-MM-DD, got "2026-1-01"'),
        (
            "2026-01-01" + "x" * 50,
            '`surveyStartDate` must be a date as YYYY-MM-DD, got "2026-01-01xxxxxxxxxxxxxxxxxxxxxxxxxxxx…"',
        ),
        (5, "`surveyStartDate` must be a string, got a JSON number"),
        ("", "`surveyStartDate` must not be blank"),
    ],
)
def test_anything_else_is_not_a_start_date_and_the_message_quotes_it(day: Any, message: str) -> None:
    assert refusal(body(preference_surveyStartDate=day)) == {
        "survey": {"startDatePreference": {"surveyStartDate": [message]}}
    }


def test_each_whole_numbers_range_is_published_as_a_range_validator() -> None:
    """The OpenAPI document's ``minimum``/``maximum`` come from the field's ``Range`` (the loader checks the range
    itself, with its own message)."""
    published = {
        name: [(rule.min, rule.max) for rule in field.validators if isinstance(rule, validate.Range)]
        for schema in (SurveyTimeOfDaySchema, SurveyFrequencySchema, SurveyStartDatePreferenceSchema)
        for name, field in schema._declared_fields.items()
        if isinstance(field, WholeNumber)
    }
    assert published == {
        "hours": [(0, 23)],
        "minutes": [(0, 59)],
        "everyN": [(1, 365)],
        "day": [(1, 31)],
        "nOccurrences": [(1, 1000)],
    }


@pytest.mark.parametrize(
    ("field", "wrong", "out_of_range", "messages"),
    [
        (
            WholeNumber(0, 3, required=True),
            "x",
            9,
            ("`{}` must be a whole number, got a JSON string", "`{}` must be between 0 and 3, got 9"),
        ),
        (
            Hours(required=True),
            "x",
            0,
            ("`{}` must be a JSON number of hours", "`{}` must be more than 0 and at most 8784 hours"),
        ),
    ],
    ids=["WholeNumber", "Hours"],
)
def test_a_bound_number_keeps_marshmallows_binding_and_names_itself_in_its_messages(
    field: Any, wrong: Any, out_of_range: Any, messages: tuple[str, str]
) -> None:
    """Both numbers replace their messages on top of marshmallow's binding and leave it whole: apispec reads the
    field's ``name`` and its ``parent``'s ``partial``, marshmallow the ``root`` schema's options; inside a list (as
    ``daysBeforeDueDate``) the parent is the list, the root still the schema, and the messages name the list. Bound
    here, in the test, as the module's own schemas are bound at import."""
    schema = Schema.from_dict({"f": field, "many": fields.List(field)})()
    bound, inner = schema.fields["f"], schema.fields["many"].inner  # type: ignore[attr-defined]
    assert (bound.name, bound.parent, bound.root) == ("f", schema, schema)
    assert (inner.name, inner.parent, inner.root) == ("many", schema.fields["many"], schema)
    assert schema.validate({}) == {"f": ["`f` is required"]}
    assert schema.validate({"f": None, "many": [None]}) == {
        "f": ["`f` must not be null"],
        "many": {0: ["`many` must not be null"]},
    }
    invalid, outside = messages
    assert schema.validate({"f": wrong, "many": [out_of_range]}) == {
        "f": [invalid.format("f")],
        "many": {0: [outside.format("many")]},
    }
