"""CirrusMD's HTTP surface, mounted at ``/cirrusmd``: views load, call the service, render."""

from __future__ import annotations

from apispec import APISpec
from flask import Blueprint, Response, current_app, jsonify, request

from contracts.cirrusmd.schemas import ErrorSchema, SessionCreatedSchema, SessionRequestSchema
from sandbox.core import journal
from sandbox.core.openapi import add_schema, json_response
from sandbox.vendors.cirrusmd import auth
from sandbox.vendors.cirrusmd.service import CirrusmdService

PREFIX = "/cirrusmd"
SERVICE_KEY = "sandbox.cirrusmd"
ACCEPT_WARNING = (
    "No `Accept: application/json` header: CirrusMD documents it as required since 2020-06-15; "
    "send it so the real API does not answer in another format."
)

blueprint = Blueprint("cirrusmd", __name__, url_prefix=PREFIX)


def service() -> CirrusmdService:
    found: CirrusmdService = current_app.extensions[SERVICE_KEY]
    return found


def accepts_json(accept: str | None) -> bool:
    return bool(accept) and any(
        part.split(";")[0].strip() in ("application/json", "application/*", "*/*") for part in (accept or "").split(",")
    )


@blueprint.post("/sdk/v2/public/sessions")
def create_session() -> tuple[Response, int]:
    """Find then update or create a member and return a token for the Mobile SDK."""
    cirrusmd = service()
    claims = cirrusmd.authenticate(request.headers.get("Authorization"))
    journal.note(tenant=claims["sub"])
    for rule, message in auth.claim_warnings(claims):
        journal.warn(rule, message)
    if not accepts_json(request.headers.get("Accept")):
        journal.warn("accept_header_missing", ACCEPT_WARNING)
    member = cirrusmd.load_session_request()
    result = cirrusmd.create_session(claims["sub"], member, api_url=request.host_url + PREFIX.lstrip("/"))
    return jsonify(access_token=result.access_token), 201


def openapi_paths(spec: APISpec) -> None:
    """CirrusMD's endpoint in the OpenAPI document, from the contract schemas."""
    add_schema(spec, "CirrusmdSessionRequest", SessionRequestSchema)
    add_schema(spec, "CirrusmdSessionCreated", SessionCreatedSchema)
    add_schema(spec, "CirrusmdError", ErrorSchema)
    error = "CirrusmdError"
    spec.path(
        PREFIX + "/sdk/v2/public/sessions",
        operations={
            "post": {
                "tags": ["cirrusmd"],
                "summary": "Find then update or create a member; return a token for the Mobile SDK",
                "security": [{"bearer": []}],
                "parameters": [
                    {"in": "header", "name": "Accept", "schema": {"type": "string", "example": "application/json"}}
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "CirrusmdSessionRequest"}},
                },
                "responses": {
                    "201": json_response("CirrusmdSessionCreated", "Session created"),
                    "401": json_response(error, "A problem with the JWT in the Authorization header"),
                    "413": json_response(error, "Body over 1 MiB"),
                    "422": json_response(error, "A problem with the parameters in the body"),
                },
            }
        },
    )
