"""``json_answer`` is ``jsonify``, byte for byte and header for header, in every provider setting."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import uuid
from typing import Any

import pytest
from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider

from sandbox.core.answers import json_answer


@dataclasses.dataclass
class Point:
    x: int
    y: str


VALUES: list[Any] = [
    {"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig"},
    {"b": 1, "a": [1.5, None, True, "café ☃ \U0001f600", {"z": {}, "y": []}]},
    [],
    "text",
    0,
    {"when": datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC), "n": decimal.Decimal("1.10")},
    {"id": uuid.UUID(int=7), "point": Point(1, "\u2028")},
    {"nan": float("nan"), "inf": float("inf")},
]


class OtherProvider(DefaultJSONProvider):
    """A provider of one's own: ``json_answer`` must leave the answer to it."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return "custom:" + super().dumps(obj, **kwargs)


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("compact", [None, True, False])
@pytest.mark.parametrize("sort_keys", [False, True])
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_json_answer_is_jsonify_byte_for_byte(
    debug: bool, compact: bool | None, sort_keys: bool, ensure_ascii: bool
) -> None:
    app = Flask(__name__)
    app.debug = debug
    app.json.compact = compact  # type: ignore[attr-defined]
    app.json.sort_keys = sort_keys  # type: ignore[attr-defined]
    app.json.ensure_ascii = ensure_ascii  # type: ignore[attr-defined]
    with app.app_context():
        for value in VALUES:
            ours, theirs = json_answer(value), jsonify(value)
            assert ours.get_data() == theirs.get_data(), value
            assert list(ours.headers.items()) == list(theirs.headers.items())
            assert (ours.status, ours.mimetype) == (theirs.status, theirs.mimetype)


def test_a_provider_of_ones_own_makes_the_answer() -> None:
    app = Flask(__name__)
    app.json = OtherProvider(app)
    with app.app_context():
        assert json_answer({"a": 1}).get_data() == jsonify({"a": 1}).get_data()
        assert json_answer({"a": 1}).get_data().startswith(b"custom:")
