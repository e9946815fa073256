"""The shared field types (``contracts.fields``) on plain values: what each accepts, refuses, and says when it refuses.

Every vendor's schemas are made of these fields, and the vendors' HTTP tests check them through one schema each;
here each rule is checked once, at its edge (the length limit, the byte limit, blank, NUL, the JSON type named in the
message), on a schema built inside the test.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields

from contracts.fields import (
    DEFAULT_MAX_JSON_BYTES,
    Choice,
    Email,
    IsoDate,
    JsonObject,
    StrictBoolean,
    StrictFloat,
    Text,
    base_messages,
    json_size,
    json_type,
    parse_iso_date,
    shown,
)


def errors_of(field: Any, value: Any, name: str = "f") -> list[str]:
    schema = Schema.from_dict({name: field})()
    try:
        schema.load({name: value})
    except ValidationError as error:
        messages: list[str] = error.messages[name]  # type: ignore[call-overload]
        return messages
    return []


def loaded(field: Any, value: Any) -> Any:
    return Schema.from_dict({"f": field})().load({"f": value})["f"]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (True, "boolean"),
        (False, "boolean"),
        (0, "number"),
        (1.5, "number"),
        ("", "string"),
        ([], "array"),
        ({}, "object"),
        ((), "object"),
    ],
)
def test_json_type_names_the_json_kind(value: Any, kind: str) -> None:
    assert json_type(value) == kind


def test_a_shown_value_is_quoted_and_cut_to_its_limit() -> None:
    assert shown("abc") == '"abc"'
    assert shown('a"b') == '"a\\"b"'
    assert shown(12) == "12"
    assert shown(None) == "None"
    assert shown("a" * 38) == '"' + "a" * 38 + '"'  # 40 characters: kept
    assert shown("a" * 39) == '"' + "a" * 38 + '…"'  # 41: cut to 40
    assert shown("abcdef", limit=5) == '"abc…"'


def test_base_messages_name_the_field() -> None:
    assert base_messages("x") == {"required": "`x` is required", "null": "`x` must not be null"}


def test_text_takes_a_string_up_to_255_characters_by_default() -> None:
    assert loaded(Text(), "a" * 255) == "a" * 255
    assert errors_of(Text(), "a" * 256) == ["`f` must be at most 255 characters, got 256"]


def test_text_refuses_other_json_types_naming_them() -> None:
    assert errors_of(Text(), 5) == ["`f` must be a string, got a JSON number"]
    assert errors_of(Text(), ["a"]) == ["`f` must be a string, got a JSON array"]
    assert errors_of(Text(), None) == ["`f` must not be null"]
    assert Schema.from_dict({"f": Text(required=True)})().validate({}) == {"f": ["`f` is required"]}


def test_text_refuses_nul_and_blank_unless_blank_is_allowed() -> None:
    assert errors_of(Text(), "a\x00b") == ["`f` must not contain NUL characters"]
    assert errors_of(Text(blank_ok=True), "\x00") == ["`f` must not contain NUL characters"]
    assert errors_of(Text(), " \t") == ["`f` must not be blank"]
    assert errors_of(Text(), "") == ["`f` must not be blank"]
    assert loaded(Text(blank_ok=True), "  ") == "  "
    assert loaded(Text(blank_ok=True), "") == ""


def test_text_limits_are_chosen_or_removed_and_truncation_happens_after_the_check() -> None:
    assert errors_of(Text(max_length=3), "abcd") == ["`f` must be at most 3 characters, got 4"]
    assert loaded(Text(max_length=3), "abc") == "abc"
    assert loaded(Text(max_length=None), "a" * 10_000) == "a" * 10_000
    assert loaded(Text(max_length=None, truncate_to=4), "abcdef") == "abcd"
    assert loaded(Text(truncate_to=4), "abc") == "abc"


def test_text_messages_use_the_wire_name_and_can_be_replaced() -> None:
    assert errors_of(Text(data_key="wireName"), 1, name="wireName") == [
        "`wireName` must be a string, got a JSON number"
    ]
    custom = Text(metadata={"messages": {"blank": "say something"}})
    assert errors_of(custom, " ") == ["say something"]
    assert errors_of(custom, 1) == ["`f` must be a string, got a JSON number"]


BOUND_FIELDS: list[Any] = [
    Text(),
    Email(),
    Choice(("a", "b")),
    IsoDate(),
    JsonObject(),
    StrictFloat(),
    StrictBoolean(),
]


@pytest.mark.parametrize("field", BOUND_FIELDS, ids=lambda field: type(field).__name__)
def test_a_bound_field_keeps_the_name_parent_and_root_marshmallow_gives_it(field: Any) -> None:
    """Each field binds its messages on top of marshmallow's own binding, which it leaves whole: apispec reads the
    field's ``name`` and its ``parent``'s ``partial`` (is the field required?), marshmallow the ``root`` schema's
    options; inside a list the parent is the list and the root still the schema."""
    schema = Schema.from_dict({"f": field, "many": fields.List(field)})()
    bound, inner = schema.fields["f"], schema.fields["many"].inner  # type: ignore[attr-defined]
    assert (bound.name, bound.parent, bound.root) == ("f", schema, schema)
    assert (inner.name, inner.parent, inner.root) == ("many", schema.fields["many"], schema)


@pytest.mark.parametrize("address", ["jane@example.com", "j.a+ne@mail.example.co.uk", "élise@exämple.fr"])
def test_an_email_is_local_at_a_dotted_domain(address: str) -> None:
    assert loaded(Email(), address) == address


@pytest.mark.parametrize(
    "address", ["jane", "jane@example", "jane@@example.com", "ja ne@example.com", "jane@ex*ample.com", "@example.com"]
)
def test_anything_else_is_not_an_email(address: str) -> None:
    assert errors_of(Email(), address) == [
        f"`f` must be an email address such as jane@example.com, got {shown(address)}"
    ]


def test_an_email_is_at_most_254_characters_and_still_a_text() -> None:
    longest = "a" * 242 + "@example.com"
    assert len(longest) == 254
    assert loaded(Email(), longest) == longest
    assert errors_of(Email(), "a" + longest) == ["`f` must be at most 254 characters, got 255"]
    assert errors_of(Email(), 3) == ["`f` must be a string, got a JSON number"]


def test_a_custom_email_message_is_kept() -> None:
    field = Email(metadata={"messages": {"not_email": "bad address {input}"}})
    assert errors_of(field, "nope") == ['bad address "nope"']


def test_a_choice_is_matched_exactly() -> None:
    field = Choice(("male", "female"))
    assert loaded(Choice(("male", "female")), "female") == "female"
    assert errors_of(field, "Female") == ['`f` must be one of male, female, got "Female"']
    assert errors_of(Choice(("a",)), "") == ["`f` must not be blank"]
    custom = Choice(("a",), metadata={"messages": {"not_choice": "pick a, not {input}"}})
    assert errors_of(custom, "b") == ['pick a, not "b"']


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("1977-01-11", "1977-01-11"),
        ("19770111", "1977-01-11"),
        ("1977-01-11T00:00:00Z", "1977-01-11"),
        ("1977-01-11T23:59:60+01:00", "1977-01-11"),
        ("19770111T000000Z", "1977-01-11"),
        ("2000-02-29", "2000-02-29"),
    ],
)
def test_an_iso_date_loads_as_its_day(text: str, day: str) -> None:
    assert loaded(IsoDate(), text) == day
    assert parse_iso_date(text, lambda: ValueError("no")) == date.fromisoformat(day)


@pytest.mark.parametrize("text", ["1977-02-29", "1900-02-29", "1977-13-01", "1977-01", "1977-011", "11/01/1977"])
def test_anything_else_is_not_an_iso_date(text: str) -> None:
    assert errors_of(IsoDate(), text) == [
        "`f` must be an ISO 8601 calendar date (1977-01-11 or 19770111) or date-time "
        f"(1977-01-11T00:00:00Z, 1977-01-11T00:00:00, 19770111T000000Z), got {shown(text)}"
    ]
    with pytest.raises(LookupError):
        parse_iso_date(text, lambda: LookupError(text))


def test_an_iso_date_is_still_a_text_named_by_its_field() -> None:
    assert errors_of(IsoDate(), 19770111) == ["`f` must be a string, got a JSON number"]
    assert errors_of(IsoDate(), " ") == ["`f` must not be blank"]


def test_a_custom_iso_date_message_is_kept() -> None:
    field = IsoDate(metadata={"messages": {"not_iso8601": "a date, not {input}"}})
    assert errors_of(field, "x") == ['a date, not "x"']


def test_json_size_is_compact_utf8_bytes() -> None:
    assert json_size({"a": [1, 2]}) == len(b'{"a":[1,2]}')
    assert json_size({"é": "€"}) == len('{"é":"€"}'.encode())
    assert json_size("\ud800") == 5  # a lone surrogate counts as its three bytes, not an error


def test_a_json_object_is_at_most_its_byte_limit() -> None:
    assert DEFAULT_MAX_JSON_BYTES == 16_384
    exactly = {"a": "x" * (DEFAULT_MAX_JSON_BYTES - 8)}
    assert json_size(exactly) == DEFAULT_MAX_JSON_BYTES
    assert loaded(JsonObject(), exactly) == exactly
    over = {"a": "x" * (DEFAULT_MAX_JSON_BYTES - 7)}
    assert errors_of(JsonObject(), over) == ["`f` must be at most 16384 bytes as compact JSON, got 16385"]
    assert errors_of(JsonObject(max_bytes=8), {"a": "bcd"}) == ["`f` must be at most 8 bytes as compact JSON, got 11"]
    assert loaded(JsonObject(max_bytes=11), {"a": "bcd"}) == {"a": "bcd"}


def test_a_json_object_is_never_another_json_type() -> None:
    assert errors_of(JsonObject(), []) == ["`f` must be a JSON object, got a JSON array"]
    assert errors_of(JsonObject(), "{}") == ["`f` must be a JSON object, got a JSON string"]
    assert errors_of(JsonObject(), None) == ["`f` must not be null"]
    custom = JsonObject(metadata={"messages": {"invalid": "an object please"}})
    assert errors_of(custom, 1) == ["an object please"]


def test_a_strict_float_is_a_json_number_only() -> None:
    assert loaded(StrictFloat(), 1) == 1.0
    assert loaded(StrictFloat(), 2.5) == 2.5
    for wrong in ["1.5", True, None, [1]]:
        assert errors_of(StrictFloat(), wrong), wrong


def test_a_strict_boolean_is_true_or_false_only() -> None:
    assert loaded(StrictBoolean(), True) is True
    assert loaded(StrictBoolean(), False) is False
    for wrong in [0, 1, "true", "yes", None]:
        assert errors_of(StrictBoolean(), wrong), wrong


def test_a_strict_booleans_message_may_quote_the_value_sent() -> None:
    field = StrictBoolean(error_messages={"invalid": "`f` must be true or false, got {input!r}"})
    assert errors_of(field, "yes") == ["`f` must be true or false, got 'yes'"]


JSON_SIZE_VALUES: list[Any] = [
    {},
    {"k": ""},
    {"café": "☃ \U0001f600", "n": [1, 2.5, None, True, {"x": {}}]},
    {"lone": "\ud800"},
    {"nan": float("nan"), "inf": float("-inf")},
    {"quote": '"\\\n\t\u2028'},
]


@pytest.mark.parametrize("value", JSON_SIZE_VALUES)
def test_json_size_is_the_compact_utf8_json_length_json_dumps_gives(value: Any) -> None:
    """The encoder kept for every call measures exactly what ``json.dumps`` with the same options writes."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert json_size(value) == len(text.encode("utf-8", "surrogatepass"))
