"""Sympto's survey-item and patient-attribute bodies (``contracts.sympto.items``), loaded by the schemas
themselves: what a partner may send, what it gets back as the loaded value, and the words of each refusal."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from marshmallow import ValidationError

from contracts.sympto.items import (
    ATTRIBUTE_TEXT_MAX_LENGTH,
    BAD_START_DATE,
    SEND_ITEMS,
    SET_ATTRIBUTE,
    START_DATE_TIME_PATTERN,
)


def _problems(schema: Any, body: dict[str, Any]) -> Any:
    with pytest.raises(ValidationError) as raised:
        schema.load(body)
    return raised.value.messages


def _attribute(value: object, kind: str = "string") -> dict[str, Any]:
    return {"name": "height", "attributeValue": {"type": kind, "value": value}}


def test_an_attribute_value_that_is_not_an_object_is_refused_naming_attribute_value() -> None:
    assert _problems(SET_ATTRIBUTE, {"name": "height", "attributeValue": "tall"}) == {
        "attributeValue": {"_schema": ["`attributeValue` must be a JSON object"]}
    }


@pytest.mark.parametrize("kind", ["string", "boolean", "number"])
def test_an_attribute_value_may_be_null_or_left_out_and_is_then_loaded_as_null(kind: str) -> None:
    assert SET_ATTRIBUTE.load(_attribute(None, kind))["attributeValue"] == {"type": kind, "value": None}
    body = {"name": "height", "attributeValue": {"type": kind}}
    assert SET_ATTRIBUTE.load(body)["attributeValue"] == {"type": kind, "value": None}


def test_an_attribute_text_of_the_limit_is_taken_and_one_longer_is_refused() -> None:
    text = "a" * ATTRIBUTE_TEXT_MAX_LENGTH
    assert SET_ATTRIBUTE.load(_attribute(text))["attributeValue"]["value"] == text
    problem = f"`value` must be at most {ATTRIBUTE_TEXT_MAX_LENGTH} characters, without NUL characters"
    assert _problems(SET_ATTRIBUTE, _attribute(text + "a")) == {"attributeValue": {"value": [problem]}}


def test_an_attribute_text_with_a_nul_character_is_refused() -> None:
    problem = f"`value` must be at most {ATTRIBUTE_TEXT_MAX_LENGTH} characters, without NUL characters"
    assert _problems(SET_ATTRIBUTE, _attribute("a\x00b")) == {"attributeValue": {"value": [problem]}}


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_an_attribute_number_that_is_not_finite_is_refused_saying_so(number: float) -> None:
    assert _problems(SET_ATTRIBUTE, _attribute(number, "number")) == {
        "attributeValue": {"value": ["`value` must be a finite number"]}
    }


@given(st.one_of(st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
@example(1.5)
@example(-0.0)
@example(True)
def test_an_attribute_boolean_or_finite_number_is_taken_as_sent(value: object) -> None:
    kind = "boolean" if isinstance(value, bool) else "number"
    loaded = SET_ATTRIBUTE.load(_attribute(value, kind))["attributeValue"]["value"]
    assert loaded == value
    assert type(loaded) is type(value)


@pytest.mark.parametrize(("value", "kind"), [([1], "array"), ({"a": 1}, "object")])
def test_an_attribute_value_that_is_an_array_or_an_object_is_refused_naming_its_json_type(
    value: object, kind: str
) -> None:
    problem = f"`value` must be null, a string, a boolean or a number, got a JSON {kind}"
    assert _problems(SET_ATTRIBUTE, _attribute(value)) == {"attributeValue": {"value": [problem]}}


def test_a_start_date_with_one_trailing_newline_is_taken_without_it() -> None:
    """The pattern applies as JSON Schema does (``re.search``, ``$`` before a final newline): the
    newline is tolerated and dropped (docs/vendors/sympto.md, "Patient fields")."""
    loaded = SEND_ITEMS.load({"type": "dates", "startDates": ["2026-12-24-09-00\n", "2028-02-29-23-59"]})
    assert loaded["startDates"] == ["2026-12-24-09-00", "2028-02-29-23-59"]


@pytest.mark.parametrize("date", ["2026-12-24", "2026-02-29-09-00", "2026-12-24-09-00\n\n", "\n2026-12-24-09-00"])
def test_a_start_date_refused_is_quoted_in_the_message(date: str) -> None:
    quoted = '"' + date + '"'
    assert _problems(SEND_ITEMS, {"type": "dates", "startDates": [date]}) == {
        "startDates": {0: [BAD_START_DATE.format(input=quoted)]}
    }


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)))
@example(datetime(2028, 2, 29, 23, 59))
@example(datetime(2000, 2, 29, 0, 0))
@example(datetime(1, 1, 1, 0, 0))
def test_every_real_date_and_time_is_a_start_date(moment: datetime) -> None:
    text = moment.strftime("%Y-%m-%d-%H-%M").rjust(16, "0")
    assert SEND_ITEMS.load({"type": "dates", "startDates": [text]})["startDates"] == [text]


@given(st.one_of(st.text(alphabet="0123456789-", max_size=17), st.from_regex(START_DATE_TIME_PATTERN)))
@example("2026-02-29-09-00")
@example("1900-02-29-09-00")
@example("2026-04-31-09-00")
@example("2026-12-24-24-00")
@example("0000-01-01-00-00")
def test_a_start_date_is_taken_only_when_it_is_a_real_date_and_time(text: str) -> None:
    """The published pattern is the whole rule: whatever it takes is a real calendar date and time."""
    try:
        loaded = SEND_ITEMS.load({"type": "dates", "startDates": [text]})["startDates"][0]
    except ValidationError:
        loaded = None
    try:
        real = (
            datetime.strptime(text.removesuffix("\n"), "%Y-%m-%d-%H-%M") if re.fullmatch(r"[0-9-]+\n?", text) else None
        )
    except ValueError:
        real = None
    exact = real is not None and real.strftime("%Y-%m-%d-%H-%M").rjust(16, "0") == text.removesuffix("\n")
    assert (loaded is not None) == exact
