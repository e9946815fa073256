"""CirrusMD's documented errors, one class each, and the renderer of its single body shape ``{"error_message"}``."""

from __future__ import annotations

from flask import Response, jsonify

from contracts.cirrusmd import messages
from sandbox.core.errors import VendorError


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
