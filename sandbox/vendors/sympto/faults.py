"""Sympto's fault catalogue: each error the emulation answers, armable by name, exactly as it is answered.

QA arms them by name (``POST /__sandbox/faults {"name": ...}``). The page-load failure page is
rendered by the same code that renders a real failure; the partner-facing faults change what the
partner's webhook appears to do during a page load.
"""

from __future__ import annotations

from contracts.sympto import messages
from contracts.sympto.webhook import USER_AUTH_TOKEN
from sandbox.core.faults import MAX_DELAY_SECONDS, FaultSpec
from sandbox.vendors.sympto.errors import error_body
from sandbox.vendors.sympto.models import PageLoad
from sandbox.vendors.sympto.outbound import WEBHOOK_ROUTE
from sandbox.vendors.sympto.pages import page_load_result

JSON_HEADERS = {"Content-Type": "application/json"}
#: Toward the partner's event webhooks (:mod:`.deliveries`): route = event type (``patient.*``,
#: ``response.updated``), tenant = clinic.
EVENT_FAULTS: dict[str, tuple[str, str]] = {
    "event_delayed": ("postpone", "each matching event is sent `delay_seconds` later (default 5 s)"),
    "event_duplicated": ("duplicate", "each attempt of a matching event is sent twice, byte for byte"),
    "event_reordered": ("reorder", "each matching event is held and sent after the clinic's next event"),
    "event_redelivered": (
        "burst",
        "each matching event is redelivered 5 times in a row ([sympto] event_redelivery_copies), each freshly signed",
    ),
}


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
        body=error_body(message, code),
        headers={**JSON_HEADERS, **(headers or {})},
        route=route,
    )


def _invalid_auth_code_page() -> FaultSpec:
    """The front end's failure page, rendered by the same code that renders a real failure."""
    outcome = PageLoad(flow=USER_AUTH_TOKEN, rule="unknown_user_auth_token", message=messages.USER_AUTH_TOKEN_UNKNOWN)
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
            f"429 on POST /authorization: {messages.RATE_LIMIT_WORDS}",
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
            f"401 on any bearer route: the {messages.BEARER_LIFETIME_SECONDS // 60}-minute bearer token has expired",
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
        *(
            FaultSpec(
                name=f"sympto.{name}",
                vendor="sympto",
                description=f"toward the partner's event webhooks: {description}; route = event type (* wildcards)",
                status=0,
                body=None,
                headers={},
                route=None,
                kind=kind,
            )
            for name, (kind, description) in EVENT_FAULTS.items()
        ),
    ]
