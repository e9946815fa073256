"""CirrusMD's documented errors, one class each, and its single body shape ``{"error_message"}``."""

from __future__ import annotations

from flask import Response, jsonify

from contracts.cirrusmd import messages
from sandbox.core.errors import VendorError
from sandbox.core.faults import FaultSpec


class CirrusmdError(VendorError):
    """Base of CirrusMD's errors."""


class Unauthorized(CirrusmdError):
    """401: "a problem with the jwt in the Authorization header"."""

    status = 401
    rule = "invalid_token"


class UnprocessableEntity(CirrusmdError):
    """422: "a problem with the parameters in the post body"."""

    status = 422
    rule = "invalid_body"


class PayloadTooLarge(CirrusmdError):
    status = 413
    rule = "body_too_large"


class NotFound(CirrusmdError):
    status = 404
    rule = "unknown_route"


class MethodNotAllowed(CirrusmdError):
    status = 405
    rule = "method_not_allowed"


def render(error: VendorError) -> Response:
    response = jsonify({"error_message": error.message})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def not_found(path: str) -> VendorError:
    return NotFound(messages.NOT_FOUND.format(path=path[:200]))


def method_not_allowed(method: str, path: str, allowed: list[str]) -> VendorError:
    return MethodNotAllowed(
        messages.METHOD_NOT_ALLOWED.format(
            method=method[:16],
            path=path[:200],
            allowed=", ".join(m for m in allowed if m not in ("HEAD", "OPTIONS")) or "POST",
        )
    )


def too_large(limit: int) -> VendorError:
    return PayloadTooLarge(messages.BODY_TOO_LARGE.format(limit=limit))


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
