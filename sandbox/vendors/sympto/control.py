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
| ``GET /__sandbox/sympto/deliveries[?wait=&clinic_id=&limit=]`` | event deliveries with every attempt; ``wait`` first \
waits until none is being sent or due |
| ``POST /__sandbox/sympto/responses`` | a patient completes an item: the response webhook fires |
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema

from contracts.control import schemas
from contracts.fields import NUL, WHITESPACE
from contracts.sympto import control as control_schemas
from contracts.sympto.events import SimulateResponseSchema
from contracts.sympto.schemas import CLINIC_ID_MAX_LENGTH, PageLoadCheckSchema
from contracts.sympto.webhook import AUTH_CODE_PREFIX
from sandbox.control.declare import declarations
from sandbox.control.errors import ControlError, load
from sandbox.core.admission import waiting
from sandbox.core.apidoc import json_reply
from sandbox.vendors.sympto import wire
from sandbox.vendors.sympto.service import Clinic
from sandbox.vendors.sympto.service.events import UnknownPatient
from sandbox.vendors.sympto.wire import service

blueprint = Blueprint("control_sympto", __name__, url_prefix="/__sandbox/sympto")
TAG = "sympto tenants"
NAMES: dict[type[Schema], str] = {
    PageLoadCheckSchema: "SymptoPageLoadCheck",
    SimulateResponseSchema: "SymptoSimulateResponse",
}
control = declarations(TAG, names=NAMES, field_rules=(wire.field_rules,))
#: The page-load check words body problems as Sympto's API does (its rule texts), in the control plane's shape.
check = declarations(TAG, names=NAMES, field_rules=(wire.field_rules,), load_body=wire.load_check)
CLINIC_QUERY = control_schemas.ClinicQuerySchema()

ERROR = json_reply(400, schemas.ErrorSchema, "Invalid request; `error` says what to fix")
MISSING = json_reply(404, schemas.ErrorSchema, "No such thing")
CLINIC_ID = {
    "in": "path",
    "name": "clinic_id",
    "required": True,
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": CLINIC_ID_MAX_LENGTH,
        "pattern": rf"^[^\x00]*[^\x00{WHITESPACE}][^\x00]*$",
    },
}
BY_CLINIC = {"in": "query", "name": "clinic_id", "schema": {"type": "string", "maxLength": CLINIC_ID_MAX_LENGTH}}


def _clinic_id(clinic_id: str) -> str:
    if not clinic_id.strip() or len(clinic_id) > CLINIC_ID_MAX_LENGTH or NUL in clinic_id:
        raise ControlError(f"clinic_id must be 1 to {CLINIC_ID_MAX_LENGTH} characters, not blank, without NUL")
    return clinic_id


def _unknown(clinic_id: str) -> ControlError:
    return ControlError(f"no Sympto clinic {clinic_id[:CLINIC_ID_MAX_LENGTH]!r}", status=404, rule="unknown_clinic")


@blueprint.get("/clinics")
@control.operation(
    "Sympto clinics and their admins (secrets redacted)",
    json_reply(200, control_schemas.SymptoClinicListSchema, "Clinics"),
)
def list_clinics() -> Response:
    return jsonify(clinics=service().clinics.clinic_views())


@blueprint.put("/clinics/<clinic_id>")
@control.operation(
    "Create or replace a clinic and its admin's API credentials",
    json_reply(200, control_schemas.SymptoClinicSchema, "Stored"),
    ERROR,
    json_reply(409, schemas.ErrorSchema, "The admin email or phone belongs to another clinic or user"),
    body=control_schemas.SymptoClinicUpdateSchema,
    parameters=(CLINIC_ID,),
)
def put_clinic(clinic_id: str) -> Response:
    clinic_id = _clinic_id(clinic_id)
    wanted = control.body()
    clinic = Clinic(
        clinic_id, wanted.get("name") or clinic_id, wanted["admin_email"], wanted["api_secret"], wanted["admin_phone"]
    )
    clinics = service().clinics
    conflict = clinics.clinic_conflict(clinic)
    if conflict is not None:
        raise ControlError(f"cannot use this admin: {conflict}", status=409, rule="admin_taken")
    clinics.put_clinic(clinic)
    return jsonify(clinics.clinic_view(clinic_id))


@blueprint.get("/clinics/<clinic_id>")
@control.operation(
    "One clinic", json_reply(200, control_schemas.SymptoClinicSchema, "The clinic"), MISSING, parameters=(CLINIC_ID,)
)
def get_clinic(clinic_id: str) -> Response:
    view = service().clinics.clinic_view(clinic_id)
    if view is None:
        raise _unknown(clinic_id)
    return jsonify(view)


@blueprint.delete("/clinics/<clinic_id>")
@control.operation(
    "Remove a clinic with its users, groups, sessions and tokens",
    json_reply(200, control_schemas.SymptoClinicSchema, "Removed"),
    MISSING,
    parameters=(CLINIC_ID,),
)
def delete_clinic(clinic_id: str) -> Response:
    clinics = service().clinics
    view = clinics.clinic_view(clinic_id)
    if view is None or not clinics.delete_clinic(clinic_id):
        raise _unknown(clinic_id)
    service().events.forget(clinic_id)
    return jsonify(view)


@blueprint.get("/users")
@control.operation(
    "Users of one clinic or all, with their clinic",
    json_reply(200, control_schemas.SymptoUserListSchema, "Users"),
    ERROR,
    parameters=(BY_CLINIC,),
)
def list_users() -> Response:
    query = load(CLINIC_QUERY, request.args.to_dict())
    return jsonify(users=service().users.all_users(query.get("clinic_id")))


@blueprint.get("/sessions")
@control.operation(
    "Front-end sessions (never the session id)",
    json_reply(200, control_schemas.SymptoSessionListSchema, "Sessions"),
    ERROR,
    parameters=(BY_CLINIC,),
)
def list_sessions() -> Response:
    query = load(CLINIC_QUERY, request.args.to_dict())
    return jsonify(sessions=service().signon.list_sessions(query.get("clinic_id")))


@blueprint.post("/page-load")
@check.operation(
    "The page-load verdict for a URL (or parameter and code), without opening a session",
    json_reply(200, {"type": "object"}, "The verdict: ok, rule, message, user, partner, warnings"),
    ERROR,
    body=PageLoadCheckSchema,
)
def page_load() -> Response:
    body = check.body()
    if body["url"] is not None:
        url = body["url"]
        query = urlsplit(url).query if "?" in url else url
        pairs = parse_qsl(query, keep_blank_values=True)
    else:
        pairs = [(AUTH_CODE_PREFIX + body["endpointQueryParam"], body["authenticationCode"])]
    outcome = service().signon.page_load(pairs, wire.correlation_id(), sign_in=False)
    return jsonify(outcome.as_json())


# --- events (issue #14) ------------------------------------------------------------------------------------
DELIVERIES_QUERY = control_schemas.SymptoDeliveriesQuerySchema()


@blueprint.get("/deliveries")
@control.operation(
    "Event deliveries (newest 200) with every attempt; ?wait= first waits until none is being sent or due",
    json_reply(200, control_schemas.SymptoDeliveriesSchema, "Deliveries, oldest first"),
    ERROR,
    query=control_schemas.SymptoDeliveriesQuerySchema,
)
def list_deliveries() -> Response:
    query = load(DELIVERIES_QUERY, request.args.to_dict())
    sympto = service()
    clinic_id = query.get("clinic_id")
    with waiting():  # the partner may take seconds, or call this very sandbox back
        settled = (
            sympto.deliverer.wait(query["wait"], clinic_id)
            if query.get("wait")
            else not sympto.deliverer.busy(clinic_id)
        )
    limit = query.get("limit", control_schemas.DELIVERIES_SHOWN)
    return jsonify(settled=settled, deliveries=sympto.events.deliveries(clinic_id, limit))


@blueprint.post("/responses")
@control.operation(
    "A patient completes (or updates) an item: the clinic's responses webhook receives the Response event",
    json_reply(200, control_schemas.SymptoSimulatedResponseSchema, "The response's ids and the deliveries queued"),
    ERROR,
    MISSING,
    body=SimulateResponseSchema,
)
def simulate_response() -> Response:
    try:
        return jsonify(service().events.simulate_response(control.body(), wire.correlation_id()))
    except UnknownPatient as unknown:
        raise ControlError(
            f"no Sympto patient {str(unknown)[:40]!r}: create one with POST /sympto/providers/patients",
            status=404,
            rule="unknown_patient",
        ) from None
