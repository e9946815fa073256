"""Routing answers and the generic/login rate limiters (spec §0, §0.3)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient

from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.core.journal import JOURNAL_KEY


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/intake24/api/surveys/demo/create-user"),
        ("PUT", "/intake24/api/surveys/demo/create-user"),
        ("GET", "/intake24/api/nothing/here"),
        ("POST", "/intake24/api"),
    ],
)
def test_unknown_route_or_method_is_bare_invalid_route(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 404
    assert response.get_data(as_text=True) == '"Invalid route"'
    assert response.content_type == "application/json; charset=utf-8"
    assert "Allow" not in response.headers


def test_rate_limit_headers_count_down(client: FlaskClient) -> None:
    first = client.post("/intake24/api/surveys/demo/create-user", json={})
    second = client.get("/intake24/api/unknown")
    assert first.headers["RateLimit"] == "limit=300, remaining=299, reset=300"
    assert first.headers["RateLimit-Policy"] == "300;w=300"
    assert second.headers["RateLimit"] == "limit=300, remaining=298, reset=300"


def _small_limit_app(sandbox_settings: Settings, clock: Clock, **intake24: Any) -> Any:
    vendors = dict(sandbox_settings.vendors)
    vendors["intake24"] = {**vendors["intake24"], **intake24}
    return create_app(replace(sandbox_settings, vendors=vendors), clock=clock)


def test_generic_limit_answers_429_then_resets(sandbox_settings: Settings, clock: Clock) -> None:
    app = _small_limit_app(sandbox_settings, clock, rate_limit_max=2, rate_limit_window_seconds=60)
    client = app.test_client()
    for _ in range(2):
        assert client.post("/intake24/api/surveys/demo/create-user", json={}).status_code == 400
    blocked = client.post("/intake24/api/surveys/demo/create-user", json={})
    assert (blocked.status_code, blocked.get_json()) == (429, {"message": "Too many requests, try again later."})
    assert blocked.headers["Retry-After"] == "60"
    assert blocked.headers["RateLimit"] == "limit=2, remaining=0, reset=60"
    clock.advance(60)
    assert client.post("/intake24/api/surveys/demo/create-user", json={}).status_code == 400
    app.extensions["sandbox.store"].dispose()


def test_loopback_exemption_is_a_setting(sandbox_settings: Settings, clock: Clock) -> None:
    app = _small_limit_app(sandbox_settings, clock, rate_limit_exempt_loopback=True)
    response = app.test_client().post("/intake24/api/surveys/demo/create-user", json={})
    assert "RateLimit" not in response.headers
    app.extensions["sandbox.store"].dispose()


def test_login_limiter_counts_failures_only(sandbox_settings: Settings, clock: Clock) -> None:
    app = _small_limit_app(sandbox_settings, clock, login_rate_limit_max=2)
    client = app.test_client()
    for _ in range(2):
        failed = client.post("/intake24/api/auth/login/token", json={"token": "unknown"})
        assert failed.status_code == 401
    assert failed.headers["RateLimit-Policy"] == "2;w=900"
    blocked = client.post("/intake24/api/auth/login/token", json={"token": "unknown"})
    assert (blocked.status_code, blocked.get_json()) == (
        429,
        {"message": "Too many failed login attempts, try again later."},
    )
    app.extensions["sandbox.store"].dispose()


def test_successful_logins_are_not_counted_by_the_login_limiter(sandbox_settings: Settings, clock: Clock) -> None:
    """``skipSuccessfulRequests`` on the token login: a respondent may sign in any number of times, and a later
    failure still has the whole allowance before it."""
    app = _small_limit_app(sandbox_settings, clock, login_rate_limit_max=2)
    client = app.test_client()
    created = app.extensions["sandbox.intake24"].admin_create(
        app.extensions["sandbox.intake24"].require_survey("demo"), {"username": "often"}, "https://sandbox.example"
    )
    for _ in range(3):
        answer = client.post("/intake24/api/auth/login/token", json={"token": created["urlAuthToken"]})
        assert (answer.status_code, answer.headers["RateLimit"]) == (200, "limit=2, remaining=1, reset=900")
    failed = client.post("/intake24/api/auth/login/token", json={"token": "unknown"})
    assert (failed.status_code, failed.headers["RateLimit"]) == (401, "limit=2, remaining=1, reset=900")
    app.extensions["sandbox.store"].dispose()


def test_journal_records_the_verdict(client: FlaskClient, app: Any) -> None:
    client.post("/intake24/api/surveys/demo/create-user", json={"token": "x.y.z"})
    entries = app.extensions[JOURNAL_KEY].entries(vendor="intake24")
    assert entries[0]["status"] == 403
    assert entries[0]["verdict"] == "rejected"
    assert entries[0]["rule"] == "jwt_malformed"


def test_security_and_cors_headers_on_api_responses(client: FlaskClient) -> None:
    response = client.post("/intake24/api/surveys/demo/create-user", json={})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "RateLimit,RateLimit-Policy,Retry-After"
    assert "X-Powered-By" not in response.headers
    assert "ETag" not in response.headers


def test_journal_sees_the_headers_as_sent(client: FlaskClient, app: Any) -> None:
    client.post("/intake24/api/surveys/demo/create-user", data="{", content_type="application/json")
    entry = app.extensions[JOURNAL_KEY].entries(vendor="intake24")[0]
    assert entry["correlation_id"]
    assert entry["rule"] == "malformed_json"
    client.post("/intake24/api/surveys/demo/create-user", json={})
    assert "RateLimit" in app.extensions[JOURNAL_KEY].entries(vendor="intake24")[0]["response"]["headers"]
