"""Intake24's part of the partners' one-import API (:mod:`contracts.strategies` gathers it through the
``vendor_sandbox.contracts`` entry point ``intake24``): respondent claims, broken claims and tokens with the
answer each gets, and a correctly signed create-user token."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import strategies as st

from contracts.intake24 import strategies as intake24
from contracts.invalid import Answer, Invalid
from contracts.jws import sign_hmac

INTAKE24_DEMO_SECRET = "demo-intake24-jwt-secret-change-me"
#: The journal rule of each token mutation (the library's reasons, as the sandbox names them).
INTAKE24_TOKEN_RULES: dict[str, str] = {
    "wrong_secret": "jwt_invalid_signature",
    "hs384": "jwt_algorithm_not_allowed",
    "alg_none_unsigned": "jwt_invalid_signature",
    "alg_none_with_signature": "jwt_algorithm_not_allowed",
    "hs256_signature_stripped": "jwt_invalid_signature",
    "expired": "jwt_expired",
    "not_yet_active": "jwt_not_yet_valid",
    "exp_not_numeric": "jwt_claim_not_numeric",
    "nbf_not_numeric": "jwt_claim_not_numeric",
    "header_not_json": "jwt_malformed",
    "payload_not_object": "claims_validation",
    "not_jwt_shaped": "contract_validation",
}


def intake24_respondent_claims() -> st.SearchStrategy[dict[str, Any]]:
    """Claims of a create-user token Intake24 accepts (``username`` and the optional ones)."""
    return intake24.valid_claims()


def intake24_token(
    claims: dict[str, Any],
    secret: str = INTAKE24_DEMO_SECRET,
    *,
    lifetime: float | None = 60,
    now: float | None = None,
    algorithm: str = "HS256",
) -> str:
    """A create-user JWT signed with the survey's JWT secret (``genUserKey``); ``exp`` unless ``lifetime=None``."""
    payload = dict(claims)
    if lifetime is not None:
        payload.setdefault("exp", int((time.time() if now is None else now) + lifetime))
    return sign_hmac(payload, secret, algorithm)


def _intake24_claims_case(mutation: intake24.ClaimMutation) -> Invalid[dict[str, Any]]:
    answer = Answer(mutation.expected.status, mutation.expected.message)
    return Invalid("intake24", mutation.name, "claims_validation", mutation.claims, answer)


def intake24_invalid_claims() -> st.SearchStrategy[Invalid[dict[str, Any]]]:
    """Claims with one claim broken: sign them with :func:`intake24_token` and expect a 400."""
    return intake24.claim_mutations().map(_intake24_claims_case)


def _intake24_token_case(mutation: intake24.TokenMutation) -> Invalid[str]:
    answer = Answer(mutation.expected.status, mutation.expected.message)
    return Invalid("intake24", mutation.name, INTAKE24_TOKEN_RULES[mutation.name], mutation.token, answer)


def intake24_invalid_tokens(
    secret: str = INTAKE24_DEMO_SECRET, now: int | None = None
) -> st.SearchStrategy[Invalid[str]]:
    """Create-user tokens broken in one named way, for a survey with JWT secret ``secret`` at time ``now``."""
    at = int(time.time()) if now is None else now
    return intake24.token_mutations(secret, at).map(_intake24_token_case)


__all__ = [
    "INTAKE24_DEMO_SECRET",
    "INTAKE24_TOKEN_RULES",
    "intake24_invalid_claims",
    "intake24_invalid_tokens",
    "intake24_respondent_claims",
    "intake24_token",
]
