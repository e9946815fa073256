"""CirrusMD's part of the partners' one-import API (:mod:`contracts.strategies` gathers it through the
``vendor_sandbox.contracts`` entry point ``cirrusmd``): session request bodies, broken requests with the
answer each gets, and a correct ``Authorization`` header."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from contracts.cirrusmd import strategies as cirrusmd
from contracts.cirrusmd.tokens import INVALID as CIRRUSMD_TOKEN_CASES
from contracts.cirrusmd.tokens import VALID as CIRRUSMD_VALID_TOKEN
from contracts.cirrusmd.tokens import Credentials as CirrusmdCredentials
from contracts.cirrusmd.tokens import TokenCase
from contracts.cirrusmd.tokens import claims as cirrusmd_claims
from contracts.invalid import Answer, Invalid
from contracts.jws import sign_hmac

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


st.register_type_strategy(
    CirrusmdRequest, st.deferred(lambda: cirrusmd_invalid_requests().map(lambda example: example.value))
)

__all__ = [
    "CIRRUSMD_DEMO",
    "CirrusmdCredentials",
    "CirrusmdRequest",
    "cirrusmd_authorization",
    "cirrusmd_invalid_requests",
    "cirrusmd_members",
]
