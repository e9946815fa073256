"""The control plane's cross-field and size rules on plain values (``contracts.control.schemas``).

``test_control_boundaries.py`` and ``test_faults.py`` check them through HTTP; these load the schemas directly, each
built inside the test, so every rule (the clock's "exactly one", a custom fault's "something to do", its body's byte
limit, a header with a trailing newline, a journal filter that is not text) is pinned at its edge with its message.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from marshmallow import ValidationError

from contracts.control.schemas import (
    MAX_FAULT_BODY_BYTES,
    ArmCustomFaultSchema,
    ClockUpdateSchema,
    HeaderSchema,
    JournalFilterSchema,
    _WholeRegexp,
)
from contracts.fields import json_size
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import post_session

EXACTLY_ONE = 'send exactly one of {"offset_seconds": n}, {"frozen_at": "<ISO 8601 with zone>"} or {"mode": "system"}'
NOTHING_TO_DO = "a custom fault needs `status` (with optional headers and body), `delay_seconds` or `drop: true`"


def refusal(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as refused:
        schema.load(data)
    messages: dict[str, Any] = refused.value.normalized_messages()  # type: ignore[no-untyped-call]
    return messages


@pytest.mark.parametrize("data", [{"offset_seconds": 5}, {"mode": "system"}, {"frozen_at": "2026-01-01T00:00:00Z"}])
def test_a_clock_update_is_exactly_one_change(data: dict[str, Any]) -> None:
    assert len(ClockUpdateSchema().load(data)) == 1


@pytest.mark.parametrize("data", [{}, {"offset_seconds": 5, "mode": "system"}])
def test_no_change_or_two_changes_are_refused_saying_what_to_send(data: dict[str, Any]) -> None:
    assert refusal(ClockUpdateSchema(), data) == {"_schema": [EXACTLY_ONE]}


@pytest.mark.parametrize(
    "data",
    [
        {"vendor": "cirrusmd", "status": 503},
        {"vendor": "cirrusmd", "delay_seconds": 1.5},
        {"vendor": "cirrusmd", "drop": True},
        {"vendor": "cirrusmd", "delay_seconds": 0},
    ],
)
def test_a_custom_fault_has_something_to_do(data: dict[str, Any]) -> None:
    assert ArmCustomFaultSchema().load(data)["vendor"] == "cirrusmd"


@pytest.mark.parametrize(
    "data", [{"vendor": "cirrusmd"}, {"vendor": "cirrusmd", "drop": False}, {"vendor": "cirrusmd", "body": {}}]
)
def test_a_custom_fault_with_nothing_to_do_is_refused(data: dict[str, Any]) -> None:
    assert refusal(ArmCustomFaultSchema(), data) == {"_schema": [NOTHING_TO_DO]}


def test_a_custom_faults_body_is_at_most_64_kib_as_compact_json() -> None:
    assert MAX_FAULT_BODY_BYTES == 65_536
    exactly = {"a": "x" * (MAX_FAULT_BODY_BYTES - 8)}
    assert json_size(exactly) == MAX_FAULT_BODY_BYTES
    assert ArmCustomFaultSchema().load({"vendor": "v", "status": 500, "body": exactly})["body"] == exactly
    over = {"a": "x" * (MAX_FAULT_BODY_BYTES - 7)}
    assert refusal(ArmCustomFaultSchema(), {"vendor": "v", "status": 500, "body": over}) == {
        "body": ["must be at most 65536 bytes as compact JSON, got 65537"]
    }


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ({"name": "Retry-After", "value": "7\n"}, "value"),
        ({"name": "Retry-After\n", "value": "7"}, "name"),
        ({"name": "Retry After", "value": "7"}, "name"),
        ({"name": "X-A", "value": "a\r\nSet-Cookie: x"}, "value"),
    ],
)
def test_a_header_with_a_line_break_anywhere_is_refused(header: dict[str, str], field: str) -> None:
    message = f"not a valid HTTP header {field}"
    assert refusal(HeaderSchema(), header) == {field: [message]}


def test_a_header_of_visible_ascii_is_taken() -> None:
    assert HeaderSchema().load({"name": "Retry-After", "value": "7, \tsoon"}) == {
        "name": "Retry-After",
        "value": "7, \tsoon",
    }


def test_a_whole_value_rule_quotes_the_value_and_the_pattern_when_its_message_asks() -> None:
    """It is a marshmallow ``Regexp`` (the OpenAPI document shows its pattern), so its message may quote ``{input}``
    and ``{regex}`` as marshmallow documents; the value quoted is the one refused, its final newline included."""
    rule = _WholeRegexp(r"^[a-z]+$", error="{input!r} does not match {regex}")
    assert rule("abc") == "abc"
    with pytest.raises(ValidationError) as refused:
        rule("abc\n")
    assert refused.value.messages == ["'abc\\n' does not match ^[a-z]+$"]


def test_a_fault_armed_with_a_header_ending_in_a_newline_is_refused_not_a_500_later(client: FlaskClient) -> None:
    armed = client.post(
        "/__sandbox/faults",
        json={"vendor": "cirrusmd", "status": 429, "headers": [{"name": "Retry-After", "value": "7\n"}]},
    )
    assert armed.status_code == 400
    assert post_session(client, FROZEN_AT).status_code == 201


def test_a_journal_filter_reads_text_and_says_what_is_wrong() -> None:
    assert JournalFilterSchema().load({"status": "4xx", "method": "post", "vendor": ""}) == {
        "status": (400, 499),
        "method": "POST",
        "vendor": None,
    }
    assert refusal(JournalFilterSchema(), {"status": 401}) == {"status": ["`status` must be a string"]}
    assert refusal(JournalFilterSchema(), {"direction": "sideways"}) == {
        "direction": ["`direction` must be one of inbound, outbound; got 'sideways'"]
    }
