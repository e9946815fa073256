"""Create-user JWTs for Intake24: the valid one and named ways to get it wrong, each with its answer.

``vendor-sandbox token intake24 --kind NAME`` mints from this list. The broken tokens are the
strategies' token mutations (:data:`contracts.intake24.strategies.TOKEN_MUTATION_NAMES`); the broken
claims are fixed instances of their claim mutations. Each case predicts the status and ``message``
the sandbox (playing Intake24) answers on ``POST /intake24/api/surveys/{slug}/create-user``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.intake24 import messages
from contracts.intake24.strategies import Expected, token_mutation, validation_answer
from contracts.jws import sign_hmac

DEMO_SECRET = "demo-intake24-jwt-secret-change-me"
DEFAULT_USERNAME = "participant-001"
LIFETIME_SECONDS = 60

#: What each token mutation gets wrong, for ``--list``.
TOKEN_DESCRIPTIONS = {
    "wrong_secret": "signed with another secret",
    "hs384": "signed with HS384 (Intake24 verifies HS256 and HS512 only)",
    "alg_none_unsigned": "`alg: none`, no signature",
    "alg_none_with_signature": "`alg: none` with a signature segment",
    "hs256_signature_stripped": "an HS256 token with its signature removed",
    "expired": "`exp` is now",
    "not_yet_active": "`nbf` one second ahead",
    "exp_not_numeric": "`exp` as a string",
    "nbf_not_numeric": "`nbf` null",
    "header_not_json": "a header segment that is not JSON",
    "payload_not_object": "a payload that is a JSON string",
    "not_jwt_shaped": "not three dot-separated segments at all",
}


@dataclass(frozen=True)
class TokenCase:
    name: str
    description: str
    #: ``(username, secret, now)`` → ``(token, the answer)``.
    build: Callable[[str, str, int], tuple[str, Expected]]

    @property
    def valid(self) -> bool:
        return self.name == "valid"


_DROP = object()


def claims(username: str, now: int, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A respondent's claims: ``username`` and a one-minute ``exp``; ``changes`` override (``_DROP`` drops)."""
    found: dict[str, Any] = {"username": username, "exp": now + LIFETIME_SECONDS}
    found.update(changes or {})
    return {key: value for key, value in found.items() if value is not _DROP}


@dataclass(frozen=True)
class _Mutated:
    """The strategies' token mutation ``name``, built when the case is used (not once, at import)."""

    name: str

    def __call__(self, username: str, secret: str, now: int) -> tuple[str, Expected]:
        mutation = token_mutation(self.name, claims(username, now), secret, now)
        return mutation.token, mutation.expected


@dataclass(frozen=True)
class _ChangedClaims:
    """A token of the respondent's claims with ``changes`` applied, signed with the survey's secret."""

    answer: Expected
    changes: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, username: str, secret: str, now: int) -> tuple[str, Expected]:
        return sign_hmac(claims(username, now, dict(self.changes)), secret), self.answer


CASES: dict[str, TokenCase] = {
    "valid": TokenCase(
        "valid", "username and a one-minute exp, HS256 with the survey's secret", _ChangedClaims(Expected(200, ""))
    ),
    **{name: TokenCase(name, description, _Mutated(name)) for name, description in TOKEN_DESCRIPTIONS.items()},
    "username_missing": TokenCase(
        "username_missing",
        "no `username` claim",
        _ChangedClaims(validation_answer(messages.REQUIRED, "username"), {"username": _DROP}),
    ),
    "username_empty": TokenCase(
        "username_empty",
        "an empty `username`",
        _ChangedClaims(validation_answer(messages.TOO_SMALL.format(minimum=1), "username"), {"username": ""}),
    ),
    "password_weak": TokenCase(
        "password_weak",
        "a `password` without a digit or capital",
        _ChangedClaims(validation_answer(messages.WEAK_PASSWORD, "password"), {"password": "weakpassword"}),
    ),
    "redirect_url_invalid": TokenCase(
        "redirect_url_invalid",
        "a `redirectUrl` that is not a URL",
        _ChangedClaims(validation_answer(messages.INVALID_URL, "redirectUrl"), {"redirectUrl": "not a url"}),
    ),
    "name_empty": TokenCase(
        "name_empty",
        "an empty `name`",
        _ChangedClaims(validation_answer(messages.TOO_SMALL.format(minimum=1), "name"), {"name": ""}),
    ),
}
