"""Intake24's HTTP surfaces: the REST API under ``/intake24/api`` and the survey app under
``/intake24/survey``. Views declare their contract, load, call the service, answer (:mod:`.wire`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response

from contracts.intake24 import messages
from contracts.intake24.constants import SESSION_ID_MAX_LENGTH
from contracts.intake24.schemas import (
    CREATE_USER_REQUEST,
    TOKEN_LOGIN_REQUEST,
    AccessTokenResponseSchema,
    AdminListQuerySchema,
    AdminRespondentPageSchema,
    AdminRespondentPatchSchema,
    AdminRespondentRequestSchema,
    AdminRespondentSchema,
    CaptchaRequiredSchema,
    CreateUserRequestSchema,
    CreateUserResponseSchema,
    MessageBodySchema,
    SessionStartedSchema,
    SubmissionResultSchema,
    TokenLoginRequestSchema,
    ValidationErrorBodySchema,
    openapi_attributes,
)
from sandbox.core import journal
from sandbox.core.apidoc import (
    Declarations,
    Reply,
    empty_reply,
    json_reply,
    one_of,
    page_reply,
    redirect_reply,
)
from sandbox.core.errors import VendorError
from sandbox.vendors.intake24 import pages, wire
from sandbox.vendors.intake24.models import LoginResult, Respondent, Survey

api = Blueprint("intake24_api", __name__, url_prefix=wire.API_PREFIX)
survey_app = Blueprint("intake24_survey", __name__, url_prefix=wire.SURVEY_PREFIX)

#: The component names the document has always used.
NAMES = {
    AccessTokenResponseSchema: "Intake24AccessToken",
    MessageBodySchema: "Intake24Message",
    ValidationErrorBodySchema: "Intake24ValidationError",
}
api_doc = Declarations(
    tag="intake24",
    component_prefix="Intake24",
    load_body=wire.load_body,
    names=NAMES,
    finish=wire.middleware_answers,
    field_rules=(openapi_attributes,),
    # Named before any reply nests them: a nested schema met first would get apispec's default name.
    components=(MessageBodySchema, ValidationErrorBodySchema, AdminRespondentSchema),
)
app_doc = Declarations(tag="intake24 survey app", component_prefix="Intake24", names=NAMES)

FORMS = ("application/json", "application/x-www-form-urlencoded")


def _path(name: str) -> dict[str, Any]:
    return {"in": "path", "name": name, "required": True, "schema": {"type": "string", "minLength": 1}}


def _query(name: str) -> dict[str, Any]:
    return {"in": "query", "name": name, "schema": {"type": "string"}}


SLUG, SURVEY_ID, USERNAME = _path("slug"), _path("survey_id"), _path("username")
UNAUTHORIZED = Reply(
    401,
    "Bearer authentication failed: the text `Unauthorized`, no Content-Type (or `{message}` from the login endpoint)",
)
FORBIDDEN = json_reply(403, MessageBodySchema, "Forbidden, e.g. jsonwebtoken's message for a bad create-user token")
NOT_FOUND = json_reply(
    404,
    one_of(MessageBodySchema, {"type": "string", "enum": [messages.INVALID_ROUTE]}),
    '`{"message": "NotFoundError"}`, or the bare string "Invalid route" for an unknown path or method',
)
PAGE_NOT_FOUND = page_reply(404, "Not found")


# --- REST API -------------------------------------------------------------------------------------


@api.post("/surveys/<slug>/create-user", strict_slashes=False)
@api_doc.operation(
    "Create or find a respondent from a JWT signed with the survey's JWT secret",
    json_reply(200, CreateUserResponseSchema, "The respondent, created or found"),
    FORBIDDEN,
    NOT_FOUND,
    body=CreateUserRequestSchema,
    body_media=FORMS,
    parameters=(SLUG,),
)
def create_user(slug: str) -> Response:
    journal.note(tenant=slug)
    return wire.json_response(wire.service().create_user(slug, api_doc.body()["token"]))


@api.post("/auth/login/token", strict_slashes=False)
@api_doc.operation(
    "Sign a respondent in with their URL authentication token",
    json_reply(
        200,
        one_of(AccessTokenResponseSchema, CaptchaRequiredSchema),
        "An access token (and the refresh cookie), or the captcha challenge",
    ),
    json_reply(401, MessageBodySchema, "Unknown token, disabled account or wrong captcha"),
    body=TokenLoginRequestSchema,
    body_media=FORMS,
)
def login_token() -> Response:
    intake24 = wire.service()
    limit_key = wire.login_limit()
    result = intake24.token_login(api_doc.body())
    if limit_key is not None:  # skipSuccessfulRequests
        intake24.login_limiter.forgive(limit_key)
    if result.captcha_for is not None:
        return wire.json_response({"surveyId": result.captcha_for, "provider": "captcha"})
    return wire.logged_in(result)


BEARER_ERRORS = (UNAUTHORIZED, FORBIDDEN, NOT_FOUND)


@api.post("/surveys/<slug>/session", strict_slashes=False)
@api_doc.operation(
    "Start a recall session",
    json_reply(200, SessionStartedSchema, "Started"),
    *BEARER_ERRORS,
    parameters=(SLUG,),
    bearer=True,
)
def start_session(slug: str) -> Response:
    intake24 = wire.service()
    survey, respondent = intake24.respondent_for(wire.authorization(), slug)
    supplied = wire.body_field("uxSessionId")
    wanted = supplied if isinstance(supplied, str) and len(supplied) <= SESSION_ID_MAX_LENGTH else None
    session_id = intake24.start_session(survey, respondent, wire.correlation_id(), wanted)
    return wire.json_response({"sessionId": session_id})


@api.delete("/surveys/<slug>/session", strict_slashes=False)
@api_doc.operation(
    "Cancel the recall session in progress",
    empty_reply(204, "Cancelled"),
    *BEARER_ERRORS,
    parameters=(SLUG,),
    bearer=True,
)
def cancel_session(slug: str) -> Response:
    return cancel_session_by_id(slug, None)


@api.delete("/surveys/<slug>/session/<session_id>", strict_slashes=False)
@api_doc.operation(
    "Cancel a recall session by id",
    empty_reply(204, "Cancelled"),
    *BEARER_ERRORS,
    parameters=(SLUG, _path("session_id")),
    bearer=True,
)
def cancel_session_by_id(slug: str, session_id: str | None) -> Response:
    intake24 = wire.service()
    survey, respondent = intake24.respondent_for(wire.authorization(), slug)
    intake24.cancel_session(survey, respondent, wire.correlation_id(), session_id)
    return wire.no_content()


@api.post("/surveys/<slug>/submission", strict_slashes=False)
@api_doc.operation(
    "Submit the recall",
    json_reply(200, SubmissionResultSchema, "Submitted"),
    *BEARER_ERRORS,
    parameters=(SLUG,),
    bearer=True,
)
def submit(slug: str) -> Response:
    intake24 = wire.service()
    survey, respondent = intake24.respondent_for(wire.authorization(), slug)
    recall = wire.body_field("submission")
    result = intake24.submit(
        survey, respondent, recall if isinstance(recall, dict) else None, wire.user_agent(), wire.correlation_id()
    )
    return wire.json_response(result)


def _admin(survey_id: str, load: Callable[[], Any] | None = None, *, listing: bool = False) -> tuple[Survey, Any]:
    """An admin respondents route as Intake24 runs it: passport's ``admin`` strategy (a personal
    access token), ts-rest's validation of the path, query and body, then the survey."""
    intake24 = wire.service()
    intake24.require_admin(wire.authorization())
    survey_number, loaded = wire.admin_request(survey_id, load, listing=listing)
    return intake24.admin_survey(survey_number), loaded


def _username(username: str) -> str:
    """``:username`` as Express matched it: an unencoded slash in it means no route matched."""
    if not wire.one_segment(username):
        raise wire.route_missing("/admin/surveys")
    return username


@api.get("/admin/surveys/<survey_id>/respondents", strict_slashes=False)
@api_doc.operation(
    "List a survey's respondents (personal access token)",
    json_reply(200, AdminRespondentPageSchema, "A page of respondents"),
    *BEARER_ERRORS,
    query=AdminListQuerySchema,
    parameters=(SURVEY_ID,),
    bearer=True,
)
def admin_list(survey_id: str) -> Response:
    survey, query = _admin(survey_id, listing=True)
    return wire.json_response(wire.service().admin_list(survey, query, wire.survey_app_base()))


@api.post("/admin/surveys/<survey_id>/respondents", strict_slashes=False)
@api_doc.operation(
    "Create a respondent",
    json_reply(201, AdminRespondentSchema, "Created"),
    *BEARER_ERRORS,
    body=AdminRespondentRequestSchema,
    body_media=FORMS,
    parameters=(SURVEY_ID,),
    bearer=True,
)
def admin_create(survey_id: str) -> Response:
    survey, body = _admin(survey_id, api_doc.body)
    return wire.json_response(wire.service().admin_create(survey, body, wire.survey_app_base()), 201)


@api.get("/admin/surveys/<survey_id>/respondents/<path:username>", strict_slashes=False)
@api_doc.operation(
    "One respondent",
    json_reply(200, AdminRespondentSchema, "The respondent"),
    *BEARER_ERRORS,
    parameters=(SURVEY_ID, USERNAME),
    bearer=True,
)
def admin_get(survey_id: str, username: str) -> Response:
    survey, _ = _admin(survey_id)
    intake24 = wire.service()
    respondent = intake24.admin_get(survey, _username(username))
    return wire.json_response(intake24.admin_entry(survey, respondent, wire.survey_app_base(), full=True))


@api.patch("/admin/surveys/<survey_id>/respondents/<path:username>", strict_slashes=False)
@api_doc.operation(
    "Update a respondent",
    json_reply(200, AdminRespondentSchema, "Updated"),
    *BEARER_ERRORS,
    body=AdminRespondentPatchSchema,
    body_media=FORMS,
    parameters=(SURVEY_ID, USERNAME),
    bearer=True,
)
def admin_patch(survey_id: str, username: str) -> Response:
    """The body is validated before the respondent is looked up (ts-rest, then the handler)."""
    survey, body = _admin(survey_id, api_doc.body)
    intake24 = wire.service()
    respondent = intake24.admin_get(survey, _username(username))
    return wire.json_response(intake24.admin_patch(survey, respondent, body, wire.survey_app_base()))


@api.delete("/admin/surveys/<survey_id>/respondents/<path:username>", strict_slashes=False)
@api_doc.operation(
    "Delete a respondent", empty_reply(204, "Deleted"), *BEARER_ERRORS, parameters=(SURVEY_ID, USERNAME), bearer=True
)
def admin_delete(survey_id: str, username: str) -> Response:
    survey, _ = _admin(survey_id)
    wire.service().admin_delete(survey, _username(username))
    return wire.no_content()


# --- survey app -----------------------------------------------------------------------------------


def _signed_in() -> tuple[Survey, Respondent] | None:
    return wire.service().session_respondent(wire.survey_session_token(), kind="refresh")


def _login(token: str) -> LoginResult | None:
    """Token login for the survey app; any failure is silent, as the SPA's guards are."""
    try:
        return wire.service().token_login(wire.load_contract(TOKEN_LOGIN_REQUEST, wire.sanitise({"token": token})))
    except VendorError:
        return None


def _to(slug: str, view: str | None = None) -> Response:
    """A redirect to a survey's login page, or to one of its views."""
    return wire.redirect(f"{wire.SURVEY_PREFIX}/{slug}" + ("" if view is None else f"/{view}"))


AUTH = _query("auth")


@survey_app.get("/")
@app_doc.operation(
    "Landing page; `?auth=` (the short query authentication URL) signs in and redirects",
    page_reply(200, "Landing"),
    redirect_reply(302, "Signed in (to the survey's home) or a bad token (to the landing page)"),
    parameters=(AUTH,),
)
def landing() -> Response:
    """The landing page; ``?auth=`` (the short query authentication URL ``{base}?auth={token}``)
    signs in through the SPA's global guard and lands on the respondent's survey home."""
    token = wire.query("auth")
    if token is not None:
        return _auth_redirect(token)
    return pages.landing(_signed_in())


@survey_app.get("/<slug>/create-user/<path:token>")
@app_doc.operation(
    "Create or find the respondent from a create-user JWT, sign in, redirect",
    redirect_reply(302, "To the chosen view, or to the landing page on any failure"),
    PAGE_NOT_FOUND,
    parameters=(SLUG, _path("token"), _query("redirect")),
)
def create_user_page(slug: str, token: str) -> Response:
    """Create or find the respondent, sign them in, go to home/recall/feedback; failure → landing."""
    wanted = wire.queries("redirect")
    view = wanted[0] if len(wanted) == 1 and wanted[0] in pages.SURVEY_VIEWS else "home"
    try:
        loaded = wire.load_contract(CREATE_USER_REQUEST, wire.sanitise({"token": token}))
        created = wire.service().create_user(slug, loaded["token"])
    except VendorError as error:
        journal.note(tenant=slug, rule=error.rule, message=error.message)
        return wire.redirect(wire.LANDING)
    result = _login(created["authToken"])
    if result is None:
        return wire.redirect(wire.LANDING)
    return wire.sign_in(wire.sign_out(_to(slug, view)), result)


@survey_app.get("/a/<token>")
@app_doc.operation(
    "Short authentication URL",
    redirect_reply(302, "Signed in (to home) or to the landing page"),
    page_reply(404, "x"),
    parameters=(_path("token"),),
)
def short_auth_url(token: str) -> Response:
    return _auth_redirect(token)


def _auth_redirect(token: str) -> Response:
    """Token login, then the survey's home (a captcha survey: its login page; failure: landing)."""
    intake24 = wire.service()
    result = _login(token)
    found = None if result is None else intake24.respondent_by_token(token.strip())
    survey = None if found is None else intake24.survey_by_id(found.survey_id)
    if result is None or survey is None:
        return wire.redirect(wire.LANDING)
    if result.captcha_for:
        return _to(survey.slug)
    return wire.sign_in(_to(survey.slug, "home"), result)


def _query_login(slug: str, view: str) -> Response:
    """``?auth=`` on a survey page: sign in and come back to ``view`` (failure: the login page)."""
    result = _login(wire.query("auth") or "")
    if result is None or result.captcha_for:
        return _to(slug)
    return wire.sign_in(_to(slug, view), result)


@survey_app.get("/<slug>")
@app_doc.operation(
    "Survey login page; `?auth=` signs in and redirects",
    page_reply(200, "Login page"),
    redirect_reply(302, "Signed in (to home) or unknown survey (to the landing page)"),
    PAGE_NOT_FOUND,
    parameters=(SLUG, AUTH),
)
def survey_login(slug: str) -> Response:
    survey = wire.service().find_survey(slug)
    if survey is None:
        return wire.redirect(wire.LANDING)
    if wire.query("auth") is not None:
        return _query_login(slug, "home")
    return pages.login(survey, _signed_in())


@survey_app.get("/<slug>/<view>")
@app_doc.operation(
    "Home, recall or feedback of the signed-in respondent",
    page_reply(200, "The view"),
    redirect_reply(302, "Not signed in, unknown view or survey"),
    PAGE_NOT_FOUND,
    parameters=(SLUG, _path("view"), AUTH, _query("submitted")),
)
def survey_view(slug: str, view: str) -> Response:
    """Vue Router's ``/:surveyId/home`` (``recall``, ``feedback``): static segments, matched without
    regard to case (``sensitive: false``), as the API's routes are (:mod:`.routing`)."""
    view = view.lower()
    intake24 = wire.service()
    survey = intake24.find_survey(slug)
    if survey is None or view not in pages.SURVEY_VIEWS:
        return wire.redirect(wire.LANDING)
    if wire.query("auth") is not None:
        return _query_login(slug, view)
    signed_in = _signed_in()
    if signed_in is None or signed_in[0].id != survey.id:
        return _to(slug)
    respondent = signed_in[1]
    if view == "feedback" and not pages.feedback_available(intake24.custom_fields_of(respondent.id)):
        return _to(slug, "home")
    submission = wire.query("submitted")
    follow_up = intake24.follow_up_url(survey, respondent) if submission else None
    return pages.survey(survey, respondent, view, intake24.active_session(survey, respondent), submission, follow_up)


@survey_app.post("/<slug>/recall/<action>")
@app_doc.operation(
    "The recall page's buttons: start, cancel or submit",
    redirect_reply(302, "Back to the recall page"),
    PAGE_NOT_FOUND,
    parameters=(SLUG, _path("action")),
)
def recall_action(slug: str, action: str) -> Response:
    """The page's buttons: start, cancel or submit a recall through the same service as the API."""
    intake24 = wire.service()
    survey = intake24.find_survey(slug)
    signed_in = _signed_in()
    if survey is None or signed_in is None or signed_in[0].id != survey.id:
        return _to(slug)
    respondent = signed_in[1]
    if action == "start":
        intake24.start_session(survey, respondent, wire.correlation_id())
    elif action == "cancel":
        intake24.cancel_session(survey, respondent, wire.correlation_id())
    elif action == "submit":
        result = intake24.submit(survey, respondent, None, wire.user_agent(), wire.correlation_id())
        return _to(slug, f"recall?submitted={result['submissionId']}")
    return _to(slug, "recall")
