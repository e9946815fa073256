"""Intake24's token and credential rules.

* The create-user JWT is checked the way ``jsonwebtoken@9.0.2`` ``verify(token, secret,
  {algorithms: ['HS256', 'HS512']})`` checks it: no ``aud``/``iss``/``sub``/``iat`` checks,
  ``exp`` optional with no leeway, ``nbf`` honoured (checked before ``exp``), and its exact
  messages. The core verifier's semantics (typed JSON, ``exp`` before ``nbf``, non-object payloads
  refused, lenient base64 signatures) differ from that library's on purpose-relevant edges, so the
  library's algorithm is reproduced here and reported with the core's :class:`TokenFailure`
  reasons (the ``kind`` detail picks the library's wording where one reason has several).
* Access tokens the sandbox issues (respondent sessions, personal access tokens) are verified
  with :func:`sandbox.core.jwt.verify` under :data:`ACCESS_POLICY`.
* The rate limiters of ``express-rate-limit`` (fixed window per key, draft-7 headers).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from contracts.intake24 import messages
from sandbox.core.jwt import JwtPolicy, TokenFailure, TokenRejected, is_number, verify

ALGORITHMS = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}
#: ``jws``' shape test: header and payload non-empty, signature optional.
_JWS = re.compile(r"^[a-zA-Z0-9\-_]+?\.[a-zA-Z0-9\-_]+?\.([a-zA-Z0-9\-_]+)?$")

#: What the create-user verification amounts to, stated as a core policy (documentation and the
#: numeric/time rules); the checks themselves follow jsonwebtoken's order below.
CREATE_USER_POLICY = JwtPolicy(
    algorithms=frozenset(ALGORITHMS),
    required_claims=(),
    numeric_claims=("nbf", "exp"),
    max_lifetime_seconds=None,
    leeway_seconds=0.0,
    reject_future_iat=False,
)

ACCESS_ISSUER = "intake24"
ACCESS_POLICY = JwtPolicy(
    algorithms=frozenset({"HS256"}),
    required_claims=("exp", "iat", "aud", "iss", "sub", "jti"),
    numeric_claims=("exp", "iat"),
    leeway_seconds=0.0,
    reject_future_iat=False,
)


class _JsSyntaxError(Exception):
    pass


def _no_constants(name: str) -> Any:
    raise _JsSyntaxError(name)


def _js_int(text: str) -> int | float:
    value = int(text)
    return value if abs(value) <= 2**53 else float(text)


def js_json_parse(text: str) -> Any:
    """``JSON.parse``: duplicate keys (last wins), no NaN/Infinity, numbers as doubles."""
    try:
        return json.loads(text, parse_constant=_no_constants, parse_int=_js_int)
    except (ValueError, RecursionError, _JsSyntaxError) as exc:
        raise _JsSyntaxError(node_json_error(text, exc)) from exc


def node_json_error(text: str, exc: BaseException) -> str:
    """Node 20's ``JSON.parse`` message for the common failures (others: the nearest wording)."""
    if isinstance(exc, json.JSONDecodeError):
        position, msg = exc.pos, exc.msg
        if position >= len(text.rstrip(" \t\r\n")) and msg in (
            "Expecting value",
            "Expecting ',' delimiter",
            "Expecting property name enclosed in double quotes",
            "Expecting ':' delimiter",
        ):
            return "Unexpected end of JSON input"
        if msg == "Expecting property name enclosed in double quotes":
            before = text[:position].rstrip(" \t\r\n")
            if before.endswith("{"):
                return f"Expected property name or '}}' in JSON at position {position}"
            return f"Expected double-quoted property name in JSON at position {position}"
        if msg == "Expecting ':' delimiter":
            return f"Expected ':' after property name in JSON at position {position}"
        if msg == "Expecting ',' delimiter":
            opener = _innermost_opener(text[:position])
            if opener == "[":
                return f"Expected ',' or ']' after array element in JSON at position {position}"
            return f"Expected ',' or '}}' after property value in JSON at position {position}"
        if msg == "Extra data":
            return f"Unexpected non-whitespace character after JSON at position {position}"
        if msg.startswith("Unterminated string"):
            return f"Unterminated string in JSON at position {len(text)}"
        if msg.startswith("Invalid control character"):
            return f"Bad control character in string literal in JSON at position {position}"
        if msg.startswith("Invalid \\escape") or msg.startswith("Invalid \\u"):
            return f"Bad escaped character in JSON at position {position}"
        if position < len(text):
            return unexpected_token(text, position)
    if text.strip(" \t\r\n") == "":
        return "Unexpected end of JSON input"
    return unexpected_token(text, 0)


V8_CONTEXT = 10  # V8's kMaxContextCharacters; sources shorter than 21 characters are quoted whole


def unexpected_token(text: str, position: int) -> str:
    """V8's "Unexpected token" message, with its context window around ``position``."""
    length = len(text)
    if length < 2 * V8_CONTEXT + 1:
        snippet = f'"{text}"'
    elif position < V8_CONTEXT:
        snippet = f'"{text[: position + V8_CONTEXT]}"...'
    elif position < length - V8_CONTEXT:
        snippet = f'..."{text[position - V8_CONTEXT : position + V8_CONTEXT]}"...'
    else:
        snippet = f'..."{text[position - V8_CONTEXT :]}"'
    return f"Unexpected token '{text[position]}', {snippet} is not valid JSON"


def _innermost_opener(prefix: str) -> str:
    depth: list[str] = []
    in_string = escaped = False
    for char in prefix:
        if in_string:
            escaped = not escaped and char == "\\"
            if char == '"' and not escaped:
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth.append(char)
        elif char in "]}" and depth:
            depth.pop()
    return depth[-1] if depth else "{"


def node_base64(segment: str) -> bytes:
    """``Buffer.from(segment, 'base64')``: url-safe alphabet accepted, a dangling character ignored."""
    cleaned = segment.replace("-", "+").replace("_", "/")
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _js_truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    return value is not None and value != ""


def scrub(value: Any) -> Any:
    """Lone UTF-16 surrogates become U+FFFD, as Node's UTF-8 encoder writes them to the database."""
    if isinstance(value, str):
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value) if _has_surrogate(value) else value
    if isinstance(value, list):
        return [scrub(item) for item in value]
    if isinstance(value, dict):
        return {scrub(key): scrub(item) for key, item in value.items()}
    return value


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


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
        except (_JsSyntaxError, ValueError):
            header = None
    if not _js_truthy(header):
        raise _reject(TokenFailure.MALFORMED, messages.JWT_INVALID_TOKEN)
    payload_text = node_base64(parts[1]).decode("utf-8", "replace")
    payload: Any
    if isinstance(header, dict) and header.get("typ") == "JWT":
        try:
            payload = js_json_parse(payload_text)
        except _JsSyntaxError as syntax:
            raise _reject(TokenFailure.MALFORMED, str(syntax)) from None
    else:
        try:
            parsed = js_json_parse(payload_text)
            payload = parsed if isinstance(parsed, dict | list) else payload_text
        except _JsSyntaxError:
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
        if "nbf" in payload:
            if not is_number(payload["nbf"]) and not _is_infinite(payload["nbf"]):
                raise _reject(TokenFailure.CLAIM_NOT_NUMERIC, messages.JWT_INVALID_NBF, "nbf")
            if payload["nbf"] > clock_timestamp:
                raise _reject(TokenFailure.NOT_YET_VALID, messages.JWT_NOT_ACTIVE, "nbf")
        if "exp" in payload:
            if not is_number(payload["exp"]) and not _is_infinite(payload["exp"]):
                raise _reject(TokenFailure.CLAIM_NOT_NUMERIC, messages.JWT_INVALID_EXP, "exp")
            if clock_timestamp >= payload["exp"]:
                raise _reject(TokenFailure.EXPIRED, messages.JWT_EXPIRED, "exp")
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
    if claims.get("iss") != ACCESS_ISSUER or not isinstance(aud, list) or audience not in aud:
        return None
    return claims


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


# --- rate limiting ------------------------------------------------------------------------------


@dataclass
class _Window:
    hits: int
    reset_at: float


@dataclass
class RateLimiter:
    """``express-rate-limit`` with its memory store: a fixed window per key, draft-7 headers."""

    name: str
    limit: int
    window_seconds: float
    message: str
    skip_successful: bool = False
    _windows: dict[str, _Window] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, key: str, now: float) -> tuple[bool, dict[str, str]]:
        """Count one request; return (allowed, headers)."""
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.reset_at <= now:
                window = self._windows[key] = _Window(0, now + self.window_seconds)
            window.hits += 1
            hits, reset_at = window.hits, window.reset_at
        reset = max(0, math.ceil(reset_at - now))
        headers = {
            "RateLimit": f"limit={self.limit}, remaining={max(self.limit - hits, 0)}, reset={reset}",
            "RateLimit-Policy": f"{self.limit};w={int(self.window_seconds)}",
        }
        if hits > self.limit:
            headers["Retry-After"] = str(reset)
            return False, headers
        return True, headers

    def forgive(self, key: str) -> None:
        """``skipSuccessfulRequests``: a successful request does not count."""
        with self._lock:
            window = self._windows.get(key)
            if window is not None and window.hits > 0:
                window.hits -= 1

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
