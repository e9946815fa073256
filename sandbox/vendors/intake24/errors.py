"""Intake24's errors, one class each, and their renderers: ONE for the API's JSON body shapes, and
the survey app's error page.

Intake24's error middleware answers ``{"message": ...}`` for every error class, adds ``errors``
for validation failures (key order differs: contract failures put ``message`` first, zod errors
thrown by a service put ``errors`` first), answers unknown routes with the bare JSON string
``"Invalid route"`` and bearer-auth failures with a plain ``Unauthorized`` and no content type.
"""

from __future__ import annotations

from typing import Any

from flask import Response, has_request_context, request

from contracts.intake24 import i18n, messages
from contracts.intake24.schemas import FieldIssue, field_errors, summary
from sandbox.core import journal
from sandbox.core.errors import VendorError
from sandbox.vendors.intake24 import pages
from sandbox.vendors.intake24.node import JSON_TYPE, scrub, stringify

#: The journal's rule for a request only a limit of the sandbox refuses (the real Intake24 has none).
SANDBOX_LIMIT_RULE = "sandbox_limit"


def request_locale() -> str:
    """The language Intake24's ``i18nService`` answers the current request in (``Accept-Language``:
    :func:`contracts.intake24.i18n.language`)."""
    return i18n.language(request.headers.get("Accept-Language")) if has_request_context() else "en"


class Intake24Error(VendorError):
    """Base of Intake24's errors; ``body`` is what goes on the wire, with the message verbatim
    (``wire_message``): it may hold a lone UTF-16 surrogate (V8's ``JSON.parse`` quotes 10 code
    units of context, which may cut an emoji in two), which Express writes as an escape. ``message``,
    which the journal stores, has U+FFFD there instead (a lone surrogate is no storable text)."""

    def __init__(self, message: str, **options: Any) -> None:
        super().__init__(scrub(message), **options)
        self.wire_message = message

    @property
    def body(self) -> Any:
        return {"message": self.wire_message}


class BadRequest(Intake24Error):
    """400 ``{message}``: malformed JSON (``SyntaxError``) or ``ApplicationError``."""

    status = 400
    rule = "malformed_json"


class ContractInvalid(Intake24Error):
    """400: the request failed the ts-rest contract (``message`` first, i18n ``msg``).

    ts-rest validates the path parameters, the query and the body together; Intake24's
    ``requestValidationErrorHandler`` answers the first failing part's summary as ``message`` and
    every part's issues in ``errors`` (location ``params``, ``query``, ``body``).
    """

    status = 400
    rule = "contract_validation"

    def __init__(self, issues: list[FieldIssue], location: str = "body", *, rule: str | None = None) -> None:
        self.groups = [(location, issues)]
        super().__init__(summary(issues), rule=rule)
        self.issues = issues
        self.location = location

    @classmethod
    def of(cls, groups: list[tuple[str, list[FieldIssue]]]) -> ContractInvalid | None:
        """The error of the failing parts (``(location, issues)`` in ts-rest's order), or None."""
        failing = [(location, issues) for location, issues in groups if issues]
        if not failing:
            return None
        error = cls(failing[0][1], failing[0][0])
        error.groups = failing
        return error

    @property
    def body(self) -> Any:
        errors: dict[str, Any] = {}
        for location, issues in self.groups:
            errors.update(field_errors(issues, location, localise=True, locale=request_locale()))
        return {"message": self.wire_message, "errors": errors}


class ClaimsInvalid(Intake24Error):
    """400: a ``ZodError`` thrown inside a service (``errors`` first, raw zod ``msg``)."""

    status = 400
    rule = "claims_validation"

    def __init__(self, issues: list[FieldIssue], location: str = "body", *, rule: str | None = None) -> None:
        super().__init__(summary(issues), rule=rule)
        self.issues = issues
        self.location = location

    @property
    def body(self) -> Any:
        return {"errors": field_errors(self.issues, self.location, localise=False), "message": self.wire_message}


class AdminValidationError(Intake24Error):
    """400 from the admin endpoints' custom ``ValidationError`` (e.g. a taken username:
    ``ValidationError.from({path, i18n: {type: 'unique._'}})``, its ``msg`` localised as
    ``getErrors`` does, in the request's language)."""

    status = 400
    rule = "admin_validation"

    def __init__(self, path: str, i18n_type: str) -> None:
        super().__init__(messages.VALIDATION_ERROR)
        self.path = path
        self.i18n_type = i18n_type

    @property
    def msg(self) -> str:
        return i18n.type_message(self.i18n_type, self.path, request_locale())

    @property
    def body(self) -> Any:
        entry = {"code": None, "type": "field", "path": self.path, "msg": self.msg, "location": "body", "value": None}
        return {"errors": {self.path: entry}, "message": self.wire_message}


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


class UnsupportedMediaType(Intake24Error):
    """415 from body-parser (an unsupported charset or content encoding). Intake24's error
    middleware has no branch for body-parser's ``HttpError`` and answers 500; the sandbox answers
    body-parser's own status and message instead (never 5xx)."""

    status = 415
    rule = "unsupported_media"


def render(error: VendorError) -> Response:
    journal.note(rule=error.rule, message=error.message)
    if isinstance(error, BearerUnauthorized):
        response = Response(messages.UNAUTHORIZED_PLAIN.encode(), status=401)
        del response.headers["Content-Type"]
    else:
        body = error.body if isinstance(error, Intake24Error) else {"message": error.message}
        response = Response(stringify(body), status=error.status, content_type=JSON_TYPE)
    for name, value in error.headers.items():
        if name != "Allow":  # Express answers a wrong method with 404, not 405
            response.headers[name] = value
    return response


def too_large(_limit: int) -> VendorError:
    return PayloadTooLarge(messages.TOO_LARGE)


# --- the survey app: small HTML pages ---------------------------------------------------------


def render_page(error: VendorError) -> Response:
    """The survey app answers errors as a page (the real SPA serves index.html for every path)."""
    return pages.error(404 if error.status in (404, 405) else error.status)


def page_not_found(_path: str) -> VendorError:
    return NotFound()


def page_method_not_allowed(_method: str, _path: str, _allowed: list[str]) -> VendorError:
    return NotFound()
