"""``/__sandbox/sympto``: Sympto clinics (tenants) with their admins, users and sessions, and the page-load check.

| endpoint | purpose |
|---|---|
| ``GET /__sandbox/sympto/clinics`` | the clinics (every secret redacted) |
| ``PUT /__sandbox/sympto/clinics/<id>`` | create/replace a clinic and its admin (``admin_email``, ``api_secret``) |
| ``GET/DELETE /__sandbox/sympto/clinics/<id>`` | one clinic; delete removes its users, groups, sessions |
| ``GET /__sandbox/sympto/users[?clinic_id=]`` | users as the Sympto listings show them, with their clinic |
| ``GET /__sandbox/sympto/sessions[?clinic_id=]`` | front-end sessions (never the session id) |
| ``POST /__sandbox/sympto/page-load`` | the page-load verdict for ``{"url"}`` or ``{"endpointQueryParam", \
"authenticationCode"}`` as JSON, without opening a session |
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, current_app, g, jsonify, request
from marshmallow import ValidationError

from contracts.control import schemas
from contracts.fields import NUL
from contracts.sympto.schemas import PAGE_LOAD_CHECK, invalid_body_message
from sandbox.control.declare import json_body
from sandbox.control.errors import ControlError, load
from sandbox.core.body import BodyProblem, read_json_object
from sandbox.core.errors import VendorError
from sandbox.vendors.sympto.routes import SERVICE_KEY
from sandbox.vendors.sympto.service import AUTH_CODE_PREFIX, Clinic, SymptoService

blueprint = Blueprint("control_sympto", __name__, url_prefix="/__sandbox/sympto")
CLINIC_UPDATE = schemas.SymptoClinicUpdateSchema()
CLINIC_QUERY = schemas.ClinicQuerySchema()
MAX_CLINIC_ID = 64


def service() -> SymptoService:
    found: SymptoService = current_app.extensions[SERVICE_KEY]
    return found


def _clinic_id(clinic_id: str) -> str:
    if not clinic_id.strip() or len(clinic_id) > MAX_CLINIC_ID or NUL in clinic_id:
        raise ControlError(f"clinic_id must be 1 to {MAX_CLINIC_ID} characters, not blank, without NUL")
    return clinic_id


def _unknown(clinic_id: str) -> ControlError:
    return ControlError(f"no Sympto clinic {clinic_id[:MAX_CLINIC_ID]!r}", status=404, rule="unknown_clinic")


@blueprint.get("/clinics")
def list_clinics() -> Response:
    return jsonify(clinics=service().clinic_views())


@blueprint.put("/clinics/<clinic_id>")
def put_clinic(clinic_id: str) -> Response:
    clinic_id = _clinic_id(clinic_id)
    wanted = load(CLINIC_UPDATE, json_body())
    clinic = Clinic(
        clinic_id, wanted.get("name") or clinic_id, wanted["admin_email"], wanted["api_secret"], wanted["admin_phone"]
    )
    conflict = service().clinic_conflict(clinic)
    if conflict is not None:
        raise ControlError(f"cannot use this admin: {conflict}", status=409, rule="admin_taken")
    service().put_clinic(clinic)
    return jsonify(service().clinic_view(clinic_id))


@blueprint.get("/clinics/<clinic_id>")
def get_clinic(clinic_id: str) -> Response:
    view = service().clinic_view(clinic_id)
    if view is None:
        raise _unknown(clinic_id)
    return jsonify(view)


@blueprint.delete("/clinics/<clinic_id>")
def delete_clinic(clinic_id: str) -> Response:
    view = service().clinic_view(clinic_id)
    if view is None or not service().delete_clinic(clinic_id):
        raise _unknown(clinic_id)
    return jsonify(view)


@blueprint.get("/users")
def list_users() -> Response:
    query = load(CLINIC_QUERY, request.args.to_dict())
    return jsonify(users=service().all_users(query.get("clinic_id")))


@blueprint.get("/sessions")
def list_sessions() -> Response:
    query = load(CLINIC_QUERY, request.args.to_dict())
    return jsonify(sessions=service().list_sessions(query.get("clinic_id")))


@blueprint.post("/page-load")
def page_load() -> Response:
    try:
        body = PAGE_LOAD_CHECK.load(read_json_object().value)
    except BodyProblem as problem:
        raise VendorError(problem.message, status=400, rule=problem.rule) from None
    except ValidationError as error:
        raise VendorError(
            invalid_body_message(error.normalized_messages()),  # type: ignore[no-untyped-call]
            status=400,
            rule="invalid_body",
        ) from None
    if body["url"] is not None:
        url = body["url"]
        query = urlsplit(url).query if "?" in url else url
        pairs = parse_qsl(query, keep_blank_values=True)
    else:
        pairs = [(AUTH_CODE_PREFIX + body["endpointQueryParam"], body["authenticationCode"])]
    outcome = service().page_load(pairs, g.get("correlation_id", ""), sign_in=False)
    return jsonify(outcome.as_json())
