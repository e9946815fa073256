"""CirrusMD's request-signing rules: a Bearer JWT, HS256, signed with the client's shared secret.

The policy's required and numeric claims come from :class:`contracts.cirrusmd.schemas.TokenClaimsSchema`;
the 120-second limit is the document's "exp must NOT exceed 2 minutes from the current time".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from contracts.cirrusmd import messages
from contracts.cirrusmd.messages import number, seconds
from contracts.cirrusmd.schemas import NUMERIC_CLAIMS, REQUIRED_CLAIMS
from contracts.secrets import shown_scheme
from sandbox.core.jwt import DecodedToken, JwtPolicy, TokenFailure, TokenRejected, decode_unverified, verify
from sandbox.vendors.cirrusmd.errors import Unauthorized

SCOPE = "sdk"


@functools.lru_cache(maxsize=8)
def policy(leeway_seconds: float) -> JwtPolicy:
    """The policy for a leeway (built once: the leeway is a setting, and the policy is frozen)."""
    return JwtPolicy(
        algorithms=frozenset({"HS256"}),
        required_claims=REQUIRED_CLAIMS,
        numeric_claims=NUMERIC_CLAIMS,
        max_lifetime_seconds=messages.MAX_TOKEN_LIFETIME_SECONDS,
        leeway_seconds=leeway_seconds,
    )


def bearer_token(authorization: str | None) -> str:
    """The JWT from an ``Authorization`` header value, or :class:`Unauthorized` saying what is wrong."""
    if authorization is None or not authorization.strip():
        raise Unauthorized(messages.MISSING_AUTHORIZATION, rule="missing_authorization")
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer":
        raise Unauthorized(messages.NOT_BEARER.format(scheme=shown_scheme(scheme)), rule="not_bearer")
    if not token.strip():
        raise Unauthorized(
            messages.MALFORMED_TOKEN.format(problem="the token after `Bearer ` is empty"), rule="malformed"
        )
    return token.strip()


def tenant_of(authorization: str | None) -> str | None:
    """The client a request claims to be from (unverified ``sub``), for scoping faults; never trusted."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    try:
        sub = decode_unverified(authorization[7:].strip()).claims.get("sub")
    except TokenRejected:
        return None
    return sub if isinstance(sub, str) else None


def _message(rejection: TokenRejected) -> tuple[str, str]:
    """The rule name and the message for a core rejection, in CirrusMD's words."""
    detail: dict[str, Any] = rejection.detail
    reason = rejection.reason
    seen = number(detail.get("seen"))
    now = number(detail.get("now"))

    def timed(template: str) -> Callable[[], str]:
        # Only time rules carry numeric seen/now; the delta is computed for them alone.
        return lambda: template.format(
            seen=seen, now=now, delta=seconds(abs(float(detail["seen"]) - float(detail["now"])))
        )

    texts: dict[TokenFailure, Callable[[], str]] = {
        TokenFailure.MALFORMED: lambda: messages.MALFORMED_TOKEN.format(problem=detail.get("problem")),
        TokenFailure.ALGORITHM_NOT_ALLOWED: lambda: messages.WRONG_ALGORITHM.format(seen=seen),
        TokenFailure.UNSUPPORTED_CRITICAL_HEADER: lambda: messages.CRITICAL_HEADER.format(seen=seen),
        TokenFailure.UNKNOWN_KEY: lambda: messages.UNKNOWN_CLIENT.format(seen=seen),
        TokenFailure.INVALID_SIGNATURE: lambda: messages.INVALID_SIGNATURE.format(
            client_id=number(detail.get("client_id"))
        ),
        TokenFailure.MISSING_CLAIM: lambda: messages.MISSING_CLAIM.format(claim=rejection.claim),
        TokenFailure.CLAIM_NOT_NUMERIC: lambda: messages.CLAIM_NOT_NUMERIC.format(claim=rejection.claim, seen=seen),
        TokenFailure.EXPIRED: timed(messages.EXPIRED),
        TokenFailure.LIFETIME_TOO_LONG: timed(messages.LIFETIME_TOO_LONG),
        TokenFailure.ISSUED_IN_FUTURE: timed(messages.ISSUED_IN_FUTURE),
        TokenFailure.NOT_YET_VALID: timed(messages.NOT_YET_VALID),
    }
    rule = {
        TokenFailure.UNKNOWN_KEY: "unknown_client",
        TokenFailure.EXPIRED: "token_expired",
        TokenFailure.LIFETIME_TOO_LONG: "token_lifetime_too_long",
    }.get(reason, reason.value)
    return rule, texts[reason]()


def authenticate(
    authorization: str | None, secret_for: Callable[[str], str | None], now: float, leeway_seconds: float
) -> dict[str, Any]:
    """Verify the request's JWT; return its claims or raise :class:`Unauthorized`."""
    token = bearer_token(authorization)
    client: dict[str, Any] = {}

    def key_for(decoded: DecodedToken) -> str:
        if "sub" not in decoded.claims:
            raise TokenRejected(TokenFailure.MISSING_CLAIM, claim="sub")
        sub = client["id"] = decoded.claims["sub"]
        secret = secret_for(sub) if isinstance(sub, str) else None
        if secret is None:
            raise TokenRejected(TokenFailure.UNKNOWN_KEY, claim="sub", seen=sub)
        return secret

    try:
        verified = verify(token, policy(leeway_seconds), key_for, now)
    except TokenRejected as rejection:
        if rejection.reason is TokenFailure.INVALID_SIGNATURE:
            rejection.detail["client_id"] = client.get("id")
        rule, message = _message(rejection)
        raise Unauthorized(message, rule=rule) from None
    scope = verified.claims["scope"]
    if scope != SCOPE:
        raise Unauthorized(messages.WRONG_SCOPE.format(seen=number(scope)), rule="wrong_scope")
    return verified.claims


def claim_warnings(claims: dict[str, Any]) -> list[tuple[str, str]]:
    """``(rule, message)`` for claims of a verified token that the real API might refuse (journal warnings).

    ``aud``: CirrusMD documents no audience, and RFC 7519 §4.1.3 lets a recipient that does not find
    itself in ``aud`` reject the token; the sandbox accepts it but says so.
    """
    if "aud" in claims:
        return [("audience_claim_present", messages.AUDIENCE_PRESENT.format(seen=number(claims["aud"])))]
    return []
