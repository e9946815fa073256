"""Sympto's errors, one class each, and its single body shape: the ``Status``/``Response`` envelope.

Sympto documents the success envelope ``{"Status": "OK", "Response": ...}`` but never shows an
error body; the sandbox answers ``{"Status": "ERROR", "Response": null, "Message", "Code"}``.
"""

from __future__ import annotations

from flask import Response, jsonify

from contracts.sympto import messages
from sandbox.core.errors import VendorError
from sandbox.core.faults import MAX_DELAY_SECONDS, FaultSpec
from sandbox.vendors.sympto.outbound import WEBHOOK_ROUTE


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


def render(error: VendorError) -> Response:
    response = jsonify(
        {"Status": messages.STATUS_ERROR, "Response": None, "Message": error.message, "Code": error.rule}
    )
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def ok(payload: object, status: int = 200) -> Response:
    response = jsonify({"Status": messages.STATUS_OK, "Response": payload})
    response.status_code = status
    return response


def not_found(path: str) -> VendorError:
    from flask import request

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


# The catalogue QA arms by name (``POST /__sandbox/faults {"name": ...}``): each error the Sympto
# emulation answers, with a representative message, exactly as the endpoint would answer it.
JSON_HEADERS = {"Content-Type": "application/json"}


def _envelope(message: str, code: str) -> dict[str, object]:
    return {"Status": messages.STATUS_ERROR, "Response": None, "Message": message, "Code": code}


def _spec(
    name: str,
    status: int,
    message: str,
    code: str,
    description: str,
    route: str | None = None,
    headers: dict[str, str] | None = None,
) -> FaultSpec:
    return FaultSpec(
        name=f"sympto.{name}",
        vendor="sympto",
        description=description,
        status=status,
        body=_envelope(message, code),
        headers={**JSON_HEADERS, **(headers or {})},
        route=route,
    )


def _invalid_auth_code_page() -> FaultSpec:
    """The front end's failure page, rendered by the same code that renders a real failure."""
    from sandbox.vendors.sympto.pages import page_load_result
    from sandbox.vendors.sympto.service import PageLoad

    outcome = PageLoad(flow="userAuthToken", rule="unknown_user_auth_token", message=messages.USER_AUTH_TOKEN_UNKNOWN)
    page = page_load_result(outcome)
    headers = {name: value for name, value in page.headers.items() if name.lower() != "content-length"}
    return FaultSpec(
        name="sympto.invalid_auth_code",
        vendor="sympto",
        description='401 page: "Unable to connect to Sympto Health. Invalid auth code." (page load, current flow)',
        status=page.status_code,
        body=page.get_data(as_text=True),
        headers=headers,
        route="/",
    )


def catalogue() -> list[FaultSpec]:
    shown = messages.shown
    retry_after = int(messages.RATE_LIMIT_WINDOW_SECONDS)
    return [
        _invalid_auth_code_page(),
        _spec(
            "invalid_credentials",
            401,
            messages.INVALID_CREDENTIALS,
            "invalid_credentials",
            "401 on POST /authorization: unknown clientId or wrong clientSecret",
            route="/authorization",
        ),
        _spec(
            "rate_limited",
            429,
            messages.RATE_LIMITED.format(
                limit=messages.RATE_LIMIT_FAILURES,
                window=f"{messages.RATE_LIMIT_WINDOW_SECONDS / 60:g}",
                retry_after=retry_after,
            ),
            "rate_limited",
            "429 on POST /authorization: more than 10 invalid attempts in 5 minutes",
            route="/authorization",
            headers={"Retry-After": str(retry_after)},
        ),
        _spec(
            "missing_bearer",
            401,
            messages.MISSING_BEARER,
            "missing_bearer",
            "401 on any bearer route: no Authorization header",
        ),
        _spec(
            "unknown_bearer",
            401,
            messages.UNKNOWN_BEARER,
            "unknown_bearer",
            "401 on any bearer route: a token POST /authorization never issued",
        ),
        _spec(
            "token_expired",
            401,
            messages.EXPIRED_BEARER.format(ago=60),
            "expired_bearer",
            "401 on any bearer route: the 15-minute bearer token has expired",
        ),
        _spec(
            "invalid_body",
            400,
            messages.INVALID_BODY.format(problems="`firstName` is required"),
            "invalid_body",
            "400: the JSON body breaks the endpoint's schema",
        ),
        _spec(
            "duplicate_user",
            422,
            messages.DUPLICATE_EMAIL.format(email=shown("patient@example.test")),
            "duplicate_email",
            "422 on user creation: the email is already used",
        ),
        _spec(
            "duplicate_phone",
            422,
            messages.DUPLICATE_PHONE.format(phone=shown("+16505550123")),
            "duplicate_phone",
            "422 on user creation: the phone number is already used",
        ),
        _spec(
            "not_found",
            404,
            messages.UNKNOWN_USER.format(user_id=shown("6f1c2d0e-0000-4000-8000-000000000000")),
            "unknown_user",
            "404: the userId is not a user of the clinic",
        ),
        _spec(
            "unknown_group",
            404,
            messages.UNKNOWN_GROUP.format(group_id=shown("6f1c2d0e-0000-4000-8000-000000000001")),
            "unknown_group",
            "404: the groupId is not a group of the clinic",
        ),
        _spec(
            "unknown_email",
            404,
            messages.UNKNOWN_EMAIL.format(email=shown("nobody@example.test")),
            "unknown_email",
            "404 on POST /authorization/login/token: no user with that email",
            route="/authorization/login/token",
        ),
        _spec(
            "no_endpoint",
            404,
            messages.NO_ENDPOINT_CONFIGURED,
            "no_endpoint",
            "404 on GET /clinicAdmin/clinics/endpoint: no webhook configured yet",
            route="/clinicAdmin/clinics/endpoint",
        ),
        # Toward the partner: the page load's call to the partner's webhook.
        FaultSpec(
            name="sympto.webhook_timeout",
            vendor="sympto",
            description=(
                "Page load (authCode flow): the partner's webhook answers too late; Sympto gives up after "
                "[sympto] webhook_timeout_seconds and the page says invalid auth code (rule timeout)"
            ),
            status=401,
            body=None,
            headers={},
            route=WEBHOOK_ROUTE,
            kind="delay",
            delay_seconds=MAX_DELAY_SECONDS,
        ),
        FaultSpec(
            name="sympto.webhook_delayed",
            vendor="sympto",
            description=(
                "Page load (authCode flow): the partner's webhook answer arrives 2 s later (within the timeout); "
                "set delay_seconds to choose the delay"
            ),
            status=200,
            body=None,
            headers={},
            route=WEBHOOK_ROUTE,
            kind="delay",
            delay_seconds=2.0,
        ),
    ]
