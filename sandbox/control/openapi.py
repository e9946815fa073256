"""``GET /__sandbox/openapi.json``, built from the views' declarations (:mod:`sandbox.core.openapi`).

What is left here for the transition: :func:`control_path` (still used by a vendor's path adder) and
:func:`add_paths`, Sympto's control paths until they are declared on their views.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask import Blueprint, Response, jsonify

from contracts.control import schemas
from contracts.fields import WHITESPACE
from contracts.sympto.schemas import PageLoadCheckSchema
from sandbox.core import openapi
from sandbox.core.apidoc import undocumented
from sandbox.core.openapi import json_response as answer
from sandbox.vendors.sympto.routes import use_field_rules

NOT_BLANK = rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$"
HEALTH = "/__sandbox/health"
blueprint = Blueprint("control_openapi", __name__, url_prefix="/__sandbox")


@blueprint.get("/openapi.json")
@undocumented("the document itself: a client reads it to learn the others, it has no contract of its own")
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
    """Sympto's control paths, until they are declared on their views (the neutral ones are in :mod:`.routes`)."""
    use_field_rules(spec)  # the Sympto tenant schemas use Sympto's fields (phone numbers)
    for name, schema in [
        ("SymptoClinicUpdate", schemas.SymptoClinicUpdateSchema),
        ("SymptoClinic", schemas.SymptoClinicSchema),
        ("SymptoClinicList", schemas.SymptoClinicListSchema),
        ("SymptoUserList", schemas.SymptoUserListSchema),
        ("SymptoSessionList", schemas.SymptoSessionListSchema),
        ("SymptoPageLoadCheck", PageLoadCheckSchema),
    ]:
        openapi.add_schema(spec, name, schema)
    # "ControlError" is registered by the declared views (sandbox.control.declare), built before any adder.
    error = answer("ControlError", "Invalid request; `error` says what to fix")
    missing = answer("ControlError", "No such thing")
    _add_sympto_paths(spec, error, missing)


def _add_sympto_paths(spec: APISpec, error: dict[str, Any], missing: dict[str, Any]) -> None:
    tags = ["sympto tenants"]
    clinic_id = [
        {
            "in": "path",
            "name": "clinic_id",
            "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NOT_BLANK},
        }
    ]
    by_clinic = [{"in": "query", "name": "clinic_id", "schema": {"type": "string", "maxLength": 64}}]
    conflict = answer("ControlError", "The admin email or phone belongs to another clinic or user")
    control_path(
        spec,
        "/__sandbox/sympto/clinics",
        operations={
            "get": {
                "tags": tags,
                "summary": "Sympto clinics and their admins (secrets redacted)",
                "responses": {"200": answer("SymptoClinicList", "Clinics")},
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/sympto/clinics/{clinic_id}",
        operations={
            "put": {
                "tags": tags,
                "summary": "Create or replace a clinic and its admin's API credentials",
                "parameters": clinic_id,
                "requestBody": {"required": True, "content": {"application/json": {"schema": "SymptoClinicUpdate"}}},
                "responses": {"200": answer("SymptoClinic", "Stored"), "400": error, "409": conflict},
            },
            "get": {
                "tags": tags,
                "summary": "One clinic",
                "parameters": clinic_id,
                "responses": {"200": answer("SymptoClinic", "The clinic"), "404": missing},
            },
            "delete": {
                "tags": tags,
                "summary": "Remove a clinic with its users, groups, sessions and tokens",
                "parameters": clinic_id,
                "responses": {"200": answer("SymptoClinic", "Removed"), "404": missing},
            },
        },
    )
    control_path(
        spec,
        "/__sandbox/sympto/users",
        operations={
            "get": {
                "tags": tags,
                "summary": "Users of one clinic or all, with their clinic",
                "parameters": by_clinic,
                "responses": {"200": answer("SymptoUserList", "Users"), "400": error},
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/sympto/sessions",
        operations={
            "get": {
                "tags": tags,
                "summary": "Front-end sessions (never the session id)",
                "parameters": by_clinic,
                "responses": {"200": answer("SymptoSessionList", "Sessions"), "400": error},
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/sympto/page-load",
        operations={
            "post": {
                "tags": tags,
                "summary": "The page-load verdict for a URL (or parameter and code), without opening a session",
                "requestBody": {"required": True, "content": {"application/json": {"schema": "SymptoPageLoadCheck"}}},
                "responses": {
                    "200": {
                        "description": "The verdict: ok, rule, message, user, partner, warnings",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": error,
                },
            }
        },
    )
