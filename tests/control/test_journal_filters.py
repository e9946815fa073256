"""The journal's filters parsed on plain values (``contracts.control.journal_filters``), each at its edge.

``test_journal_query.py`` checks what the filters keep, through HTTP; these check what each parser accepts and
refuses, and what it says when it refuses (the text the API and ``vendor-sandbox journal`` show), at the exact edge
of every length and pattern. The parsers are callable objects, so each is built here and runs here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from contracts.control.journal_filters import FILTER_NAMES, FILTERS, parse_instant, parse_status


def parser(name: str) -> Callable[[str], Any]:
    return next(f.parse for f in FILTERS if f.name == name)


def test_the_filters_and_their_order() -> None:
    assert FILTER_NAMES == (
        "vendor",
        "tenant",
        "verdict",
        "rule",
        "path",
        "method",
        "status",
        "direction",
        "from",
        "until",
    )


@pytest.mark.parametrize(("name", "longest"), [("vendor", 32), ("tenant", 200), ("rule", 100)])
def test_a_text_filter_takes_up_to_its_length_and_empty_means_none(name: str, longest: int) -> None:
    parse = parser(name)
    assert parse("a" * longest) == "a" * longest
    assert parse("x") == "x"
    assert parse("") is None
    with pytest.raises(ValueError, match="must be") as refused:
        parse("a" * (longest + 1))
    assert str(refused.value) == f"`{name}` must be at most {longest} characters without NUL"
    with pytest.raises(ValueError, match="without NUL"):
        parse("a\x00b")


@pytest.mark.parametrize(
    ("name", "choices"),
    [
        ("verdict", ("accepted", "rejected", "accepted_with_warnings", "dropped")),
        ("direction", ("inbound", "outbound")),
    ],
)
def test_a_choice_filter_takes_one_of_its_choices_as_written(name: str, choices: tuple[str, ...]) -> None:
    parse = parser(name)
    for choice in choices:
        assert parse(choice) == choice
    with pytest.raises(ValueError, match="must be") as refused:
        parse(choices[0].upper() + "y" * 50)
    shown = repr((choices[0].upper() + "y" * 50)[:40])
    assert str(refused.value) == f"`{name}` must be one of {', '.join(choices)}; got {shown}"


def test_a_path_is_a_prefix_of_up_to_2000_characters_starting_with_a_slash() -> None:
    parse = parser("path")
    assert parse("/") == "/"
    assert parse("/" + "a" * 1999) == "/" + "a" * 1999
    message = "`path` must be a path prefix starting with /, e.g. /cirrusmd/sdk"
    for wrong in ["cirrusmd/sdk", "", "/" + "a" * 2000, "/a\x00"]:
        with pytest.raises(ValueError, match="must be") as refused:
            parse(wrong)
        assert str(refused.value) == message


def test_a_method_is_up_to_16_letters_in_any_case_and_is_compared_in_capitals() -> None:
    parse = parser("method")
    assert parse("post") == "POST"
    assert parse("A" * 16) == "A" * 16
    for wrong in ["A" * 17, "PO ST", "", "GET1", "PUT\n", "G" * 50]:
        with pytest.raises(ValueError, match="must be") as refused:
            parse(wrong)
        assert str(refused.value) == f"`method` must be an HTTP method such as POST; got {wrong[:40]!r}"


@pytest.mark.parametrize(
    ("value", "kept"),
    [("401", (401, 401)), ("100", (100, 100)), ("599", (599, 599)), ("1xx", (100, 199)), ("4xx", (400, 499))],
)
def test_a_status_or_a_status_class_is_an_inclusive_range(value: str, kept: tuple[int, int]) -> None:
    assert parse_status(value) == kept
    assert parser("status")(value) == kept


@pytest.mark.parametrize("wrong", ["600", "099", "40", "4010", "4XX", "4x", "xx", "", "401\n", "4" * 50])
def test_anything_else_is_not_a_status(wrong: str) -> None:
    with pytest.raises(ValueError, match="must be") as refused:
        parse_status(wrong)
    assert str(refused.value) == f"`status` must be a status such as 401 or a class such as 4xx; got {wrong[:40]!r}"


@pytest.mark.parametrize("name", ["from", "until"])
def test_an_instant_is_epoch_seconds_or_iso_8601_with_its_zone(name: str) -> None:
    parse = parser(name)
    assert parse("1764480000") == 1764480000.0
    assert parse("0") == 0.0
    assert parse("99999999999.123456") == float("99999999999.123456")
    assert parse("2026-11-30T06:00:00Z") == 1796018400.0
    assert parse("2026-11-30T07:00:00+01:00") == 1796018400.0
    assert parse("2026-11-30T06:00:00.5+00:00") == 1796018400.5
    assert parse_instant(name)("2026-11-30T06:00:00Z") == 1796018400.0
    with pytest.raises(ValueError, match=f"^`{name}` must be epoch seconds"):
        parse_instant(name)("yesterday")


@pytest.mark.parametrize(
    "wrong",
    [
        "2026-11-30T06:00:00",
        "2026-11-30",
        "yesterday",
        "",
        "123456789012",
        "1.1234567",
        "1764480000\n",
        "2026-11-30T06:00:00.00000+00:00:00.000000",
        "2026-11-30T06:00:00.000000+00:00:00.000000" + "x" * 30,
    ],
)
def test_anything_else_is_not_an_instant(wrong: str) -> None:
    with pytest.raises(ValueError, match="must be") as refused:
        parser("until")(wrong)
    assert str(refused.value) == (
        "`until` must be epoch seconds or an ISO 8601 date-time with its zone, "
        f"e.g. 2026-11-30T06:00:00Z; got {wrong[:40]!r}"
    )


def test_an_iso_instant_of_40_characters_is_the_longest_taken() -> None:
    value = "2026-11-30T06:00:00.0000+00:00:00.000000"
    assert len(value) == 40
    assert parser("from")(value) == 1796018400.0
