"""Sympto's wire dialect: where it is mounted, how a request is read, how answers are shaped and documented.

Every answer of the API is the envelope ``{"Status": "OK", "Response": <payload>}`` (errors:
:func:`sandbox.vendors.sympto.errors.render`). A body is read strictly and loaded with the view's
declared contract schema here, once: every problem is a 400 whose ``Message`` lists them. The views
never read Flask's request for anything else than what this module hands them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Response, current_app, g, jsonify, request
from marshmallow import Schema, ValidationError, fields

from contracts.sympto import messages
from contracts.sympto.items import NOT_MULTIPART
from contracts.sympto.messaging import BAD_LIMIT, BAD_WINDOW
from contracts.sympto.schemas import invalid_body_message
from contracts.sympto.surveys import CAMPAIGN_ID, CAMPAIGN_ID_2021, MISSING_CAMPAIGN_ID
from contracts.sympto.webhook import USER_AUTH_TOKEN, looks_like_auth_code
from sandbox.core.apidoc import Reply, json_reply
from sandbox.core.body import BodyProblem, read_json_object
from sandbox.core.errors import VendorError
from sandbox.vendors.sympto.errors import BadRequest
from sandbox.vendors.sympto.models import UploadedFile

if TYPE_CHECKING:
    from sandbox.vendors.sympto.service import SymptoService

PREFIX = "/sympto"
SERVICE_KEY = "sandbox.sympto"
SESSION_COOKIE = "sympto_session"
#: The longest ``?limit=`` read as a number (nine digits); anything else is refused.
LIMIT_DIGITS = 9


def service() -> SymptoService:
    """This app's Sympto service (one per app, built by ``init_app``)."""
    found: SymptoService = current_app.extensions[SERVICE_KEY]
    return found


# --- reading ------------------------------------------------------------------------------------


def _loaded(schema: Schema, refuse: Callable[[str, str], VendorError], unreadable: Callable[[str], str]) -> Any:
    """The body read strictly and loaded with ``schema``; ``refuse(message, rule)`` is the error raised."""
    try:
        body = read_json_object()
    except BodyProblem as problem:
        raise refuse(unreadable(problem.message), problem.rule) from None
    try:
        return schema.load(body.value)
    except ValidationError as error:
        problems: dict[str, Any] = error.normalized_messages()  # type: ignore[no-untyped-call]
        raise refuse(invalid_body_message(problems), "invalid_body") from None


def load_body(schema: Schema) -> dict[str, Any]:
    """The API's body as ``schema`` loads it, or a 400 in the envelope listing every problem."""
    loaded: dict[str, Any] = _loaded(
        schema,
        lambda message, rule: BadRequest(message, rule=rule),
        lambda text: invalid_body_message({"body": [text]}),
    )
    return loaded


def load_check(schema: Schema) -> dict[str, Any]:
    """A control-plane body of Sympto's (the page-load check): a 400 in the control plane's shape,
    worded as Sympto words a body problem."""
    loaded: dict[str, Any] = _loaded(
        schema, lambda message, rule: VendorError(message, status=400, rule=rule), lambda text: text
    )
    return loaded


def authorization() -> str | None:
    return request.headers.get("Authorization")


def remote_address() -> str:
    """Where a login comes from (the failure rate limit counts per address)."""
    return request.remote_addr or "unknown"


def correlation_id() -> str:
    correlation: str = g.get("correlation_id", "")
    return correlation


def listing_query() -> tuple[str | None, int | None, str | None]:
    """A user listing's ``?query=``, ``?limit=`` (a whole number or a 400) and ``?offset=``."""
    limit = request.args.get("limit")
    if limit is not None and not (limit.isdigit() and limit.isascii() and len(limit) <= LIMIT_DIGITS):
        raise BadRequest(f"`limit` must be a whole number, got {limit[:20]!r}", rule="invalid_query")
    return request.args.get("query"), None if limit is None else int(limit), request.args.get("offset")


def user_auth_token() -> str | None:
    """The page's ``?userAuthToken=`` (the current flow), if it has one."""
    return request.args.get(USER_AUTH_TOKEN)


def auth_code_pairs() -> list[tuple[str, str]] | None:
    """Every page parameter, when one is meant as ``authCode<param>`` (the 2019-2020 flow), else ``None``."""
    if any(looks_like_auth_code(key) for key in request.args):
        return list(request.args.items(multi=True))
    return None


def session_cookie() -> str | None:
    return request.cookies.get(SESSION_COOKIE)


# --- answering ----------------------------------------------------------------------------------


def ok(payload: object, status: int = 200) -> Response:
    response = jsonify({"Status": messages.STATUS_OK, "Response": payload})
    response.status_code = status
    return response


def with_session(response: Response, session_id: str, lifetime_seconds: int) -> Response:
    """The front end's session cookie: HTTP only, same site, for Sympto's paths alone."""
    response.set_cookie(
        SESSION_COOKIE, session_id, max_age=lifetime_seconds, httponly=True, samesite="Lax", path=PREFIX
    )
    return response


# --- the dialect in the OpenAPI document ------------------------------------------------------------


def field_rules(_: Any, field: fields.Field[Any], ret: dict[str, Any], **__: Any) -> dict[str, Any]:
    """Sympto's checked fields publish their own rule (a pattern or an enum) instead of the generic text one."""
    for key, value in getattr(field, "OPENAPI", {}).items():
        if value is None:
            ret.pop(key, None)
        else:
            ret[key] = value
    return {}


def envelope(payload: Any) -> dict[str, Any]:
    """The success envelope around ``payload`` (a JSON Schema; a contract schema class stands for its component)."""
    return {
        "type": "object",
        "required": ["Status", "Response"],
        "properties": {"Status": {"type": "string", "enum": [messages.STATUS_OK]}, "Response": payload},
        "additionalProperties": False,
    }


def done(payload: Any) -> Reply:
    return json_reply(200, envelope(payload), "Done")


ERROR_SCHEMA = {
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
    400: "The body (or a query parameter) breaks the endpoint's rules; Message names each problem",
    401: "Missing, unknown or expired bearer token (or, on /authorization, wrong credentials)",
    404: "An id or email that is not in your clinic, or nothing configured yet",
    413: "Body over the size limit",
    422: "A user with this email or phone number already exists",
    429: f"More than {messages.RATE_LIMIT_FAILURES} invalid authorization requests in "
    f"{messages.RATE_LIMIT_WINDOW_SECONDS // 60} minutes from this address",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


def errors(*statuses: int) -> tuple[Reply, ...]:
    """The error envelopes an operation can answer, with what each status means."""
    return tuple(
        Reply(status, _ERRORS[status], ERROR_SCHEMA, headers=_RETRY_AFTER if status == 429 else {})
        for status in statuses
    )


# --- the rest of the current API (issue #14, item 6): query parameters and the RATE-TOKEN header ------

RATE_TOKEN_HEADER = "RATE-TOKEN"
#: ``?before=``/``?after=``: a plain decimal (no sign, no exponent), as a JavaScript client prints ``Date.now()``.
MILLISECONDS_PATTERN = r"^[0-9]{1,16}(\.[0-9]{1,6})?$"
_MILLISECONDS = re.compile(MILLISECONDS_PATTERN)


def rate_token() -> str | None:
    """RateToken.md's ``RATE-TOKEN`` header, if the request has one."""
    return request.headers.get(RATE_TOKEN_HEADER)


def message_window() -> tuple[float | None, float | None, int | None]:
    """``?before=`` and ``?after=`` (milliseconds since the epoch) and ``?limit=`` of a message fetch."""
    window: list[float | None] = []
    for name in ("before", "after"):
        raw = request.args.get(name)
        if raw is not None and _MILLISECONDS.search(raw) is None:
            raise BadRequest(BAD_WINDOW.format(name=name, input=messages.shown(raw[:40])), rule="invalid_query")
        window.append(None if raw is None else float(raw))
    limit = request.args.get("limit")
    if limit is not None and not (limit.isdigit() and limit.isascii() and len(limit) <= LIMIT_DIGITS):
        raise BadRequest(BAD_LIMIT.format(input=messages.shown(limit[:40])), rule="invalid_query")
    return window[0], window[1], None if limit is None else int(limit)


def has_body() -> bool:
    """Whether the request carries a body (a GET's is ignored, and the journal says so)."""
    return bool(request.content_length) or request.headers.get("Transfer-Encoding") is not None


def campaign_id() -> tuple[str, bool]:
    """``?campaignId=`` (Endpoints.md since 2022-01-07), else ``?CampaignId=`` (before; the flag says
    it was the old name); neither → 400."""
    current, old = request.args.get(CAMPAIGN_ID), request.args.get(CAMPAIGN_ID_2021)
    if current:
        return current, False
    if old:
        return old, True
    raise BadRequest(MISSING_CAMPAIGN_ID, rule="missing_campaign_id")


def generic_survey_filter() -> str | None:
    return request.args.get("genericSurveyId") or None


# --- POST /providers/file: a multipart/form-data body ------------------------------------------------


def load_file_form(schema: Schema) -> tuple[dict[str, Any], UploadedFile]:
    """The form fields loaded with ``schema`` and what the sandbox keeps of the ``file`` part (its name,
    type, size and digest: never its bytes). Werkzeug refuses a body over ``[limits] max_body_bytes``
    with 413 before this reads it."""
    if request.mimetype != "multipart/form-data":
        raise BadRequest(
            NOT_MULTIPART.format(type=messages.shown(request.mimetype or "no Content-Type")), rule="not_multipart"
        )
    # A text field named ``file`` is not the file part: only a part with a file name is.
    fields_given: dict[str, Any] = {name: request.form.get(name) for name in request.form if name != "file"}
    part = request.files.get("file")
    if part is not None:
        fields_given["file"] = part  # the schema states that the part is required (and documents it)
    try:
        loaded: dict[str, Any] = schema.load(fields_given)
    except ValidationError as error:
        problems: dict[str, Any] = error.normalized_messages()  # type: ignore[no-untyped-call]
        rule = "missing_file" if list(problems) == ["file"] else "invalid_body"
        raise BadRequest(invalid_body_message(problems), rule=rule) from None
    part = loaded.pop("file")  # the part itself: required by the schema, so present here
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: part.stream.read(65536), b""):
        digest.update(chunk)
        size += len(chunk)
    content_type = (part.mimetype or "application/octet-stream")[:200]
    return loaded, UploadedFile(content_type=content_type, size=size, sha256=digest.hexdigest())
