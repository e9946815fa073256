"""CirrusMD's drift knowledge (``DRIFT``, found by ``vendor-sandbox drift`` through the registry): its corpus,
its normalisation rules, its credentials and how the emulator is given the same client.

The cases: valid session requests, every body mutation, every token case, the time boundaries.

Tokens are minted when the case is sent (``minted_at`` is the upstream's clock), so a token rule is
judged at the same instant on both sides. Boundary cases sit two seconds inside or beyond each limit
(``exp`` at most 120 s ahead, expiry and ``iat`` with the leeway), because the upstream's clock is only
known to the second.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from contracts.cirrusmd import messages
from contracts.cirrusmd.strategies import MUTATIONS, PAIR_MUTATIONS, session_requests
from contracts.cirrusmd.tokens import INVALID, Credentials, TokenCase, bearer, claims, sign
from sandbox.drift import draw
from sandbox.drift.model import Case, Request, Session
from sandbox.drift.normalise import VendorRules
from sandbox.drift.tenant import Plan, Tenant
from sandbox.drift.vendors import Credential, DriftVendor
from sandbox.vendors.cirrusmd import PREFIXES

PATH = "/sdk/v2/public/sessions"
VALID_LIFETIME = 110
LIMIT = messages.MAX_TOKEN_LIFETIME_SECONDS
#: Seconds between a boundary case and the limit it probes (the upstream clock is read to the second).
MARGIN = 2


def _request(body: dict[str, Any], authorization: str | None, accept: bool = True) -> Request:
    headers = {"Content-Type": "application/json"}
    if accept:
        headers["Accept"] = "application/json"
    if authorization is not None:
        headers["Authorization"] = authorization
    return Request("POST", PATH, headers, json=body)


def _valid_token(credentials: Credentials) -> Callable[[int], str]:
    return lambda now: bearer(sign(credentials, claims(credentials, now, VALID_LIFETIME)))


def _fixed(body: dict[str, Any], authorization: Callable[[int], str | None], accept: bool = True) -> Any:
    return lambda now, _session: _request(body, authorization(now), accept)


def _token_case(credentials: Credentials, body: dict[str, Any], case: TokenCase) -> Callable[[int, Session], Request]:
    return lambda now, _session: _request(body, case.authorization(credentials, float(now)))


def _claims_token(credentials: Credentials, **changes: Any) -> Callable[[int], str]:
    def mint(now: int) -> str:
        values = {key: now + value for key, value in changes.items()}
        return bearer(sign(credentials, claims(credentials, now, **values)))

    return mint


def _boundaries(leeway: float) -> list[tuple[str, str, str, dict[str, int], int]]:
    """``(name, rule, description, claim offsets from now, expected status)`` around each time limit."""
    inside = max(int(leeway) - MARGIN + 1, 0)
    beyond = int(leeway) + MARGIN
    return [
        ("exp_at_limit", "", f"`exp` exactly {LIMIT} s ahead (the documented limit)", {"exp": LIMIT}, 201),
        (
            "exp_within_leeway",
            "",
            f"`exp` {LIMIT + inside} s ahead: over the limit by less than the leeway ({leeway:g} s)",
            {"exp": LIMIT + inside},
            201,
        ),
        (
            "exp_beyond_leeway",
            "token_lifetime_too_long",
            f"`exp` {LIMIT + beyond} s ahead: over the limit by more than the leeway ({leeway:g} s)",
            {"exp": LIMIT + beyond},
            401,
        ),
        (
            "expired_within_leeway",
            "",
            f"`exp` {inside} s in the past: expired by less than the leeway",
            {"exp": -inside, "iat": -100},
            201,
        ),
        (
            "expired_beyond_leeway",
            "token_expired",
            f"`exp` {beyond} s in the past: expired by more than the leeway",
            {"exp": -beyond, "iat": -100},
            401,
        ),
        (
            "iat_future_within_leeway",
            "",
            f"`iat` {inside} s in the future: within the leeway",
            {"iat": inside},
            201,
        ),
        (
            "iat_future_beyond_leeway",
            "issued_in_future",
            f"`iat` {beyond} s in the future: beyond the leeway",
            {"iat": beyond},
            401,
        ),
    ]


def cases(tenant: Tenant, plan: Plan) -> list[Case]:
    credentials = Credentials(tenant.identity, tenant.secret)
    bodies = draw.examples(session_requests(), plan.examples + 1, plan.seed)
    base = {**bodies[0], "external_user_id": plan.identity(0)}
    member0 = (f"member {plan.identity(0)}",)
    valid = _valid_token(credentials)
    found: list[Case] = []
    for n, body in enumerate(bodies[1:], start=1):
        mine = {**body, "external_user_id": plan.identity(n)}
        found.append(
            Case(
                f"cirrusmd:valid:{n}",
                "cirrusmd",
                "",
                "a valid session request",
                _fixed(mine, valid),
                201,
                (f"member {plan.identity(n)}",),
            )
        )
    found.append(
        Case(
            "cirrusmd:valid:new_member",
            "cirrusmd",
            "",
            "a valid request for a new member",
            _fixed(base, valid),
            201,
            member0,
        )
    )
    found.append(
        Case(
            "cirrusmd:valid:repeat",
            "cirrusmd",
            "",
            "the same member again (updates it, a fresh token)",
            _fixed(base, valid),
            201,
            member0,
        )
    )
    found.append(
        Case(
            "cirrusmd:valid:no_accept_header",
            "cirrusmd",
            "accept_header_missing",
            "a valid request without `Accept: application/json`",
            _fixed(base, valid, accept=False),
            201,
            member0,
        )
    )
    for mutation in (*MUTATIONS, *PAIR_MUTATIONS):
        broken = mutation.apply(base)
        found.append(
            Case(
                f"cirrusmd:body:{mutation.name}",
                "cirrusmd",
                "invalid_body",
                f"the body broken: {mutation.name}",
                _fixed(broken, valid),
                422,
                member0,
            )
        )
    for token_case in INVALID:
        found.append(
            Case(
                f"cirrusmd:token:{token_case.name}",
                "cirrusmd",
                token_case.rule,
                token_case.description,
                _token_case(credentials, base, token_case),
                401,
                member0,
            )
        )
    for name, rule, description, offsets, status in _boundaries(plan.leeway):
        found.append(
            Case(
                f"cirrusmd:boundary:{name}",
                "cirrusmd",
                rule,
                description,
                _fixed(base, _claims_token(credentials, **offsets)),
                status,
                member0,
            )
        )
    return found


def configure(section: Mapping[str, Any], tenant: Tenant) -> dict[str, Any]:
    """The ``[cirrusmd]`` section with the drift tenant as its one client."""
    return {**section, "clients": [{"client_id": tenant.identity, "shared_secret": tenant.secret}]}


def leeway(section: Mapping[str, Any]) -> float:
    """The emulator's clock leeway: the boundary cases sit just inside and just beyond it."""
    return float(section.get("leeway_seconds", 5))


def file_auth(
    tenant: Tenant, _session: Session, now: int, request: Request, payload: Mapping[str, Any] | None, valid: bool
) -> Request:
    """``auth: "valid"``: a bearer JWT signed with the client's secret, its claims overridden by ``claims``."""
    if not valid:
        return request
    credentials = Credentials(tenant.identity, tenant.secret)
    signed = bearer(sign(credentials, {**claims(credentials, now, VALID_LIFETIME), **(payload or {})}))
    return replace(request, headers={**request.headers, "Authorization": signed})


DRIFT = DriftVendor(
    name="cirrusmd",
    prefix=PREFIXES[0],
    identity_name="client_id",
    identity=Credential("client_id", "--client-id", "CirrusMD: the client_id."),
    secret=Credential("secret", "--secret", "CirrusMD: the client's shared_secret.", secret=True),
    rules=VendorRules(
        "cirrusmd",
        texts=(
            (re.compile(r"server time -?\d+(?:\.\d+)?"), "server time <now>"),
            (re.compile(r"\b\d+(?:\.\d+)? s (before|after)"), r"<delta> s \1"),
        ),
    ),
    cases=cases,
    configure=configure,
    leeway=leeway,
    file_auth=file_auth,
)
