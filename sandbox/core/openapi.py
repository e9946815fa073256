"""The OpenAPI 3 document, generated from the marshmallow contracts with apispec.

Each vendor (and the control plane) registers a function that adds its paths; schemas are the
contract schemas themselves, and the custom fields of :mod:`contracts.fields` contribute their
limits (``enum``, ``maxLength``, ``format``), so the document cannot drift from what is enforced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app
from marshmallow import Schema, fields

from contracts.fields import EMAIL_PATTERN, ISO_DATE_PATTERN, WHITESPACE, Choice, Email, IsoDate, JsonObject, Text
from sandbox.version import installed_version

PATHS_KEY = "sandbox.openapi_paths"
PathAdder = Callable[[APISpec], None]


def register_paths(app: Flask, adder: PathAdder) -> None:
    app.extensions.setdefault(PATHS_KEY, []).append(adder)


def _contract_field_attributes(_: Any, field: fields.Field[Any], **__: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if isinstance(field, Text):
        if field.max_length is not None:
            attributes["maxLength"] = field.max_length
        if not field.blank_ok:
            attributes["minLength"] = 1
        # No NUL anywhere; unless blanks are allowed, at least one non-space character.
        attributes["pattern"] = r"^[^\x00]*$" if field.blank_ok else rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"
    if isinstance(field, Choice):
        attributes["enum"] = list(field.choices)
    if isinstance(field, Email):
        attributes["pattern"] = EMAIL_PATTERN
    if isinstance(field, IsoDate):
        attributes.pop("minLength", None)
        attributes["pattern"] = ISO_DATE_PATTERN
    if isinstance(field, JsonObject):
        attributes["type"] = "object"
        attributes["additionalProperties"] = True
        # JSON Schema cannot bound an object's serialised size; state it as an extension.
        attributes["x-maxJsonBytes"] = field.max_bytes
    return attributes


def build(version: str, adders: list[PathAdder]) -> dict[str, Any]:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="vendor-sandbox",
        version=version,
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "Local, faithful emulation of CirrusMD, Intake24 and Sympto integration surfaces."},
    )
    plugin.converter.add_attribute_function(_contract_field_attributes)  # type: ignore[union-attr]
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for adder in adders:
        adder(spec)
    document: dict[str, Any] = spec.to_dict()
    return document


def document() -> dict[str, Any]:
    """The document for the current app (built once per process).

    The version comes from the leaf :mod:`sandbox.version`, not from the root package: ``import sandbox``
    would make the core depend (through ``sandbox.__init__``) on the app factory, a layer above it.
    """
    cached: dict[str, Any] | None = current_app.extensions.get("sandbox.openapi_document")
    if cached is None:
        cached = build(installed_version(), current_app.extensions.get(PATHS_KEY, []))
        current_app.extensions["sandbox.openapi_document"] = cached
    return cached


def add_schema(spec: APISpec, name: str, schema: type[Schema]) -> None:
    """Register a contract schema; a class attribute ``OPENAPI`` adds what its cross-field validators enforce."""
    spec.components.schema(name, component=dict(getattr(schema, "OPENAPI", {})), schema=schema)


def json_response(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}
