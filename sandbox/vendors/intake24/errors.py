"""Intake24's errors, one class each, and ONE renderer for its JSON body shapes.

Intake24's error middleware answers ``{"message": ...}`` for every error class, adds ``errors``
for validation failures (key order differs: contract failures put ``message`` first, zod errors
thrown by a service put ``errors`` first), answers unknown routes with the bare JSON string
``"Invalid route"`` and bearer-auth failures with a plain ``Unauthorized`` and no content type.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from contracts.intake24 import messages
from contracts.intake24.schemas import FieldIssue, field_errors, summary
from sandbox.core import journal
from sandbox.core.errors import VendorError
from sandbox.core.faults import FaultSpec

JSON_TYPE = "application/json; charset=utf-8"


def json_response(body: Any, status: int = 200) -> Response:
    """JSON as Express sends it: compact, UTF-8, ``application/json; charset=utf-8``."""
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return Response(text.encode("utf-8", "replace"), status=status, content_type=JSON_TYPE)


class Intake24Error(VendorError):
    """Base of Intake24's errors; ``body`` is what goes on the wire."""

    @property
    def body(self) -> Any:
        return {"message": self.message}


class BadRequest(Intake24Error):
    """400 ``{message}``: malformed JSON (``SyntaxError``) or ``ApplicationError``."""

    status = 400
    rule = "malformed_json"


class ContractInvalid(Intake24Error):
    """400: the request failed the ts-rest contract (``message`` first, i18n ``msg``)."""

    status = 400
    rule = "contract_validation"

    def __init__(self, issues: list[FieldIssue], location: str = "body") -> None:
        super().__init__(summary(issues))
        self.issues = issues
        self.location = location

    @property
    def body(self) -> Any:
        return {"message": self.message, "errors": field_errors(self.issues, self.location, localise=True)}


class ClaimsInvalid(Intake24Error):
    """400: a ``ZodError`` thrown inside a service (``errors`` first, raw zod ``msg``)."""

    status = 400
    rule = "claims_validation"

    def __init__(self, issues: list[FieldIssue], location: str = "body") -> None:
        super().__init__(summary(issues))
        self.issues = issues
        self.location = location

    @property
    def body(self) -> Any:
        return {"errors": field_errors(self.issues, self.location, localise=False), "message": self.message}


class AdminValidationError(Intake24Error):
    """400 from the admin endpoints' custom ``ValidationError`` (e.g. duplicate username)."""

    status = 400
    rule = "admin_validation"

    def __init__(self, path: str, msg: str) -> None:
        super().__init__(messages.VALIDATION_ERROR)
        self.path = path
        self.msg = msg

    @property
    def body(self) -> Any:
        entry = {"code": None, "type": "field", "path": self.path, "msg": self.msg, "location": "body", "value": None}
        return {"errors": {self.path: entry}, "message": self.message}


class Unauthorized(Intake24Error):
    """401 ``{message}`` from the login endpoints."""

    status = 401
    rule = "unauthorized"


class BearerUnauthorized(Intake24Error):
    """401 from passport's bearer strategy: body ``Unauthorized``, no Content-Type."""

    status = 401
    rule = "bearer_unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(messages.UNAUTHORIZED_PLAIN)
        self.detail = detail


class Forbidden(Intake24Error):
    status = 403
    rule = "forbidden"


class NotFound(Intake24Error):
    status = 404
    rule = "not_found"

    def __init__(self, message: str = messages.NOT_FOUND) -> None:
        super().__init__(message)


class InvalidRoute(Intake24Error):
    """404 with the bare JSON string ``"Invalid route"`` (unknown path or method)."""

    status = 404
    rule = "invalid_route"

    def __init__(self) -> None:
        super().__init__(messages.INVALID_ROUTE)

    @property
    def body(self) -> Any:
        return messages.INVALID_ROUTE


class TooManyRequests(Intake24Error):
    status = 429
    rule = "rate_limited"


class PayloadTooLarge(Intake24Error):
    status = 413
    rule = "body_too_large"


def render(error: VendorError) -> Response:
    journal.note(rule=error.rule, message=error.message)
    if isinstance(error, BearerUnauthorized):
        response = Response(messages.UNAUTHORIZED_PLAIN.encode(), status=401)
        del response.headers["Content-Type"]
    else:
        body = error.body if isinstance(error, Intake24Error) else {"message": error.message}
        response = json_response(body, error.status)
    for name, value in error.headers.items():
        if name != "Allow":  # Express answers a wrong method with 404, not 405
            response.headers[name] = value
    return response


def not_found(_path: str) -> VendorError:
    return InvalidRoute()


def method_not_allowed(_method: str, _path: str, _allowed: list[str]) -> VendorError:
    return InvalidRoute()


def too_large(_limit: int) -> VendorError:
    return PayloadTooLarge(messages.TOO_LARGE)


# --- the survey app: small HTML pages ---------------------------------------------------------


def render_page(error: VendorError) -> Response:
    """The survey app answers errors as a page (the real SPA serves index.html for every path)."""
    status = 404 if error.status in (404, 405) else error.status
    text = "Page not found" if status == 404 else "Something went wrong"
    html = f"<!doctype html><title>Intake24</title><h1>{text}</h1><p><a href='/intake24/survey/'>Home</a></p>"
    return Response(html, status=status, content_type="text/html; charset=utf-8")


def page_not_found(_path: str) -> VendorError:
    return NotFound()


def page_method_not_allowed(_method: str, _path: str, _allowed: list[str]) -> VendorError:
    return NotFound()


# --- the fault catalogue: each documented error exactly as Intake24 answers it -------------------

CREATE_USER_ROUTE = "/surveys/*/create-user*"
LOGIN_ROUTE = "/auth/login/token*"
SURVEY_ROUTES = "/surveys/*"
#: Partner-facing notification faults: ``route`` is the event type (``survey.session.*``).
OUTBOUND_FAULTS = {
    "notification_delayed": ("postpone", "each matching notification is sent `delay_seconds` later (default 5 s)"),
    "notification_duplicated": ("duplicate", "each matching notification is sent twice, byte for byte"),
    "notification_reordered": ("reorder", "each matching notification is held and sent after the next one"),
}


def _spec(
    name: str,
    status: int,
    body: Any,
    description: str,
    route: str | None,
    headers: dict[str, str] | None = None,
) -> FaultSpec:
    return FaultSpec(
        name=f"intake24.{name}",
        vendor="intake24",
        description=description,
        status=status,
        body=body,
        headers={"Content-Type": JSON_TYPE, **(headers or {})},
        route=route,
    )


def _rate_headers(limit: int, window_seconds: float) -> dict[str, str]:
    window = int(window_seconds)
    return {
        "RateLimit": f"limit={limit}, remaining=0, reset={window}",
        "RateLimit-Policy": f"{limit};w={window}",
        "Retry-After": str(window),
    }


def catalogue(
    rate_limit: tuple[int, float] = (300, 300.0), login_rate_limit: tuple[int, float] = (5, 900.0)
) -> list[FaultSpec]:
    """Intake24's documented errors (``specs/intake24.md`` §3-§5); rate limits as configured."""
    missing_token = ContractInvalid([FieldIssue(("token",), "invalid_type", messages.REQUIRED)])
    specs = [
        _spec(
            "user_generation_disabled",
            403,
            {"message": messages.GEN_USERS_DISABLED},
            "403: the survey does not allow user generation (allowGenUsers off or no genUserKey)",
            CREATE_USER_ROUTE,
        ),
        _spec(
            "rate_limited",
            429,
            {"message": messages.RATE_LIMITED},
            "429: the generic /api rate limit (per client address) is used up",
            SURVEY_ROUTES,
            _rate_headers(*rate_limit),
        ),
        _spec(
            "login_rate_limited",
            429,
            {"message": messages.LOGIN_RATE_LIMITED},
            "429: too many failed token logins from this address",
            LOGIN_ROUTE,
            _rate_headers(*login_rate_limit),
        ),
        _spec("survey_not_found", 404, {"message": messages.NOT_FOUND}, "404: no survey with this slug", SURVEY_ROUTES),
        _spec(
            "invalid_token",
            403,
            {"message": messages.JWT_INVALID_TOKEN},
            "403: jsonwebtoken cannot decode the create-user token",
            CREATE_USER_ROUTE,
        ),
        _spec(
            "invalid_signature",
            403,
            {"message": messages.JWT_INVALID_SIGNATURE},
            "403: the create-user token is not signed with the survey's genUserKey",
            CREATE_USER_ROUTE,
        ),
        _spec(
            "jwt_malformed",
            403,
            {"message": messages.JWT_MALFORMED},
            "403: the create-user token is not a JWS",
            CREATE_USER_ROUTE,
        ),
        _spec(
            "jwt_expired",
            403,
            {"message": messages.JWT_EXPIRED},
            "403: the create-user token's exp has passed",
            CREATE_USER_ROUTE,
        ),
        _spec(
            "validation_error",
            400,
            missing_token.body,
            "400: the request body failed the contract (here: no token)",
            CREATE_USER_ROUTE,
        ),
        _spec(
            "malformed_json",
            400,
            {"message": "Unexpected end of JSON input"},
            "400: the JSON body does not parse",
            SURVEY_ROUTES,
        ),
        _spec(
            "create_user_race_lost",
            403,
            {"message": messages.DB_VALIDATION_ERROR},
            "403: this request lost a race of concurrent first creates of one username (the unique constraint)",
            CREATE_USER_ROUTE,
        ),
        _spec(
            "invalid_route",
            404,
            messages.INVALID_ROUTE,
            '404: the bare JSON string "Invalid route" (unknown path or method)',
            SURVEY_ROUTES,
        ),
        _spec(
            "bad_credentials",
            401,
            {"message": messages.BAD_CREDENTIALS},
            "401: the token login does not match a respondent",
            LOGIN_ROUTE,
        ),
        _spec("body_too_large", 413, {"message": messages.TOO_LARGE}, "413: the body is over 10 MB", SURVEY_ROUTES),
    ]
    for name, (kind, description) in OUTBOUND_FAULTS.items():
        specs.append(
            FaultSpec(
                name=f"intake24.{name}",
                vendor="intake24",
                description=f"toward the partner: {description}; route = event type (* wildcards)",
                status=0,
                body=None,
                headers={},
                route=None,
                kind=kind,
            )
        )
    return specs
