"""``contracts.derive`` on a schema of every field type the contracts use: the exact list of single-field
mutations (name, field, the body it makes, the error it predicts), the valid objects drawn from a schema, and the
values of documents a vendor sends (ranges, choices, constants, nesting).

The vendors' contract tests use these strategies through HTTP; these state what the derivation promises, fast,
so that a mutation that vanished, targets another field or predicts another message fails here by name.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from marshmallow import Schema, fields, validate

from contracts import derive
from contracts.derive import field_mutations, field_strategy, sent_documents, sent_value, valid_objects
from contracts.fields import Choice, Email, IsoDate, JsonObject, Text

#: Draws without shrinking: these tests state rules, they do not search for edges.
QUICK = settings(max_examples=30, phases=[Phase.explicit, Phase.generate])
DROP = object()


class Every(Schema):
    name = Text(required=True, max_length=5)
    note = Text(blank_ok=True, max_length=None, allow_none=True)
    kind = Choice(("red", "blue"), required=True)
    email = Email(data_key="e-mail")
    born = IsoDate(required=True)
    extra = JsonObject(max_bytes=20, required=True)


class Short(Schema):
    word = Text(max_length=5, validate=validate.Length(min=3))


class WithNumber(Schema):
    data = JsonObject(max_bytes=5)
    count = fields.Integer()
    total = fields.Integer(required=True, allow_none=True)


VALID = {
    "name": "Ann",
    "note": "n",
    "kind": "red",
    "e-mail": "ann@example.com",
    "born": "1977-01-11",
    "extra": {"a": 1},
}

#: name → the value the mutation sets (DROP: the key removed).
EXPECTED: dict[str, Any] = {
    "missing:name": DROP,
    "null:name": None,
    "wrong_type:name": 12345,
    "nul:name": "a\x00b",
    "blank:name": "   ",
    "too_long:name": "x" * 6,
    "wrong_type:note": 12345,
    "nul:note": "a\x00b",
    "missing:kind": DROP,
    "null:kind": None,
    "wrong_type:kind": 12345,
    "nul:kind": "a\x00b",
    "blank:kind": "   ",
    "too_long:kind": "x" * 256,
    "not_choice:kind": "RED",
    "null:e-mail": None,
    "wrong_type:e-mail": 12345,
    "nul:e-mail": "a\x00b",
    "blank:e-mail": "   ",
    "too_long:e-mail": "x" * 255,
    "not_email:e-mail": "jane.example.com",
    "missing:born": DROP,
    "null:born": None,
    "wrong_type:born": 12345,
    "nul:born": "a\x00b",
    "blank:born": "   ",
    "too_long:born": "x" * 256,
    "not_iso8601:born": "01/11/1977",
    "missing:extra": DROP,
    "null:extra": None,
    "wrong_type:extra": ["not", "an", "object"],
    "too_large:extra": {"x": "y" * 20},
}


def test_the_valid_reference_body_is_valid() -> None:
    assert Every().validate(VALID) == {}


def test_every_single_field_rule_is_one_named_mutation_in_field_order() -> None:
    found = field_mutations(Every())
    assert [mutation.name for mutation in found] == list(EXPECTED)
    assert [mutation.field for mutation in found] == [name.split(":", 1)[1] for name in EXPECTED]


@pytest.mark.parametrize("index", range(len(EXPECTED)), ids=list(EXPECTED))
def test_each_mutation_changes_only_its_field_and_gets_exactly_its_error(index: int) -> None:
    mutation = field_mutations(Every())[index]
    value = EXPECTED[mutation.name]
    body = dict(VALID)
    if value is DROP:
        body.pop(mutation.field)
    else:
        body[mutation.field] = value
    assert mutation.apply(dict(VALID)) == body
    assert Every().validate(body) == {mutation.field: [mutation.error]}


def test_the_errors_quote_the_input_its_length_type_or_size() -> None:
    errors = {mutation.name: mutation.error for mutation in field_mutations(Every())}
    assert errors["too_long:name"] == "`name` must be at most 5 characters, got 6"
    assert errors["wrong_type:name"] == "`name` must be a string, got a JSON number"
    assert errors["wrong_type:extra"] == "`extra` must be a JSON object, got a JSON array"
    assert errors["too_large:extra"] == "`extra` must be at most 20 bytes as compact JSON, got 28"
    assert errors["not_choice:kind"].endswith('got "RED"')
    assert errors["not_email:e-mail"].endswith('got "jane.example.com"')
    assert errors["not_iso8601:born"].endswith('got "01/11/1977"')


def test_a_field_of_another_type_gets_only_its_null_and_missing_mutations() -> None:
    found = field_mutations(WithNumber())
    names = ["null:data", "wrong_type:data", "too_large:data", "null:count", "missing:total"]
    assert [mutation.name for mutation in found] == names  # fields after a JSON object are not skipped
    [null, missing] = found[3:]
    assert null.apply({"count": 1, "total": 2}) == {"count": None, "total": 2}
    assert missing.apply({"count": 1, "total": 2}) == {"count": 1}
    assert WithNumber().validate({"count": None, "total": 1}) == {"count": [null.error]}
    assert WithNumber().validate({}) == {"total": [missing.error]}


def test_a_mutation_is_shown_by_its_name() -> None:
    assert repr(field_mutations(Every())[0]) == "Mutation('missing:name')"


@QUICK
@given(data=st.data())
def test_valid_objects_are_accepted_and_hold_every_required_field(data: st.DataObject) -> None:
    body: dict[str, Any] = data.draw(valid_objects(Every()))
    assert Every().validate(body) == {}
    assert {"name", "kind", "born", "extra"} <= set(body)
    assert set(body) <= set(VALID)
    assert body.get("e-mail", "") is not None


def test_optional_fields_may_be_absent_and_null_only_where_allowed() -> None:
    strategy = valid_objects(Every())
    find(strategy, lambda body: "note" not in body and "e-mail" not in body, settings=QUICK)
    find(strategy, lambda body: body.get("note", "") is None, settings=QUICK)
    find(strategy, lambda body: "e-mail" in body, settings=QUICK)


def test_each_field_type_draws_values_it_accepts() -> None:
    schema = Every()
    for field in schema.fields.values():
        strategy = field_strategy(field)
        value = find(strategy, lambda value: True, settings=QUICK)
        field.deserialize(value)


def test_a_blank_ok_text_may_be_empty_and_another_never_is() -> None:
    schema = Every()
    assert find(field_strategy(schema.fields["note"]), lambda value: value == "", settings=QUICK) == ""
    with pytest.raises(NoSuchExample):
        find(field_strategy(schema.fields["name"]), lambda value: value == "", settings=QUICK)


@QUICK
@given(data=st.data())
def test_text_and_choices_are_drawn_within_their_limits(data: st.DataObject) -> None:
    schema = Every()
    assert 1 <= len(data.draw(field_strategy(schema.fields["name"]))) <= 5
    assert len(data.draw(field_strategy(schema.fields["note"]))) <= 40
    assert data.draw(field_strategy(schema.fields["kind"])) in ("red", "blue")
    born = data.draw(field_strategy(schema.fields["born"]))
    assert "1900" <= born[:4] <= "2025"
    extra = data.draw(field_strategy(schema.fields["extra"]))
    assert isinstance(extra, dict)
    assert len(extra) <= 3


@QUICK
@given(data=st.data())
def test_a_fields_own_validators_filter_what_is_drawn(data: st.DataObject) -> None:
    """Text of 1 to 5 characters is drawn, and the field's own rule (at least 3) is the last word."""
    field = Short().fields["word"]
    assert 3 <= len(data.draw(field_strategy(field))) <= 5


def test_a_field_without_a_strategy_is_named() -> None:
    with pytest.raises(TypeError, match=r"^no strategy for Integer; add one to contracts\.derive$"):
        field_strategy(fields.Integer())


# --- documents a vendor sends ----------------------------------------------------------------------


def test_whole_numbers_are_bounded_by_their_range_or_javascripts_safe_integers() -> None:
    assert derive.JSON_SAFE_INTEGER == 2**53 - 1
    assert derive._bounds(fields.Integer()) == (-(2**53 - 1), 2**53 - 1)
    assert derive._bounds(fields.Integer(validate=validate.Range(min=3))) == (3, 2**53 - 1)
    assert derive._bounds(fields.Integer(validate=validate.Range(max=9))) == (-(2**53 - 1), 9)
    narrowed = fields.Integer(validate=[validate.Range(min=-5, max=50), validate.Range(min=0, max=10**20)])
    assert derive._bounds(narrowed) == (0, 50)


def test_choices_are_read_from_a_one_of_rule() -> None:
    assert derive._choices(fields.String(validate=[validate.Length(max=3), validate.OneOf(["a", "b"])])) == ["a", "b"]
    assert derive._choices(fields.String(validate=validate.Length(max=3))) is None


@QUICK
@given(data=st.data())
def test_sent_values_follow_each_fields_type(data: st.DataObject) -> None:
    assert data.draw(sent_value(fields.Constant("OK"))) == "OK"
    assert data.draw(sent_value(fields.String(validate=validate.OneOf(["a", "b"])))) in ("a", "b")
    assert isinstance(data.draw(sent_value(fields.Boolean())), bool)
    assert 3 <= data.draw(sent_value(fields.Integer(validate=validate.Range(min=3, max=9)))) <= 9
    text = data.draw(sent_value(fields.String()))
    assert isinstance(text, str)
    assert len(text) <= 40
    listed = data.draw(sent_value(fields.List(fields.Integer())))
    assert isinstance(listed, list)
    assert len(listed) <= 3
    assert all(isinstance(item, int) for item in listed)
    mapping = data.draw(sent_value(fields.Dict()))
    assert isinstance(mapping, dict)
    assert len(mapping) <= 3
    assert data.draw(sent_value(fields.Integer(allow_none=True, validate=validate.Range(min=1, max=1)))) in (None, 1)


def test_a_nullable_sent_value_may_be_null_and_another_never_is() -> None:
    assert find(sent_value(fields.Boolean(allow_none=True)), lambda value: value is None, settings=QUICK) is None
    assert find(sent_value(fields.Boolean(allow_none=True)), lambda value: value is True, settings=QUICK) is True
    with pytest.raises(NoSuchExample):
        find(sent_value(fields.Boolean()), lambda value: value is None, settings=QUICK)


def test_a_sent_list_holds_up_to_three_items() -> None:
    find(sent_value(fields.List(fields.Boolean())), lambda items: len(items) == 3, settings=QUICK)


class Inner(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["a", "b"]))


class Outer(Schema):
    inner = fields.Nested(Inner, required=True)
    maybe = fields.Boolean(data_key="may-be")


@QUICK
@given(data=st.data())
def test_sent_documents_nest_schemas_and_use_each_fields_data_key(data: st.DataObject) -> None:
    document: dict[str, Any] = data.draw(sent_documents(Outer()))
    assert document["inner"]["kind"] in ("a", "b")
    assert set(document) <= {"inner", "may-be"}


def test_an_optional_sent_field_may_be_present_or_absent() -> None:
    find(sent_documents(Outer()), lambda document: "may-be" in document, settings=QUICK)
    find(sent_documents(Outer()), lambda document: "may-be" not in document, settings=QUICK)


def test_a_sent_field_it_cannot_draw_is_named() -> None:
    with pytest.raises(TypeError, match=r"^no strategy for a sent DateTime; add one to contracts\.derive$"):
        sent_value(fields.DateTime())


WIDE = settings(max_examples=300, phases=[Phase.generate])


@pytest.mark.parametrize(
    "pattern",
    [
        r"\d{4}-\d\d-\d\d",
        r"\d{4}-\d\d-\d\dT00:00:00Z",
        r"\d{4}-\d\d-\d\dT08:30:00-05:00",
        r"\d{4}-\d\d-\d\dT00:00:00",
        r"\d{8}",
        r"\d{8}T083000\+0530",
    ],
)
def test_iso_dates_are_drawn_in_each_extended_and_basic_form(pattern: str) -> None:
    strategy = field_strategy(Every().fields["born"])
    assert re.fullmatch(pattern, find(strategy, lambda value: re.fullmatch(pattern, value) is not None, settings=WIDE))


def test_a_text_that_must_not_be_blank_may_be_one_character() -> None:
    find(field_strategy(Every().fields["name"]), lambda value: len(value) == 1, settings=QUICK)


def test_an_optional_nullable_field_is_drawn_with_a_value_too() -> None:
    find(valid_objects(Every()), lambda body: isinstance(body.get("note"), str), settings=QUICK)


@QUICK
@given(data=st.data())
def test_sent_text_and_keys_are_bounded_and_free_of_nul(data: st.DataObject) -> None:
    text = data.draw(sent_value(fields.String()))
    mapping = data.draw(sent_value(fields.Dict()))
    drawn = data.draw(field_strategy(Every().fields["extra"]))
    assert "\x00" not in text
    assert len(text) <= 40
    assert all("\x00" not in key and len(key) <= 12 for key in [*mapping, *drawn])
