"""Sympto's HTTP surface, mounted at ``/sympto``: the API (envelope JSON) and the front end (HTML).

Both path generations are served: the 2019-2020 paths the published sample calls and the
current documented ones (``specs/sympto.md`` §5.3). Views load, call the service, render.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, current_app, g, request
from marshmallow import fields

from contracts.sympto import messages, schemas
from sandbox.core import journal
from sandbox.core.openapi import add_schema
from sandbox.vendors.sympto import pages
from sandbox.vendors.sympto.errors import BadRequest, ok
from sandbox.vendors.sympto.service import AUTH_CODE_PREFIX, MAX_PAGE, PageLoad, SymptoService

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
def create_patient() -> Response:
    clinic_id = clinic()
    return ok(service().create_user(clinic_id, "patient", service().load(schemas.PATIENT), messages.CURRENT))


@blueprint.post("/providers/patient/create")
def create_patient_sample() -> Response:
    clinic_id = clinic()
    return ok(service().create_user(clinic_id, "patient", service().load(schemas.PATIENT), messages.SAMPLE_ERA))


@blueprint.post("/clinicAdmin/providers")
def create_provider_sample() -> Response:
    clinic_id = clinic()
    return ok(
        service().create_user(clinic_id, "provider", service().load(schemas.SAMPLE_PROVIDER), messages.SAMPLE_ERA)
    )


@blueprint.post("/providers")
def create_provider() -> Response:
    clinic_id = clinic()
    return ok(service().create_provider_with_group(clinic_id, service().load(schemas.PROVIDER)))


def _listing(kind: str | None) -> Response:
    """One page of users: ``?limit=`` (at most :data:`MAX_PAGE`, also the default), ``?offset=<last id>``,
    ``?query=``. A page cut short by the sandbox's cap is journaled as a warning naming the next offset."""
    clinic_id = clinic()
    limit = request.args.get("limit")
    if limit is not None and not (limit.isdigit() and limit.isascii() and len(limit) <= 9):
        raise BadRequest(f"`limit` must be a whole number, got {limit[:20]!r}", rule="invalid_query")
    wanted = None if limit is None else int(limit)
    page = service().list_users(clinic_id, kind, request.args.get("query"), wanted, request.args.get("offset"))
    if page.more and (wanted is None or wanted > MAX_PAGE):
        journal.warn(
            "list_capped",
            f"The sandbox answers at most {MAX_PAGE} users per listing and more remain: ask for the next page "
            f"with ?offset={page.users[-1]['id']} (and ?limit=, at most {MAX_PAGE}).",
        )
    return ok(page.users)


@blueprint.get("/clinicAdmin/users")
def list_users() -> Response:
    return _listing(None)


@blueprint.get("/providers/patient")
def list_patients() -> Response:
    return _listing("patient")


@blueprint.get("/clinicAdmin/careTeam")
def list_care_team() -> Response:
    return _listing("provider")


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


# --- the OpenAPI document -------------------------------------------------------------------------


def use_field_rules(spec: APISpec) -> None:
    """Let Sympto's checked fields describe themselves in ``spec`` (once; before their schemas are added)."""
    plugin = next(p for p in spec.plugins if isinstance(p, MarshmallowPlugin))
    converter: Any = plugin.converter
    if not getattr(converter, "sympto_field_rules", False):
        converter.add_attribute_function(_field_attributes)
        converter.sympto_field_rules = True


def _field_attributes(_: Any, field: fields.Field[Any], ret: dict[str, Any], **__: Any) -> dict[str, Any]:
    """Sympto's checked fields publish their own rule (a pattern or an enum) instead of the generic text one."""
    for key, value in getattr(field, "OPENAPI", {}).items():
        if value is None:
            ret.pop(key, None)
        else:
            ret[key] = value
    return {}


def _envelope(payload: dict[str, Any], description: str) -> dict[str, Any]:
    schema = {
        "type": "object",
        "required": ["Status", "Response"],
        "properties": {"Status": {"type": "string", "enum": [messages.STATUS_OK]}, "Response": payload},
        "additionalProperties": False,
    }
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR_SCHEMA = {
    "type": "object",
    "required": ["Status", "Response", "Message", "Code"],
    "properties": {
        "Status": {"type": "string", "enum": [messages.STATUS_ERROR]},
        "Response": {"description": "Always null."},
        "Message": {"type": "string", "description": "What is wrong and how to fix it."},
        "Code": {"type": "string", "description": "The rule broken, e.g. invalid_body."},
    },
    "additionalProperties": False,
}
_ERRORS = {
    "400": "The body (or a query parameter) breaks the endpoint's rules; Message names each problem",
    "401": "Missing, unknown or expired bearer token (or, on /authorization, wrong credentials)",
    "404": "An id or email that is not in your clinic, or nothing configured yet",
    "413": "Body over the size limit",
    "422": "A user with this email or phone number already exists",
    "429": "More than 10 invalid authorization requests in 5 minutes from this address",
}


def _error(status: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": _ERRORS[status],
        "content": {"application/json": {"schema": _ERROR_SCHEMA}},
    }
    if status == "429":
        answer["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
    return answer


_USER_LIST = {"type": "array", "items": {"$ref": "#/components/schemas/SymptoUser"}}
_ID = {"type": "string", "description": "The new id."}
_TRUE = {"type": "boolean", "enum": [True]}


#: The query parameters of every user listing (``limit``/``offset`` as the current docs name them).
_PAGING: list[dict[str, Any]] = [
    {"in": "query", "name": "query", "schema": {"type": "string"}, "description": "Substring filter."},
    {
        "in": "query",
        "name": "limit",
        "schema": {"type": "integer", "minimum": 0, "maximum": 999_999_999},
        "description": f"Page size; above {MAX_PAGE} (and by default) the sandbox answers {MAX_PAGE}.",
    },
    {
        "in": "query",
        "name": "offset",
        "schema": {"type": "string"},
        "description": "The id of the last user of the previous page.",
    },
]


def _operation(
    summary: str,
    ok: dict[str, Any],
    errors: tuple[str, ...],
    body: str | None = None,
    bearer: bool = True,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "tags": ["sympto"],
        "summary": summary,
        "responses": {"200": _envelope(ok, "Done"), **{status: _error(status) for status in errors}},
    }
    if bearer:
        operation["security"] = [{"symptoBearer": []}]
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _page(summary: str) -> dict[str, Any]:
    html = {"text/html": {"schema": {"type": "string"}}}
    return {
        "tags": ["sympto front end"],
        "summary": summary,
        "parameters": [
            {
                "in": "query",
                "name": "userAuthToken",
                "schema": {"type": "string"},
                "description": "Current flow: the token from POST /authorization/login/token (single use, 60 s). "
                "The 2019-2020 flow sends ?authCode<endpointQueryParam>=<code> instead.",
            }
        ],
        "responses": {
            "200": {"description": "Signed in (or who is signed in)", "content": html},
            "401": {
                "description": "Unable to connect to Sympto Health. Invalid auth code. (plus sandbox diagnostics)",
                "content": html,
            },
        },
    }


def openapi_paths(spec: APISpec) -> None:
    """Sympto's endpoints (both path generations) and front-end pages, from the contract schemas."""
    use_field_rules(spec)
    spec.components.security_scheme("symptoBearer", {"type": "http", "scheme": "bearer"})
    for name, schema in [
        ("SymptoAuthorizationRequest", schemas.AuthorizationRequestSchema),
        ("SymptoLoginTokenRequest", schemas.LoginTokenRequestSchema),
        ("SymptoUserAuthToken", schemas.UserAuthTokenSchema),
        ("SymptoEndpointConfig", schemas.EndpointConfigSchema),
        ("SymptoPatientWebhookConfig", schemas.PatientWebhookConfigSchema),
        ("SymptoPatient", schemas.PatientSchema),
        ("SymptoSampleProvider", schemas.SampleProviderSchema),
        ("SymptoProvider", schemas.ProviderSchema),
        ("SymptoGroup", schemas.GroupSchema),
        ("SymptoManageGroups", schemas.ManageGroupsSchema),
        ("SymptoGroupMember", schemas.GroupMemberSchema),
        ("SymptoUser", schemas.UserSchema),
    ]:
        add_schema(spec, name, schema)
    endpoint_view = {
        "type": "object",
        "properties": {
            "endpointURL": {"type": "string"},
            "clientId": {"type": "string"},
            "clientSecret": {"type": "string", "description": "Always redacted."},
            "endpointQueryParam": {"type": "string"},
        },
    }
    paths: dict[str, dict[str, Any]] = {
        "/authorization": {
            "post": _operation(
                "Clinic-admin credentials → a bearer token valid 15 minutes",
                {"type": "string", "description": "The bearer token."},
                ("400", "401", "413", "429"),
                body="SymptoAuthorizationRequest",
                bearer=False,
            )
        },
        "/authorization/login/token": {
            "post": _operation(
                "A single-use userAuthToken for a user (current SSO flow)",
                {"$ref": "#/components/schemas/SymptoUserAuthToken"},
                ("400", "401", "404", "413"),
                body="SymptoLoginTokenRequest",
            )
        },
        "/clinicAdmin/clinics/endpoint": {
            "post": _operation(
                "Register the page-load webhook (2019-2020 flow)",
                endpoint_view,
                ("400", "401", "413"),
                body="SymptoEndpointConfig",
            ),
            "get": _operation("The registered page-load webhook (secret redacted)", endpoint_view, ("401", "404")),
        },
        "/clinicAdmin/webhook": {
            "post": _operation(
                "Register the patient webhook", _TRUE, ("400", "401", "413"), body="SymptoPatientWebhookConfig"
            )
        },
        "/providers/patients": {
            "post": _operation(
                "Create a patient (current path)", _ID, ("400", "401", "413", "422"), body="SymptoPatient"
            )
        },
        "/providers/patient/create": {
            "post": _operation(
                "Create a patient (2019-2020 path)", _ID, ("400", "401", "413", "422"), body="SymptoPatient"
            )
        },
        "/clinicAdmin/providers": {
            "post": _operation(
                "Create a provider (2019-2020 path)", _ID, ("400", "401", "413", "422"), body="SymptoSampleProvider"
            )
        },
        "/providers": {
            "post": _operation(
                "Create a provider and their group (current path)",
                _ID,
                ("400", "401", "413", "422"),
                body="SymptoProvider",
            )
        },
        "/clinicAdmin/users": {
            "get": _operation(
                f"Users of the clinic (2019-2020 path), at most {MAX_PAGE} per page",
                _USER_LIST,
                ("400", "401"),
                parameters=_PAGING,
            )
        },
        "/providers/patient": {
            "get": _operation(
                f"Patients, filtered and paged (current path), at most {MAX_PAGE} per page",
                _USER_LIST,
                ("400", "401"),
                parameters=_PAGING,
            )
        },
        "/clinicAdmin/careTeam": {
            "get": _operation(
                f"Providers of the clinic (2019-2020 path), at most {MAX_PAGE} per page",
                _USER_LIST,
                ("400", "401"),
                parameters=_PAGING,
            )
        },
        "/clinicAdmin/groups": {
            "post": _operation(
                "Create a group (2019-2020 path)",
                {"type": "object", "required": ["groupId"], "properties": {"groupId": {"type": "string"}}},
                ("400", "401", "413"),
                body="SymptoGroup",
            )
        },
        "/providers/groups": {
            "post": _operation("Create a group (current path)", _ID, ("400", "401", "413"), body="SymptoGroup")
        },
        "/clinicAdmin/groups/manage": {
            "post": _operation(
                "Replace a user's groups", _TRUE, ("400", "401", "404", "413"), body="SymptoManageGroups"
            ),
            "put": _operation("Add a user to a group", _TRUE, ("400", "401", "404", "413"), body="SymptoGroupMember"),
            "delete": _operation(
                "Remove a user from a group",
                {"type": "string", "enum": ["User removed from group!"]},
                ("400", "401", "404", "413"),
                body="SymptoGroupMember",
            ),
        },
    }
    for path, operations in paths.items():
        spec.path(PREFIX + path, operations=operations)
    spec.path(PREFIX + "/", operations={"get": _page("Sympto's front end: page load (both flows) or who is signed in")})
    spec.path(
        PREFIX + "/provider/dashboard",
        operations={"get": _page("The provider dashboard page (the 2019-2020 sample's redirect target)")},
    )
