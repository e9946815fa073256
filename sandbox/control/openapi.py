"""``GET /__sandbox/openapi.json`` and the control plane's own paths in the document."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask import Blueprint, Response, jsonify

from contracts.control import schemas
from sandbox.core import openapi
from sandbox.core.openapi import json_response as answer

HEALTH = "/__sandbox/health"
blueprint = Blueprint("control_openapi", __name__, url_prefix="/__sandbox")


@blueprint.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(openapi.document())


def control_path(spec: APISpec, path: str, operations: dict[str, Any]) -> None:
    """Add a control-plane path with the answers its guard (:mod:`sandbox.control.security`) can give.

    The guard runs before any view, so every operation can meet it: 403 for a cross-origin browser
    request, and (all but health) 401 on a token-protected sandbox without the admin token. The
    document is the same with or without a token, so both answers are always listed. An operation
    that takes a body can also meet the body limit (413), before its view reads anything.
    """
    for operation in operations.values():
        responses = operation.setdefault("responses", {})
        if "requestBody" in operation:
            responses.setdefault("413", answer("ControlError", "The body is over the sandbox's body limit (1 MiB)"))
        responses.setdefault("403", answer("ControlError", "A cross-origin browser request (Origin or Host refused)"))
        if path != HEALTH:
            responses.setdefault(
                "401", answer("ControlError", "This sandbox has an admin token and the request did not send it")
            )
    spec.path(path, operations=operations)


def add_paths(spec: APISpec) -> None:
    for name, schema in [
        ("ControlError", schemas.ErrorSchema),
        ("Health", schemas.HealthSchema),
        ("Clock", schemas.ClockSchema),
        ("ClockUpdate", schemas.ClockUpdateSchema),
        ("Catalogue", schemas.CatalogueSchema),
        ("ArmCatalogueFault", schemas.ArmCatalogueFaultSchema),
        ("ArmCustomFault", schemas.ArmCustomFaultSchema),
        ("ArmedFault", schemas.ArmedFaultSchema),
        ("ArmedFaultList", schemas.ArmedFaultListSchema),
        ("Disarmed", schemas.DisarmedSchema),
        ("Journal", schemas.JournalSchema),
        ("JournalCount", schemas.JournalCountSchema),
        ("Reset", schemas.ResetSchema),
    ]:
        openapi.add_schema(spec, name, schema)
    error = answer("ControlError", "Invalid request; `error` says what to fix")
    missing = answer("ControlError", "No such thing")
    tags = ["control plane"]
    control_path(
        spec,
        "/__sandbox/health",
        operations={"get": {"tags": tags, "summary": "Liveness", "responses": {"200": answer("Health", "Up")}}},
    )
    control_path(
        spec,
        "/__sandbox/reset",
        operations={
            "post": {
                "tags": tags,
                "summary": "Back to the configured start (state, journal, faults, clock)",
                "parameters": [{"in": "query", "schema": schemas.ResetQuerySchema}],
                "responses": {"200": answer("Reset", "Reset"), "400": error, "404": missing},
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/journal",
        operations={
            "get": {
                "tags": tags,
                "summary": "Recorded exchanges, newest first",
                "parameters": [{"in": "query", "schema": schemas.JournalQuerySchema}],
                "responses": {"200": answer("Journal", "Entries"), "400": error},
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/journal/count",
        operations={
            "get": {
                "tags": tags,
                "summary": "How many recorded exchanges match the filters",
                "parameters": [{"in": "query", "schema": schemas.JournalCountQuerySchema}],
                "responses": {"200": answer("JournalCount", "The count"), "400": error},
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/faults/catalogue",
        operations={
            "get": {
                "tags": tags,
                "summary": "Every documented vendor error, armable by name",
                "responses": {"200": answer("Catalogue", "The catalogue")},
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/faults",
        operations={
            "get": {
                "tags": tags,
                "summary": "Armed faults",
                "parameters": [{"in": "query", "name": "vendor", "schema": {"type": "string"}}],
                "responses": {"200": answer("ArmedFaultList", "Armed faults")},
            },
            "post": {
                "tags": tags,
                "summary": "Arm a fault",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {"$ref": "#/components/schemas/ArmCatalogueFault"},
                                    {"$ref": "#/components/schemas/ArmCustomFault"},
                                ]
                            }
                        }
                    },
                },
                "responses": {
                    "201": answer("ArmedFault", "Armed"),
                    "400": error,
                    "404": missing,
                    "409": answer("ControlError", "[limits] armed_faults faults are armed already"),
                },
            },
            "delete": {
                "tags": tags,
                "summary": "Disarm all (or one vendor's)",
                "parameters": [{"in": "query", "name": "vendor", "schema": {"type": "string"}}],
                "responses": {"200": answer("Disarmed", "Disarmed")},
            },
        },
    )
    control_path(
        spec,
        "/__sandbox/faults/{fault_id}",
        operations={
            "delete": {
                "tags": tags,
                "summary": "Disarm one fault",
                "parameters": [
                    {
                        "in": "path",
                        "name": "fault_id",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    }
                ],
                "responses": {"200": answer("Disarmed", "Disarmed"), "404": missing},
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/clock",
        operations={
            "get": {
                "tags": tags,
                "summary": "The global clock (with the tenants that have their own), or one tenant's",
                "parameters": [{"in": "query", "schema": schemas.ClockQuerySchema}],
                "responses": {"200": answer("Clock", "The clock"), "400": error, "404": missing},
            },
            "put": {
                "tags": tags,
                "summary": "Shift, freeze or release the global clock, or one tenant's",
                "parameters": [{"in": "query", "schema": schemas.ClockQuerySchema}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": "ClockUpdate"}}},
                "responses": {"200": answer("Clock", "The clock"), "400": error, "404": missing},
            },
        },
    )
