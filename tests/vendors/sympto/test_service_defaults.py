"""Sympto's settings when the config leaves them out (issue #20: defaults tested as defaults).

Only the shipped demo file was tested, so a default lifetime could change with no test failing. Here ``[sympto]``
names a clinic and nothing else, and each default is observed through HTTP at its edge (the documented numbers are
typed here on purpose: a changed default must fail a test).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.core import outbound
from sandbox.core.clock import Clock
from sandbox.testing.live import LiveServer
from sandbox.vendors.sympto.wire import SERVICE_KEY
from tests.vendors.sympto.support import ADMIN, API_SECRET, PARAM, create_provider, login, register_endpoint

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


class Partner:
    """A partner's webhook that answers 200 with Dana's email, its JSON padded with spaces to ``size`` bytes."""

    def __init__(self) -> None:
        self.size = 64

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        answer = json.dumps({"email": DANA}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [answer + b" " * (self.size - len(answer))]


@pytest.fixture
def partner() -> Iterator[tuple[Partner, str]]:
    app = Partner()
    with LiveServer(app) as server:  # on 127.0.0.1: reached only because loopback is allowed by default
        yield app, server.url


def register(client: FlaskClient, partner_url: str) -> None:
    """Dana, and the partner's webhook (on loopback) as the clinic's endpoint."""
    headers = login(client)
    create_provider(client, headers, DANA)
    register_endpoint(client, headers, f"{partner_url}/webhook")


def page_load(client: FlaskClient) -> dict[str, Any]:
    """The control plane's page-load check: the verdict of one call to the partner."""
    check = client.post("/__sandbox/sympto/page-load", json={"endpointQueryParam": PARAM, "authenticationCode": "c"})
    assert check.status_code == 200, check.json
    found: dict[str, Any] = check.json
    return found


def test_the_default_response_cap_is_one_mebibyte_and_loopback_is_allowed(
    default_client: FlaskClient, partner: tuple[Partner, str]
) -> None:
    answer, url = partner
    register(default_client, url)
    answer.size = 1 << 20
    at_cap = page_load(default_client)
    assert (at_cap["ok"], at_cap["user"]["email"]) == (True, DANA)  # loopback reached: allowed without the key
    answer.size = (1 << 20) + 1
    beyond = page_load(default_client)
    assert (beyond["ok"], beyond["rule"]) == (False, "response_too_large")


def test_the_default_webhook_timeout_is_5_seconds(
    default_client: FlaskClient, partner: tuple[Partner, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Observed on a tiny fake clock: an armed delay is waited for on ``outbound``'s clock, whose ``sleep`` returns at
    once here; a partner answering 4.75 s late is read, 5 s late is a timeout (``elapsed + delay >= timeout``)."""
    monkeypatch.setattr(outbound, "time", SimpleNamespace(perf_counter=time.perf_counter, sleep=lambda _: None))
    register(default_client, partner[1])

    def late_by(seconds: float) -> dict[str, Any]:
        armed = {"name": "sympto.webhook_delayed", "delay_seconds": seconds, "times": 1}
        assert default_client.post("/__sandbox/faults", json=armed).status_code == 201
        return page_load(default_client)

    assert late_by(4.75)["ok"] is True
    timed_out = late_by(5.0)
    assert (timed_out["ok"], timed_out["rule"]) == (False, "timeout")
    assert "within 5 s" in timed_out["message"]


def test_the_default_webhook_settings(default_app: Flask) -> None:
    """What the page-load call uses without ``webhook_*``/``allow_loopback``/``allowed_hosts``, as the service holds
    them; each is also observed by its effect above (``allowed_hosts`` empty: no other host is added)."""
    used = default_app.extensions[SERVICE_KEY].settings
    assert (used.webhook_timeout_seconds, used.webhook_max_response_bytes) == (5.0, 1 << 20)
    assert (used.allow_loopback, used.allowed_hosts) == (True, ())
