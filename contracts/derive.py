"""Hypothesis strategies derived from marshmallow schemas built of :mod:`contracts.fields`.

Valid values come from each field's type and limits and are finally filtered through the schema
itself, so whatever the schema accepts is what the strategies generate. Invalid values are
*named mutations*: each breaks exactly one field rule and carries the message that rule produces
(taken from the field's own error templates), so a test can demand the exact answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, validate

from contracts.fields import Choice, Email, IsoDate, JsonObject, Text, json_size, shown

#: Characters for generated text: any Unicode scalar that UTF-8 can carry, except NUL.
TEXT_CHARACTERS = st.characters(codec="utf-8", exclude_characters="\x00")
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(TEXT_CHARACTERS, max_size=20))


def _accepted_by(field: fields.Field[Any]) -> Callable[[Any], bool]:
    def accepts(value: Any) -> bool:
        try:
            field.deserialize(value)
        except ValidationError:
            return False
        return True

    return accepts


def field_strategy(field: fields.Field[Any]) -> st.SearchStrategy[Any]:
    """Values a field accepts, for the field types the contracts use."""
    strategy: st.SearchStrategy[Any]
    if isinstance(field, Choice):
        strategy = st.sampled_from(field.choices)
    elif isinstance(field, Email):
        strategy = st.emails()
    elif isinstance(field, IsoDate):
        days = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
        strategy = st.one_of(
            days.map(date.isoformat),
            days.map(lambda d: f"{d.isoformat()}T00:00:00Z"),
            days.map(lambda d: f"{d.isoformat()}T08:30:00-05:00"),
            days.map(lambda d: f"{d.isoformat()}T00:00:00"),
            days.map(lambda d: d.strftime("%Y%m%d")),
            days.map(lambda d: d.strftime("%Y%m%dT083000+0530")),
        )
    elif isinstance(field, Text):
        limit = field.max_length or 40
        strategy = st.text(TEXT_CHARACTERS, min_size=0 if field.blank_ok else 1, max_size=limit)
    elif isinstance(field, JsonObject):
        strategy = st.dictionaries(st.text(TEXT_CHARACTERS, max_size=12), JSON_SCALARS, max_size=3)
    else:
        raise TypeError(f"no strategy for {type(field).__name__}; add one to contracts.derive")
    return strategy.filter(_accepted_by(field))


def valid_objects(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects the schema loads without error; optional fields present or absent (or null)."""
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        value = field_strategy(field)
        if field.required:
            required[key] = value
        else:
            optional[key] = st.one_of(st.none(), value) if field.allow_none else value
    return st.fixed_dictionaries(required, optional=optional).filter(lambda body: not schema.validate(body))


@dataclass(frozen=True)
class Mutation:
    """One named way to break a valid object, and the field error it must produce."""

    name: str
    field: str
    apply: Callable[[dict[str, Any]], dict[str, Any]]
    error: str

    def __repr__(self) -> str:  # shown by Hypothesis in falsifying examples
        return f"Mutation({self.name!r})"


def _error(field: fields.Field[Any], key: str, **kwargs: Any) -> str:
    message = field.error_messages[key]
    return str(message).format(**kwargs)


def _setting(key: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {**body, key: value}


def _dropping(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {k: v for k, v in body.items() if k != key}


def field_mutations(schema: Schema) -> list[Mutation]:
    """Every single-field rule of ``schema`` as a mutation with its exact field error."""
    found: list[Mutation] = []
    for name, field in schema.fields.items():
        key = field.data_key or name

        def add(rule: str, apply: Callable[[dict[str, Any]], dict[str, Any]], error: str, key: str = key) -> None:
            found.append(Mutation(f"{rule}:{key}", key, apply, error))

        if field.required:
            add("missing", _dropping(key), _error(field, "required"))
        if not field.allow_none:
            add("null", _setting(key, None), _error(field, "null"))
        if isinstance(field, JsonObject):
            add("wrong_type", _setting(key, ["not", "an", "object"]), _error(field, "invalid", type="array"))
            too_large = {"x": "y" * field.max_bytes}
            add("too_large", _setting(key, too_large), _error(field, "too_large", size=json_size(too_large)))
            continue
        if not isinstance(field, Text):
            continue
        add("wrong_type", _setting(key, 12345), _error(field, "invalid", type="number"))
        add("nul", _setting(key, "a\x00b"), _error(field, "nul"))
        if not field.blank_ok:
            add("blank", _setting(key, "   "), _error(field, "blank"))
        if field.max_length is not None:
            long_text = "x" * (field.max_length + 1)
            add("too_long", _setting(key, long_text), _error(field, "too_long", length=len(long_text)))
        if isinstance(field, Choice):
            wrong = field.choices[0].upper()
            add("not_choice", _setting(key, wrong), _error(field, "not_choice", input=shown(wrong)))
        if isinstance(field, Email):
            add(
                "not_email",
                _setting(key, "jane.example.com"),
                _error(field, "not_email", input=shown("jane.example.com")),
            )
        if isinstance(field, IsoDate):
            add("not_iso8601", _setting(key, "01/11/1977"), _error(field, "not_iso8601", input=shown("01/11/1977")))
    return found


# --- documents a vendor sends --------------------------------------------------------------------------


#: The widest whole numbers every JSON reader keeps exactly (JavaScript's safe integers).
JSON_SAFE_INTEGER = 2**53 - 1


def _bounds(field: fields.Field[Any]) -> tuple[int, int]:
    low, high = -JSON_SAFE_INTEGER, JSON_SAFE_INTEGER
    for rule in field.validators:
        if isinstance(rule, validate.Range):
            low = low if rule.min is None else max(low, int(rule.min))
            high = high if rule.max is None else min(high, int(rule.max))
    return low, high


def _choices(field: fields.Field[Any]) -> list[Any] | None:
    for rule in field.validators:
        if isinstance(rule, validate.OneOf):
            return list(rule.choices)
    return None


def sent_value(field: fields.Field[Any]) -> st.SearchStrategy[Any]:
    """Values of one field of a document a vendor *sends* (plain marshmallow fields, nested schemas, lists)."""
    strategy: st.SearchStrategy[Any]
    choices = _choices(field)
    if choices is not None:
        strategy = st.sampled_from(choices)
    elif isinstance(field, fields.Constant):
        strategy = st.just(field.constant)
    elif isinstance(field, fields.Nested):
        strategy = sent_documents(field.schema)
    elif isinstance(field, fields.List):
        strategy = st.lists(sent_value(field.inner), max_size=3)
    elif isinstance(field, fields.Dict):
        strategy = st.dictionaries(st.text(TEXT_CHARACTERS, max_size=12), JSON_SCALARS, max_size=3)
    elif isinstance(field, fields.Boolean):
        strategy = st.booleans()
    elif isinstance(field, fields.Integer):
        strategy = st.integers(*_bounds(field))
    elif isinstance(field, fields.String):
        strategy = st.text(TEXT_CHARACTERS, max_size=40)
    else:
        raise TypeError(f"no strategy for a sent {type(field).__name__}; add one to contracts.derive")
    return st.one_of(st.none(), strategy) if field.allow_none else strategy


def sent_documents(schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
    """Documents a vendor sends as ``schema`` describes them: every required field, each optional one
    present or absent, and only what the schema itself accepts (its validators are the last word)."""
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, field in schema.fields.items():
        (required if field.required else optional)[field.data_key or name] = sent_value(field)
    return st.fixed_dictionaries(required, optional=optional).filter(lambda document: not schema.validate(document))
