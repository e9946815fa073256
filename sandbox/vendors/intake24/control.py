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

from flask import Blueprint, Response, jsonify, request

from contracts.control import schemas
from contracts.intake24 import control as control_schemas
from contracts.intake24.constants import SLUG_MAX_LENGTH
from contracts.intake24.schemas import SurveySettingsSchema, field_errors, openapi_attributes
from sandbox.control.declare import declarations
from sandbox.control.errors import ControlError, load
from sandbox.core.admission import waiting
from sandbox.core.apidoc import empty_reply, json_reply
from sandbox.core.body import BodyProblem, read_json_object
from sandbox.core.redact import redaction
from sandbox.core.tenants import CONTROL, Source
from sandbox.vendors.intake24.models import Survey
from sandbox.vendors.intake24.service import SettingsInvalid
from sandbox.vendors.intake24.wire import service

blueprint = Blueprint("control_intake24", __name__, url_prefix="/__sandbox/intake24")
#: ``PUT /__sandbox/intake24/surveys/{slug}`` is documented with the settings schema, but some of its
#: rules (WHATWG URLs, unique token characters) cannot be stated exactly in JSON Schema, so the
#: Schemathesis self-check leaves that one operation out (``tests/control/test_schemathesis.py``).
control = declarations(
    "intake24 tenants", names={SurveySettingsSchema: "Intake24SurveySettings"}, field_rules=(openapi_attributes,)
)
NOTIFICATIONS_QUERY = control_schemas.Intake24NotificationsQuerySchema()

SLUG = {"in": "path", "name": "slug", "required": True, "schema": {"type": "string", "minLength": 1}}
MISSING = json_reply(404, schemas.ErrorSchema, "No such survey or token")
SURVEY = json_reply(200, control_schemas.Intake24SurveySchema, "The survey: slug, numeric id and settings")


def _shown(survey: Survey, sources: dict[str, Source] | None = None) -> dict[str, Any]:
    """A survey as the control plane answers it: its settings through the redaction policy, so the
    JWT secret (``genUserKey``) is write-only and a notification URL keeps no password; with its
    ``source`` (created by the config file, or through the control plane)."""
    source = (service().survey_sources() if sources is None else sources).get(survey.slug.lower(), CONTROL)
    return {
        "slug": survey.slug,
        "id": str(survey.id),
        "settings": redaction().body(survey.settings),
        "source": source,
    }


def _survey(slug: str) -> Survey:
    survey = service().find_survey(slug)
    if survey is None:
        raise ControlError(
            f"no Intake24 survey {slug[:SLUG_MAX_LENGTH]!r}: create it with PUT", status=404, rule="unknown_survey"
        )
    return survey


@blueprint.get("/surveys")
@control.operation("Every survey", json_reply(200, control_schemas.Intake24SurveyListSchema, ""))
def list_surveys() -> Response:
    sources = service().survey_sources()
    return jsonify(surveys=[_shown(survey, sources) for survey in service().list_surveys()])


@blueprint.get("/surveys/<slug>/respondents")
@control.operation(
    "A survey's respondents with custom fields and URL tokens",
    json_reply(200, control_schemas.Intake24RespondentListSchema, "Respondents"),
    MISSING,
    parameters=(SLUG,),
)
def list_respondents(slug: str) -> Response:
    return jsonify(respondents=service().list_respondents(_survey(slug)))


@blueprint.get("/surveys/<slug>/sessions")
@control.operation(
    "Each respondent's recall session and its submissions",
    json_reply(200, control_schemas.Intake24SessionListSchema, "Sessions"),
    MISSING,
    parameters=(SLUG,),
)
def list_sessions(slug: str) -> Response:
    return jsonify(sessions=service().list_sessions(_survey(slug)))


@blueprint.put("/surveys/<slug>")
@control.operation(
    "Create (201) or replace (200) a survey's settings, with Intake24's field names",
    SURVEY,
    json_reply(201, control_schemas.Intake24SurveySchema, "The survey: slug, numeric id and settings"),
    json_reply(400, control_schemas.Intake24SettingsErrorSchema, "Settings Intake24 would refuse"),
    body=SurveySettingsSchema,
    parameters=(SLUG,),
)
def put_survey(slug: str) -> tuple[Response, int]:
    """The settings are checked by the service (the config file's surveys meet the same rules), and a
    refusal names each bad field: ``{"error", "errors"}``, not the control plane's usual ``{"error"}``."""
    try:
        body = read_json_object().value
    except BodyProblem as problem:
        # A body that is not a JSON object has no field to name: ``errors`` is empty, ``error`` says what to send.
        return jsonify(error=problem.message, errors={}), 400
    try:
        survey, created = service().put_survey(slug, body)
    except SettingsInvalid as invalid:
        response = jsonify(error=invalid.message, errors=field_errors(invalid.issues, "body", localise=False))
        return response, 400
    return jsonify(_shown(survey)), 201 if created else 200


@blueprint.get("/surveys/<slug>")
@control.operation("One survey", SURVEY, MISSING, parameters=(SLUG,))
def get_survey(slug: str) -> Response:
    return jsonify(_shown(_survey(slug)))


@blueprint.delete("/surveys/<slug>")
@control.operation(
    "Remove a survey with its respondents, sessions and submissions",
    empty_reply(204, "Removed"),
    MISSING,
    parameters=(SLUG,),
)
def delete_survey(slug: str) -> Response:
    if not service().delete_survey(slug):
        raise ControlError(f"no Intake24 survey {slug[:SLUG_MAX_LENGTH]!r}", status=404, rule="unknown_survey")
    return Response(status=204)


@blueprint.post("/personal-access-tokens")
@control.operation(
    "Issue a personal access token for the admin respondent API",
    json_reply(201, control_schemas.Intake24PatSchema, "Issued"),
    json_reply(400, schemas.ErrorSchema, "Invalid request"),
    body=control_schemas.Intake24PatRequestSchema,
)
def issue_pat() -> tuple[Response, int]:
    wanted = control.body()
    try:
        issued = service().issue_personal_access_token(wanted.get("name"), wanted.get("expires_in_seconds"))
    except ValueError as problem:
        raise ControlError(str(problem), rule="invalid_personal_access_token") from None
    return jsonify(issued), 201


@blueprint.delete("/personal-access-tokens/<token_id>")
@control.operation(
    "Revoke a personal access token",
    empty_reply(204, "Revoked"),
    MISSING,
    parameters=({"in": "path", "name": "token_id", "required": True, "schema": {"type": "string", "minLength": 1}},),
)
def revoke_pat(token_id: str) -> Response:
    if not service().revoke_personal_access_token(token_id):
        raise ControlError(f"no personal access token {token_id[:20]!r}", status=404, rule="unknown_token")
    return Response(status=204)


@blueprint.get("/notifications")
@control.operation(
    "Notification delivery attempts so far",
    json_reply(200, control_schemas.Intake24NotificationsSchema, "Attempts"),
    json_reply(400, schemas.ErrorSchema, "Invalid `wait`"),
    query=control_schemas.Intake24NotificationsQuerySchema,
)
def notifications() -> Response:
    intake24 = service()
    wait = load(NOTIFICATIONS_QUERY, request.args.to_dict()).get("wait")
    intake24.notifier.maybe_kick()  # notifications left by a process that stopped are sent by this one
    with waiting():
        settled = intake24.notifier.wait_for_deliveries(wait) if wait else True
    return jsonify(settled=settled, attempts=[vars(a) for a in list(intake24.notifier.attempts)])
