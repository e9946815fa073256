"""JWT verification under an explicit per-vendor policy, with typed reasons for every rejection.

Vendors differ in which algorithms they allow, which claims they require, how long a token may
live and how much clock skew they forgive. Each vendor states that as a :class:`JwtPolicy`; this
module applies it and reports *why* a token failed as a :class:`TokenRejected` carrying a
:class:`TokenFailure`, so each vendor can render the failure in its own words and shape.

Header fields that could point at a key (``jku``, ``x5u``, ``jwk``, ``x5c``, ``kid``) are never
used: the key always comes from the vendor's own tenant lookup.
"""

from __future__ import annotations

import binascii
import hmac
import json
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
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
    numeric_claims: tuple[str, ...] = ("exp", "iat", "nbf")
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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name}")


def _strict_json_object(raw: bytes, part: str) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise TokenRejected(TokenFailure.MALFORMED, problem=f"the {part} is not valid JSON") from exc
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
    return replace(decoded, header=dict(decoded.header), claims=dict(decoded.claims))


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


def is_number(value: Any) -> bool:
    """True for finite JSON numbers; booleans are not numbers here."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


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
    for name in policy.numeric_claims:
        if name in claims and not is_number(claims[name]):
            raise TokenRejected(TokenFailure.CLAIM_NOT_NUMERIC, claim=name, seen=claims[name])
    check_times(claims, policy, now)
    return VerifiedToken(header=decoded.header, claims=claims)


def check_times(claims: Mapping[str, Any], policy: JwtPolicy, now: float) -> None:
    """Apply ``exp``, lifetime, ``iat`` and ``nbf`` rules to already-numeric claims."""
    leeway = policy.leeway_seconds
    exp = claims.get("exp")
    if exp is not None:
        if exp <= now - leeway:
            raise TokenRejected(TokenFailure.EXPIRED, claim="exp", seen=exp, now=now)
        limit = policy.max_lifetime_seconds
        if limit is not None and exp - now > limit + leeway:
            raise TokenRejected(TokenFailure.LIFETIME_TOO_LONG, claim="exp", seen=exp, now=now, limit=limit)
    iat = claims.get("iat")
    if policy.reject_future_iat and iat is not None and iat > now + leeway:
        raise TokenRejected(TokenFailure.ISSUED_IN_FUTURE, claim="iat", seen=iat, now=now)
    nbf = claims.get("nbf")
    if nbf is not None and nbf > now + leeway:
        raise TokenRejected(TokenFailure.NOT_YET_VALID, claim="nbf", seen=nbf, now=now)
