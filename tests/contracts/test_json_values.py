"""contracts.json_values: every JSON type, and raw literals written as a hostile client writes them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings, target

from contracts.json_values import JSON_KINDS, RawJson, dumps, every_json_type, kind_of
from contracts.strategies import every_json_type as public_every_json_type


def test_the_named_kinds_cover_every_json_type() -> None:
    assert {kind_of(value) for value in JSON_KINDS.values()} == {
        "string",
        "number",
        "boolean",
        "null",
        "array",
        "object",
    }


def test_raw_literals_are_written_verbatim_anywhere() -> None:
    body = {"a": RawJson("NaN"), "b": [1, RawJson("-Infinity"), {"c": RawJson("1e999")}]}
    assert dumps(body) == b'{"a":NaN,"b":[1,-Infinity,{"c":1e999}]}'


def test_other_values_are_compact_json() -> None:
    value = {"s": "\ud800", "n": 10**30, "l": [None, True]}
    assert json.loads(dumps(value)) == value


def test_the_strategy_is_public() -> None:
    assert public_every_json_type is every_json_type


@given(every_json_type())
def test_every_drawn_value_encodes(value: Any) -> None:
    assert dumps(value)


def test_a_raw_literal_arrives_as_a_number() -> None:
    assert kind_of(RawJson("NaN")) == "number"
    assert kind_of(RawJson("1e999")) == "number"
    assert kind_of({}) == "object"


def test_a_string_is_never_taken_for_a_raw_literals_placeholder() -> None:
    value = {"a": "None0", "b": "0", "c": RawJson("NaN"), "d": [RawJson("Infinity")]}
    assert dumps(value) == b'{"a":"None0","b":"0","c":NaN,"d":[Infinity]}'


def test_the_strategy_draws_the_named_kinds_and_small_nested_values() -> None:
    """Built inside the test (not at import, as ``@given``'s argument is), so the strategy's own code runs here."""
    strategy = every_json_type()
    drawn: list[Any] = []

    @settings(max_examples=300, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(value: Any) -> None:
        drawn.append(value)
        assert dumps(value)

    draw()
    named = [value for value in drawn if any(value is kind for kind in JSON_KINDS.values())]
    assert named, "the named kinds come first"
    containers = [value for value in drawn if isinstance(value, list | dict) and value not in JSON_KINDS.values()]
    assert containers, "arrays and objects are generated too"

    def within_bounds(value: Any) -> bool:
        if isinstance(value, list):
            return len(value) <= 4 and all(within_bounds(item) for item in value)
        if isinstance(value, dict) and not any(value is kind for kind in JSON_KINDS.values()):
            return len(value) <= 4 and all(len(k) <= 10 and within_bounds(v) for k, v in value.items())
        return True

    assert all(within_bounds(value) for value in drawn if not any(value is kind for kind in JSON_KINDS.values()))


def leaves(value: Any) -> int:
    """The scalars in a value: what ``st.recursive``'s ``max_leaves`` counts (an empty container holds none)."""
    if isinstance(value, list):
        return sum(leaves(item) for item in value)
    if isinstance(value, dict):
        return sum(leaves(item) for item in value.values())
    return 1


def test_generated_values_grow_up_to_ten_leaves_and_never_beyond() -> None:
    """A drawn body stays small enough to fuzz every field quickly, yet reaches its bound: the search is steered
    (``target``) toward more leaves, derandomized so that every run draws the same values."""
    strategy = every_json_type()
    counts: list[int] = []

    @settings(max_examples=200, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(value: Any) -> None:
        counts.append(leaves(value))
        target(float(counts[-1]))

    draw()
    assert max(counts) == 10


@pytest.mark.parametrize("name", list(JSON_KINDS))
def test_each_named_kind_is_drawn_as_it_is(name: str) -> None:
    """Only the named kinds hold some hard cases (a 10,000-character string, a beyond-double integer, a
    NUL): the strategy must be able to draw each of them, itself, not only generated values."""
    kind = JSON_KINDS[name]
    found = find(
        every_json_type(),
        lambda value: value is kind,
        settings=settings(max_examples=1000, database=None, derandomize=True, suppress_health_check=list(HealthCheck)),
    )
    assert found is kind
