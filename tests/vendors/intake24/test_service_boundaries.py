"""Intake24's numbered rules at their edges, through HTTP, on the frozen clock (issue #20).

Each limit is sent at the limit, one step inside and one step outside. The numbers are read from where they are
defined (``contracts.intake24.constants``, the schema's fields, the running service's settings), so a changed rule
fails a test and a changed configuration moves the edge with it. String lengths count UTF-16 units, as Intake24's
JavaScript does: an astral character (two units) stands at the edges where a code-point count would differ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.intake24 import messages
from contracts.intake24.constants import (
    ACCESS_LIFETIME_SECONDS,
    PAT_MAX_LIFETIME_SECONDS,
    PAT_NAME_MAX_LENGTH,
    PAT_NAME_MIN_LENGTH,
    SLUG_MAX_LENGTH,
)
from contracts.intake24.control import Intake24PatRequestSchema
from contracts.intake24.schemas import (
    MAX_CUSTOM_FIELDS,
    PASSWORD_MAX_LENGTH,
    REDIRECT_URL_MAX_LENGTH,
    CreateUserClaimsSchema,
)
from sandbox.core.clock import Clock
from sandbox.vendors.intake24.wire import SERVICE_KEY
from tests.vendors.intake24.support import CREATE_USER, LOGIN, NOW, Mint

URL = CREATE_USER.format(slug="demo")
PATS = "/__sandbox/intake24/personal-access-tokens"
ASTRAL = "\U0001f600"  # one character, two UTF-16 units
USERNAME_MAX = CreateUserClaimsSchema().fields["username"].max_length  # type: ignore[attr-defined]


def create(client: FlaskClient, mint: Mint, claims: dict[str, Any]) -> tuple[int, str | None]:
    client.application.extensions[SERVICE_KEY].limiter.reset()
    response = client.post(URL, json={"token": mint({"username": "edge", **claims})})
    body = response.get_json()
    return response.status_code, body.get("message") if isinstance(body, dict) else None


def too_big(field: str, maximum: int) -> tuple[int, str]:
    return 400, f'{messages.SUMMARY_PREFIX}: {messages.TOO_BIG.format(maximum=maximum)} at "{field}"'


# --- the create-user token's time claims (no leeway) ----------------------------------------------------


def test_create_user_token_exp_is_expired_at_now_and_valid_one_second_later(client: FlaskClient, mint: Mint) -> None:
    assert create(client, mint, {"exp": NOW + 1})[0] == 200
    assert create(client, mint, {"exp": NOW}) == (403, messages.JWT_EXPIRED)
    assert create(client, mint, {"exp": NOW - 1}) == (403, messages.JWT_EXPIRED)


def test_create_user_token_nbf_is_honoured_to_the_second(client: FlaskClient, mint: Mint) -> None:
    assert create(client, mint, {"nbf": NOW - 1})[0] == 200
    assert create(client, mint, {"nbf": NOW})[0] == 200
    assert create(client, mint, {"nbf": NOW + 1}) == (403, messages.JWT_NOT_ACTIVE)


# --- the access token's lifetime --------------------------------------------------------------------------


def test_the_access_token_lives_exactly_its_lifetime(client: FlaskClient, mint: Mint, clock: Clock) -> None:
    created = client.post(URL, json={"token": mint({"username": "lifetime"})}).get_json()
    access = client.post(LOGIN, json={"token": created["authToken"]}).get_json()["accessToken"]
    headers = {"Authorization": f"Bearer {access}"}

    def session() -> int:
        return client.post("/intake24/api/surveys/demo/session", json={}, headers=headers).status_code

    clock.advance(ACCESS_LIFETIME_SECONDS - 1)
    assert session() == 200
    clock.advance(1)
    assert session() == 401


# --- string and list sizes of the create-user claims, in UTF-16 units ------------------------------------


def test_username_length_in_utf16_units(client: FlaskClient, mint: Mint) -> None:
    assert create(client, mint, {"username": "u" * (USERNAME_MAX - 1)})[0] == 200
    assert create(client, mint, {"username": ASTRAL * (USERNAME_MAX // 2)})[0] == 200
    assert create(client, mint, {"username": ASTRAL * (USERNAME_MAX // 2) + "u"}) == too_big("username", USERNAME_MAX)


def test_password_length_in_utf16_units(client: FlaskClient, mint: Mint) -> None:
    strong = "Ab1"
    assert create(client, mint, {"password": strong + "c" * (PASSWORD_MAX_LENGTH - 4)})[0] == 200
    assert create(client, mint, {"password": strong + "c" * (PASSWORD_MAX_LENGTH - 5) + ASTRAL})[0] == 200
    assert create(client, mint, {"password": strong + "c" * (PASSWORD_MAX_LENGTH - 4) + ASTRAL}) == too_big(
        "password", PASSWORD_MAX_LENGTH
    )


def test_redirect_url_length_in_utf16_units(client: FlaskClient, mint: Mint) -> None:
    base = "https://partner.example/"

    def url(units: int) -> str:
        return base + "a" * (units - len(base))

    assert create(client, mint, {"redirectUrl": url(REDIRECT_URL_MAX_LENGTH - 1)})[0] == 200
    assert create(client, mint, {"redirectUrl": url(REDIRECT_URL_MAX_LENGTH)})[0] == 200
    assert create(client, mint, {"redirectUrl": url(REDIRECT_URL_MAX_LENGTH + 1)}) == too_big(
        "redirectUrl", REDIRECT_URL_MAX_LENGTH
    )


def test_custom_fields_count(client: FlaskClient, mint: Mint) -> None:
    def fields(count: int) -> list[dict[str, str]]:
        return [{"name": f"f{index}", "value": "v"} for index in range(count)]

    assert create(client, mint, {"customFields": fields(MAX_CUSTOM_FIELDS - 1)})[0] == 200
    assert create(client, mint, {"customFields": fields(MAX_CUSTOM_FIELDS)})[0] == 200
    status, message = create(client, mint, {"customFields": fields(MAX_CUSTOM_FIELDS + 1)})
    assert status == 400
    assert message == (
        f'{messages.SUMMARY_PREFIX}: {messages.ARRAY_TOO_BIG.format(maximum=MAX_CUSTOM_FIELDS)} at "customFields"'
    )


# --- the rate limiters --------------------------------------------------------------------------------------


def test_the_generic_limit_allows_exactly_its_count_per_window(client: FlaskClient, app: Flask, clock: Clock) -> None:
    settings = app.extensions[SERVICE_KEY].settings
    allowed, window = settings.rate_limit_max, settings.rate_limit_window_seconds

    statuses = [client.get("/intake24/api/unknown").status_code for _ in range(allowed)]
    assert statuses == [404] * allowed
    assert client.get("/intake24/api/unknown").status_code == 429
    clock.advance(window - 1)
    assert client.get("/intake24/api/unknown").status_code == 429
    clock.advance(1)
    assert client.get("/intake24/api/unknown").status_code == 404


def test_the_login_limit_allows_exactly_its_failures_per_window(client: FlaskClient, app: Flask, clock: Clock) -> None:
    settings = app.extensions[SERVICE_KEY].settings
    allowed, window = settings.login_rate_limit_max, settings.login_rate_limit_window_seconds

    def failed_login() -> int:
        return client.post(LOGIN, json={"token": "unknown"}).status_code

    assert [failed_login() for _ in range(allowed)] == [401] * allowed
    assert failed_login() == 429
    clock.advance(window - 1)
    assert failed_login() == 429
    clock.advance(1)
    assert failed_login() == 401


# --- control-plane sizes of Intake24's tenants -------------------------------------------------------------


def test_survey_slug_length(client: FlaskClient) -> None:
    def put(slug: str) -> int:
        body = {"allowGenUsers": True, "genUserKey": "study-secret-0123456789-0123456789"}
        return client.put(f"/__sandbox/intake24/surveys/{slug}", json=body).status_code

    assert put("s" * (SLUG_MAX_LENGTH - 1)) in (200, 201)
    assert put("t" * SLUG_MAX_LENGTH) in (200, 201)
    assert put("u" * (SLUG_MAX_LENGTH + 1)) == 400


@pytest.mark.parametrize(
    ("name_length", "status"),
    [
        (PAT_NAME_MIN_LENGTH - 1, 400),
        (PAT_NAME_MIN_LENGTH, 201),
        (PAT_NAME_MAX_LENGTH, 201),
        (PAT_NAME_MAX_LENGTH + 1, 400),
    ],
)
def test_personal_access_token_name_length(client: FlaskClient, name_length: int, status: int) -> None:
    assert client.post(PATS, json={"name": "n" * name_length}).status_code == status


@pytest.mark.parametrize(
    ("lifetime", "status"),
    [(0, 400), (1, 201), (PAT_MAX_LIFETIME_SECONDS, 201), (PAT_MAX_LIFETIME_SECONDS + 1, 400)],
)
def test_personal_access_token_lifetime(client: FlaskClient, lifetime: int, status: int) -> None:
    assert client.post(PATS, json={"name": "edge", "expires_in_seconds": lifetime}).status_code == status


def test_a_configured_rate_limit_moves_the_edge(app_from_config: Callable[[str], Flask]) -> None:
    client = app_from_config("[intake24]\nrate_limit_max = 3\nrate_limit_window_seconds = 10\n").test_client()
    assert [client.get("/intake24/api/unknown").status_code for _ in range(4)] == [404, 404, 404, 429]


# The personal-access-token limits are checked twice, by the control plane's schema and again by the service (for
# callers that skip the schema); through HTTP the schema answers first, so each layer is held to the edge here.


@pytest.mark.parametrize(
    ("changes", "valid"),
    [
        ({"name": "n" * PAT_NAME_MIN_LENGTH, "expires_in_seconds": PAT_MAX_LIFETIME_SECONDS}, True),
        ({"name": "n" * PAT_NAME_MAX_LENGTH, "expires_in_seconds": 1}, True),
        ({"name": "n" * (PAT_NAME_MIN_LENGTH - 1)}, False),
        ({"name": "n" * (PAT_NAME_MAX_LENGTH + 1)}, False),
        ({"name": "edge", "expires_in_seconds": PAT_MAX_LIFETIME_SECONDS + 1}, False),
        ({"name": "edge", "expires_in_seconds": 0}, False),
    ],
)
def test_each_layer_holds_the_personal_access_token_limits(app: Flask, changes: dict[str, Any], valid: bool) -> None:
    errors = Intake24PatRequestSchema().validate(changes)
    assert (not errors) is valid, errors
    service = app.extensions[SERVICE_KEY]
    if valid:
        assert service.issue_personal_access_token(changes["name"], changes.get("expires_in_seconds"))["jwt"]
    else:
        with pytest.raises(ValueError, match="must be"):
            service.issue_personal_access_token(changes["name"], changes.get("expires_in_seconds"))
