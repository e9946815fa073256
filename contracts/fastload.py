"""``schema.load`` for the common valid body, without marshmallow's per-load machinery.

Why: on a valid CirrusMD session, marshmallow's ``Schema.load`` spends about as much on its own
machinery (an error store, a closure and ``_call_and_store`` per field, the partial/unknown
bookkeeping, the hook dispatch) as on the fields' rules. :func:`compile_load` reads a schema once
and returns a loader that makes exactly the calls ``load`` makes for a body with no problem, in the
same order, and nothing else:

- for each load field, in ``load_fields`` order: ``field.deserialize(value, data_key, data)`` (the
  field's own method: required, null, its ``_deserialize``, its validators, its ``load_default``),
  the result stored under ``field.attribute or name``; for a present, non-null value of a field
  with no validator and no field-level pre/post-load function, whose class keeps ``Field``'s own
  ``deserialize``, ``field._deserialize(value, data_key, data)``, which is all ``deserialize`` then
  does (:func:`_present_value_step`);
- then each ``@validates_schema`` method, as ``_invoke_schema_validators`` calls them when ``many``
  is false (the ``pass_collection`` ones first), with the original data when ``pass_original``.

Nothing is restated: every rule, message and default is the schema's, reached through the same
methods. The loader *positively recognises* only that path: at the first ``ValidationError`` (or
any other exception), or a body it does not know how to treat (not a ``dict``, unknown keys under
``RAISE``/``INCLUDE``), it hands the untouched body to ``schema.load`` itself, so every error and
its message is marshmallow's own. A schema using anything this loader does not reproduce
(``many``, ``partial``, pre- or post-load hooks, ``@validates`` field hooks, a dotted
``attribute``, an overridden loading method) gets plain ``schema.load``.

Equivalence is property-tested against ``schema.load`` on the contracts' own valid and invalid
bodies (``tests/contracts/test_fastload.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, Schema, missing
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA
from marshmallow.fields import Field

Loader = Callable[[Any], Any]

#: The loading methods whose behaviour the compiled loader reproduces; a schema class overriding any
#: of them is loaded by ``schema.load`` itself.
_LOADING_METHODS = ("load", "_do_load", "_deserialize", "_invoke_schema_validators", "_run_validator")

_LOADERS: dict[int, tuple[Schema, Loader]] = {}
#: Schemas are module-level constants or kept per class (``apidoc``): a handful. A bound keeps a
#: caller that builds schemas per request from growing this without limit.
_LOADERS_LIMIT = 256


def load(schema: Schema, data: Any) -> Any:
    """``schema.load(data)``: the same result, the same ``ValidationError`` (see the module's docstring)."""
    found = _LOADERS.get(id(schema))
    if found is None or found[0] is not schema:
        loader = compile_load(schema)
        if len(_LOADERS) < _LOADERS_LIMIT:
            _LOADERS[id(schema)] = (schema, loader)
    else:
        loader = found[1]
    return loader(data)


def compile_load(schema: Schema) -> Loader:
    """A loader equal to ``schema.load`` (plain ``schema.load`` when the schema uses what it does not reproduce)."""
    plain: Loader = schema.load
    if not _compilable(schema):
        return plain
    steps = tuple(
        (
            field.data_key if field.data_key is not None else name,
            field.deserialize,
            _present_value_step(field),
            field.attribute or name,
        )
        for name, field in schema.load_fields.items()
    )
    if any("." in key for *_ignored, key in steps):  # marshmallow's set_value nests dotted keys
        return plain
    known = frozenset(data_key for data_key, *_ignored in steps)
    checks_unknown = schema.unknown != EXCLUDE
    hooks = schema._hooks[VALIDATES_SCHEMA]
    # The order _do_load runs them in when ``many`` is false: the pass_collection ones, then the others.
    ordered = [hook for hook in hooks if hook[1]] + [hook for hook in hooks if not hook[1]]
    validators = tuple(
        (getattr(schema, attr_name), bool(kwargs.get("pass_original", False))) for attr_name, _many, kwargs in ordered
    )
    unknown = schema.unknown
    dict_class = schema.dict_class

    def compiled(data: Any) -> Any:
        if type(data) is not dict or (checks_unknown and not known.issuperset(data)):
            return plain(data)
        try:
            result = dict_class()
            for data_key, deserialize, present, key in steps:
                value = data.get(data_key, missing)
                if present is not None and value is not missing and value is not None:
                    result[key] = present(value, data_key, data)
                    continue
                value = deserialize(value, data_key, data)
                if value is not missing:
                    result[key] = value
            for validator, pass_original in validators:
                if pass_original:
                    validator(result, data, partial=None, many=False, unknown=unknown)
                else:
                    validator(result, partial=None, many=False, unknown=unknown)
        except Exception:  # any problem: marshmallow itself answers, with its own error
            return plain(data)
        return result

    return compiled


#: ``Field.deserialize`` and what it runs around ``_deserialize``: :func:`_present_value_step` relies on them.
_FIELD_METHODS = ("deserialize", "_validate_missing", "_validate", "_validate_all")


def _present_value_step(field: Field[Any]) -> Callable[[Any, str, Any], Any] | None:
    """``field._deserialize`` when that is all ``field.deserialize`` does with a present, non-null value, else None.

    ``Field.deserialize`` checks a missing or null value (``_validate_missing``, ``load_default``,
    ``allow_none``), then runs the field's ``pre_load`` functions, ``_deserialize``, its validators
    (``_validate``: an ``And`` of them, built on every call) and its ``post_load`` functions. For a
    field with none of those functions and no validator, and whose class keeps ``Field``'s own
    methods, a present non-null value gets exactly ``field._deserialize(value, attr, data)``.
    """
    kind = type(field)
    if field.validators or field.pre_load or field.post_load:
        return None
    if any(getattr(kind, name) is not getattr(Field, name) for name in _FIELD_METHODS):
        return None
    step: Callable[[Any, str, Any], Any] = field._deserialize
    return step


def _compilable(schema: Schema) -> bool:
    hooks = schema._hooks
    return (
        not schema.many
        and schema.partial is None
        and not hooks[PRE_LOAD]
        and not hooks[POST_LOAD]
        and not hooks[VALIDATES]
        and all(getattr(type(schema), name) is getattr(Schema, name) for name in _LOADING_METHODS)
    )
