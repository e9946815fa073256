"""How CirrusMD's messages print a distance in seconds and a body's problems (``contracts.cirrusmd``)."""

from __future__ import annotations

import pytest

from contracts.cirrusmd.messages import LONGEST_PLAIN_SECONDS, number, seconds
from contracts.cirrusmd.schemas import invalid_body_message, problems


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (60, "60"),
        (60.0, "60"),
        (1.5, "1.500"),
        (-0.25, "-0.250"),
        (LONGEST_PLAIN_SECONDS - 1, "999999999999999"),
        (LONGEST_PLAIN_SECONDS, "1e+15"),
        (1e308, "1e+308"),
    ],
    ids=repr,
)
def test_a_distance_is_whole_seconds_three_decimals_or_exponent_form(delta: float, shown: str) -> None:
    assert seconds(delta) == shown


def test_problems_are_sorted_by_field_and_a_lone_message_is_kept_whole() -> None:
    assert problems({"b": ["two", "three"], "a": "one whole sentence"}) == ["one whole sentence", "two", "three"]


def test_the_invalid_body_message_joins_the_problems() -> None:
    assert invalid_body_message({"a": ["one."], "b": ["two."]}) == "Invalid session request: one.; two.."


def test_a_value_is_quoted_as_json_in_its_own_characters_and_cut_at_40() -> None:
    assert number("café") == '"café"'
    assert number(["ü", None, True]) == '["ü", null, true]'
    assert number(["x" * 50]) == '["' + "x" * 38
    assert number(float("nan")) == "NaN"
    assert number(2.5) == "2.5"
    assert number(10**400) == "1" + "0" * 19 + "… (401 digits)"


def test_an_integer_of_40_characters_is_shown_whole_and_one_of_41_is_shortened_with_its_digit_count() -> None:
    assert number(10**39) == "1" + "0" * 39
    assert number(-(10**38)) == "-1" + "0" * 38
    assert number(10**40) == "1" + "0" * 19 + "… (41 digits)"
    assert number(-(10**39)) == "-1" + "0" * 18 + "… (40 digits)"


def test_a_string_or_a_whole_float_is_cut_at_40_characters_of_its_own() -> None:
    assert number("x" * 41) == '"' + "x" * 40 + '"'
    assert number(2.0**150) == str(2**150)[:40]  # 46 digits, exact in a float
