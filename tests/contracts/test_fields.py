"""``contracts.fields``: the size a stored JSON object is limited by."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.fields import json_size

VALUES: list[Any] = [
    {},
    {"k": ""},
    {"café": "☃ \U0001f600", "n": [1, 2.5, None, True, {"x": {}}]},
    {"lone": "\ud800"},
    {"nan": float("nan"), "inf": float("-inf")},
    {"quote": '"\\\n\t\u2028'},
]


@pytest.mark.parametrize("value", VALUES)
def test_json_size_is_the_compact_utf8_json_length_json_dumps_gives(value: Any) -> None:
    """The encoder kept for every call measures exactly what ``json.dumps`` with the same options writes."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert json_size(value) == len(text.encode("utf-8", "surrogatepass"))
