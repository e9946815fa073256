"""Request-signing tokens for CirrusMD: the valid one and every named way to get it wrong.

Each :class:`TokenCase` builds an ``Authorization`` header value for a client at a given time and
predicts the exact 401 message the sandbox (playing CirrusMD) answers. The strategies, the tests
and ``vendor-sandbox token cirrusmd --kind NAME`` all use this one list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.cirrusmd import messages as m
from contracts.cirrusmd.messages import number, seconds
from contracts.jws import encode_segment, sign_hmac, unsigned
from contracts.secrets import shown_scheme

DEMO_CLIENT_ID = "demo-client"
DEMO_SHARED_SECRET = "demo-cirrusmd-shared-secret-change-me"
DEFAULT_LIFETIME_SECONDS = 110
UNAUTHORIZED = 401


@dataclass(frozen=True)
class Credentials:
    client_id: str = DEMO_CLIENT_ID
    shared_secret: str = DEMO_SHARED_SECRET


def claims(
    credentials: Credentials, now: float, lifetime: float = DEFAULT_LIFETIME_SECONDS, **changes: Any
) -> dict[str, Any]:
    """The claims CirrusMD documents: sub, scope, exp (≤ 2 minutes ahead), iat; ``changes`` override."""
    base: dict[str, Any] = {"sub": credentials.client_id, "scope": "sdk", "exp": int(now + lifetime), "iat": int(now)}
    base.update(changes)
    return {key: value for key, value in base.items() if value is not _DROP}


_DROP = object()


def sign(
    credentials: Credentials, payload: dict[str, Any], algorithm: str = "HS256", header: dict[str, Any] | None = None
) -> str:
    return sign_hmac(payload, credentials.shared_secret, algorithm, header)


def bearer(token: str) -> str:
    return f"Bearer {token}"


@dataclass(frozen=True)
class TokenCase:
    """A named token variant: how to build its header and the 401 message it must get."""

    name: str
    rule: str
    description: str
    authorization: Callable[[Credentials, float], str | None]
    message: Callable[[Credentials, float], str] | None = None

    @property
    def valid(self) -> bool:
        return self.message is None

    def __repr__(self) -> str:
        return f"TokenCase({self.name!r})"


# The cases below are built at import. What a case *does* is kept in code that runs when it is used
# (the two callables here, the lambdas, ``claims``, ``sign``, ``_at``), never in a helper run while
# building the list: a mutation testing tool forks each mutant's run after the import, so a rule run
# only at import would never meet its mutants.


@dataclass(frozen=True, eq=False)
class _Signed:
    """An ``Authorization`` header: a correct token whose claims ``changes`` override (``_DROP`` removes one)."""

    changes: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, c: Credentials, now: float) -> str:
        return bearer(sign(c, claims(c, now, **self.changes)))


@dataclass(frozen=True)
class _MissingClaim:
    """The message for a token without ``claim``."""

    claim: str

    def __call__(self, c: Credentials, now: float) -> str:
        return m.MISSING_CLAIM.format(claim=self.claim)


def _at(now: float, offset: float) -> int:
    return int(now + offset)


VALID = TokenCase("valid", "", "a correct token: HS256, sub, scope sdk, exp 110 s ahead, iat now", _Signed())

INVALID: tuple[TokenCase, ...] = (
    TokenCase(
        "missing_authorization",
        "missing_authorization",
        "no Authorization header at all",
        lambda c, now: None,
        lambda c, now: m.MISSING_AUTHORIZATION,
    ),
    TokenCase(
        "lowercase_bearer",
        "not_bearer",
        "scheme written `bearer`",
        lambda c, now: "bearer " + sign(c, claims(c, now)),
        lambda c, now: m.NOT_BEARER.format(scheme=shown_scheme("bearer")),
    ),
    TokenCase(
        "basic_scheme",
        "not_bearer",
        "HTTP Basic instead of a bearer token",
        lambda c, now: "Basic ZGVtby1jbGllbnQ6c2VjcmV0",
        lambda c, now: m.NOT_BEARER.format(scheme=shown_scheme("Basic")),
    ),
    TokenCase(
        "token_without_scheme",
        "not_bearer",
        "the JWT alone, without `Bearer `: the message quotes only its length and first 4 characters",
        lambda c, now: sign(c, claims(c, now)),
        lambda c, now: m.NOT_BEARER.format(scheme=shown_scheme(sign(c, claims(c, now)))),
    ),
    TokenCase(
        "two_segments",
        "malformed",
        "a token with two parts",
        lambda c, now: bearer("eyJhbGciOiJIUzI1NiJ9.e30"),
        lambda c, now: m.MALFORMED_TOKEN.format(problem="a JWT has 3 dot-separated parts, this one has 2"),
    ),
    TokenCase(
        "random_segments",
        "malformed",
        "three random base64url segments",
        lambda c, now: bearer("c2FuZGJveA.cmFuZG9t.c2VnbWVudHM"),
        lambda c, now: m.MALFORMED_TOKEN.format(problem="the header is not valid JSON"),
    ),
    TokenCase(
        "payload_not_object",
        "malformed",
        "a signed payload that is a JSON array",
        lambda c, now: bearer(sign_hmac(b"[1, 2]", c.shared_secret)),
        lambda c, now: m.MALFORMED_TOKEN.format(problem="the payload is not a JSON object"),
    ),
    TokenCase(
        "alg_none",
        "algorithm_not_allowed",
        "an unsigned token (alg none)",
        lambda c, now: bearer(unsigned(claims(c, now))),
        lambda c, now: m.WRONG_ALGORITHM.format(seen=number("none")),
    ),
    TokenCase(
        "alg_hs512",
        "algorithm_not_allowed",
        "signed HS512 instead of HS256",
        lambda c, now: bearer(sign(c, claims(c, now), "HS512")),
        lambda c, now: m.WRONG_ALGORITHM.format(seen=number("HS512")),
    ),
    TokenCase(
        "crit_header",
        "unsupported_critical_header",
        "a `crit` header the API cannot honour",
        lambda c, now: bearer(sign(c, claims(c, now), header={"crit": ["exp"]})),
        lambda c, now: m.CRITICAL_HEADER.format(seen=number(["exp"])),
    ),
    TokenCase(
        "wrong_secret",
        "invalid_signature",
        "signed with a secret that is not the client's",
        lambda c, now: bearer(sign_hmac(claims(c, now), c.shared_secret + "-wrong")),
        lambda c, now: m.INVALID_SIGNATURE.format(client_id=number(c.client_id)),
    ),
    TokenCase(
        "unknown_client",
        "unknown_client",
        "`sub` is not a known client_id",
        _Signed({"sub": "no-such-client"}),
        lambda c, now: m.UNKNOWN_CLIENT.format(seen=number("no-such-client")),
    ),
    *(
        TokenCase(
            f"missing_{claim}", "missing_claim", f"no `{claim}` claim", _Signed({claim: _DROP}), _MissingClaim(claim)
        )
        for claim in ("sub", "scope", "exp", "iat")
    ),
    TokenCase(
        "exp_string",
        "claim_not_numeric",
        "`exp` sent as a string",
        lambda c, now: bearer(sign(c, claims(c, now, exp=str(_at(now, 60))))),
        lambda c, now: m.CLAIM_NOT_NUMERIC.format(claim="exp", seen=number(str(_at(now, 60)))),
    ),
    TokenCase(
        "iat_string",
        "claim_not_numeric",
        "`iat` sent as a string",
        lambda c, now: bearer(sign(c, claims(c, now, iat=str(int(now))))),
        lambda c, now: m.CLAIM_NOT_NUMERIC.format(claim="iat", seen=number(str(int(now)))),
    ),
    TokenCase(
        "nbf_string",
        "claim_not_numeric",
        "`nbf` sent as a string (honoured when present, so it must be a number)",
        _Signed({"nbf": "soon"}),
        lambda c, now: m.CLAIM_NOT_NUMERIC.format(claim="nbf", seen=number("soon")),
    ),
    TokenCase(
        "wrong_scope",
        "wrong_scope",
        "`scope` other than sdk",
        _Signed({"scope": "admin"}),
        lambda c, now: m.WRONG_SCOPE.format(seen=number("admin")),
    ),
    TokenCase(
        "expired",
        "token_expired",
        "`exp` 60 s in the past",
        lambda c, now: bearer(sign(c, claims(c, now, exp=_at(now, -60), iat=_at(now, -180)))),
        lambda c, now: m.EXPIRED.format(seen=_at(now, -60), delta=seconds(now - _at(now, -60)), now=number(now)),
    ),
    TokenCase(
        "too_long_lived",
        "token_lifetime_too_long",
        "`exp` 5 minutes ahead (the limit is 2)",
        lambda c, now: bearer(sign(c, claims(c, now, lifetime=300))),
        lambda c, now: m.LIFETIME_TOO_LONG.format(
            seen=_at(now, 300), delta=seconds(_at(now, 300) - now), now=number(now)
        ),
    ),
    TokenCase(
        "iat_in_future",
        "issued_in_future",
        "`iat` 60 s in the future",
        lambda c, now: bearer(sign(c, claims(c, now, iat=_at(now, 60)))),
        lambda c, now: m.ISSUED_IN_FUTURE.format(seen=_at(now, 60), delta=seconds(_at(now, 60) - now), now=number(now)),
    ),
)

CASES: dict[str, TokenCase] = {case.name: case for case in (VALID, *INVALID)}

__all__ = ["CASES", "INVALID", "VALID", "Credentials", "TokenCase", "bearer", "claims", "encode_segment", "sign"]
