"""Intake24's HTTP surfaces: the REST API under ``/intake24/api`` and the survey app under
``/intake24/survey``. Views load, call the service, render.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, current_app, g, request

from contracts.intake24 import messages
from contracts.intake24.pagination import parse_list_query
from contracts.intake24.schemas import UNDEFINED
from sandbox.core import journal
from sandbox.core.errors import VendorError
from sandbox.vendors.intake24 import auth, pages, purify
from sandbox.vendors.intake24.errors import BadRequest, ContractInvalid, TooManyRequests, json_response
from sandbox.vendors.intake24.service import SURVEY_VIEWS, Intake24Service, LoginResult, Survey

API_PREFIX = "/intake24/api"
SURVEY_PREFIX = "/intake24/survey"
SERVICE_KEY = "sandbox.intake24"
REFRESH_COOKIE = "it24s_refresh_token"
SURVEY_COOKIE = "it24s_survey_session"
LOOPBACK = ("127.0.0.1", "::1")

api = Blueprint("intake24_api", __name__, url_prefix=API_PREFIX)
survey_app = Blueprint("intake24_survey", __name__, url_prefix=SURVEY_PREFIX)


def service() -> Intake24Service:
    found: Intake24Service = current_app.extensions[SERVICE_KEY]
    return found


# --- the Express middleware chain: body parsers, sanitiser, generic rate limiter ---------------


def sanitise(value: Any) -> Any:
    """Intake24's body sanitiser (DOMPurify with HTML allowed, trim, empty → null; see
    :mod:`sandbox.vendors.intake24.purify`). Lone UTF-16 surrogates become U+FFFD first, as Node's
    UTF-8 encoder writes them.
    """
    try:
        return purify.sanitise(auth.scrub(value), allow_html=True)
    except purify.MarkupBudgetExceeded:
        raise BadRequest(MARKUP_REFUSED, rule="markup_budget") from None


#: Sandbox-only: the sanitiser's cost bound (see :data:`purify.MARKUP_BUDGET`).
MARKUP_REFUSED = (
    f"The sandbox sanitises at most {purify.MARKUP_BUDGET} '<' characters per request "
    "(Intake24 runs DOMPurify on every string); send less markup"
)


def sanitised_query() -> dict[str, Any]:
    """``req.query`` after Intake24's query sanitiser (DOMPurify with no markup, trim, empty →
    null); a repeated parameter is a list, as Express's query parser makes it."""
    raw = {key: auth.scrub(values[0] if len(values) == 1 else values) for key, values in request.args.lists()}
    try:
        sanitised: dict[str, Any] = purify.sanitise(raw, allow_html=False)
    except purify.MarkupBudgetExceeded:
        raise BadRequest(MARKUP_REFUSED, rule="markup_budget") from None
    return sanitised


def parse_body() -> Any:
    """``express.json`` (strict, 10 MB) and ``express.urlencoded`` (extended false); else undefined."""
    media_type = (request.mimetype or "").lower()
    if media_type == "application/json":
        raw = request.get_data(cache=True)
        text = raw.decode("utf-8", "replace").removeprefix("\ufeff")  # body-parser's iconv strips a BOM
        stripped = text.lstrip(" \t\r\n")
        if not raw:
            return {}
        if not stripped:  # body-parser's strict mode: nothing to parse
            raise BadRequest("Unexpected end of JSON input")
        if stripped[0] not in "{[":  # strict mode: only objects and arrays
            raise BadRequest(auth.unexpected_token(text, len(text) - len(stripped)))
        try:
            return auth.js_json_parse(text)
        except Exception as exc:  # every parse failure is the client's 400
            raise BadRequest(str(exc)) from None
    if media_type == "application/x-www-form-urlencoded":
        form = request.form
        return {key: values[0] if len(values) == 1 else values for key, values in form.lists()}
    return UNDEFINED


def body() -> Any:
    return g.get("intake24_body")


def before_api_request() -> None:
    if not (request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")):
        return
    try:
        g.intake24_body = sanitise(parse_body()) if request.method in ("POST", "PUT", "PATCH", "DELETE") else None
    except RecursionError:  # Node would overflow its stack too; answer 400, never 500
        raise BadRequest("Maximum call stack size exceeded") from None
    intake24 = service()
    address = request.remote_addr or ""
    if intake24.settings.rate_limit_exempt_loopback and address in LOOPBACK:
        return
    allowed, headers = intake24.limiter.hit(f"generic:{address}", intake24.clock.now())
    g.intake24_rate_headers = headers
    if not allowed:
        raise TooManyRequests(messages.RATE_LIMITED, headers=headers)


#: helmet's defaults on ``/api`` (CSP, COEP, COOP and CORP are switched off there) and the CORS
#: headers of ``cors({credentials: true, exposedHeaders: [...]})`` (``loaders/security.ts``).
API_HEADERS = {
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "RateLimit,RateLimit-Policy,Retry-After",
    "Origin-Agent-Cluster": "?1",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-DNS-Prefetch-Control": "off",
    "X-Download-Options": "noopen",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Permitted-Cross-Domain-Policies": "none",
    "X-XSS-Protection": "0",
}


def after_api_request(response: Response) -> Response:
    if not (request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")):
        return response
    response.headers.update(API_HEADERS)
    for name, value in g.get("intake24_rate_headers", {}).items():
        response.headers[name] = value
    return response


# --- REST API ---------------------------------------------------------------------------------


@api.post("/surveys/<slug>/create-user", strict_slashes=False)
def create_user(slug: str) -> Response:
    journal.note(tenant=slug)
    return json_response(service().create_user(slug, body()))


def login_limit() -> str | None:
    """The login limiter (5 failed attempts / 15 min); its headers replace the generic ones."""
    intake24 = service()
    address = request.remote_addr or ""
    if intake24.settings.rate_limit_exempt_loopback and address in LOOPBACK:
        return None
    key = f"login:{address}"
    allowed, headers = intake24.login_limiter.hit(key, intake24.clock.now())
    g.intake24_rate_headers = headers
    if not allowed:
        raise TooManyRequests(messages.LOGIN_RATE_LIMITED, headers=headers)
    return key


@api.post("/auth/login/token", strict_slashes=False)
def login_token() -> Response:
    intake24 = service()
    limit_key = login_limit()
    result = intake24.token_login(body())
    if limit_key is not None:  # skipSuccessfulRequests
        intake24.login_limiter.forgive(limit_key)
    if result.captcha_for is not None:
        return json_response({"surveyId": result.captcha_for, "provider": "captcha"})
    response = json_response({"accessToken": result.access_token})
    response.set_cookie(
        REFRESH_COOKIE,
        result.refresh_token or "",
        max_age=86400,
        path=f"{API_PREFIX}/auth",
        httponly=True,
        samesite="Lax",
    )
    return response


@api.post("/surveys/<slug>/session", strict_slashes=False)
def start_session(slug: str) -> Response:
    intake24 = service()
    survey, respondent = intake24.respondent_for(request.headers.get("Authorization"), slug)
    supplied = body().get("uxSessionId") if isinstance(body(), dict) else None
    session_id = intake24.start_session(
        survey,
        respondent,
        g.get("correlation_id", ""),
        supplied if isinstance(supplied, str) and len(supplied) <= 36 else None,
    )
    return json_response({"sessionId": session_id})


@api.delete("/surveys/<slug>/session", strict_slashes=False)
@api.delete("/surveys/<slug>/session/<session_id>", strict_slashes=False)
def cancel_session(slug: str, session_id: str | None = None) -> Response:
    intake24 = service()
    survey, respondent = intake24.respondent_for(request.headers.get("Authorization"), slug)
    intake24.cancel_session(survey, respondent, g.get("correlation_id", ""), session_id)
    return no_content()


@api.post("/surveys/<slug>/submission", strict_slashes=False)
def submit(slug: str) -> Response:
    intake24 = service()
    survey, respondent = intake24.respondent_for(request.headers.get("Authorization"), slug)
    recall = body().get("submission") if isinstance(body(), dict) else None
    result = intake24.submit(
        survey,
        respondent,
        recall if isinstance(recall, dict) else None,
        request.headers.get("User-Agent"),
        g.get("correlation_id", ""),
    )
    return json_response(result)


def _survey_app_base() -> str:
    return request.host_url.rstrip("/") + SURVEY_PREFIX


@api.get("/admin/surveys/<survey_id>/respondents", strict_slashes=False)
def admin_list(survey_id: str) -> Response:
    intake24 = service()
    intake24.require_admin(request.headers.get("Authorization"))
    query, issues = parse_list_query(sanitised_query())
    if issues:
        raise ContractInvalid(issues, location="query")
    survey = intake24.admin_survey(survey_id)
    return json_response(intake24.admin_list(survey, query, _survey_app_base()))


def no_content() -> Response:
    """204 as Express ends it: no body and no ``Content-Type``."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


@api.post("/admin/surveys/<survey_id>/respondents", strict_slashes=False)
def admin_create(survey_id: str) -> Response:
    intake24 = service()
    intake24.require_admin(request.headers.get("Authorization"))
    survey = intake24.admin_survey(survey_id)
    return json_response(intake24.admin_create(survey, body(), _survey_app_base()), 201)


@api.get("/admin/surveys/<survey_id>/respondents/<username>", strict_slashes=False)
def admin_get(survey_id: str, username: str) -> Response:
    intake24 = service()
    intake24.require_admin(request.headers.get("Authorization"))
    survey = intake24.admin_survey(survey_id)
    respondent = intake24.admin_get(survey, username)
    return json_response(intake24.admin_entry(survey, respondent, _survey_app_base(), full=True))


@api.patch("/admin/surveys/<survey_id>/respondents/<username>", strict_slashes=False)
def admin_patch(survey_id: str, username: str) -> Response:
    intake24 = service()
    intake24.require_admin(request.headers.get("Authorization"))
    survey = intake24.admin_survey(survey_id)
    return json_response(intake24.admin_patch(survey, username, body(), _survey_app_base()))


@api.delete("/admin/surveys/<survey_id>/respondents/<username>", strict_slashes=False)
def admin_delete(survey_id: str, username: str) -> Response:
    intake24 = service()
    intake24.require_admin(request.headers.get("Authorization"))
    survey = intake24.admin_survey(survey_id)
    intake24.admin_delete(survey, username)
    return no_content()


# --- survey app ---------------------------------------------------------------------------------

LANDING = f"{SURVEY_PREFIX}/"


def _redirect(location: str, status: int = 302) -> Response:
    """A redirect; the location is URL-encoded as Express's ``res.redirect`` (encodeurl) does, so a
    slug with control characters or spaces never makes an invalid header."""
    response = Response(status=status)
    response.headers["Location"] = quote(location, safe="!#$%&'()*+,/:;=?@[]~")
    return response


def _signed_in() -> tuple[Survey, Any] | None:
    return service().session_respondent(request.cookies.get(SURVEY_COOKIE), kind="refresh")


def _sign_in(response: Response, result: LoginResult) -> Response:
    if result.refresh_token:
        response.set_cookie(
            SURVEY_COOKIE, result.refresh_token, max_age=86400, path=SURVEY_PREFIX, httponly=True, samesite="Lax"
        )
    return response


def _login(token: str) -> LoginResult | None:
    """Token login for the survey app; any failure is silent, as the SPA's guards are."""
    try:
        return service().token_login(sanitise({"token": token}))
    except VendorError:
        return None


@survey_app.get("/")
def landing() -> Response:
    """The landing page; ``?auth=`` (the short query authentication URL ``{base}?auth={token}``)
    signs in through the SPA's global guard and lands on the respondent's survey home."""
    token = request.args.get("auth")
    if token is not None:
        return _auth_redirect(token)
    return pages.landing(_signed_in())


@survey_app.get("/<slug>/create-user/<path:token>")
def create_user_page(slug: str, token: str) -> Response:
    """Create or find the respondent, sign them in, go to home/recall/feedback; failure → landing."""
    wanted = request.args.getlist("redirect")
    view = wanted[0] if len(wanted) == 1 and wanted[0] in SURVEY_VIEWS else "home"
    try:
        created = service().create_user(slug, sanitise({"token": token}))
    except VendorError as error:
        journal.note(tenant=slug, rule=error.rule, message=error.message)
        return _redirect(LANDING, 302)
    result = _login(created["authToken"])
    if result is None:
        return _redirect(LANDING, 302)
    response = _redirect(f"{SURVEY_PREFIX}/{slug}/{view}", 302)
    response.delete_cookie(SURVEY_COOKIE, path=SURVEY_PREFIX)
    return _sign_in(response, result)


@survey_app.get("/a/<token>")
def short_auth_url(token: str) -> Response:
    return _auth_redirect(token)


def _auth_redirect(token: str) -> Response:
    """Token login, then the survey's home (a captcha survey: its login page; failure: landing)."""
    result = _login(token)
    found = None if result is None else service().respondent_by_token(token.strip())
    survey = None if found is None else service().survey_by_id(found.survey_id)
    if result is None or survey is None:
        return _redirect(LANDING, 302)
    if result.captcha_for:
        return _redirect(f"{SURVEY_PREFIX}/{survey.slug}", 302)
    return _sign_in(_redirect(f"{SURVEY_PREFIX}/{survey.slug}/home", 302), result)


@survey_app.get("/<slug>")
def survey_login(slug: str) -> Response:
    survey = service().find_survey(slug)
    if survey is None:
        return _redirect(LANDING, 302)
    token = request.args.get("auth")
    if token is not None:
        result = _login(token)
        if result is None or result.captcha_for:
            return _redirect(f"{SURVEY_PREFIX}/{slug}", 302)
        return _sign_in(_redirect(f"{SURVEY_PREFIX}/{slug}/home", 302), result)
    return pages.login(survey, _signed_in())


@survey_app.get("/<slug>/<view>")
def survey_view(slug: str, view: str) -> Response:
    intake24 = service()
    survey = intake24.find_survey(slug)
    if survey is None or view not in SURVEY_VIEWS:
        return _redirect(LANDING, 302)
    token = request.args.get("auth")
    if token is not None:
        result = _login(token)
        if result is None or result.captcha_for:
            return _redirect(f"{SURVEY_PREFIX}/{slug}", 302)
        return _sign_in(_redirect(f"{SURVEY_PREFIX}/{slug}/{view}", 302), result)
    signed_in = _signed_in()
    if signed_in is None or signed_in[0].id != survey.id:
        return _redirect(f"{SURVEY_PREFIX}/{slug}", 302)
    respondent = signed_in[1]
    if view == "feedback" and not pages.feedback_available(intake24.custom_fields_of(respondent.id)):
        return _redirect(f"{SURVEY_PREFIX}/{slug}/home", 302)
    submission = request.args.get("submitted")
    follow_up = intake24.follow_up_url(survey, respondent) if submission else None
    return pages.survey(survey, respondent, view, intake24.active_session(survey, respondent), submission, follow_up)


@survey_app.post("/<slug>/recall/<action>")
def recall_action(slug: str, action: str) -> Response:
    """The page's buttons: start, cancel or submit a recall through the same service as the API."""
    intake24 = service()
    survey = intake24.find_survey(slug)
    signed_in = _signed_in()
    if survey is None or signed_in is None or signed_in[0].id != survey.id:
        return _redirect(f"{SURVEY_PREFIX}/{slug}", 302)
    respondent = signed_in[1]
    correlation = g.get("correlation_id", "")
    if action == "start":
        intake24.start_session(survey, respondent, correlation)
    elif action == "cancel":
        intake24.cancel_session(survey, respondent, correlation)
    elif action == "submit":
        result = intake24.submit(survey, respondent, None, request.headers.get("User-Agent"), correlation)
        return _redirect(f"{SURVEY_PREFIX}/{slug}/recall?submitted={result['submissionId']}", 302)
    else:
        return _redirect(f"{SURVEY_PREFIX}/{slug}/recall", 302)
    return _redirect(f"{SURVEY_PREFIX}/{slug}/recall", 302)


# --- OpenAPI ----------------------------------------------------------------------------------

#: Every Intake24 answer on ``/api`` carries helmet's and the rate limiter's headers.
RATE_HEADERS = {
    "RateLimit": {"schema": {"type": "string"}, "description": "limit=N, remaining=N, reset=SECONDS"},
    "RateLimit-Policy": {"schema": {"type": "string"}, "description": "N;w=SECONDS"},
}


def _json(schema: str | dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON_MEDIA: {"schema": schema}}}


JSON_MEDIA = "application/json"
HTML_MEDIA = "text/html"
MESSAGE = "Intake24Message"
INVALID = "Intake24ValidationError"


def _api_errors(*statuses: str) -> dict[str, Any]:
    """The documented error answers of an ``/api`` operation."""
    known: dict[str, dict[str, Any]] = {
        "400": _json(
            {"oneOf": [{"$ref": f"#/components/schemas/{INVALID}"}, {"$ref": f"#/components/schemas/{MESSAGE}"}]},
            "Bad request: a contract failure `{message, errors}`, or `{message}` for unparsable JSON",
        ),
        "401": {
            "description": "Bearer authentication failed: the text `Unauthorized`, no Content-Type "
            "(or `{message}` from the login endpoint)",
        },
        "403": _json(MESSAGE, "Forbidden, e.g. jsonwebtoken's message for a bad create-user token"),
        "404": _json(
            {"oneOf": [{"$ref": f"#/components/schemas/{MESSAGE}"}, {"type": "string", "enum": ["Invalid route"]}]},
            '`{"message": "NotFoundError"}`, or the bare string "Invalid route" for an unknown path or method',
        ),
        "413": _json(MESSAGE, "Body over 10 MB"),
        "429": {
            **_json(MESSAGE, "Rate limited; see Retry-After"),
            "headers": {**RATE_HEADERS, "Retry-After": {"schema": {"type": "string"}}},
        },
    }
    return {status: known[status] for status in statuses}


def _slug() -> dict[str, Any]:
    return {"in": "path", "name": "slug", "required": True, "schema": {"type": "string", "minLength": 1}}


def _path(name: str) -> dict[str, Any]:
    return {"in": "path", "name": name, "required": True, "schema": {"type": "string", "minLength": 1}}


def _body(schema: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {JSON_MEDIA: {"schema": schema}, "application/x-www-form-urlencoded": {"schema": schema}},
    }


def _page(description: str) -> dict[str, Any]:
    return {"description": description, "content": {HTML_MEDIA: {"schema": {"type": "string"}}}}


def _redirect_to(description: str) -> dict[str, Any]:
    return {"description": description, "headers": {"Location": {"schema": {"type": "string"}, "required": True}}}


def openapi_paths(spec: APISpec) -> None:
    """Intake24's endpoints in the OpenAPI document, from the contract schemas."""
    from contracts.intake24 import schemas as contract
    from sandbox.core.openapi import add_schema

    plugin = next(p for p in spec.plugins if isinstance(p, MarshmallowPlugin))
    assert plugin.converter is not None
    plugin.converter.add_attribute_function(contract.openapi_attributes)  # type: ignore[no-untyped-call]
    for name, schema in [
        ("Intake24CreateUserRequest", contract.CreateUserRequestSchema),
        ("Intake24CreateUserResponse", contract.CreateUserResponseSchema),
        ("Intake24TokenLoginRequest", contract.TokenLoginRequestSchema),
        ("Intake24AccessToken", contract.AccessTokenResponseSchema),
        ("Intake24CaptchaRequired", contract.CaptchaRequiredSchema),
        ("Intake24SessionStarted", contract.SessionStartedSchema),
        ("Intake24SubmissionResult", contract.SubmissionResultSchema),
        ("Intake24AdminRespondentRequest", contract.AdminRespondentRequestSchema),
        ("Intake24AdminRespondentPatch", contract.AdminRespondentPatchSchema),
        ("Intake24AdminRespondent", contract.AdminRespondentSchema),
        ("Intake24AdminRespondentPage", contract.AdminRespondentPageSchema),
        (MESSAGE, contract.MessageBodySchema),
        (INVALID, contract.ValidationErrorBodySchema),
    ]:
        add_schema(spec, name, schema)
    tags = ["intake24"]
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    survey_errors = _api_errors("400", "401", "403", "404", "413", "429")
    spec.path(
        API_PREFIX + "/surveys/{slug}/create-user",
        operations={
            "post": {
                "tags": tags,
                "summary": "Create or find a respondent from a JWT signed with the survey's JWT secret",
                "parameters": [_slug()],
                "requestBody": _body("Intake24CreateUserRequest"),
                "responses": {
                    "200": _json("Intake24CreateUserResponse", "The respondent, created or found"),
                    **_api_errors("400", "403", "404", "413", "429"),
                },
            }
        },
    )
    spec.path(
        API_PREFIX + "/auth/login/token",
        operations={
            "post": {
                "tags": tags,
                "summary": "Sign a respondent in with their URL authentication token",
                "requestBody": _body("Intake24TokenLoginRequest"),
                "responses": {
                    "200": _json(
                        {
                            "oneOf": [
                                {"$ref": "#/components/schemas/Intake24AccessToken"},
                                {"$ref": "#/components/schemas/Intake24CaptchaRequired"},
                            ]
                        },
                        "An access token (and the refresh cookie), or the captcha challenge",
                    ),
                    "400": _api_errors("400")["400"],
                    "401": _json(MESSAGE, "Unknown token, disabled account or wrong captcha"),
                    **_api_errors("413", "429"),
                },
            }
        },
    )
    spec.path(
        API_PREFIX + "/surveys/{slug}/session",
        operations={
            "post": {
                "tags": tags,
                "summary": "Start a recall session",
                "security": bearer,
                "parameters": [_slug()],
                "responses": {"200": _json("Intake24SessionStarted", "Started"), **survey_errors},
            },
            "delete": {
                "tags": tags,
                "summary": "Cancel the recall session in progress",
                "security": bearer,
                "parameters": [_slug()],
                "responses": {"204": {"description": "Cancelled"}, **survey_errors},
            },
        },
    )
    spec.path(
        API_PREFIX + "/surveys/{slug}/session/{session_id}",
        operations={
            "delete": {
                "tags": tags,
                "summary": "Cancel a recall session by id",
                "security": bearer,
                "parameters": [_slug(), _path("session_id")],
                "responses": {"204": {"description": "Cancelled"}, **survey_errors},
            }
        },
    )
    spec.path(
        API_PREFIX + "/surveys/{slug}/submission",
        operations={
            "post": {
                "tags": tags,
                "summary": "Submit the recall",
                "security": bearer,
                "parameters": [_slug()],
                "responses": {"200": _json("Intake24SubmissionResult", "Submitted"), **survey_errors},
            }
        },
    )
    survey_id = {
        "in": "path",
        "name": "survey_id",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
    }
    admin_errors = _api_errors("400", "401", "403", "404", "413", "429")
    spec.path(
        API_PREFIX + "/admin/surveys/{survey_id}/respondents",
        operations={
            "get": {
                "tags": tags,
                "summary": "List a survey's respondents (personal access token)",
                "security": bearer,
                "parameters": [survey_id, {"in": "query", "schema": contract.AdminListQuerySchema}],
                "responses": {"200": _json("Intake24AdminRespondentPage", "A page of respondents"), **admin_errors},
            },
            "post": {
                "tags": tags,
                "summary": "Create a respondent",
                "security": bearer,
                "parameters": [survey_id],
                "requestBody": _body("Intake24AdminRespondentRequest"),
                "responses": {"201": _json("Intake24AdminRespondent", "Created"), **admin_errors},
            },
        },
    )
    spec.path(
        API_PREFIX + "/admin/surveys/{survey_id}/respondents/{username}",
        operations={
            "get": {
                "tags": tags,
                "summary": "One respondent",
                "security": bearer,
                "parameters": [survey_id, _path("username")],
                "responses": {"200": _json("Intake24AdminRespondent", "The respondent"), **admin_errors},
            },
            "patch": {
                "tags": tags,
                "summary": "Update a respondent",
                "security": bearer,
                "parameters": [survey_id, _path("username")],
                "requestBody": _body("Intake24AdminRespondentPatch"),
                "responses": {"200": _json("Intake24AdminRespondent", "Updated"), **admin_errors},
            },
            "delete": {
                "tags": tags,
                "summary": "Delete a respondent",
                "security": bearer,
                "parameters": [survey_id, _path("username")],
                "responses": {"204": {"description": "Deleted"}, **admin_errors},
            },
        },
    )
    pages = ["intake24 survey app"]
    spec.path(
        SURVEY_PREFIX + "/",
        operations={
            "get": {
                "tags": pages,
                "summary": "Landing page; `?auth=` (the short query authentication URL) signs in and redirects",
                "parameters": [{"in": "query", "name": "auth", "schema": {"type": "string"}}],
                "responses": {
                    "200": _page("Landing"),
                    "302": _redirect_to("Signed in (to the survey's home) or a bad token (to the landing page)"),
                },
            }
        },
    )
    spec.path(
        SURVEY_PREFIX + "/{slug}",
        operations={
            "get": {
                "tags": pages,
                "summary": "Survey login page; `?auth=` signs in and redirects",
                "parameters": [_slug(), {"in": "query", "name": "auth", "schema": {"type": "string"}}],
                "responses": {
                    "200": _page("Login page"),
                    "302": _redirect_to("Signed in (to home) or unknown survey (to the landing page)"),
                    "404": _page("Not found"),
                },
            }
        },
    )
    spec.path(
        SURVEY_PREFIX + "/{slug}/{view}",
        operations={
            "get": {
                "tags": pages,
                "summary": "Home, recall or feedback of the signed-in respondent",
                "parameters": [
                    _slug(),
                    _path("view"),
                    {"in": "query", "name": "auth", "schema": {"type": "string"}},
                    {"in": "query", "name": "submitted", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": _page("The view"),
                    "302": _redirect_to("Not signed in, unknown view or survey"),
                    "404": _page("Not found"),
                },
            }
        },
    )
    spec.path(
        SURVEY_PREFIX + "/{slug}/create-user/{token}",
        operations={
            "get": {
                "tags": pages,
                "summary": "Create or find the respondent from a create-user JWT, sign in, redirect",
                "parameters": [
                    _slug(),
                    _path("token"),
                    {"in": "query", "name": "redirect", "schema": {"type": "string"}},
                ],
                "responses": {
                    "302": _redirect_to("To the chosen view, or to the landing page on any failure"),
                    "404": _page("Not found"),
                },
            }
        },
    )
    spec.path(
        SURVEY_PREFIX + "/a/{token}",
        operations={
            "get": {
                "tags": pages,
                "summary": "Short authentication URL",
                "parameters": [_path("token")],
                "responses": {"302": _redirect_to("Signed in (to home) or to the landing page"), "404": _page("x")},
            }
        },
    )
    spec.path(
        SURVEY_PREFIX + "/{slug}/recall/{action}",
        operations={
            "post": {
                "tags": pages,
                "summary": "The recall page's buttons: start, cancel or submit",
                "parameters": [_slug(), _path("action")],
                "responses": {"302": _redirect_to("Back to the recall page"), "404": _page("Not found")},
            }
        },
    )
