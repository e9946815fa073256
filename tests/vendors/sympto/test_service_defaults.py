"""Sympto's settings when the config leaves them out (issue #20: defaults tested as defaults).

Only the shipped demo file was tested, so a default lifetime could change with no test failing. Here ``[sympto]``
names a clinic and nothing else, and each default is observed through HTTP at its edge (the documented numbers are
typed here on purpose: a changed default must fail a test).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.core.clock import Clock
from sandbox.vendors.sympto.wire import SERVICE_KEY
from tests.vendors.sympto.support import ADMIN, API_SECRET, create_provider, login

ONLY_A_CLINIC = f"""
[[sympto.clinics]]
clinic_id = "demo-clinic"
name = "Demo Clinic"
admin_email = "{ADMIN}"
api_secret = "{API_SECRET}"
"""
DANA = "dana@example.test"
SIGNED_IN = f"Signed in as <strong>{DANA}</strong>"
MINUTES_15 = 15 * 60


@pytest.fixture
def default_app(app_from_config: Callable[[str], Flask]) -> Flask:
    return app_from_config(ONLY_A_CLINIC)


@pytest.fixture
def default_client(default_app: Flask) -> FlaskClient:
    return default_app.test_client()


def test_the_default_bearer_lifetime_is_15_minutes(default_client: FlaskClient, clock: Clock) -> None:
    headers = login(default_client)
    clock.advance(MINUTES_15 - 1)
    assert default_client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 200
    clock.advance(1)
    assert default_client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 401


def user_auth_token(client: FlaskClient, headers: dict[str, str]) -> str:
    response = client.post("/sympto/authorization/login/token", json={"email": DANA}, headers=headers)
    assert response.status_code == 200, response.json
    return str(response.json["Response"]["userAuthToken"])


def test_the_default_user_auth_token_lifetime_is_60_seconds(default_client: FlaskClient, clock: Clock) -> None:
    headers = login(default_client)
    create_provider(default_client, headers, DANA)
    first, second = user_auth_token(default_client, headers), user_auth_token(default_client, headers)
    clock.advance(59)
    assert default_client.get(f"/sympto/?userAuthToken={first}").status_code == 200
    clock.advance(1)
    assert default_client.get(f"/sympto/?userAuthToken={second}").status_code == 401


def test_the_default_session_lifetime_is_15_minutes(default_client: FlaskClient, clock: Clock) -> None:
    headers = login(default_client)
    create_provider(default_client, headers, DANA)
    page = default_client.get(f"/sympto/?userAuthToken={user_auth_token(default_client, headers)}")
    assert SIGNED_IN in page.get_data(as_text=True)
    clock.advance(MINUTES_15 - 1)
    assert SIGNED_IN in default_client.get("/sympto/").get_data(as_text=True)
    clock.advance(1)
    assert SIGNED_IN not in default_client.get("/sympto/").get_data(as_text=True)


def test_the_default_login_limit_is_10_failures_in_5_minutes(default_client: FlaskClient, clock: Clock) -> None:
    bad = {"clientId": ADMIN, "clientSecret": "wrong"}
    good = {"clientId": ADMIN, "clientSecret": API_SECRET}
    for _ in range(9):
        assert default_client.post("/sympto/authorization", json=bad).status_code == 401
    assert default_client.post("/sympto/authorization", json=good).status_code == 200
    assert default_client.post("/sympto/authorization", json=bad).status_code == 401  # the tenth
    limited = default_client.post("/sympto/authorization", json=good)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "301"
    clock.advance(299)
    assert default_client.post("/sympto/authorization", json=good).status_code == 429
    clock.advance(1)
    assert default_client.post("/sympto/authorization", json=good).status_code == 200


def test_the_default_webhook_settings(default_app: Flask) -> None:
    """What the page-load call uses without ``webhook_*``/``allow_loopback``/``allowed_hosts``: read from the
    service that makes the call (an hour-long partner or a megabyte answer through HTTP would cost too much)."""
    used = default_app.extensions[SERVICE_KEY].settings
    assert (used.webhook_timeout_seconds, used.webhook_max_response_bytes) == (5.0, 1 << 20)
    assert (used.allow_loopback, used.allowed_hosts) == (True, ())
