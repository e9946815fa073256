"""Every JSON type a client can send, for fuzzing any field of a body, a token's claims or its header.

A rule that reads a client's value is only safe if it survives every type: a string ``nbf`` once
reached a ``>`` comparison and answered 500. :data:`JSON_KINDS` names one example of each kind (so
a test can cover every field × every kind exhaustively and report which kind broke it), and
:func:`every_json_type` adds generated values around them for Hypothesis.

Some values exist only as JSON *text*: the ``NaN``/``Infinity`` literals that Python's encoder writes
and strict parsers refuse, and ``1e999`` (a finite literal that parses as infinity). They are
:class:`RawJson` markers, written verbatim by :func:`dumps`; send bodies and token segments through
:func:`dumps` so the markers reach the server as a hostile client would write them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from contracts.fields import json_type


@dataclass(frozen=True)
class RawJson:
    """JSON text written verbatim where a value goes: ``NaN``, ``Infinity``, ``-Infinity``, ``1e999``."""

    text: str

    def __repr__(self) -> str:
        return f"RawJson({self.text})"


#: One example of each kind, by name. Order is the order of test ids; names are stable test ids.
JSON_KINDS: dict[str, Any] = {
    "string": "text",
    "empty-string": "",
    "blank-string": "   ",
    "numeric-string": "1795262400",
    "integer": 42,
    "zero": 0,
    "negative": -1,
    "float": 1.5,
    "negative-float": -0.25,
    "huge-integer": 10**30,
    "beyond-double-integer": 10**400,
    "largest-double": 1e308,
    "smallest-double": 5e-324,
    "true": True,
    "false": False,
    "null": None,
    "empty-array": [],
    "array": [1, "a", None],
    "empty-object": {},
    "nested-object": {"a": {"b": [{"c": None}, 1.5]}},
    "very-long-string": "x" * 10_000,
    "odd-unicode": "\u202e\ufeff😀\u0301Ω\u2028\x7f",
    "nul-character": "a\x00b",
    "lone-surrogate": "\ud800",
    "NaN": RawJson("NaN"),
    "Infinity": RawJson("Infinity"),
    "-Infinity": RawJson("-Infinity"),
    "1e999": RawJson("1e999"),
}


def kind_of(value: Any) -> str:
    """The JSON type a value arrives as (:func:`contracts.fields.json_type`); raw literals are numbers."""
    return "number" if isinstance(value, RawJson) else json_type(value)


_SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from([RawJson("NaN"), RawJson("Infinity"), RawJson("-Infinity"), RawJson("1e999")]),
)


def every_json_type() -> st.SearchStrategy[Any]:
    """Any JSON value: the named kinds of :data:`JSON_KINDS` first (they shrink to them), then generated
    scalars, arrays and nested objects, including raw non-finite literals. Encode with :func:`dumps`."""
    generated = st.recursive(
        _SCALARS,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
        max_leaves=10,
    )
    return st.one_of(st.sampled_from(list(JSON_KINDS.values())), generated)


def dumps(value: Any) -> bytes:
    """Compact JSON for ``value`` with every :class:`RawJson` written verbatim (UTF-8, non-ASCII escaped)."""
    marker = uuid.uuid4().hex
    raw: dict[str, str] = {}

    def swap(item: Any) -> Any:
        if isinstance(item, RawJson):
            key = f"{marker}{len(raw)}"
            raw[key] = item.text
            return key
        if isinstance(item, list):
            return [swap(element) for element in item]
        if isinstance(item, dict):
            return {key: swap(element) for key, element in item.items()}
        return item

    text = json.dumps(swap(value), separators=(",", ":"))
    for key, literal in raw.items():
        text = text.replace(f'"{key}"', literal)
    return text.encode("utf-8")


__all__ = ["JSON_KINDS", "RawJson", "dumps", "every_json_type", "kind_of"]
