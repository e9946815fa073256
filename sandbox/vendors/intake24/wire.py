"""Intake24's wire dialect: requests read the way its Node stack reads them, answers shaped the way
Express sends them.

Every ``/intake24/api`` request first meets Intake24's Express middleware chain (``loaders/``):
``express.json`` (strict) and ``express.urlencoded``, the DOMPurify sanitiser on every body string
and query value (:mod:`.purify`), the generic rate limiter (:mod:`.ratelimit`), and on the way out
helmet's and CORS's headers. :func:`before_api_request` and :func:`after_api_request` are that chain,
registered as hooks of the ``/api`` surface (:mod:`sandbox.core.surfacehooks`: they run before routing,
as Express's do, so an unknown path's body is parsed and counted too; other vendors' requests never
meet them). Views read the request only through this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes

from flask import Response, current_app, g, request
from marshmallow import Schema, ValidationError

from contracts.intake24 import constants
from contracts.intake24.constants import REFRESH_LIFETIME_SECONDS
from contracts.intake24.pagination import parse_bigint_string, parse_list_query
from contracts.intake24.schemas import (
    UNDEFINED,
    FieldIssue,
    MessageBodySchema,
    ValidationErrorBodySchema,
    issues_of,
    root_issue,
)
from contracts.intake24.validator import URIError
from sandbox.core.apidoc import Operation
from sandbox.core.bridge import BODY_CHUNKS_KEY
from sandbox.core.errors import VendorError
from sandbox.vendors.intake24 import bodyparser, purify, qs
from sandbox.vendors.intake24.errors import BadRequest, ContractInvalid, InvalidRoute, TooManyRequests
from sandbox.vendors.intake24.models import LoginResult
from sandbox.vendors.intake24.node import JSON_TYPE, stringify
from sandbox.vendors.intake24.ratelimit import RateLimiter
from sandbox.vendors.intake24.service import Intake24Service

#: Where the sandbox serves Intake24's REST API and its survey app.
API_PREFIX = constants.API_PREFIX
SURVEY_PREFIX = constants.SURVEY_PREFIX
SERVICE_KEY = "sandbox.intake24"
REFRESH_COOKIE = "it24s_refresh_token"
SURVEY_COOKIE = "it24s_survey_session"
#: The addresses Intake24 exempts from rate limiting (when ``rate_limit_exempt_loopback`` is on).
LOOPBACK = ("127.0.0.1", "::1")
LANDING = f"{SURVEY_PREFIX}/"
#: Sandbox-only: the sanitiser's cost bound (see :data:`purify.MARKUP_BUDGET`).
MARKUP_REFUSED = (
    f"The sandbox sanitises at most {purify.MARKUP_BUDGET} '<' characters per request "
    "(Intake24 runs DOMPurify on every string); send less markup"
)


def service() -> Intake24Service:
    """This app's Intake24 service (one per app, built by ``init_app``)."""
    found: Intake24Service = current_app.extensions[SERVICE_KEY]
    return found


# --- reading: the Express middleware chain ------------------------------------------------------


def sanitise(value: Any) -> Any:
    """Intake24's body sanitiser (DOMPurify with HTML allowed, trim, empty → null; see
    :mod:`sandbox.vendors.intake24.purify`). Lone UTF-16 surrogates are kept, as in JavaScript; the
    service turns them into U+FFFD where it stores them (:func:`.service.base.pg_escape`).
    """
    try:
        return purify.sanitise(value, allow_html=True)
    except purify.MarkupBudgetExceeded:
        raise BadRequest(MARKUP_REFUSED, rule="markup_budget") from None
    except purify.StackExceeded as exceeded:  # Intake24 answers 500 "Internal Server Error"; the sandbox 400
        raise BadRequest(str(exceeded), rule="stack_exceeded") from None


def sanitised_query() -> dict[str, Any]:
    """``req.query`` after Intake24's query sanitiser (DOMPurify with no markup, trim, empty →
    null). The raw query string goes through Express 4's default "extended" query parser
    (:func:`.qs.parse_query`), so ``sort[a]=x`` is an object, ``sort[]=x`` and a repeated parameter a
    list; Node keeps the request line's bytes as Latin-1 characters, and so does the sandbox."""
    raw = qs.parse_query(request.query_string.decode("latin-1"))
    try:
        sanitised: dict[str, Any] = purify.sanitise(raw, allow_html=False)
    except purify.MarkupBudgetExceeded:
        raise BadRequest(MARKUP_REFUSED, rule="markup_budget") from None
    return sanitised


def parse_body() -> Any:
    """``json`` (strict) and ``urlencoded`` (extended false) as body-parser 2.2.0 runs them
    (:mod:`.bodyparser`: the strict ``Content-Type`` parse, content encodings, charsets, their
    refusals); else undefined."""
    parsed = bodyparser.content_type(request.headers.get("Content-Type"))
    if parsed is None or parsed[0] not in ("application/json", "application/x-www-form-urlencoded"):
        return UNDEFINED
    media_type, parameters = parsed
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or bodyparser.DEFAULT_LIMIT
    encoding = request.headers.get("Content-Encoding")
    body = bodyparser.inflate(request.get_data(cache=True), encoding, limit)
    chunks = bodyparser.decoded_chunks(request.environ.get(BODY_CHUNKS_KEY, ()), encoding, len(body))
    if media_type == "application/json":
        return bodyparser.parse_json(body, parameters, chunks)
    return bodyparser.parse_urlencoded(body, parameters, chunks)


#: Intake24 mounts its admin router with ``router.use('/admin', ...)``, which authenticates
#: (``passport.authenticate('admin')``, ``isAccountVerified``) before its routes; Express matches
#: mount paths case-insensitively, at a segment boundary.
ADMIN_MOUNT = "/admin"


def route_missing(relative: str) -> VendorError:
    """No view for this path or method: under ``/admin`` the admin router authenticates first
    (401 plain ``Unauthorized`` without a valid token, 403 unverified), then the catch-all's 404
    ``"Invalid route"``; elsewhere that 404 at once."""
    lowered = relative.lower()
    if lowered == ADMIN_MOUNT or lowered.startswith(ADMIN_MOUNT + "/"):
        try:
            service().require_admin(authorization())
        except VendorError as refused:
            return refused
    return InvalidRoute()


def _limit(limiter: RateLimiter) -> str | None:
    """Count this request in ``limiter`` (its headers become the answer's, its message a 429's); the key, or None
    when exempt. The limiter is the one place its name and message are set (:class:`.service.base.ServiceBase`)."""
    intake24 = service()
    address = request.remote_addr or ""
    if intake24.settings.rate_limit_exempt_loopback and address in LOOPBACK:
        return None
    key = f"{limiter.name}:{address}"
    allowed, headers = limiter.hit(key, intake24.clock.now())
    g.intake24_rate_headers = headers
    if not allowed:
        raise TooManyRequests(limiter.message, headers=headers)
    return key


def _has_body() -> bool:
    """Whether body-parser reads this request: type-is ``hasBody`` (a ``Transfer-Encoding`` or a
    ``Content-Length``), whatever the method, so a ``GET`` with a JSON body is parsed too; the
    methods that carry bodies are read as before even without those headers."""
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        return True
    return "Transfer-Encoding" in request.headers or request.content_length is not None


def before_api_request() -> None:
    """Body parsers and sanitiser, then the generic rate limiter (every ``/api`` request: a hook of that surface)."""
    try:
        g.intake24_body = sanitise(parse_body()) if _has_body() else None
    except RecursionError:  # Node would overflow its stack too; answer 400, never 500
        raise BadRequest("Maximum call stack size exceeded") from None
    _limit(service().limiter)
    _check_path_escapes()


def _check_path_escapes() -> None:
    """Express decodes a matched route's parameters with ``decodeURIComponent`` (``router/layer.js``
    ``decode_param``): a malformed escape (``%ZZ``, an invalid UTF-8 sequence) throws a ``URIError``
    with status 400, which Intake24's error middleware answers 500; the sandbox answers 400 with
    Express's message. Only knowable from the raw path (see :func:`raw_path`)."""
    raw = raw_path()
    if raw is None or "%" not in raw or request.url_rule is None or not request.url_rule.arguments:
        return
    for segment in raw.split("/"):
        if "%" in segment and not _decodable(segment):
            raise BadRequest(f"Failed to decode param '{segment}'", rule="malformed_path_escape")


_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _decodable(segment: str) -> bool:
    """``decodeURIComponent`` succeeds: every ``%`` starts two hex digits, and the bytes are UTF-8."""
    if _ESCAPE.search(segment):
        return False
    try:
        unquote_to_bytes(segment).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def login_limit() -> str | None:
    """The login limiter (5 failed attempts / 15 min); its headers replace the generic ones."""
    return _limit(service().login_limiter)


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
    """helmet's and CORS's headers, and the rate limiter's, on every ``/api`` answer (a hook of that surface)."""
    response.headers.update(API_HEADERS)
    for name, value in g.get("intake24_rate_headers", {}).items():
        response.headers[name] = value
    return response


RATE_HEADERS = {
    "RateLimit": {"schema": {"type": "string"}, "description": "limit=N, remaining=N, reset=SECONDS"},
    "RateLimit-Policy": {"schema": {"type": "string"}, "description": "N;w=SECONDS"},
}


def middleware_answers(_path: str, declared: Operation, operation: dict[str, Any]) -> None:
    """The answers of this chain, in every ``/api`` operation's document (``Declarations(finish=...)``):
    the body parser's or the query sanitiser's 400, the body limit's 413, the generic rate limiter's 429."""
    names = declared.declarations.component_name
    message, invalid = names(MessageBodySchema), names(ValidationErrorBodySchema)
    responses = operation["responses"]
    responses.setdefault(
        "400",
        _documented(
            {"oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in (invalid, message)]},
            "Bad request: a contract failure `{message, errors}`, or `{message}` for unparsable JSON",
        ),
    )
    responses.setdefault("413", _documented(message, "Body over 10 MB"))
    responses.setdefault(
        "429",
        {
            **_documented(message, "Rate limited; see Retry-After"),
            "headers": {**RATE_HEADERS, "Retry-After": {"schema": {"type": "string"}}},
        },
    )


def _documented(schema: str | dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def body() -> Any:
    """The parsed, sanitised body (``undefined`` for a media type no parser reads)."""
    return g.get("intake24_body")


def body_field(name: str) -> Any:
    """One field of a body that is an object, else None (routes that read a field without a contract)."""
    found = body()
    return found.get(name) if isinstance(found, dict) else None


def load_contract(schema: Schema, value: Any) -> dict[str, Any]:
    """Contract validation of a (sanitised) value: :class:`ContractInvalid` in Intake24's shape.

    A check that throws in JavaScript (validator's ``isEmail`` on a lone surrogate: ``URIError: URI
    malformed``) ends zod's parse with the exception, which Intake24's error middleware answers 500;
    the sandbox answers 400 with the exception's message (the nearest 4xx, as for body-parser)."""
    if not isinstance(value, dict):
        raise ContractInvalid([root_issue(value)])
    try:
        loaded: dict[str, Any] = schema.load(value)
    except ValidationError as error:
        raise ContractInvalid(issues_of(error)) from None
    except URIError as thrown:
        raise BadRequest(thrown.message, rule="check_threw") from None
    return loaded


def load_body(schema: Schema) -> dict[str, Any]:
    """The body as ``schema`` loads it (the declarations' body reader)."""
    return load_contract(schema, body())


def admin_request(
    survey_id: str, load: Callable[[], Any] | None = None, *, listing: bool = False
) -> tuple[int | None, Any]:
    """ts-rest's request validation on an admin respondents route, after passport and before the
    handler: the path's ``surveyId`` (``bigIntString``), the list query (``paginationRequest``) and
    the body (``load``, the declared contract) together, every failing part in one 400
    (:meth:`ContractInvalid.of`). The survey id (None: names none) and the loaded query or body."""
    survey, path_issues = parse_bigint_string("surveyId", survey_id)
    groups: list[tuple[str, list[FieldIssue]]] = [("params", path_issues)]
    loaded: Any = None
    if listing:
        loaded, query_issues = parse_list_query(sanitised_query())
        groups.append(("query", query_issues))
    if load is not None:
        try:
            loaded = load()
        except ContractInvalid as invalid:
            groups.append(("body", invalid.issues))
    refused = ContractInvalid.of(groups)
    if refused is not None:
        raise refused
    return survey, loaded


def raw_path() -> str | None:
    """The path as the client wrote it (percent-escapes intact), when the server tells it
    (werkzeug's ``RAW_URI``/``REQUEST_URI``); Granian gives only the decoded ``PATH_INFO``."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    return raw.split("?", 1)[0] if isinstance(raw, str) and raw else None


def one_segment(decoded: str) -> bool:
    """Whether the last path parameter ``decoded`` was one segment as written: Express matches
    ``:username`` on the raw path (``a%2Fb`` is one segment, the username ``a/b``; ``a/b`` is two
    and no route). Unknown without the raw path: then accepted."""
    raw = raw_path()
    if raw is None or "/" not in decoded:
        return True
    tail = raw.rstrip("/").rsplit("/", 1)[-1]
    return "/" not in tail and decoded.count("/") == unquote(tail).count("/")


def authorization() -> str | None:
    return request.headers.get("Authorization")


def user_agent() -> str | None:
    return request.headers.get("User-Agent")


def correlation_id() -> str:
    """The id the core gave this exchange, carried into the notifications it causes."""
    found: str = g.get("correlation_id", "")
    return found


def query(name: str) -> str | None:
    """A query parameter as the survey app reads it (the first of a repeated one)."""
    return request.args.get(name)


def queries(name: str) -> list[str]:
    return request.args.getlist(name)


def survey_app_base() -> str:
    """The survey app's URL as this request reached it (the default base of authentication URLs)."""
    return request.host_url.rstrip("/") + SURVEY_PREFIX


def survey_session_token() -> str | None:
    """The survey app's session cookie (a refresh token)."""
    return request.cookies.get(SURVEY_COOKIE)


# --- answering ------------------------------------------------------------------------------------


def json_response(value: Any, status: int = 200) -> Response:
    """JSON as Express's ``res.json`` sends it: compact, UTF-8, ``application/json; charset=utf-8``."""
    return Response(stringify(value), status=status, content_type=JSON_TYPE)


def no_content() -> Response:
    """204 as Express ends it: no body and no ``Content-Type``."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def logged_in(result: LoginResult) -> Response:
    """The token login's answer: the access token, and the refresh token as a cookie on ``/api/auth``."""
    response = json_response({"accessToken": result.access_token})
    response.set_cookie(
        REFRESH_COOKIE,
        result.refresh_token or "",
        max_age=REFRESH_LIFETIME_SECONDS,
        path=f"{API_PREFIX}/auth",
        httponly=True,
        samesite="Lax",
    )
    return response


def redirect(location: str, status: int = 302) -> Response:
    """A redirect; the location is URL-encoded as Express's ``res.redirect`` (encodeurl) does, so a
    slug with control characters or spaces never makes an invalid header."""
    response = Response(status=status)
    response.headers["Location"] = quote(location, safe="!#$%&'()*+,/:;=?@[]~")
    return response


def sign_in(response: Response, result: LoginResult) -> Response:
    """The survey app's session cookie (the refresh token), when the login gave one."""
    if result.refresh_token:
        response.set_cookie(
            SURVEY_COOKIE,
            result.refresh_token,
            max_age=REFRESH_LIFETIME_SECONDS,
            path=SURVEY_PREFIX,
            httponly=True,
            samesite="Lax",
        )
    return response


def sign_out(response: Response) -> Response:
    response.delete_cookie(SURVEY_COOKIE, path=SURVEY_PREFIX)
    return response
