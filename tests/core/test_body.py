"""``parse_json``: lone surrogates and deep nesting are refused wherever they are, whether or not the
body needs the full walk (most bodies skip it: no ``\\u`` escape, fewer brackets than the depth limit)."""

from __future__ import annotations

import json

import pytest

from sandbox.core.body import MAX_DEPTH, BodyProblem, parse_json


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (b'{"a": "\\ud800"}', "lone_surrogate"),
        (b'{"\\udfff": 1}', "lone_surrogate"),
        (b'[["\\ud83d"]]', "lone_surrogate"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "too_deeply_nested"),
        (b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1), "too_deeply_nested"),
    ],
)
def test_refused_wherever_they_are(raw: bytes, rule: str) -> None:
    with pytest.raises(BodyProblem) as refused:
        parse_json(raw)
    assert refused.value.rule == rule


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": "\\ud83d\\ude00", "b": "\\u00e9"}',  # a surrogate pair and an escape: fine
        b"[" * MAX_DEPTH + b"]" * MAX_DEPTH,  # exactly the limit
        b'{"text": "' + b"[{" * 40 + b'"}',  # many brackets, all inside a string
        b'{"external_user_id": "u-1", "metadata": {}}',
    ],
)
def test_accepted_as_json_reads_them(raw: bytes) -> None:
    assert parse_json(raw) == json.loads(raw)
