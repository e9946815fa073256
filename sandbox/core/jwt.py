"""JWT verification under an explicit per-vendor policy, with typed reasons for every rejection.

Vendors differ in which algorithms they allow, which claims they require, how long a token may
live and how much clock skew they forgive. Each vendor states that as a :class:`JwtPolicy`; this
module applies it and reports *why* a token failed as a :class:`TokenRejected` carrying a
:class:`TokenFailure`, so each vendor can render the failure in its own words and shape.

Header fields that could point at a key (``jku``, ``x5u``, ``jwk``, ``x5c``, ``kid``) are never
used: the key always comes from the vendor's own tenant lookup.

Every value taken from a token is client-chosen JSON of any type. Each rule that reads a claim or a
header field checks its type first, so a wrong type is a typed rejection naming the field, never
an exception (a string ``nbf`` once reached a ``>`` comparison and answered 500).
"""

from __future__ import annotations

import binascii
import hmac
import json
import math
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from jwt.utils import base64url_decode

from contracts.jws import HMAC_ALGORITHMS, hmac_signature


class TokenFailure(StrEnum):
    MALFORMED = "malformed"
    ALGORITHM_NOT_ALLOWED = "algorithm_not_allowed"
    UNSUPPORTED_CRITICAL_HEADER = "unsupported_critical_header"
    UNKNOWN_KEY = "unknown_key"
    INVALID_SIGNATURE = "invalid_signature"
    MISSING_CLAIM = "missing_claim"
    CLAIM_NOT_NUMERIC = "claim_not_numeric"
    EXPIRED = "expired"
    LIFETIME_TOO_LONG = "lifetime_too_long"
    ISSUED_IN_FUTURE = "issued_in_future"
    NOT_YET_VALID = "not_yet_valid"


#: The claims :func:`check_times` interprets; each is type-checked before use whatever the policy lists.
TIME_CLAIMS: tuple[str, ...] = ("exp", "iat", "nbf")
#: The JOSE header fields :func:`verify` interprets; every other header field is ignored.
READ_HEADER_FIELDS: tuple[str, ...] = ("alg", "crit")


class TokenRejected(Exception):
    """A token failed a policy rule. ``detail`` holds what a message needs (claim, limit, seen)."""

    def __init__(self, reason: TokenFailure, claim: str | None = None, **detail: Any) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.claim = claim
        self.detail = detail


@dataclass(frozen=True)
class JwtPolicy:
    """What one vendor demands of the tokens it receives."""

    algorithms: frozenset[str]
    required_claims: tuple[str, ...] = ()
    #: Claims that must be JSON numbers when present; :data:`TIME_CLAIMS` always are, listed or not.
    numeric_claims: tuple[str, ...] = TIME_CLAIMS
    #: Longest allowed distance from now to ``exp``; ``None`` means unlimited.
    max_lifetime_seconds: float | None = None
    leeway_seconds: float = 0.0
    reject_future_iat: bool = True

    def __post_init__(self) -> None:
        unknown = self.algorithms - HMAC_ALGORITHMS.keys()
        if unknown:
            raise ValueError(f"only HMAC algorithms are supported, not {sorted(unknown)}")


@dataclass(frozen=True)
class DecodedToken:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes = field(repr=False)
    signature: bytes = field(repr=False)


@dataclass(frozen=True)
class VerifiedToken:
    header: dict[str, Any]
    claims: dict[str, Any]


KeyLookup = Callable[[DecodedToken], str | bytes]
"""Returns the verification key for a token, or raises :class:`TokenRejected` (e.g. unknown sub)."""


@dataclass(frozen=True)
class _NonFinite:
    """Where JSON text had a ``NaN``/``Infinity`` literal: kept to name the field, then refused."""

    literal: str


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@dataclass(frozen=True)
class _Unsendable:
    field: str  # the top-level member holding it ("" for the whole value)
    path: str  # where inside it: ``nbf``, ``aud[1]``, ``a.b``; never holds a surrogate itself
    description: str


def _unsendable(value: Any, path: str = "", field: str = "") -> _Unsendable | None:
    """The first value in ``value`` that no store or vendor can keep, and where it is.

    That is a ``NaN``/``Infinity`` literal, or text with a lone UTF-16 surrogate (``"\\ud800"``): Python
    parses both, but no JSON number holds the first and UTF-8 (the journal, SQLite) cannot encode the second.
    """
    if isinstance(value, _NonFinite):
        return _Unsendable(field, path, f"{value.literal}, which JSON does not allow; send a finite number")
    if isinstance(value, str):
        lone = _has_lone_surrogate(value)
        return _Unsendable(field, path, "text with a lone UTF-16 surrogate; send valid Unicode") if lone else None
    children: list[tuple[str, str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if _has_lone_surrogate(key):
                return _Unsendable(
                    field, path, "an object with a key holding a lone UTF-16 surrogate; send valid Unicode"
                )
            children.append((f"{path}.{key}" if path else key, field or key, item))
    elif isinstance(value, list):
        children = [(f"{path}[{index}]", field, item) for index, item in enumerate(value)]
    for child_path, child_field, item in children:
        found = _unsendable(item, child_path, child_field)
        if found is not None:
            return found
    return None


def _may_hold_unsendable(raw: bytes) -> bool:
    """Whether JSON text ``raw`` can hold what :func:`_unsendable` looks for (most tokens cannot, and skip
    the walk): a lone surrogate needs a ``\\u`` escape (the text is strict UTF-8), a non-finite number
    its literal, and a recursion limit more nesting than a few dozen brackets."""
    return b"\\u" in raw or b"NaN" in raw or b"Infinity" in raw or raw.count(b"{") + raw.count(b"[") >= 32


def _strict_json_object(raw: bytes, part: str) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_NonFinite)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise TokenRejected(TokenFailure.MALFORMED, problem=f"the {part} is not valid JSON") from exc
    try:
        found = _unsendable(value) if _may_hold_unsendable(raw) else None
    except RecursionError as exc:
        raise TokenRejected(TokenFailure.MALFORMED, problem=f"the {part} nests too deeply") from exc
    if found is not None:
        where = f"`{found.path[:40]}`" if found.path else "it"
        raise TokenRejected(
            TokenFailure.MALFORMED,
            claim=found.field or None,
            problem=f"the {part} is not valid JSON: {where} is {found.description}",
        )
    if not isinstance(value, dict):
        raise TokenRejected(TokenFailure.MALFORMED, problem=f"the {part} is not a JSON object")
    return value


#: The last token each thread decoded: a request's tenant lookup and its verification read the same token.
_last_decoded = threading.local()


def decode_unverified(token: str) -> DecodedToken:
    """Split and parse a compact JWS without trusting it (each caller gets its own dicts)."""
    last: tuple[str, DecodedToken] | None = getattr(_last_decoded, "entry", None)
    if last is None or last[0] != token:
        last = _last_decoded.entry = (token, _decode(token))
    decoded = last[1]
    return DecodedToken(dict(decoded.header), dict(decoded.claims), decoded.signing_input, decoded.signature)


def _decode(token: str) -> DecodedToken:
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenRejected(
            TokenFailure.MALFORMED, problem=f"a JWT has 3 dot-separated parts, this one has {len(parts)}"
        )
    try:
        raw_header, raw_claims, signature = (base64url_decode(part.encode("ascii")) for part in parts)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise TokenRejected(TokenFailure.MALFORMED, problem="a part is not base64url") from exc
    header = _strict_json_object(raw_header, "header")
    claims = _strict_json_object(raw_claims, "payload")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return DecodedToken(header=header, claims=claims, signing_input=signing_input, signature=signature)


#: The largest magnitude a JSON number may have and still be a finite IEEE 754 double (RFC 8259 section 6).
LARGEST_NUMBER = sys.float_info.max


def is_number(value: Any) -> bool:
    """True for JSON numbers that are finite doubles; booleans are not numbers here.

    Python parses ``10**400`` written as digits into an exact integer that no double holds (every
    float conversion of it raises); such a number is refused like ``1e999``, which parses as infinity.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return -LARGEST_NUMBER <= value <= LARGEST_NUMBER
    return math.isfinite(value)


def checked_numeric_claims(policy: JwtPolicy) -> tuple[str, ...]:
    """The claims that must be numbers under ``policy``: its own list, then every time claim."""
    return tuple(dict.fromkeys((*policy.numeric_claims, *TIME_CLAIMS)))


def _time_claim(claims: Mapping[str, Any], name: str) -> float | None:
    """A time claim as a float, ``None`` when absent; a present non-number is a typed rejection."""
    if name not in claims:
        return None
    value = claims[name]
    if not is_number(value):
        raise TokenRejected(TokenFailure.CLAIM_NOT_NUMERIC, claim=name, seen=value)
    return float(value)


def verify(token: str, policy: JwtPolicy, key_for: KeyLookup, now: float) -> VerifiedToken:
    """Verify ``token`` under ``policy`` at time ``now``; raise :class:`TokenRejected` on any failure.

    Order: structure, algorithm, critical headers, key, signature, required claims, numeric
    claims, then the time rules. The claims are only interpreted after the signature holds.
    """
    decoded = decode_unverified(token)
    algorithm = decoded.header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in policy.algorithms:
        raise TokenRejected(TokenFailure.ALGORITHM_NOT_ALLOWED, seen=algorithm, allowed=sorted(policy.algorithms))
    if "crit" in decoded.header:
        raise TokenRejected(TokenFailure.UNSUPPORTED_CRITICAL_HEADER, seen=decoded.header["crit"])
    key = key_for(decoded)
    if not hmac.compare_digest(hmac_signature(decoded.signing_input, key, algorithm), decoded.signature):
        raise TokenRejected(TokenFailure.INVALID_SIGNATURE, algorithm=algorithm)
    claims = decoded.claims
    for name in policy.required_claims:
        if name not in claims:
            raise TokenRejected(TokenFailure.MISSING_CLAIM, claim=name)
    for name in checked_numeric_claims(policy):
        if name in claims and not is_number(claims[name]):
            raise TokenRejected(TokenFailure.CLAIM_NOT_NUMERIC, claim=name, seen=claims[name])
    check_times(claims, policy, now)
    return VerifiedToken(header=decoded.header, claims=claims)


def check_times(claims: Mapping[str, Any], policy: JwtPolicy, now: float) -> None:
    """Apply ``exp``, lifetime, ``iat`` and ``nbf`` rules; a time claim of the wrong type is rejected here too."""
    leeway = policy.leeway_seconds
    exp = _time_claim(claims, "exp")
    if exp is not None:
        if exp <= now - leeway:
            raise TokenRejected(TokenFailure.EXPIRED, claim="exp", seen=claims["exp"], now=now)
        limit = policy.max_lifetime_seconds
        if limit is not None and exp - now > limit + leeway:
            raise TokenRejected(TokenFailure.LIFETIME_TOO_LONG, claim="exp", seen=claims["exp"], now=now, limit=limit)
    iat = _time_claim(claims, "iat")
    if policy.reject_future_iat and iat is not None and iat > now + leeway:
        raise TokenRejected(TokenFailure.ISSUED_IN_FUTURE, claim="iat", seen=claims["iat"], now=now)
    nbf = _time_claim(claims, "nbf")
    if nbf is not None and nbf > now + leeway:
        raise TokenRejected(TokenFailure.NOT_YET_VALID, claim="nbf", seen=claims["nbf"], now=now)
