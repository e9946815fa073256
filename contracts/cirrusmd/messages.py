"""Every message the CirrusMD emulation answers with, as named templates.

CirrusMD documents only ``{"error_message": "<detailed error message>"}``; these texts are the
sandbox's own and each says exactly what to change. The sandbox renders them and the strategies
predict them from here, so a wording lives in one place.
"""

from __future__ import annotations

import json
import math

MAX_TOKEN_LIFETIME_SECONDS = 120
#: A format template (braces doubled): the claims to send, with the lifetime limit above.
TOKEN_SHAPE = (
    '{{sub: <client_id>, scope: "sdk", exp: <now + at most ' + str(MAX_TOKEN_LIFETIME_SECONDS) + " s>, iat: <now>}}"
)

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
    "{delta} s after the server time {now} (limit " + str(MAX_TOKEN_LIFETIME_SECONDS) + " s)."
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
    """Render a client's value the way messages show it: as JSON (integers without a trailing .0), cut at 40.

    Claims and header fields arrive as any JSON type; a message quotes them in the partner's language
    (``null``, ``true``, ``["sdk"]``), never as Python would print them.
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))[:40]
    if isinstance(value, str):
        return _json(value[:40])
    if (
        value is None
        or isinstance(value, bool | list | dict)
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        return _json(value)[:40]
    # What is left of a JSON value (the callers pass only those): an integer, shortened below beyond 40
    # characters, or a finite float, whose repr has at most 24 (``-2.2250738585072014e-308``): no cut needed.
    text = repr(value)
    if isinstance(value, int) and len(text) > 40:
        return f"{text[:20]}… ({len(text.lstrip('-'))} digits)"
    return text


def _json(value: object) -> str:
    """``value`` as JSON text in its own characters (``"café"``, not ``"caf\\u00e9"``)."""
    return json.dumps(value, ensure_ascii=False)


#: Beyond this many seconds a distance is shown in exponent form (a fuzzed ``exp`` of 1e308 stays readable).
LONGEST_PLAIN_SECONDS = 1e15


def seconds(delta: float) -> str:
    if abs(delta) >= LONGEST_PLAIN_SECONDS:
        return f"{delta:.6g}"
    return f"{delta:.0f}" if float(delta).is_integer() else f"{delta:.3f}"
