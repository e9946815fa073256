"""Hypothesis strategies for partners' tests: the public API of the contracts, one import for every vendor.

For each vendor, *valid* values (what the vendor accepts) and *named invalid examples*, each an
:class:`Invalid` carrying the rule it breaks (the journal's ``rule``) and the :class:`Answer` the vendor
must give (status and message), plus helpers that mint correctly signed tokens from those values.
Everything is derived from the marshmallow contracts and message constants in ``contracts/<vendor>/``:
nothing here restates a rule.

=====================  ============================================  =====================================
vendor                 valid                                         invalid (:class:`Invalid`)
=====================  ============================================  =====================================
CirrusMD               :func:`cirrusmd_members`                      :func:`cirrusmd_invalid_requests`
                       (session request bodies)                      (body mutations and token cases)
Intake24               :func:`intake24_respondent_claims`            :func:`intake24_invalid_claims`,
                                                                     :func:`intake24_invalid_tokens`
Sympto                 :func:`sympto_users`, :func:`sympto_emails`   :func:`sympto_invalid_users`,
                       :func:`sympto_endpoint_configs`               :func:`sympto_webhook_cases`
=====================  ============================================  =====================================

Minting: :func:`cirrusmd_authorization`, :func:`intake24_token`, :func:`sympto_authentication_code`.

Any field, any vendor: :func:`every_json_type` (every JSON type, raw ``NaN``/``Infinity`` literals included;
encode with :func:`contracts.json_values.dumps`), to check that your own code survives what a client may send.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from hypothesis import strategies as st

from contracts.cirrusmd import strategies as cirrusmd
from contracts.cirrusmd.tokens import INVALID as CIRRUSMD_TOKEN_CASES
from contracts.cirrusmd.tokens import VALID as CIRRUSMD_VALID_TOKEN
from contracts.cirrusmd.tokens import Credentials as CirrusmdCredentials
from contracts.cirrusmd.tokens import TokenCase
from contracts.cirrusmd.tokens import claims as cirrusmd_claims
from contracts.intake24 import strategies as intake24
from contracts.json_values import every_json_type
from contracts.jws import sign_hmac
from contracts.sympto import strategies as sympto

T = TypeVar("T")

# --- the shared shape -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the vendor must answer: the status and its message (CirrusMD ``error_message``, Intake24
    ``message``, Sympto ``Message``)."""

    status: int
    message: str


@dataclass(frozen=True)
class Invalid(Generic[T]):
    """A value broken in one named way: ``value`` to send, the ``rule`` it breaks, the vendor's ``answer``."""

    vendor: str
    name: str
    rule: str
    value: T
    answer: Answer

    def __repr__(self) -> str:
        return f"Invalid({self.vendor}:{self.name})"


# --- CirrusMD ---------------------------------------------------------------------------------------

CIRRUSMD_DEMO = CirrusmdCredentials()


def cirrusmd_members() -> st.SearchStrategy[dict[str, Any]]:
    """Bodies of ``POST /sdk/v2/public/sessions`` that CirrusMD accepts (201)."""
    return cirrusmd.session_requests()


def cirrusmd_authorization(
    credentials: CirrusmdCredentials = CIRRUSMD_DEMO, now: float | None = None, lifetime: float = 110
) -> str:
    """A correct ``Authorization`` header value: HS256, ``sub``, ``scope: sdk``, ``exp`` ≤ 2 minutes ahead."""
    at = time.time() if now is None else now
    return "Bearer " + sign_hmac(cirrusmd_claims(credentials, at, lifetime), credentials.shared_secret)


@dataclass(frozen=True)
class CirrusmdRequest:
    """A session request to send: the body and the ``Authorization`` header value (``None``: no header)."""

    body: dict[str, Any]
    authorization: str | None


def _cirrusmd_body_case(
    broken: cirrusmd.InvalidRequest, credentials: CirrusmdCredentials, now: float
) -> Invalid[CirrusmdRequest]:
    request = CirrusmdRequest(broken.body, CIRRUSMD_VALID_TOKEN.authorization(credentials, now))
    answer = Answer(broken.status, broken.error_message)
    return Invalid("cirrusmd", broken.mutation.name, "invalid_body", request, answer)


def _cirrusmd_token_case(
    body: dict[str, Any], case: TokenCase, credentials: CirrusmdCredentials, now: float
) -> Invalid[CirrusmdRequest]:
    assert case.message is not None
    request = CirrusmdRequest(body, case.authorization(credentials, now))
    return Invalid("cirrusmd", case.name, case.rule, request, Answer(401, case.message(credentials, now)))


def cirrusmd_invalid_requests(
    credentials: CirrusmdCredentials = CIRRUSMD_DEMO, now: float | None = None
) -> st.SearchStrategy[Invalid[CirrusmdRequest]]:
    """A body with one broken field (422) or a valid body with one broken token (401), signed at ``now``.

    Token messages quote the sandbox's time: freeze its clock and pass that instant as ``now`` (default: the
    system time when drawn, exact only for the body cases and the time-free token cases).
    """
    at = st.just(now) if now is not None else st.builds(time.time)
    bodies = st.builds(_cirrusmd_body_case, cirrusmd.invalid_session_requests(), st.just(credentials), at)
    tokens = st.builds(
        _cirrusmd_token_case, cirrusmd_members(), st.sampled_from(CIRRUSMD_TOKEN_CASES), st.just(credentials), at
    )
    return st.one_of(bodies, tokens)


# --- Intake24 ---------------------------------------------------------------------------------------

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


# --- Sympto -----------------------------------------------------------------------------------------


def sympto_users() -> st.SearchStrategy[dict[str, Any]]:
    """Patients ``POST /providers/patients`` accepts (each with a fresh email)."""
    return sympto.patients()


def sympto_emails() -> st.SearchStrategy[str]:
    """Addresses a partner webhook must answer unchanged: any script, ``+tags``, the longest ones."""
    return st.one_of(st.sampled_from(sympto.EXPLICIT_EMAILS), sympto.emails())


def sympto_endpoint_configs() -> st.SearchStrategy[dict[str, Any]]:
    """Valid ``POST /clinicAdmin/clinics/endpoint`` bodies (the partner's webhook registration)."""
    return sympto.endpoint_configs()


def _sympto_case(mutation: sympto.Mutation) -> Invalid[dict[str, Any]]:
    return Invalid("sympto", mutation.name, "invalid_body", mutation.body, Answer(mutation.status, mutation.message))


def sympto_invalid_users() -> st.SearchStrategy[Invalid[dict[str, Any]]]:
    return sympto.invalid_patients().map(_sympto_case)


def sympto_invalid_endpoint_configs() -> st.SearchStrategy[Invalid[dict[str, Any]]]:
    return sympto.invalid_endpoint_configs().map(_sympto_case)


@dataclass(frozen=True)
class WebhookCase:
    """A page-load call Sympto may make to the partner's webhook, and what a correct webhook answers.

    ``credentials`` and ``code`` are Sympto's side; ``answer_status`` is the partner's: 200 for the right
    credentials and an untouched code, otherwise a 4xx (the partner chooses 400 or 401; never 2xx or 5xx).
    """

    credentials: sympto.Credentials
    code: sympto.CodeMutation | None
    body_kind: str = "json"
    rule: str = field(init=False)

    def __post_init__(self) -> None:
        if self.credentials.kind != "right":
            rule = f"credentials:{self.credentials.kind}"
        elif self.code is not None:
            rule = f"code:{self.code.kind}"
        else:
            rule = ""
        object.__setattr__(self, "rule", rule)

    @property
    def must_accept(self) -> bool:
        return not self.rule

    def authentication_code(self, valid_code: str) -> str:
        return valid_code if self.code is None else self.code.apply(valid_code)


def sympto_webhook_cases() -> st.SearchStrategy[WebhookCase]:
    """Valid and broken page-load calls for testing a partner webhook (see :class:`WebhookCase`)."""
    return st.builds(
        WebhookCase,
        sympto.any_credentials(),
        st.none() | sympto.invalid_codes(),
        st.sampled_from(sympto.WELL_FORMED_BODIES),
    )


def sympto_authentication_code(email: str, jwt_secret: str, *, lifetime: float = 600, now: float | None = None) -> str:
    """The code a partner's back end mints for Sympto's page-load URL (HS256 over ``email`` and ``exp``)."""
    at = time.time() if now is None else now
    return sign_hmac({"email": email, "exp": int(at + lifetime)}, jwt_secret)


# --- type registrations -----------------------------------------------------------------------------

_REGISTERED: dict[type[Any], Callable[[], st.SearchStrategy[Any]]] = {
    CirrusmdRequest: lambda: cirrusmd_invalid_requests().map(lambda example: example.value),
    WebhookCase: sympto_webhook_cases,
}
for _type, _strategy in _REGISTERED.items():
    st.register_type_strategy(_type, st.deferred(_strategy))

__all__ = [
    "CIRRUSMD_DEMO",
    "INTAKE24_DEMO_SECRET",
    "Answer",
    "CirrusmdCredentials",
    "CirrusmdRequest",
    "Invalid",
    "WebhookCase",
    "cirrusmd_authorization",
    "cirrusmd_invalid_requests",
    "cirrusmd_members",
    "every_json_type",
    "intake24_invalid_claims",
    "intake24_invalid_tokens",
    "intake24_respondent_claims",
    "intake24_token",
    "sympto_authentication_code",
    "sympto_emails",
    "sympto_endpoint_configs",
    "sympto_invalid_endpoint_configs",
    "sympto_invalid_users",
    "sympto_users",
    "sympto_webhook_cases",
]
