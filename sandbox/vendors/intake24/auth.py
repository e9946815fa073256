"""Intake24's credential rules: the create-user JWT, the access tokens it issues, bearer headers.

* The create-user JWT is checked the way ``jsonwebtoken@9.0.2`` ``verify(token, secret,
  {algorithms: ['HS256', 'HS512']})`` checks it: no ``aud``/``iss``/``sub``/``iat`` checks,
  ``exp`` optional with no leeway, ``nbf`` honoured (checked before ``exp``), and its exact
  messages. The core verifier (:func:`sandbox.core.jwt.verify`) differs from that library on edges
  Intake24's answers show (typed JSON, ``exp`` before ``nbf``, ``iat`` type-checked, infinite
  numbers refused, non-object payloads refused, lenient base64 signatures), so the library's
  algorithm is reproduced here, reading Node's JSON and base64 through :mod:`.node`, and reported
  with the core's :class:`TokenFailure` reasons (``detail['message']`` is the library's wording).
* Access tokens the sandbox issues (respondent sessions, personal access tokens) are verified
  with :func:`sandbox.core.jwt.verify` under :data:`ACCESS_POLICY`.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Callable
from typing import Any

from contracts.intake24 import messages
from contracts.intake24.constants import CREATE_USER_ALGORITHMS, CREATE_USER_TYPED_CLAIMS, ISSUER, SIGNING_ALGORITHM
from sandbox.core.jwt import JwtPolicy, TokenFailure, TokenRejected, is_number, verify
from sandbox.vendors.intake24.node import JsSyntaxError, b64url, js_json_parse, js_truthy, node_base64

_DIGESTS = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}
ALGORITHMS = {name: _DIGESTS[name] for name in CREATE_USER_ALGORITHMS}
#: ``jws``' shape test: header and payload non-empty, signature optional.
_JWS = re.compile(r"^[a-zA-Z0-9\-_]+?\.[a-zA-Z0-9\-_]+?\.([a-zA-Z0-9\-_]+)?$")

ACCESS_POLICY = JwtPolicy(
    algorithms=frozenset({SIGNING_ALGORITHM}),
    required_claims=("exp", "iat", "aud", "iss", "sub", "jti"),
    numeric_claims=("exp", "iat"),
    leeway_seconds=0.0,
    reject_future_iat=False,
)

#: Per typed claim, jsonwebtoken's message when it is not a number, when it refuses the token at the
#: clock's whole second ``now`` (``nbf`` still ahead, ``exp`` reached), and the failure and message then.
_TYPED_CLAIM_RULES: dict[str, tuple[str, Callable[[Any, int], bool], TokenFailure, str]] = {
    "nbf": (messages.JWT_INVALID_NBF, lambda nbf, now: nbf > now, TokenFailure.NOT_YET_VALID, messages.JWT_NOT_ACTIVE),
    "exp": (messages.JWT_INVALID_EXP, lambda exp, now: now >= exp, TokenFailure.EXPIRED, messages.JWT_EXPIRED),
}


def _reject(reason: TokenFailure, message: str, claim: str | None = None) -> TokenRejected:
    return TokenRejected(reason, claim=claim, message=message)


def verify_create_user_token(token: str, secret: str, now: float) -> Any:
    """The payload ``jsonwebtoken.verify`` would return, or :class:`TokenRejected` (``detail['message']``)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise _reject(TokenFailure.MALFORMED, messages.JWT_MALFORMED)
    header: Any = None
    if _JWS.match(token):
        try:
            header = js_json_parse(node_base64(parts[0]).decode("latin-1"))
        except (JsSyntaxError, ValueError):
            header = None
    if not js_truthy(header):
        raise _reject(TokenFailure.MALFORMED, messages.JWT_INVALID_TOKEN)
    payload_text = node_base64(parts[1]).decode("utf-8", "replace")
    payload: Any
    if isinstance(header, dict) and header.get("typ") == "JWT":
        try:
            payload = js_json_parse(payload_text)
        except JsSyntaxError as syntax:
            raise _reject(TokenFailure.MALFORMED, str(syntax)) from None
    else:
        try:
            parsed = js_json_parse(payload_text)
            payload = parsed if isinstance(parsed, dict | list) else payload_text
        except JsSyntaxError:
            payload = payload_text
    if parts[2].strip() == "":
        raise _reject(TokenFailure.INVALID_SIGNATURE, messages.JWT_SIGNATURE_REQUIRED)
    algorithm = header.get("alg") if isinstance(header, dict) else None
    if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
        raise _reject(TokenFailure.ALGORITHM_NOT_ALLOWED, messages.JWT_INVALID_ALGORITHM)
    expected = b64url(
        hmac.new(secret.encode("utf-8"), f"{parts[0]}.{parts[1]}".encode("ascii"), ALGORITHMS[algorithm]).digest()
    )
    if not hmac.compare_digest(expected, parts[2]):
        raise _reject(TokenFailure.INVALID_SIGNATURE, messages.JWT_INVALID_SIGNATURE)
    if payload is None:  # typ JWT and a literal null payload: the library dereferences it
        raise _reject(TokenFailure.MALFORMED, messages.JWT_NULL_PAYLOAD)
    if isinstance(payload, dict):
        clock_timestamp = math.floor(now)
        for claim in CREATE_USER_TYPED_CLAIMS:  # jsonwebtoken's order: nbf, then exp
            if claim not in payload:
                continue
            value = payload[claim]
            not_numeric, refused, failure, message = _TYPED_CLAIM_RULES[claim]
            if not is_number(value) and not _is_infinite(value):
                raise _reject(TokenFailure.CLAIM_NOT_NUMERIC, not_numeric, claim)
            if refused(value, clock_timestamp):
                raise _reject(failure, message, claim)
    return payload


def _is_infinite(value: Any) -> bool:
    return isinstance(value, float) and math.isinf(value)


def strict_claims_problem(payload: Any, slug: str) -> str | None:
    """The survey setting ``strictClaims``: what Intake24's docs recommend (sandbox wording)."""
    if not isinstance(payload, dict):
        return None
    if payload.get("sub") != slug:
        return messages.STRICT_SUBJECT.format(slug=slug)
    audience = payload.get("aud")
    if not (isinstance(audience, str) and audience) and not (
        isinstance(audience, list) and audience and all(isinstance(a, str) and a for a in audience)
    ):
        return messages.STRICT_AUDIENCE_REQUIRED
    if not isinstance(payload.get("iss"), str) or not payload["iss"]:
        return messages.STRICT_ISSUER_REQUIRED
    if "exp" not in payload:
        return messages.STRICT_EXP_REQUIRED
    return None


def verify_access_token(token: str, key: str, now: float, audience: str) -> dict[str, Any] | None:
    """Claims of a sandbox-issued access token whose ``aud`` includes ``audience``, else None."""
    try:
        verified = verify(token, ACCESS_POLICY, lambda _decoded: key, now)
    except TokenRejected:
        return None
    claims = verified.claims
    aud = claims.get("aud")
    if claims.get("iss") != ISSUER or not isinstance(aud, list) or audience not in aud:
        return None
    return claims


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
