"""The OpenAPI 3 document, generated from the marshmallow contracts with apispec.

Each vendor (and the control plane) registers a function that adds its paths; schemas are the
contract schemas themselves, and the custom fields of :mod:`contracts.fields` contribute their
limits (``enum``, ``maxLength``, ``format``), so the document cannot drift from what is enforced.
:func:`undocumented_routes` names any served route the document leaves out without a stated reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app
from marshmallow import Schema, fields
from werkzeug.routing import Rule

from contracts.fields import EMAIL_PATTERN, ISO_DATE_PATTERN, WHITESPACE, Choice, Email, IsoDate, JsonObject, Text
from sandbox.core import apidoc
from sandbox.core.errors import SURFACES_KEY
from sandbox.version import installed_version


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


def build(version: str, app: Flask) -> dict[str, Any]:
    """The document of ``app``: every declared view (:mod:`sandbox.core.apidoc`), nothing written beside them."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="vendor-sandbox",
        version=version,
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "Local, faithful emulation of health-tech vendors' integration surfaces."},
    )
    plugin.converter.add_attribute_function(_contract_field_attributes)  # type: ignore[union-attr]
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    _add_declared_paths(spec, plugin, app)
    document: dict[str, Any] = spec.to_dict()
    return document


def document() -> dict[str, Any]:
    """The document for the current app (built once per process).

    The version comes from the leaf :mod:`sandbox.version`, not from the root package: ``import sandbox``
    would make the core depend (through ``sandbox.__init__``) on the app factory, a layer above it.
    """
    cached: dict[str, Any] | None = current_app.extensions.get("sandbox.openapi_document")
    if cached is None:
        cached = build(installed_version(), current_app)
        current_app.extensions["sandbox.openapi_document"] = cached
    return cached


def openapi_path(rule: Rule) -> str:
    """``/x/<slug>/y/<path:rest>`` → ``/x/{slug}/y/{rest}``."""
    return _CONVERTED.sub(lambda found: "{" + found.group(1) + "}", rule.rule)


_CONVERTED = re.compile(r"<(?:[a-zA-Z_][a-zA-Z0-9_]*(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def _add_declared_paths(spec: APISpec, plugin: MarshmallowPlugin, app: Flask) -> None:
    paths: dict[str, dict[str, Any]] = {}
    taught: set[int] = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if view is None or not apidoc.operations_of(view):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            declared = apidoc.operation_for(view, method)
            if declared is None:
                continue
            owner = declared.declarations
            if id(owner) not in taught:
                taught.add(id(owner))
                for field_rule in owner.field_rules:
                    plugin.converter.add_attribute_function(field_rule)  # type: ignore[union-attr]
                for component in owner.components:
                    add_schema(spec, owner.component_name(component), component)
                if owner.bearer_scheme is not None and owner.bearer_scheme[0] not in spec.components.security_schemes:
                    spec.components.security_scheme(owner.bearer_scheme[0], dict(owner.bearer_scheme[1]))
            path = openapi_path(rule)
            operation = _operation(spec, declared, rule)
            if owner.finish is not None:
                owner.finish(path, declared, operation)
            paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path, operations=operations)


def _schema(spec: APISpec, owner: apidoc.Declarations, schema: apidoc.SchemaRef | apidoc.OneOf) -> str | dict[str, Any]:
    """A contract schema becomes a named component (registered once); a raw JSON Schema stays inline,
    its ``oneOf``/``anyOf``/``allOf`` alternatives may be contract schemas (a body of one of two shapes)."""
    if isinstance(schema, apidoc.OneOf):
        choices = [_schema(spec, owner, choice) for choice in schema.choices]
        return {"oneOf": [{"$ref": f"#/components/schemas/{c}"} if isinstance(c, str) else c for c in choices]}
    if isinstance(schema, Schema):
        schema = type(schema)
    if isinstance(schema, type) and issubclass(schema, Schema):
        name = owner.component_name(schema)
        add_schema(spec, name, schema)
        return name
    inline: dict[str, Any] = _inline(spec, owner, schema)
    return inline


def _inline(spec: APISpec, owner: apidoc.Declarations, value: Any) -> Any:
    """A raw JSON Schema, copied, where a contract schema class becomes a reference to its component."""
    if isinstance(value, type) and issubclass(value, Schema):
        name = owner.component_name(value)
        add_schema(spec, name, value)
        return spec.components.get_ref("schema", name)
    if isinstance(value, Mapping):
        return {key: _inline(spec, owner, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_inline(spec, owner, item) for item in value]
    return value


def _operation(spec: APISpec, declared: apidoc.Operation, rule: Rule) -> dict[str, Any]:
    owner = declared.declarations
    operation: dict[str, Any] = {"tags": list(declared.tags), "summary": declared.summary}
    if declared.description:
        operation["description"] = declared.description
    if declared.deprecated:
        operation["deprecated"] = True
    if declared.bearer:
        scheme = owner.bearer_scheme[0] if owner.bearer_scheme is not None else "bearer"
        operation["security"] = [{scheme: []}]
    parameters = [dict(parameter) for parameter in declared.parameters]
    named = {parameter.get("name") for parameter in parameters if parameter.get("in") == "path"}
    for argument in sorted(rule.arguments - named, key=rule.rule.index):
        parameters.append({"in": "path", "name": argument, "required": True, "schema": {"type": "string"}})
    if declared.query is not None:
        parameters.append({"in": "query", "schema": declared.query})
    if parameters:
        operation["parameters"] = parameters
    if declared.body is not None:
        body_schema = _schema(spec, owner, declared.body)
        operation["requestBody"] = {
            "required": True,
            "content": {media: {"schema": body_schema} for media in declared.body_media},
        }
    responses: dict[str, Any] = {}
    for reply in declared.replies:
        answer: dict[str, Any] = {"description": reply.description}
        if reply.schema is not None:
            answer["content"] = {reply.media: {"schema": _schema(spec, owner, reply.schema)}}
        if reply.headers:
            answer["headers"] = {name: dict(header) for name, header in reply.headers.items()}
        responses[str(reply.status)] = answer
    operation["responses"] = responses
    return operation


def add_schema(spec: APISpec, name: str, schema: type[Schema]) -> None:
    """Register a contract schema (once: several views may name it); a class attribute
    ``OPENAPI`` adds what its cross-field validators enforce."""
    if name in spec.components.schemas:
        return
    spec.components.schema(name, component=dict(getattr(schema, "OPENAPI", {})), schema=schema)


def undocumented_routes(app: Flask, document: Mapping[str, Any]) -> list[str]:
    """Served routes the document does not describe and no one marked as left out on purpose.

    Only routes under a registered surface's prefix count (a vendor's, ``/__sandbox``): those are the
    ones partners and tests call. A route is described when ``document`` has its path and method (from
    the declaration on its view); else its view must say why it is left out
    (:func:`sandbox.core.apidoc.undocumented`). Each is ``"GET /x/<y> (endpoint)"``.
    """
    prefixes = [surface.prefix for surface in app.extensions.get(SURFACES_KEY, [])]
    paths: Mapping[str, Mapping[str, Any]] = document.get("paths", {})
    missing = []
    for rule in app.url_map.iter_rules():
        if not any(rule.rule == prefix or rule.rule.startswith(prefix + "/") for prefix in prefixes):
            continue
        view = app.view_functions.get(rule.endpoint)
        if view is not None and apidoc.undocumented_reason(view):
            continue
        described = paths.get(openapi_path(rule), {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method.lower() not in described:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    return missing


def json_response(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}
