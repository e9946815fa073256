"""Intake24's credential rules: the create-user JWT, the access tokens it issues, bearer headers.

* The create-user JWT is checked the way ``jsonwebtoken@9.0.2`` ``verify(token, secret,
  {algorithms: ['HS256', 'HS512']})`` checks it: no ``aud``/``iss``/``sub``/``iat`` checks,
  ``exp`` optional with no leeway, ``nbf`` honoured (checked before ``exp``), and its exact
  messages. The core verifier (:func:`sandbox.core.jwt.verify`) differs from that library on edges
  Intake24's answers show (typed JSON, ``exp`` before ``nbf``, ``iat`` type-checked, infinite
  numbers refused, non-object payloads refused, lenient base64 signatures), so the library's
  algorithm is reproduced here, reading Node's JSON and base64 through :mod:`.node`, and reported
  with the core's :class:`TokenFailure` reasons (``detail['message']`` is the library's wording).
* Access tokens the sandbox issues (respondent sessions, personal access tokens) are verified as
  ``passport-jwt@4.0.1`` has ``jsonwebtoken@9.0.2`` verify them for Intake24's ``admin`` and
  ``survey`` strategies (``services/core/auth/strategies.ts``: ``issuer``, ``audience: 'access'``,
  no ``algorithms``, so HS256/HS384/HS512 for a secret). The signature is compared as text, as
  ``jwa@1.4.2`` does (it re-signs and compares the base64url strings): a non-canonical spelling of
  the right bytes (other unused bits in the last character) is refused, where decoding and comparing
  bytes would accept it.
* The bearer token is taken from ``Authorization`` as passport-jwt's ``fromAuthHeaderAsBearerToken``
  takes it (:func:`bearer`).
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
from contracts.intake24.schemas import JS_WHITESPACE
from sandbox.core.jwt import TokenFailure, TokenRejected, is_number
from sandbox.vendors.intake24.node import JsSyntaxError, b64url, js_json_parse, js_truthy, node_base64

_DIGESTS = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}
ALGORITHMS = {name: _DIGESTS[name] for name in CREATE_USER_ALGORITHMS}
#: ``jws``' shape test: header and payload non-empty, signature optional. JavaScript's ``$`` is the
#: end of the text; Python's also matches before a final line break, so ``\Z`` here.
_JWS = re.compile(r"^[a-zA-Z0-9\-_]+?\.[a-zA-Z0-9\-_]+?\.([a-zA-Z0-9\-_]+)?\Z")

#: jsonwebtoken's default algorithms for a secret key (``verify.js``: ``HS_ALGS``), which passport-jwt
#: leaves in place when, as in Intake24, no ``algorithms`` option is given.
ACCESS_ALGORITHMS = {name: getattr(hashlib, "sha" + name[2:]) for name in ("HS256", "HS384", "HS512")}
assert SIGNING_ALGORITHM in ACCESS_ALGORITHMS

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
    return jsonwebtoken_verify(token, secret, now, ALGORITHMS)


def jsonwebtoken_verify(token: str, secret: str, now: float, algorithms: dict[str, Callable[..., Any]]) -> Any:
    """``jsonwebtoken@9.0.2`` ``verify(token, secret, {algorithms})`` without audience or issuer options:
    the payload, or :class:`TokenRejected` with the library's message."""
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
    if not isinstance(algorithm, str) or algorithm not in algorithms:
        raise _reject(TokenFailure.ALGORITHM_NOT_ALLOWED, messages.JWT_INVALID_ALGORITHM)
    expected = b64url(
        hmac.new(secret.encode("utf-8"), f"{parts[0]}.{parts[1]}".encode("ascii"), algorithms[algorithm]).digest()
    )
    # jwa@1.4.2 compares the base64url TEXT of the signatures, never the decoded bytes.
    if not hmac.compare_digest(expected.encode("ascii"), parts[2].encode("utf-8", "surrogatepass")):
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
    """Claims of a sandbox-issued access token, checked as passport-jwt has jsonwebtoken check it
    (``issuer``, ``audience``: one of the token's ``aud`` values, or its only one), else None."""
    try:
        payload = jsonwebtoken_verify(token, key, now, ACCESS_ALGORITHMS)
    except TokenRejected:
        return None
    if not isinstance(payload, dict):
        return None
    aud = payload.get("aud")
    if audience not in (aud if isinstance(aud, list) else [aud]) or payload.get("iss") != ISSUER:
        return None
    return payload


#: ``passport-jwt@4.0.1`` ``lib/auth_header.js``: ``/(\S+)\s+(\S+)/``, unanchored.
_AUTH_HEADER = re.compile(f"([^{JS_WHITESPACE}]+)[{JS_WHITESPACE}]+([^{JS_WHITESPACE}]+)")


def bearer(authorization: str | None) -> str | None:
    """``ExtractJwt.fromAuthHeaderAsBearerToken()``: the first two runs of non-space characters of
    the header; the second is the token when the first is ``bearer`` in any case (so a tab after
    ``Bearer`` works, and words after the token are ignored)."""
    if not authorization:
        return None
    found = _AUTH_HEADER.search(authorization)
    if found is None or found.group(1).lower() != "bearer":
        return None
    return found.group(2)
