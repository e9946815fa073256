"""Every message the CirrusMD emulation answers with, as named templates.

CirrusMD documents only ``{"error_message": "<detailed error message>"}``; these texts are the
sandbox's own and each says exactly what to change. The sandbox renders them and the strategies
predict them from here, so a wording lives in one place.
"""

from __future__ import annotations

import json

MAX_TOKEN_LIFETIME_SECONDS = 120
TOKEN_SHAPE = '{{sub: <client_id>, scope: "sdk", exp: <now + at most 120 s>, iat: <now>}}'  # a format template

# 401: the JWT in the Authorization header
MISSING_AUTHORIZATION = (
    "Missing Authorization header: send `Authorization: Bearer <JWT>` with a JWT signed HS256 with your shared_secret."
)
NOT_BEARER = (
    "The Authorization header must be `Bearer <JWT>` (the word Bearer, capital B, one or more spaces, then "
    "the JWT); got scheme {scheme}."
)
MALFORMED_TOKEN = (
    "The bearer token is not a valid JWT ({problem}): build it as "
    "base64url(header).base64url(payload).base64url(signature)."
)
WRONG_ALGORITHM = 'The JWT must be signed with HS256 (header "alg": "HS256"); got alg {seen}.'
CRITICAL_HEADER = "The JWT header lists `crit` extensions ({seen}) that the API does not support: remove `crit`."
MISSING_CLAIM = "The JWT is missing the `{claim}` claim: send " + TOKEN_SHAPE + "."
UNKNOWN_CLIENT = "The JWT `sub` claim {seen} is not a known client_id: set `sub` to the client_id you were given."
INVALID_SIGNATURE = (
    "The JWT signature does not verify: sign the token with HS256 using the shared_secret of "
    "client {client_id} as the HMAC key, exactly as given."
)
CLAIM_NOT_NUMERIC = "The JWT `{claim}` claim must be a number (seconds since the Unix epoch); got {seen}."
WRONG_SCOPE = 'The JWT `scope` claim must be "sdk"; got {seen}.'
EXPIRED = (
    "The JWT has expired: `exp` is {seen}, {delta} s before the server time {now}. Mint a fresh token for each request."
)
LIFETIME_TOO_LONG = (
    "The JWT `exp` claim must NOT exceed 2 minutes from the current time: `exp` is {seen}, "
    "{delta} s after the server time {now} (limit 120 s)."
)
ISSUED_IN_FUTURE = (
    "The JWT `iat` claim is in the future: `iat` is {seen}, {delta} s after the server time {now}. "
    "Set `iat` to the current Unix time."
)
NOT_YET_VALID = "The JWT `nbf` claim is in the future: `nbf` is {seen}, {delta} s after the server time {now}."

# Journal warnings (the request is accepted; the real API might refuse it)
AUDIENCE_PRESENT = (
    "The JWT carries an `aud` claim ({seen}) that CirrusMD does not document: accepted here, but RFC 7519 "
    "says a recipient that does not identify itself with a value in `aud` must reject the token, so the real "
    "API might. Leave `aud` out."
)

# 422: the body
INVALID_BODY = "Invalid session request: {problems}."
PLAN_AND_ORIGIN_TOGETHER = (
    "`external_plan_id` and `origin_label` go together (SSO Patient Origin Intro): send both or neither"
)

# 413, 404, 405
BODY_TOO_LARGE = "The request body is larger than {limit} bytes: send a smaller JSON object."
NOT_FOUND = "No route matches {path}: the session endpoint is POST /sdk/v2/public/sessions."
METHOD_NOT_ALLOWED = "{method} is not allowed on {path}: use {allowed}."


def number(value: object) -> str:
    """Render a claim value the way messages show it: as JSON (``true``, ``null``, ``["exp"]``), never as Python.

    The partner sent JSON, so the message quotes it in JSON; whole numbers lose a trailing ``.0``
    and strings are cut at 40 characters.
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return json.dumps(value[:40], ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str)[:40]


def seconds(delta: float) -> str:
    return f"{delta:.0f}" if float(delta).is_integer() else f"{delta:.3f}"
