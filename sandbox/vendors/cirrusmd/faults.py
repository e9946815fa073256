"""CirrusMD's fault catalogue: each documented error, armable by name, exactly as the endpoint words it."""

from __future__ import annotations

from contracts.cirrusmd import messages
from sandbox.core.faults import FaultSpec

# The catalogue QA arms by name (``POST /__sandbox/faults {"name": ...}``): each documented error
# with a representative message, exactly as the endpoint would answer it.
_EXAMPLE_NOW = 1_795_262_400
_ROUTE = "/sdk/v2/public/sessions"


def _spec(name: str, status: int, message: str, description: str) -> FaultSpec:
    return FaultSpec(
        name=f"cirrusmd.{name}",
        vendor="cirrusmd",
        description=description,
        status=status,
        body={"error_message": message},
        route=_ROUTE,
    )


def catalogue() -> list[FaultSpec]:
    shown = messages.number
    return [
        _spec("missing_authorization", 401, messages.MISSING_AUTHORIZATION, "401: no Authorization header"),
        _spec(
            "malformed_token",
            401,
            messages.MALFORMED_TOKEN.format(problem="a JWT has 3 dot-separated parts, this one has 1"),
            "401: the bearer token is not a JWT",
        ),
        _spec("wrong_algorithm", 401, messages.WRONG_ALGORITHM.format(seen=shown("HS512")), "401: alg is not HS256"),
        _spec(
            "unknown_client",
            401,
            messages.UNKNOWN_CLIENT.format(seen=shown("no-such-client")),
            "401: sub is not a known client_id",
        ),
        _spec(
            "invalid_signature",
            401,
            messages.INVALID_SIGNATURE.format(client_id=shown("demo-client")),
            "401: the signature does not verify with the client's shared secret",
        ),
        _spec("missing_claim", 401, messages.MISSING_CLAIM.format(claim="scope"), "401: a required claim is missing"),
        _spec("wrong_scope", 401, messages.WRONG_SCOPE.format(seen=shown("admin")), '401: scope is not "sdk"'),
        _spec(
            "token_expired",
            401,
            messages.EXPIRED.format(seen=_EXAMPLE_NOW - 60, delta=60, now=_EXAMPLE_NOW),
            "401: exp has passed",
        ),
        _spec(
            "token_lifetime_too_long",
            401,
            messages.LIFETIME_TOO_LONG.format(seen=_EXAMPLE_NOW + 300, delta=300, now=_EXAMPLE_NOW),
            "401: exp is more than 2 minutes ahead",
        ),
        _spec(
            "missing_field",
            422,
            messages.INVALID_BODY.format(problems="`metadata` is required: send {} when you have no membership data"),
            "422: a required body parameter is missing",
        ),
        _spec(
            "invalid_field",
            422,
            messages.INVALID_BODY.format(problems='`gender` must be one of male, female, other, got "F"'),
            "422: a body parameter is invalid",
        ),
        _spec("body_too_large", 413, messages.BODY_TOO_LARGE.format(limit=1 << 20), "413: the body is over 1 MiB"),
    ]
