"""Sympto's HTTP surface, mounted at ``/sympto``: the API (envelope JSON) and the front end (HTML).

Both path generations are served: the 2019-2020 paths the published sample calls and the
current documented ones (``specs/sympto.md`` §5.3). Views declare their contract, authenticate,
load, call the service, answer.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response

from contracts.sympto import messages
from contracts.sympto.events import EndpointSecretSchema, WebhookUrlSchema
from contracts.sympto.items import (
    FILE_FORM,
    AdhocResponseSchema,
    FileFormSchema,
    PatientAttributeSchema,
    SendItemsSchema,
    SetAttributeSchema,
)
from contracts.sympto.messaging import IGNORED_GET_BODY, MAX_FETCH, MessageCreateSchema, MessagePageSchema
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
from contracts.sympto.surveys import (
    CAMPAIGN_ID,
    CAMPAIGN_ID_2021,
    OLD_CAMPAIGN_ID,
    CampaignSchema,
    GenericSurveyRequestSchema,
    PatientCampaignSchema,
    RecurringSurveySchema,
)
from contracts.sympto.updates import PatientUpdateSchema, ProviderUpdateSchema
from contracts.sympto.webhook import USER_AUTH_TOKEN
from sandbox.core import journal
from sandbox.core.apidoc import Declarations, page_reply
from sandbox.vendors.sympto import pages, wire
from sandbox.vendors.sympto.models import PageLoad
from sandbox.vendors.sympto.service import MAX_PAGE
from sandbox.vendors.sympto.service.attributes import attribute_views
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
_UUID_PATTERN = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
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
    """The clinic of the request's bearer token (checked before the body); a ``RATE-TOKEN`` header
    that is not a live rate token is journaled as a warning (see :mod:`.service.ratetokens`)."""
    clinic_id = service().access.authenticate(wire.authorization())
    journal.note(tenant=clinic_id)
    rate_token = wire.rate_token()
    if rate_token is not None:
        problem = service().rate_tokens.judge(rate_token)
        if problem is not None:
            journal.warn(*problem)
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
    return ok(service().users.create_user(clinic(), "patient", api.body(), messages.CURRENT))


@blueprint.post("/providers/patient/create")
@api.operation(
    "Create a patient (2019-2020 path)", done(_ID), *errors(400, 401, 413, 422), body=PatientSchema, bearer=True
)
def create_patient_sample() -> Response:
    return ok(service().users.create_user(clinic(), "patient", api.body(), messages.SAMPLE_ERA))


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


# --- the rest of the current API (issue #14, item 6) ------------------------------------------------
# Patient update and delete, provider update, group edit and delete, messages, campaigns, generic
# surveys and the rate token (Endpoints.md and RateToken.md; the choices: docs/vendors/sympto.md).


@blueprint.get("/authorization/rateToken")
@api.operation(
    "A rate token (15 minutes), sent back on API calls as the RATE-TOKEN header",
    done({"type": "string", "description": "The rate token."}),
    description="No bearer token needed (RateToken.md's example sends none).",
)
def rate_token() -> Response:
    return ok(service().rate_tokens.issue())


@blueprint.post("/providers/patients/<patient_id>/update")
@api.operation(
    "Update a patient (left-out optional fields are kept, null clears them)",
    done(_TRUE),
    *errors(400, 401, 404, 413, 422),
    body=PatientUpdateSchema,
    bearer=True,
)
def update_patient(patient_id: str) -> Response:
    clinic_id = clinic()
    service().profiles.update_patient(clinic_id, patient_id, api.body())
    return ok(True)


@blueprint.delete("/providers/patients/<patient_id>")
@api.operation("Delete a patient (gone from the API)", done(_TRUE), *errors(401, 404), bearer=True)
def delete_patient(patient_id: str) -> Response:
    service().profiles.delete_patient(clinic(), patient_id)
    return ok(True)


#: Endpoints.md documented patient deletion at ``DELETE /providers/patient/:patientTvId`` from d08d26e
#: (2022-04-25) until b83977e (2022-05-11) renamed it ``/providers/patients/:patientTvId``: the same
#: deletion (``Users.patient_committed`` included). ``POST /providers/patient/create`` and ``GET
#: /providers/patient`` are other rules, so neither is shadowed.
@blueprint.delete("/providers/patient/<patient_id>")
@api.operation(
    "Delete a patient (Endpoints.md's path from 2022-04-25 to 2022-05-11)",
    done(_TRUE),
    *errors(401, 404),
    bearer=True,
    deprecated=True,
)
def delete_patient_2022_04(patient_id: str) -> Response:
    service().profiles.delete_patient(clinic(), patient_id)
    return ok(True)


@blueprint.post("/clinicAdmin/providers/<provider_id>/update")
@api.operation(
    "Update a provider (current path)",
    done(_TRUE),
    *errors(400, 401, 404, 413, 422),
    body=ProviderUpdateSchema,
    bearer=True,
)
def update_provider(provider_id: str) -> Response:
    clinic_id = clinic()
    service().profiles.update_provider(clinic_id, provider_id, api.body())
    return ok(True)


#: The 2021 path ``/providers/<id>`` would also catch ``POST /providers/patient`` and ``/providers/campaigns``
#: (whose ``Allow`` would then advertise POST): it takes only a UUID, as every providerTvId is.
@blueprint.post("/providers/<uuid:provider_id>")
@api.operation(
    "Update a provider (Endpoints.md's path from 2021-03 to 2022-05)",
    done(_TRUE),
    *errors(400, 401, 404, 413, 422),
    body=ProviderUpdateSchema,
    parameters=(
        {
            "in": "path",
            "name": "provider_id",
            "required": True,
            "schema": {"type": "string", "format": "uuid", "pattern": _UUID_PATTERN},
        },
    ),
    bearer=True,
    deprecated=True,
)
def update_provider_2021(provider_id: UUID) -> Response:
    clinic_id = clinic()
    service().profiles.update_provider(clinic_id, str(provider_id), api.body())
    return ok(True)


@blueprint.post("/groups/<group_id>")
@api.operation("Rename a group", done(_TRUE), *errors(400, 401, 404, 413), body=GroupSchema, bearer=True)
def edit_group(group_id: str) -> Response:
    clinic_id = clinic()
    service().groups.rename_group(clinic_id, group_id, api.body()["groupName"])
    return ok(True)


@blueprint.delete("/groups/<group_id>")
@api.operation("Delete a group (its members stay users)", done(_TRUE), *errors(401, 404), bearer=True)
def delete_group(group_id: str) -> Response:
    service().groups.delete_group(clinic(), group_id)
    return ok(True)


_WINDOW: tuple[dict[str, Any], ...] = (
    *(
        {
            "in": "query",
            "name": name,
            "schema": {"type": "string", "pattern": wire.MILLISECONDS_PATTERN},
            "description": f"Milliseconds since the epoch (digits, optionally a fraction): messages sent strictly "
            f"{name} it.",
        }
        for name in ("before", "after")
    ),
    {
        "in": "query",
        "name": "limit",
        "schema": {"type": "integer", "minimum": 0, "maximum": 10**wire.LIMIT_DIGITS - 1},
        "description": f"How many messages (the newest of the window; at most {MAX_FETCH}, also the default).",
    },
)


@blueprint.post("/provider/messaging/<patient_id>")
@api.operation(
    "Send a message to a patient", done(_TRUE), *errors(400, 401, 404, 413, 422), body=MessageCreateSchema, bearer=True
)
def send_message(patient_id: str) -> Response:
    clinic_id = clinic()
    service().messaging.send(clinic_id, patient_id, api.body()["message"])
    return ok(True)


@blueprint.get("/provider/messaging/<patient_id>")
@api.operation(
    "A patient's messages, oldest first, with hasNewMessages",
    done(MessagePageSchema),
    *errors(400, 401, 404),
    parameters=_WINDOW,
    bearer=True,
)
def fetch_messages(patient_id: str) -> Response:
    clinic_id = clinic()
    before, after, limit = wire.message_window()
    if wire.has_body():
        journal.warn("get_body_ignored", IGNORED_GET_BODY)
    return ok(service().messaging.fetch(clinic_id, patient_id, before, after, limit))


@blueprint.post("/providers/file")
@api.operation(
    "Send a file with a message to a patient (multipart/form-data); the thread shows its name, type and size",
    done(_TRUE),
    *errors(400, 401, 404, 413, 422),
    body=FileFormSchema,
    body_media=("multipart/form-data",),
    bearer=True,
    description="The sandbox keeps the file's name, type, size and SHA-256, never its bytes.",
)
def send_file() -> Response:
    clinic_id = clinic()
    form, file = wire.load_file_form(FILE_FORM)
    service().messaging.send(
        clinic_id, form["patientTvId"], form["message"], file, form["fileName"], form.get("threadId")
    )
    return ok(True)


@blueprint.get("/providers/campaigns")
@api.operation("The clinic's campaigns", done({"type": "array", "items": CampaignSchema}), *errors(401), bearer=True)
def list_campaigns() -> Response:
    return ok(service().campaigns.views(clinic()))


@blueprint.post("/providers/patients/<patient_id>/campaigns")
@api.operation(
    "Enrol a patient in a campaign (a repeat answers the same patientCampaignId)",
    done(PatientCampaignSchema),
    *errors(400, 401, 404, 422),
    parameters=(
        {
            "in": "query",
            "name": CAMPAIGN_ID,
            "required": True,
            "schema": {"type": "string", "minLength": 1},
            "description": "The campaign.",
        },
        {
            "in": "query",
            "name": CAMPAIGN_ID_2021,
            "schema": {"type": "string"},
            "deprecated": True,
            "description": "The 2021 doc's spelling, read when campaignId is absent (journaled as a warning).",
        },
    ),
    bearer=True,
)
def enrol_in_campaign(patient_id: str) -> Response:
    clinic_id = clinic()
    campaign_id, old_name = wire.campaign_id()
    if old_name:
        journal.warn("campaign_id_2021", OLD_CAMPAIGN_ID)
    return ok({"patientCampaignId": service().campaigns.enrol(clinic_id, patient_id, campaign_id)})


@blueprint.post("/providers/patients/<patient_id>/genericSurvey")
@api.operation(
    "Assign a generic survey to a patient (schedule or send): the new recurringSurveyId",
    done(_ID),
    *errors(400, 401, 404, 413, 422),
    body=GenericSurveyRequestSchema,
    bearer=True,
)
def schedule_survey(patient_id: str) -> Response:
    clinic_id = clinic()
    return ok(service().surveys.schedule(clinic_id, patient_id, api.body()["survey"]))


@blueprint.get("/providers/patients/<patient_id>/items")
@api.operation(
    "A patient's recurring surveys with the items sent so far",
    done({"type": "array", "items": RecurringSurveySchema}),
    *errors(401, 404),
    parameters=(
        {"in": "query", "name": "genericSurveyId", "schema": {"type": "string"}, "description": "Only this one."},
    ),
    bearer=True,
)
def patient_items(patient_id: str) -> Response:
    clinic_id = clinic()
    return ok(service().surveys.items(clinic_id, patient_id, wire.generic_survey_filter()))


@blueprint.post("/providers/patients/<patient_id>/recurringSurvey/<recurring_survey_id>")
@api.operation(
    "Send a recurring survey's item now (immediate) or on dates: a responseId per item",
    done({"type": "array", "items": {"type": "string"}}),
    *errors(400, 401, 404, 413, 422),
    body=SendItemsSchema,
    bearer=True,
    description="startDates are YYYY-MM-DD-hh-mm in the patient's time zone, sent on the sandbox clock.",
)
def send_items(patient_id: str, recurring_survey_id: str) -> Response:
    clinic_id = clinic()
    return ok(service().items.send(clinic_id, patient_id, recurring_survey_id, api.body()))


@blueprint.post("/patients/responses/adhoc/<recurring_survey_id>")
@api.operation(
    "Update the response of a sent item (Full completes it); the responses webhook hears of it",
    done(_TRUE),
    *errors(400, 401, 404, 413),
    body=AdhocResponseSchema,
    bearer=True,
)
def adhoc_response(recurring_survey_id: str) -> Response:
    clinic_id = clinic()
    service().items.respond(clinic_id, recurring_survey_id, api.body(), wire.correlation_id())
    return ok(True)


@blueprint.get("/providers/clinic/attributes")
@api.operation(
    "The clinic's patient attributes (made in Sympto's UI: the sandbox's built-in ones)",
    done({"type": "array", "items": PatientAttributeSchema}),
    *errors(401),
    bearer=True,
)
def list_attributes() -> Response:
    return ok(attribute_views(clinic()))


@blueprint.post("/providers/<patient_id>/attributes")
@api.operation(
    "Set a patient attribute by name (listed in the patient's patientAttributes)",
    done(_TRUE),
    *errors(400, 401, 404, 413),
    body=SetAttributeSchema,
    bearer=True,
)
def set_attribute(patient_id: str) -> Response:
    clinic_id = clinic()
    service().attributes.set(clinic_id, patient_id, api.body())
    return ok(True)


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
