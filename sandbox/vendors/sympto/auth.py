"""Sympto's credential rules: clinic-admin login, 15-minute bearer tokens, the failure rate limit.

``POST /authorization`` takes the clinic admin's email (or phone) and API secret and returns a
bearer token valid 15 minutes. More than 10 invalid attempts in 5 minutes from one address are
rate-limited (RateToken.md; the status is not documented, the sandbox answers 429 with
``Retry-After``). Secrets are compared in constant time.
"""

from __future__ import annotations

import hmac

from contracts.secrets import shown_scheme
from contracts.sympto import messages
from sandbox.vendors.sympto.errors import RateLimited, Unauthorized


def secrets_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def bearer_token(authorization: str | None) -> str:
    """The token from an ``Authorization`` header, or :class:`Unauthorized` saying what is wrong."""
    if authorization is None or not authorization.strip():
        raise Unauthorized(messages.MISSING_BEARER, rule="missing_bearer")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise Unauthorized(messages.NOT_BEARER.format(scheme=shown_scheme(scheme)), rule="not_bearer")
    if not token.strip():
        raise Unauthorized(messages.MISSING_BEARER, rule="missing_bearer")
    return token.strip()


def check_bearer(expires_at: float | None, now: float) -> None:
    """Reject an unknown (``None``) or expired bearer token."""
    if expires_at is None:
        raise Unauthorized(messages.UNKNOWN_BEARER, rule="unknown_bearer")
    if expires_at <= now:
        raise Unauthorized(messages.EXPIRED_BEARER.format(ago=int(now - expires_at)), rule="expired_bearer")


def rate_limited(failures_in_window: int, oldest: float | None, now: float, limit: int, window: float) -> None:
    """Raise :class:`RateLimited` once ``limit`` failures fall inside the window."""
    if failures_in_window < limit or oldest is None:
        return
    retry_after = max(1, int(oldest + window - now) + 1)
    raise RateLimited(
        messages.RATE_LIMITED.format(limit=limit, window=f"{window / 60:g}", retry_after=retry_after),
        headers={"Retry-After": str(retry_after)},
    )
