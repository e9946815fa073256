"""Sympto's errors, one class each, and their renderer: the ``Status``/``Response`` envelope.

Sympto documents the success envelope ``{"Status": "OK", "Response": ...}`` but never shows an
error body; the sandbox answers ``{"Status": "ERROR", "Response": null, "Message", "Code"}``.
"""

from __future__ import annotations

from flask import Response, jsonify, request

from contracts.sympto import messages
from sandbox.core.errors import VendorError


class SymptoError(VendorError):
    """Base of Sympto's errors."""


class BadRequest(SymptoError):
    status = 400
    rule = "invalid_body"


class Unauthorized(SymptoError):
    status = 401
    rule = "invalid_bearer"


class NotFound(SymptoError):
    status = 404
    rule = "not_found"


class MethodNotAllowed(SymptoError):
    status = 405
    rule = "method_not_allowed"


class PayloadTooLarge(SymptoError):
    status = 413
    rule = "body_too_large"


class Duplicate(SymptoError):
    """422: "creating users with the same emails/phones again" (README at 28b4be7, line 67)."""

    status = 422
    rule = "duplicate_user"


class QuotaExceeded(SymptoError):
    """422, as for a duplicate: the clinic cannot take another user or group (the sandbox's own limit)."""

    status = 422
    rule = "quota_users"


class RateLimited(SymptoError):
    """More than 10 invalid authorization requests in 5 minutes (RateToken.md; status ours: 429)."""

    status = 429
    rule = "rate_limited"


def error_body(message: str, code: str) -> dict[str, object]:
    """The error envelope: the status word, no payload, the message and the rule broken (``Code``)."""
    return {"Status": messages.STATUS_ERROR, "Response": None, "Message": message, "Code": code}


def render(error: VendorError) -> Response:
    response = jsonify(error_body(error.message, error.rule))
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def not_found(path: str) -> VendorError:
    return NotFound(messages.NOT_FOUND.format(method=request.method[:16], path=path[:200]))


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
