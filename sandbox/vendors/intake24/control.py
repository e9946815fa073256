"""``/__sandbox/intake24`` endpoints (flat list):

- ``GET /__sandbox/intake24/surveys`` — every survey (``{"surveys": [...]}``), oldest first
- ``GET /__sandbox/intake24/surveys/{slug}/respondents`` — its respondents with custom fields and URL tokens
- ``GET /__sandbox/intake24/surveys/{slug}/sessions`` — each respondent's recall session and its submissions
- ``PUT /__sandbox/intake24/surveys/{slug}`` — create (201) or replace (200) a survey's settings,
  JSON with Intake24's field names; 400 ``{"error", "errors"}``, ``errors`` keyed by each bad field's
  path (empty when the body is not a JSON object). Every answer
  shows a set ``genUserKey`` as ``"[redacted]"``: the secret is write-only
- ``GET /__sandbox/intake24/surveys/{slug}`` — ``{"slug", "id", "settings"}``; 404 when unknown
- ``DELETE /__sandbox/intake24/surveys/{slug}`` — 204; removes its respondents, sessions, submissions
- ``POST /__sandbox/intake24/personal-access-tokens`` ``{"name", "expires_in_seconds"?}`` — 201
  ``{"jwt", "token"}`` for ``Authorization: Bearer`` on ``/intake24/api/admin/...``; it expires at
  the end (UTC) of the day ``expires_in_seconds`` (default 30 days) from now, as Intake24's do
- ``DELETE /__sandbox/intake24/personal-access-tokens/{id}`` — 204; the token answers 401 from then on
- ``GET /__sandbox/intake24/notifications`` — the delivery attempts so far (``?wait=<seconds>``
  first waits for queued deliveries)
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask import Blueprint, Response, current_app, jsonify, request

from contracts.control import schemas
from contracts.intake24.schemas import SurveySettingsSchema, field_errors
from sandbox.control.errors import load
from sandbox.control.openapi import control_path
from sandbox.core import openapi
from sandbox.core.admission import waiting
from sandbox.core.body import BodyProblem, read_json_object
from sandbox.core.errors import VendorError
from sandbox.core.openapi import json_response as answer
from sandbox.core.redact import redaction
from sandbox.core.tenants import CONTROL, Source
from sandbox.vendors.intake24.routes import SERVICE_KEY
from sandbox.vendors.intake24.service import Intake24Service, SettingsInvalid, Survey

blueprint = Blueprint("control_intake24", __name__, url_prefix="/__sandbox/intake24")


def _service() -> Intake24Service:
    found: Intake24Service = current_app.extensions[SERVICE_KEY]
    return found


def _body() -> dict[str, Any]:
    try:
        return read_json_object().value  # type: ignore[no-any-return]
    except BodyProblem as problem:
        raise VendorError(problem.message, status=400, rule=problem.rule) from None


def _shown(survey: Survey, sources: dict[str, Source] | None = None) -> dict[str, Any]:
    """A survey as the control plane answers it: its settings through the redaction policy, so the
    JWT secret (``genUserKey``) is write-only and a notification URL keeps no password; with its
    ``source`` (created by the config file, or through the control plane)."""
    source = (_service().survey_sources() if sources is None else sources).get(survey.slug.lower(), CONTROL)
    return {
        "slug": survey.slug,
        "id": str(survey.id),
        "settings": redaction().body(survey.settings),
        "source": source,
    }


def _survey(slug: str) -> Survey:
    survey = _service().find_survey(slug)
    if survey is None:
        raise VendorError(f"no Intake24 survey {slug[:128]!r}: create it with PUT", status=404, rule="unknown_survey")
    return survey


@blueprint.get("/surveys")
def list_surveys() -> Response:
    sources = _service().survey_sources()
    return jsonify(surveys=[_shown(survey, sources) for survey in _service().list_surveys()])


@blueprint.get("/surveys/<slug>/respondents")
def list_respondents(slug: str) -> Response:
    return jsonify(respondents=_service().list_respondents(_survey(slug)))


@blueprint.get("/surveys/<slug>/sessions")
def list_sessions(slug: str) -> Response:
    return jsonify(sessions=_service().list_sessions(_survey(slug)))


@blueprint.put("/surveys/<slug>")
def put_survey(slug: str) -> tuple[Response, int]:
    try:
        body = read_json_object().value
    except BodyProblem as problem:
        # The documented 400 of this operation is ``{"error", "errors"}``: a body that is not a JSON
        # object has no field to name, so ``errors`` is empty and ``error`` says what to send.
        return jsonify(error=problem.message, errors={}), 400
    try:
        survey, created = _service().put_survey(slug, body)
    except SettingsInvalid as invalid:
        response = jsonify(error=invalid.message, errors=field_errors(invalid.issues, "body", localise=False))
        return response, 400
    return jsonify(_shown(survey)), 201 if created else 200


@blueprint.get("/surveys/<slug>")
def get_survey(slug: str) -> Response:
    return jsonify(_shown(_survey(slug)))


@blueprint.delete("/surveys/<slug>")
def delete_survey(slug: str) -> Response:
    if not _service().delete_survey(slug):
        raise VendorError(f"no Intake24 survey {slug[:128]!r}", status=404, rule="unknown_survey")
    return Response(status=204)


@blueprint.post("/personal-access-tokens")
def issue_pat() -> tuple[Response, int]:
    body = load(PAT_REQUEST, _body())
    try:
        issued = _service().issue_personal_access_token(body.get("name"), body.get("expires_in_seconds"))
    except ValueError as problem:
        raise VendorError(str(problem), status=400, rule="invalid_personal_access_token") from None
    return jsonify(issued), 201


@blueprint.delete("/personal-access-tokens/<token_id>")
def revoke_pat(token_id: str) -> Response:
    if not _service().revoke_personal_access_token(token_id):
        raise VendorError(f"no personal access token {token_id[:20]!r}", status=404, rule="unknown_token")
    return Response(status=204)


@blueprint.get("/notifications")
def notifications() -> Response:
    service = _service()
    wait = load(NOTIFICATIONS_QUERY, request.args.to_dict()).get("wait")
    with waiting():
        settled = service.notifier.wait_for_deliveries(wait) if wait else True
    return jsonify(settled=settled, attempts=[vars(a) for a in list(service.notifier.attempts)])


NOTIFICATIONS_QUERY = schemas.Intake24NotificationsQuerySchema()
PAT_REQUEST = schemas.Intake24PatRequestSchema()


def openapi_paths(spec: APISpec) -> None:
    """The ``/__sandbox/intake24`` endpoints in the OpenAPI document.

    ``PUT /__sandbox/intake24/surveys/{slug}`` is documented with the settings schema, but some of
    its rules (WHATWG URLs, unique token characters) cannot be stated exactly in JSON Schema, so the
    Schemathesis self-check leaves that one operation out (``tests/control/test_schemathesis.py``).
    """
    for name, schema in [
        ("Intake24SurveyList", schemas.Intake24SurveyListSchema),
        ("Intake24RespondentList", schemas.Intake24RespondentListSchema),
        ("Intake24SessionList", schemas.Intake24SessionListSchema),
        ("Intake24Notifications", schemas.Intake24NotificationsSchema),
        ("Intake24PatRequest", schemas.Intake24PatRequestSchema),
        ("Intake24Pat", schemas.Intake24PatSchema),
    ]:
        openapi.add_schema(spec, name, schema)
    tags = ["intake24 tenants"]
    missing = answer("ControlError", "No such survey or token")
    slug = [{"in": "path", "name": "slug", "required": True, "schema": {"type": "string", "minLength": 1}}]
    control_path(
        spec,
        "/__sandbox/intake24/surveys",
        operations={
            "get": {"tags": tags, "summary": "Every survey", "responses": {"200": answer("Intake24SurveyList", "")}}
        },
    )
    openapi.add_schema(spec, "Intake24SurveySettings", SurveySettingsSchema)
    spec.components.schema(
        "Intake24SettingsError",
        {
            "type": "object",
            "required": ["error", "errors"],
            "properties": {
                "error": {"type": "string"},
                "errors": {
                    "type": "object",
                    "description": "One entry per bad field, keyed by its dotted path (empty when the body "
                    "is not a JSON object)",
                    "additionalProperties": {"type": "object"},
                },
            },
        },
    )
    survey = answer("Intake24Survey", "The survey: slug, numeric id and settings")
    control_path(
        spec,
        "/__sandbox/intake24/surveys/{slug}",
        operations={
            "put": {
                "tags": tags,
                "summary": "Create (201) or replace (200) a survey's settings, with Intake24's field names",
                "parameters": slug,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "Intake24SurveySettings"}},
                },
                "responses": {
                    "200": survey,
                    "201": survey,
                    "400": answer("Intake24SettingsError", "Settings Intake24 would refuse"),
                },
            },
            "get": {
                "tags": tags,
                "summary": "One survey",
                "parameters": slug,
                "responses": {"200": survey, "404": missing},
            },
            "delete": {
                "tags": tags,
                "summary": "Remove a survey with its respondents, sessions and submissions",
                "parameters": slug,
                "responses": {"204": {"description": "Removed"}, "404": missing},
            },
        },
    )
    control_path(
        spec,
        "/__sandbox/intake24/surveys/{slug}/respondents",
        operations={
            "get": {
                "tags": tags,
                "summary": "A survey's respondents with custom fields and URL tokens",
                "parameters": slug,
                "responses": {"200": answer("Intake24RespondentList", "Respondents"), "404": missing},
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/intake24/surveys/{slug}/sessions",
        operations={
            "get": {
                "tags": tags,
                "summary": "Each respondent's recall session and its submissions",
                "parameters": slug,
                "responses": {"200": answer("Intake24SessionList", "Sessions"), "404": missing},
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/intake24/notifications",
        operations={
            "get": {
                "tags": tags,
                "summary": "Notification delivery attempts so far",
                "parameters": [{"in": "query", "schema": schemas.Intake24NotificationsQuerySchema}],
                "responses": {
                    "200": answer("Intake24Notifications", "Attempts"),
                    "400": answer("ControlError", "Invalid `wait`"),
                },
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/intake24/personal-access-tokens",
        operations={
            "post": {
                "tags": tags,
                "summary": "Issue a personal access token for the admin respondent API",
                "requestBody": {"required": True, "content": {"application/json": {"schema": "Intake24PatRequest"}}},
                "responses": {
                    "201": answer("Intake24Pat", "Issued"),
                    "400": answer("ControlError", "Invalid request"),
                },
            }
        },
    )
    control_path(
        spec,
        "/__sandbox/intake24/personal-access-tokens/{token_id}",
        operations={
            "delete": {
                "tags": tags,
                "summary": "Revoke a personal access token",
                "parameters": [
                    {"in": "path", "name": "token_id", "required": True, "schema": {"type": "string", "minLength": 1}}
                ],
                "responses": {"204": {"description": "Revoked"}, "404": missing},
            }
        },
    )
