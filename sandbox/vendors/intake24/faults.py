"""Intake24's fault catalogue: each documented error, armable by name, exactly as the endpoint answers it.

QA arms these through ``POST /__sandbox/faults {"name": ...}``; the partner-facing notification
faults (``route`` = the event type) are applied by :mod:`.outbound`.
"""

from __future__ import annotations

from typing import Any

from contracts.intake24 import messages
from contracts.intake24.constants import (
    LOGIN_RATE_LIMIT_MAX,
    LOGIN_RATE_LIMIT_WINDOW_SECONDS,
    RATE_LIMIT_MAX,
    RATE_LIMIT_WINDOW_SECONDS,
)
from contracts.intake24.schemas import FieldIssue
from sandbox.core.faults import FaultSpec
from sandbox.vendors.intake24.errors import ContractInvalid
from sandbox.vendors.intake24.node import JSON_TYPE

CREATE_USER_ROUTE = "/surveys/*/create-user*"
LOGIN_ROUTE = "/auth/login/token*"
SURVEY_ROUTES = "/surveys/*"
#: Partner-facing notification faults: ``route`` is the event type (``survey.session.*``).
OUTBOUND_FAULTS: dict[str, tuple[str, str]] = {
    "notification_delayed": ("postpone", "each matching notification is sent `delay_seconds` later (default 5 s)"),
    "notification_duplicated": ("duplicate", "each matching notification is sent twice, byte for byte"),
    "notification_reordered": ("reorder", "each matching notification is held and sent after the next one"),
}
#: The fault kinds :mod:`.outbound` applies to its own calls.
OUTBOUND_KINDS = tuple(kind for kind, _ in OUTBOUND_FAULTS.values())


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
    rate_limit: tuple[int, float] = (RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_SECONDS),
    login_rate_limit: tuple[int, float] = (LOGIN_RATE_LIMIT_MAX, LOGIN_RATE_LIMIT_WINDOW_SECONDS),
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
