"""Sympto's numbered rules at their edges, through HTTP, on the frozen clock (issue #20).

Each lifetime and the login rate limit is sent at its limit, one second inside and one second outside, with the
numbers read from the running service's settings (whose defaults are ``contracts.sympto.messages``), so a changed
rule fails a test and a changed configuration moves the edge. The defaults themselves are held in
``test_service_defaults.py``.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from contracts.sympto import messages
from sandbox.core.clock import Clock
from sandbox.vendors.sympto.wire import SERVICE_KEY
from tests.vendors.sympto.support import ADMIN, API_SECRET, create_provider

DANA = "dana@example.test"
SIGNED_IN = f"Signed in as <strong>{DANA}</strong>"


def test_a_bearer_token_lives_exactly_its_lifetime(
    client: FlaskClient, app: Flask, clock: Clock, headers: dict[str, str]
) -> None:
    lifetime = app.extensions[SERVICE_KEY].settings.bearer_lifetime_seconds
    clock.advance(lifetime - 1)
    assert client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 200
    clock.advance(1)
    expired = client.get("/sympto/clinicAdmin/users", headers=headers)
    assert (expired.status_code, expired.json["Message"]) == (401, messages.EXPIRED_BEARER.format(ago=0))


def issue(client: FlaskClient, headers: dict[str, str]) -> str:
    response = client.post("/sympto/authorization/login/token", json={"email": DANA}, headers=headers)
    assert response.status_code == 200, response.json
    return str(response.json["Response"]["userAuthToken"])


def test_a_user_auth_token_lives_exactly_its_lifetime(
    client: FlaskClient, app: Flask, clock: Clock, headers: dict[str, str]
) -> None:
    lifetime = app.extensions[SERVICE_KEY].settings.user_auth_token_lifetime_seconds
    create_provider(client, headers, DANA)
    first, second = issue(client, headers), issue(client, headers)
    clock.advance(lifetime - 1)
    assert client.get(f"/sympto/?userAuthToken={first}").status_code == 200
    clock.advance(1)
    assert client.get(f"/sympto/?userAuthToken={second}").status_code == 401


def test_a_front_end_session_lives_exactly_its_lifetime(
    client: FlaskClient, app: Flask, clock: Clock, headers: dict[str, str]
) -> None:
    lifetime = app.extensions[SERVICE_KEY].settings.session_lifetime_seconds
    create_provider(client, headers, DANA)
    assert SIGNED_IN in client.get(f"/sympto/?userAuthToken={issue(client, headers)}").get_data(as_text=True)
    clock.advance(lifetime - 1)
    assert SIGNED_IN in client.get("/sympto/").get_data(as_text=True)
    clock.advance(1)
    assert SIGNED_IN not in client.get("/sympto/").get_data(as_text=True)


def test_the_login_limit_allows_exactly_its_failures_per_window(client: FlaskClient, app: Flask, clock: Clock) -> None:
    service_settings = app.extensions[SERVICE_KEY].settings
    allowed, window = service_settings.rate_limit_failures, int(service_settings.rate_limit_window_seconds)
    bad = {"clientId": ADMIN, "clientSecret": "wrong"}
    good = {"clientId": ADMIN, "clientSecret": API_SECRET}

    assert [client.post("/sympto/authorization", json=bad).status_code for _ in range(allowed)] == [401] * allowed
    limited = client.post("/sympto/authorization", json=good)
    assert (limited.status_code, limited.json["Code"]) == (429, "rate_limited")
    clock.advance(window - 1)
    assert client.post("/sympto/authorization", json=good).status_code == 429
    clock.advance(1)
    assert client.post("/sympto/authorization", json=good).status_code == 200


def test_one_failure_fewer_than_the_limit_is_not_limited(client: FlaskClient, app: Flask) -> None:
    allowed = app.extensions[SERVICE_KEY].settings.rate_limit_failures
    bad = {"clientId": ADMIN, "clientSecret": "wrong"}
    for _ in range(allowed - 1):
        client.post("/sympto/authorization", json=bad)
    assert client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET}).status_code == 200
