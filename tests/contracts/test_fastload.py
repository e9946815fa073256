"""``contracts.fastload``: the compiled loader gives ``schema.load``'s result, or lets ``schema.load`` answer.

The property tests draw bodies from the contract's own strategies (valid ones, the named invalid ones)
and from valid bodies with fields replaced by any JSON value, dropped, or joined by unknown keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import (
    EXCLUDE,
    INCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from contracts import fastload
from contracts.cirrusmd.schemas import SESSION_REQUEST, SessionRequestSchema
from contracts.cirrusmd.strategies import InvalidRequest, invalid_session_requests, session_requests
from contracts.derive import JSON_SCALARS, TEXT_CHARACTERS

ANY_JSON = st.recursive(
    JSON_SCALARS | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def counted(schema: Schema) -> tuple[Callable[[Any], Any], list[Any]]:
    """The compiled loader of ``schema``, and the bodies it handed to ``schema.load`` (its deferrals)."""
    deferred: list[Any] = []
    original = schema.load

    def plain(data: Any, **kwargs: Any) -> Any:
        deferred.append(data)
        return original(data, **kwargs)

    schema.load = plain  # type: ignore[method-assign]
    return fastload.compile_load(schema), deferred


def outcome(load: Callable[[Any], Any], data: Any) -> tuple[str, Any]:
    """What loading gives, comparable: the items in order (types included), or the error's messages."""
    try:
        result = load(data)
    except ValidationError as error:
        return "error", error.normalized_messages()  # type: ignore[no-untyped-call]
    return "loaded", [(key, type(value), value) for key, value in result.items()]


@given(body=session_requests())
def test_a_valid_session_body_is_loaded_by_the_compiled_path_exactly_as_schema_load_loads_it(
    body: dict[str, Any],
) -> None:
    compiled, deferred = counted(SessionRequestSchema())
    assert outcome(compiled, body) == outcome(SESSION_REQUEST.load, body)
    assert deferred == []  # the common case is the compiled path's own: that is what it is for


@given(case=invalid_session_requests())
def test_an_invalid_session_body_is_answered_by_schema_load_itself(case: InvalidRequest) -> None:
    compiled, deferred = counted(SessionRequestSchema())
    found = outcome(compiled, case.body)
    assert found == outcome(SESSION_REQUEST.load, case.body)
    assert found[0] == "error"
    assert deferred == [case.body]


@st.composite
def disturbed_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid body with some fields replaced by any JSON value, some dropped, unknown keys added."""
    body = dict(draw(session_requests()))
    names = sorted(SESSION_REQUEST.fields)
    for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
        body[name] = draw(ANY_JSON)
    for name in draw(st.lists(st.sampled_from(names), max_size=2, unique=True)):
        body.pop(name, None)
    body.update(draw(st.dictionaries(st.text(TEXT_CHARACTERS, max_size=8), ANY_JSON, max_size=2)))
    return body


@given(body=disturbed_bodies())
def test_any_body_gets_schema_loads_result_or_error_through_the_compiled_loader(body: dict[str, Any]) -> None:
    assert outcome(lambda data: fastload.load(SESSION_REQUEST, data), body) == outcome(SESSION_REQUEST.load, body)


@given(value=ANY_JSON)
def test_a_body_that_is_not_an_object_is_answered_by_schema_load(value: Any) -> None:
    compiled, deferred = counted(SessionRequestSchema())
    assert outcome(compiled, value) == outcome(SESSION_REQUEST.load, value)
    if not isinstance(value, dict):
        assert deferred == [value]


class Checked(Schema):
    """Schema validators of both kinds, one wanting the original data; a ``data_key``; an ``attribute``."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, data_key="Name")
    size = fields.Integer(load_default=3, attribute="count")
    seen: list[str]

    @validates_schema(pass_original=True)
    def single(self, data: dict[str, Any], original: dict[str, Any], **_: Any) -> None:
        self.seen.append(f"single {sorted(data)} {sorted(original)}")
        if data["name"] == "bad":
            raise ValidationError("bad name", "name")

    @validates_schema(pass_collection=True)
    def collection(self, data: dict[str, Any], **kwargs: Any) -> None:
        self.seen.append(f"collection many={kwargs['many']} partial={kwargs['partial']} unknown={kwargs['unknown']}")


@pytest.mark.parametrize(
    "body", [{"Name": "a"}, {"Name": "a", "size": 9, "other": 1}, {"Name": "bad"}, {"name": "a"}, {"Name": 5}]
)
def test_schema_validators_run_as_schema_load_runs_them(body: dict[str, Any]) -> None:
    plain, compiled_schema = Checked(), Checked()
    plain.seen, compiled_schema.seen = [], []
    compiled, _deferred = counted(compiled_schema)
    assert outcome(compiled, body) == outcome(plain.load, body)
    # Deferring runs the validators again (schema.load's own run): the last run is the one compared.
    assert compiled_schema.seen[-len(plain.seen) :] == plain.seen if plain.seen else compiled_schema.seen == []


@pytest.mark.parametrize("unknown", [RAISE, INCLUDE])
def test_unknown_keys_outside_exclude_are_answered_by_schema_load(unknown: Literal["include", "raise"]) -> None:
    class Strict(Schema):
        name = fields.String(required=True)

    compiled, deferred = counted(Strict(unknown=unknown))
    assert outcome(compiled, {"name": "a", "extra": 1}) == outcome(
        Strict(unknown=unknown).load, {"name": "a", "extra": 1}
    )
    assert deferred == [{"name": "a", "extra": 1}]
    assert outcome(compiled, {"name": "a"}) == ("loaded", [("name", str, "a")])
    assert len(deferred) == 1


class WithPreLoad(Schema):
    name = fields.String()

    @pre_load
    def lower(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"name": str(data.get("name", "")).lower()}


class WithPostLoad(Schema):
    name = fields.String()

    @post_load
    def wrap(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"wrapped": data}


class WithFieldValidator(Schema):
    name = fields.String()

    @validates("name")
    def not_x(self, value: str, **_: Any) -> None:
        if value == "x":
            raise ValidationError("no x")


class Dotted(Schema):
    name = fields.String(attribute="a.b")


class OwnLoad(Schema):
    name = fields.String()

    def load(self, data: Any, **kwargs: Any) -> Any:
        return {"own": True}


@pytest.mark.parametrize(
    "schema",
    [
        WithPreLoad(),
        WithPostLoad(),
        WithFieldValidator(),
        Dotted(),
        OwnLoad(),
        Checked(many=True),
        Checked(partial=True),
    ],
    ids=["pre_load", "post_load", "validates", "dotted attribute", "own load", "many", "partial"],
)
def test_a_schema_using_what_the_loader_does_not_reproduce_gets_plain_schema_load(schema: Schema) -> None:
    assert fastload.compile_load(schema) == schema.load


def test_loaders_are_kept_per_schema_instance_and_their_number_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastload, "_LOADERS", {})
    monkeypatch.setattr(fastload, "_LOADERS_LIMIT", 3)
    schemas = [SessionRequestSchema() for _ in range(5)]
    body: dict[str, Any] = {"external_user_id": "u", "email": "a@b.co", "first_name": "A", "last_name": "B"}
    body |= {"dob": "1977-01-11", "gender": "other", "member_id": "m", "metadata": {}}
    for schema in schemas:
        assert fastload.load(schema, body) == SESSION_REQUEST.load(body)
    assert len(fastload._LOADERS) == 3
    assert all(kept is schemas[index] for index, (kept, _loader) in enumerate(fastload._LOADERS.values()))


class Ruled(Schema):
    """Fields with validators, nulls allowed or not, defaults: the ones that keep ``field.deserialize``."""

    class Meta:
        unknown = EXCLUDE

    kind = fields.String(required=True, validate=validate.OneOf(["a", "b"]))
    size = fields.Integer(validate=validate.Range(min=1, max=9), allow_none=True)
    note = fields.String(load_default="none", allow_none=True)
    tags = fields.List(fields.String(validate=validate.Length(max=3)))
    plain = fields.String()


@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "kind": st.sampled_from(["a", "b", "c"]) | ANY_JSON,
            "size": st.integers(-2, 12) | st.none() | ANY_JSON,
            "note": st.text(max_size=3) | st.none(),
            "tags": st.lists(st.text(max_size=5), max_size=3) | ANY_JSON,
            "plain": st.text(max_size=3) | st.none() | ANY_JSON,
        },
    )
)
def test_fields_with_validators_nulls_and_defaults_load_as_schema_load_loads_them(body: dict[str, Any]) -> None:
    assert outcome(fastload.compile_load(Ruled()), body) == outcome(Ruled().load, body)


def test_a_present_value_goes_straight_to_the_fields_deserialize_only_where_that_is_all_deserialize_does() -> None:
    class OwnDeserialize(fields.String):
        def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any) -> Any:
            return "own"

    assert all(fastload._present_value_step(field) for field in SESSION_REQUEST.load_fields.values())
    ruled = Ruled()
    assert fastload._present_value_step(ruled.fields["kind"]) is None  # a validator
    assert fastload._present_value_step(ruled.fields["plain"]) is not None
    assert fastload._present_value_step(OwnDeserialize()) is None
    assert fastload._present_value_step(fields.String(pre_load=[str.strip])) is None


class Recording(Schema):
    """Schema validators that record every argument ``load`` gives them, one of them wanting the original data."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True)
    seen: list[str]

    @validates_schema(pass_original=True)
    def with_original(self, data: dict[str, Any], original: dict[str, Any], **kwargs: Any) -> None:
        self.seen.append(f"original {sorted(data)} {sorted(original)} {sorted(kwargs.items())}")

    @validates_schema
    def without_original(self, data: dict[str, Any], **kwargs: Any) -> None:
        self.seen.append(f"plain {sorted(data)} {sorted(kwargs.items())}")


@pytest.mark.parametrize("body", [{"name": "a"}, {"name": "a", "other": 1}])
def test_a_valid_bodys_schema_validators_run_on_the_compiled_path_with_load_s_arguments(body: dict[str, Any]) -> None:
    plain, compiled_schema = Recording(), Recording()
    plain.seen, compiled_schema.seen = [], []
    compiled, deferred = counted(compiled_schema)
    assert outcome(compiled, body) == outcome(plain.load, body)
    assert deferred == []  # the validators ran once, on the compiled path, and accepted the body
    assert compiled_schema.seen == plain.seen


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "a", "tags": [], "plain": "x"},  # size and note absent: size stays absent, note gets its default
        {"kind": "b", "size": 9, "note": None, "tags": ["abc"], "plain": ""},
    ],
)
def test_a_valid_body_with_validated_nullable_and_defaulted_fields_is_loaded_by_the_compiled_path(
    body: dict[str, Any],
) -> None:
    compiled, deferred = counted(Ruled())
    assert outcome(compiled, body) == outcome(Ruled().load, body)
    assert deferred == []


class Echoed(fields.String):
    """A field whose own rule reads its key and the whole body, as a custom field may."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        return f"{value} {attr} {sorted(data) if data is not None else None}"


class Keyed(Schema):
    straight = Echoed(data_key="Straight")  # a present value goes straight to _deserialize
    checked = Echoed(validate=validate.Length(min=1))  # through the field's deserialize


def test_a_fields_own_rule_gets_its_key_and_the_whole_body_on_the_compiled_path() -> None:
    body = {"Straight": "a", "checked": "b"}
    compiled, deferred = counted(Keyed())
    assert outcome(compiled, body) == outcome(Keyed().load, body)
    assert compiled(body) == {
        "straight": "a Straight ['Straight', 'checked']",
        "checked": "b checked ['Straight', 'checked']",
    }
    assert deferred == []


def test_a_schemas_loader_is_compiled_once_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastload, "_LOADERS", {})
    compiled: list[Schema] = []
    compile_load = fastload.compile_load

    def counting(schema: Schema) -> Callable[[Any], Any]:
        compiled.append(schema)
        return compile_load(schema)

    monkeypatch.setattr(fastload, "compile_load", counting)
    schema, other = Recording(), Recording()
    schema.seen, other.seen = [], []
    for _ in range(3):
        assert fastload.load(schema, {"name": "a"}) == {"name": "a"}
    assert compiled == [schema]
    assert fastload.load(other, {"name": "b"}) == {"name": "b"}
    assert compiled == [schema, other]
