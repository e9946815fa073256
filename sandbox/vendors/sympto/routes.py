"""Sympto's HTTP surface, mounted at ``/sympto``: the API (envelope JSON) and the front end (HTML).

Both path generations are served: the 2019-2020 paths the published sample calls and the
current documented ones (``specs/sympto.md`` §5.3). Views declare their contract, authenticate,
load, call the service, answer.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from contracts.sympto import messages
from contracts.sympto.events import PATIENT_CREATED, EndpointSecretSchema, WebhookUrlSchema
from contracts.sympto.schemas import (
    AuthorizationRequestSchema,
    EndpointConfigSchema,
    GroupMemberSchema,
    GroupSchema,
    LoginTokenRequestSchema,
    ManageGroupsSchema,
    PatientSchema,
    PatientWebhookConfigSchema,
    ProviderSchema,
    SampleProviderSchema,
    UserAuthTokenSchema,
    UserSchema,
)
from contracts.sympto.webhook import USER_AUTH_TOKEN
from sandbox.core import journal
from sandbox.core.apidoc import Declarations, page_reply
from sandbox.vendors.sympto import pages, wire
from sandbox.vendors.sympto.models import PageLoad
from sandbox.vendors.sympto.service import MAX_PAGE
from sandbox.vendors.sympto.wire import done, errors, ok, service

blueprint = Blueprint("sympto", __name__, url_prefix=wire.PREFIX)
api = Declarations(
    tag="sympto",
    component_prefix="Sympto",
    load_body=wire.load_body,
    field_rules=(wire.field_rules,),
    bearer_scheme=("symptoBearer", {"type": "http", "scheme": "bearer"}),
)

_ID = {"type": "string", "description": "The new id."}
_TRUE = {"type": "boolean", "enum": [True]}
_USERS = {"type": "array", "items": UserSchema}
_ENDPOINT = {
    "type": "object",
    "properties": {
        "endpointURL": {"type": "string"},
        "clientId": {"type": "string"},
        "clientSecret": {"type": "string", "description": "Always redacted."},
        "endpointQueryParam": {"type": "string"},
    },
}
#: The query parameters of every user listing (``limit``/``offset`` as the current docs name them).
_PAGING: tuple[dict[str, Any], ...] = (
    {"in": "query", "name": "query", "schema": {"type": "string"}, "description": "Substring filter."},
    {
        "in": "query",
        "name": "limit",
        "schema": {"type": "integer", "minimum": 0, "maximum": 10**wire.LIMIT_DIGITS - 1},
        "description": f"Page size; above {MAX_PAGE} (and by default) the sandbox answers {MAX_PAGE}.",
    },
    {
        "in": "query",
        "name": "offset",
        "schema": {"type": "string"},
        "description": "The id of the last user of the previous page.",
    },
)
_PAGE_PARAMETERS = (
    {
        "in": "query",
        "name": USER_AUTH_TOKEN,
        "schema": {"type": "string"},
        "description": "Current flow: the token from POST /authorization/login/token "
        f"(single use, {messages.USER_AUTH_TOKEN_LIFETIME_SECONDS} s). "
        "The 2019-2020 flow sends ?authCode<endpointQueryParam>=<code> instead.",
    },
)
_PAGE_REPLIES = (
    page_reply(200, "Signed in (or who is signed in)"),
    page_reply(401, "Unable to connect to Sympto Health. Invalid auth code. (plus sandbox diagnostics)"),
)


def clinic() -> str:
    """The clinic of the request's bearer token (checked before the body)."""
    clinic_id = service().access.authenticate(wire.authorization())
    journal.note(tenant=clinic_id)
    return clinic_id


# --- authorization ------------------------------------------------------------------------------


@blueprint.post("/authorization")
@api.operation(
    f"Clinic-admin credentials → a bearer token valid {messages.BEARER_LIFETIME_WORDS}",
    done({"type": "string", "description": "The bearer token."}),
    *errors(400, 401, 413, 429),
    body=AuthorizationRequestSchema,
)
def authorization() -> Response:
    """Clinic-admin credentials → a bearer token, as a string in ``Response`` (what every client reads)."""
    body = api.body()
    return ok(service().access.login(body["clientId"], body["clientSecret"], source=wire.remote_address()))


@blueprint.post("/authorization/login/token")
@api.operation(
    "A single-use userAuthToken for a user (current SSO flow)",
    done(UserAuthTokenSchema),
    *errors(400, 401, 404, 413),
    body=LoginTokenRequestSchema,
    bearer=True,
)
def login_token() -> Response:
    clinic_id = clinic()
    return ok({USER_AUTH_TOKEN: service().signon.issue_user_auth_token(clinic_id, api.body()["email"])})


# --- webhook configuration ------------------------------------------------------------------------


@blueprint.post("/clinicAdmin/clinics/endpoint")
@api.operation(
    "Register the page-load webhook (2019-2020 flow)",
    done(_ENDPOINT),
    *errors(400, 401, 413),
    body=EndpointConfigSchema,
    bearer=True,
)
def set_endpoint() -> Response:
    clinic_id = clinic()
    return ok(service().clinics.set_endpoint(clinic_id, api.body()))


@blueprint.get("/clinicAdmin/clinics/endpoint")
@api.operation("The registered page-load webhook (secret redacted)", done(_ENDPOINT), *errors(401, 404), bearer=True)
def get_endpoint() -> Response:
    return ok(service().clinics.get_endpoint(clinic()))


@blueprint.post("/clinicAdmin/webhook")
@api.operation(
    "Register the patient webhook", done(_TRUE), *errors(400, 401, 413), body=PatientWebhookConfigSchema, bearer=True
)
def set_patient_webhook() -> Response:
    clinic_id = clinic()
    service().clinics.set_patient_webhook(clinic_id, api.body()["webhookData"])
    return ok(True)


# --- users ------------------------------------------------------------------------------------------


@blueprint.post("/providers/patients")
@api.operation(
    "Create a patient (current path)", done(_ID), *errors(400, 401, 413, 422), body=PatientSchema, bearer=True
)
def create_patient() -> Response:
    clinic_id = clinic()
    patient_id = service().users.create_user(clinic_id, "patient", api.body(), messages.CURRENT)
    service().events.patient_changed(clinic_id, patient_id, PATIENT_CREATED, wire.correlation_id())
    return ok(patient_id)


@blueprint.post("/providers/patient/create")
@api.operation(
    "Create a patient (2019-2020 path)", done(_ID), *errors(400, 401, 413, 422), body=PatientSchema, bearer=True
)
def create_patient_sample() -> Response:
    clinic_id = clinic()
    patient_id = service().users.create_user(clinic_id, "patient", api.body(), messages.SAMPLE_ERA)
    service().events.patient_changed(clinic_id, patient_id, PATIENT_CREATED, wire.correlation_id())
    return ok(patient_id)


@blueprint.post("/clinicAdmin/providers")
@api.operation(
    "Create a provider (2019-2020 path)",
    done(_ID),
    *errors(400, 401, 413, 422),
    body=SampleProviderSchema,
    bearer=True,
)
def create_provider_sample() -> Response:
    clinic_id = clinic()
    return ok(service().users.create_user(clinic_id, "provider", api.body(), messages.SAMPLE_ERA))


@blueprint.post("/providers")
@api.operation(
    "Create a provider and their group (current path)",
    done(_ID),
    *errors(400, 401, 413, 422),
    body=ProviderSchema,
    bearer=True,
)
def create_provider() -> Response:
    clinic_id = clinic()
    return ok(service().groups.create_provider_with_group(clinic_id, api.body()))


def _listing(kind: str | None) -> Response:
    """One page of users: ``?limit=`` (at most :data:`MAX_PAGE`, also the default), ``?offset=<last id>``,
    ``?query=``. A page cut short by the sandbox's cap is journaled as a warning naming the next offset."""
    clinic_id = clinic()
    query, wanted, offset = wire.listing_query()
    page = service().users.list_users(clinic_id, kind, query, wanted, offset)
    if page.more and (wanted is None or wanted > MAX_PAGE):
        journal.warn(
            "list_capped",
            f"The sandbox answers at most {MAX_PAGE} users per listing and more remain: ask for the next page "
            f"with ?offset={page.users[-1]['id']} (and ?limit=, at most {MAX_PAGE}).",
        )
    return ok(page.users)


@blueprint.get("/clinicAdmin/users")
@api.operation(
    f"Users of the clinic (2019-2020 path), at most {MAX_PAGE} per page",
    done(_USERS),
    *errors(400, 401),
    parameters=_PAGING,
    bearer=True,
)
def list_users() -> Response:
    return _listing(None)


@blueprint.get("/providers/patient")
@api.operation(
    f"Patients, filtered and paged (current path), at most {MAX_PAGE} per page",
    done(_USERS),
    *errors(400, 401),
    parameters=_PAGING,
    bearer=True,
)
def list_patients() -> Response:
    return _listing("patient")


@blueprint.get("/clinicAdmin/careTeam")
@api.operation(
    f"Providers of the clinic (2019-2020 path), at most {MAX_PAGE} per page",
    done(_USERS),
    *errors(400, 401),
    parameters=_PAGING,
    bearer=True,
)
def list_care_team() -> Response:
    return _listing("provider")


# --- groups -----------------------------------------------------------------------------------------


@blueprint.post("/clinicAdmin/groups")
@api.operation(
    "Create a group (2019-2020 path)",
    done({"type": "object", "required": ["groupId"], "properties": {"groupId": {"type": "string"}}}),
    *errors(400, 401, 413),
    body=GroupSchema,
    bearer=True,
)
def create_group_sample() -> Response:
    clinic_id = clinic()
    return ok({"groupId": service().groups.create_group(clinic_id, api.body()["groupName"])})


@blueprint.post("/providers/groups")
@api.operation("Create a group (current path)", done(_ID), *errors(400, 401, 413), body=GroupSchema, bearer=True)
def create_group() -> Response:
    clinic_id = clinic()
    return ok(service().groups.create_group(clinic_id, api.body()["groupName"]))


@blueprint.post("/clinicAdmin/groups/manage")
@api.operation(
    "Replace a user's groups", done(_TRUE), *errors(400, 401, 404, 413), body=ManageGroupsSchema, bearer=True
)
def manage_groups() -> Response:
    clinic_id = clinic()
    body = api.body()
    service().groups.manage_groups(clinic_id, body["userId"], body["groupIds"])
    return ok(True)


@blueprint.put("/clinicAdmin/groups/manage")
@api.operation("Add a user to a group", done(_TRUE), *errors(400, 401, 404, 413), body=GroupMemberSchema, bearer=True)
def add_to_group() -> Response:
    clinic_id = clinic()
    body = api.body()
    service().groups.add_member(clinic_id, body["userId"], body["groupId"])
    return ok(True)


@blueprint.delete("/clinicAdmin/groups/manage")
@api.operation(
    "Remove a user from a group",
    done({"type": "string", "enum": [messages.USER_REMOVED_FROM_GROUP]}),
    *errors(400, 401, 404, 413),
    body=GroupMemberSchema,
    bearer=True,
)
def remove_from_group() -> Response:
    clinic_id = clinic()
    body = api.body()
    service().groups.remove_member(clinic_id, body["userId"], body["groupId"])
    return ok(messages.USER_REMOVED_FROM_GROUP)


# --- the front end ----------------------------------------------------------------------------------


def _page() -> Response:
    """Page load: ``?userAuthToken=`` (current) or ``?authCode<param>=`` (2019-2020), else who is signed in."""
    sympto = service()
    outcome: PageLoad | None = None
    token, pairs = wire.user_auth_token(), wire.auth_code_pairs()
    if token is not None:
        outcome = sympto.signon.redeem_user_auth_token(token)
    elif pairs is not None:
        outcome = sympto.signon.page_load(pairs, wire.correlation_id(), sign_in=True)
    if outcome is None:
        return pages.status_page(sympto.signon.session_user(wire.session_cookie()))
    journal.note(tenant=outcome.clinic_id, rule=outcome.rule, message=outcome.message)
    for warning in outcome.warnings:
        journal.warn(warning["rule"], warning["message"])
    response = pages.page_load_result(outcome)
    if outcome.session_id:
        wire.with_session(response, outcome.session_id, sympto.settings.session_lifetime_seconds)
    return response


@blueprint.get("/")
@api.operation(
    "Sympto's front end: page load (both flows) or who is signed in",
    *_PAGE_REPLIES,
    parameters=_PAGE_PARAMETERS,
    tags=("sympto front end",),
)
def front_end() -> Response:
    return _page()


@blueprint.get("/provider/dashboard")
@api.operation(
    "The provider dashboard page (the 2019-2020 sample's redirect target)",
    *_PAGE_REPLIES,
    parameters=_PAGE_PARAMETERS,
    tags=("sympto front end",),
)
def provider_dashboard() -> Response:
    return _page()


# --- events (issue #14): the current webhook registrations ------------------------------------------
# Delivery is :mod:`sandbox.vendors.sympto.deliveries`; the choices are in ``docs/vendors/sympto.md``.


@blueprint.post("/responses/webhook")
@api.operation(
    "Register the responses webhook; the endpointSecret that signs every event is answered here only",
    done(EndpointSecretSchema),
    *errors(400, 401, 413),
    body=WebhookUrlSchema,
    bearer=True,
)
def set_responses_webhook() -> Response:
    clinic_id = clinic()
    return ok({"endpointSecret": service().events.register_responses(clinic_id, api.body()["url"])})


@blueprint.post("/patients/webhook")
@api.operation(
    "Register the patient webhook (patients created or updated)",
    done(_TRUE),
    *errors(400, 401, 413),
    body=WebhookUrlSchema,
    bearer=True,
)
def set_patients_webhook() -> Response:
    clinic_id = clinic()
    service().events.register_patients(clinic_id, api.body()["url"])
    return ok(True)
