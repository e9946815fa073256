"""contracts.json_values: every JSON type, and raw literals written as a hostile client writes them."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given

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
