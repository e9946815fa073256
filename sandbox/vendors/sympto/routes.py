"""Sympto's HTTP surface, mounted at ``/sympto``: the API (envelope JSON) and the front end (HTML).

Both path generations are served: the 2019-2020 paths the published sample calls and the
current documented ones (``specs/sympto.md`` §5.3). Views load, call the service, render.
"""

from __future__ import annotations

from apispec import APISpec
from flask import Blueprint, Response, current_app, g, request

from contracts.sympto import schemas
from sandbox.core import journal
from sandbox.vendors.sympto import pages
from sandbox.vendors.sympto.errors import BadRequest, ok
from sandbox.vendors.sympto.service import AUTH_CODE_PREFIX, PageLoad, SymptoService

PREFIX = "/sympto"
SERVICE_KEY = "sandbox.sympto"
SESSION_COOKIE = "sympto_session"

blueprint = Blueprint("sympto", __name__, url_prefix=PREFIX)


def service() -> SymptoService:
    found: SymptoService = current_app.extensions[SERVICE_KEY]
    return found


def clinic() -> str:
    """The clinic of the request's bearer token (checked before the body)."""
    clinic_id = service().authenticate(request.headers.get("Authorization"))
    journal.note(tenant=clinic_id)
    return clinic_id


# --- authorization ------------------------------------------------------------------------------


@blueprint.post("/authorization")
def authorization() -> Response:
    """Clinic-admin credentials → a bearer token, as a string in ``Response`` (what every client reads)."""
    body = service().load(schemas.AUTHORIZATION_REQUEST)
    return ok(service().login(body["clientId"], body["clientSecret"], source=request.remote_addr or "unknown"))


@blueprint.post("/authorization/login/token")
def login_token() -> Response:
    clinic_id = clinic()
    body = service().load(schemas.LOGIN_TOKEN_REQUEST)
    return ok({"userAuthToken": service().issue_user_auth_token(clinic_id, body["email"])})


# --- webhook configuration ------------------------------------------------------------------------


@blueprint.post("/clinicAdmin/clinics/endpoint")
def set_endpoint() -> Response:
    clinic_id = clinic()
    return ok(service().set_endpoint(clinic_id, service().load(schemas.ENDPOINT_CONFIG)))


@blueprint.get("/clinicAdmin/clinics/endpoint")
def get_endpoint() -> Response:
    return ok(service().get_endpoint(clinic()))


@blueprint.post("/clinicAdmin/webhook")
def set_patient_webhook() -> Response:
    clinic_id = clinic()
    service().set_patient_webhook(clinic_id, service().load(schemas.PATIENT_WEBHOOK_CONFIG)["webhookData"])
    return ok(True)


# --- users ------------------------------------------------------------------------------------------


@blueprint.post("/providers/patients")
@blueprint.post("/providers/patient/create")
def create_patient() -> Response:
    clinic_id = clinic()
    return ok(service().create_user(clinic_id, "patient", service().load(schemas.PATIENT)))


@blueprint.post("/clinicAdmin/providers")
def create_provider_sample() -> Response:
    clinic_id = clinic()
    return ok(service().create_user(clinic_id, "provider", service().load(schemas.SAMPLE_PROVIDER)))


@blueprint.post("/providers")
def create_provider() -> Response:
    clinic_id = clinic()
    return ok(service().create_provider_with_group(clinic_id, service().load(schemas.PROVIDER)))


@blueprint.get("/clinicAdmin/users")
def list_users() -> Response:
    return ok(service().list_users(clinic()))


@blueprint.get("/providers/patient")
def list_patients() -> Response:
    clinic_id = clinic()
    limit = request.args.get("limit")
    if limit is not None and not (limit.isdigit() and limit.isascii()):
        raise BadRequest(f"`limit` must be a whole number, got {limit[:20]!r}", rule="invalid_query")
    return ok(
        service().list_users(
            clinic_id,
            "patient",
            request.args.get("query"),
            None if limit is None else int(limit),
            request.args.get("offset"),
        )
    )


@blueprint.get("/clinicAdmin/careTeam")
def list_care_team() -> Response:
    return ok(service().list_users(clinic(), "provider"))


# --- groups -----------------------------------------------------------------------------------------


@blueprint.post("/clinicAdmin/groups")
def create_group_sample() -> Response:
    clinic_id = clinic()
    return ok({"groupId": service().create_group(clinic_id, service().load(schemas.GROUP)["groupName"])})


@blueprint.post("/providers/groups")
def create_group() -> Response:
    clinic_id = clinic()
    return ok(service().create_group(clinic_id, service().load(schemas.GROUP)["groupName"]))


@blueprint.post("/clinicAdmin/groups/manage")
def manage_groups() -> Response:
    clinic_id = clinic()
    body = service().load(schemas.MANAGE_GROUPS)
    service().manage_groups(clinic_id, body["userId"], body["groupIds"])
    return ok(True)


@blueprint.put("/clinicAdmin/groups/manage")
def add_to_group() -> Response:
    clinic_id = clinic()
    body = service().load(schemas.GROUP_MEMBER)
    service().add_member(clinic_id, body["userId"], body["groupId"])
    return ok(True)


@blueprint.delete("/clinicAdmin/groups/manage")
def remove_from_group() -> Response:
    clinic_id = clinic()
    body = service().load(schemas.GROUP_MEMBER)
    service().remove_member(clinic_id, body["userId"], body["groupId"])
    return ok("User removed from group!")


# --- the front end ----------------------------------------------------------------------------------


@blueprint.get("/")
@blueprint.get("/provider/dashboard")
def front_end() -> Response:
    """Page load: ``?userAuthToken=`` (current) or ``?authCode<param>=`` (2019-2020), else who is signed in."""
    args = request.args
    outcome: PageLoad | None = None
    if "userAuthToken" in args:
        outcome = service().redeem_user_auth_token(args["userAuthToken"])
    elif any(key.lower().startswith(AUTH_CODE_PREFIX.lower()) for key in args):
        outcome = service().page_load(args.items(multi=True), g.get("correlation_id", ""), sign_in=True)
    if outcome is None:
        return pages.status_page(service().session_user(request.cookies.get(SESSION_COOKIE)))
    journal.note(tenant=outcome.clinic_id, rule=outcome.rule, message=outcome.message)
    for warning in outcome.warnings:
        journal.warn(warning["rule"], warning["message"])
    response = pages.page_load_result(outcome)
    if outcome.session_id:
        response.set_cookie(
            SESSION_COOKIE,
            outcome.session_id,
            max_age=service().settings.session_lifetime_seconds,
            httponly=True,
            samesite="Lax",
            path=PREFIX,
        )
    return response


def openapi_paths(spec: APISpec) -> None:
    """Sympto's endpoints in the OpenAPI document."""
