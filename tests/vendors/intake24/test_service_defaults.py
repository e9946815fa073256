"""Intake24's settings when the config leaves them out (issue #20: defaults tested as defaults).

The demo section writes every key out; here ``[intake24]`` is empty and each default is observed through HTTP where it
shows (the rate limiters' headers and edges). The documented numbers (Intake24's own ``express-rate-limit``
defaults) are typed here on purpose: a changed default must fail a test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.core.clock import Clock
from sandbox.vendors.intake24.wire import SERVICE_KEY
from tests.vendors.intake24.support import LOGIN


@pytest.fixture
def default_app(app_from_config: Callable[[str], Flask]) -> Flask:
    return app_from_config("[intake24]\n")


@pytest.fixture
def default_client(default_app: Flask) -> FlaskClient:
    return default_app.test_client()


def test_the_default_generic_limit_is_300_requests_in_5_minutes(default_client: FlaskClient, clock: Clock) -> None:
    first = default_client.get("/intake24/api/unknown")
    assert first.headers["RateLimit"] == "limit=300, remaining=299, reset=300"  # counted: loopback is not exempt
    assert first.headers["RateLimit-Policy"] == "300;w=300"
    assert {default_client.get("/intake24/api/unknown").status_code for _ in range(299)} == {404}
    assert default_client.get("/intake24/api/unknown").status_code == 429
    clock.advance(299)
    assert default_client.get("/intake24/api/unknown").status_code == 429
    clock.advance(1)
    assert default_client.get("/intake24/api/unknown").status_code == 404


def test_the_default_login_limit_is_5_failures_in_15_minutes(default_client: FlaskClient, clock: Clock) -> None:
    failures = [default_client.post(LOGIN, json={"token": "unknown"}) for _ in range(5)]
    assert [failure.status_code for failure in failures] == [401] * 5
    assert failures[0].headers["RateLimit-Policy"] == "5;w=900"
    assert default_client.post(LOGIN, json={"token": "unknown"}).status_code == 429
    clock.advance(899)
    assert default_client.post(LOGIN, json={"token": "unknown"}).status_code == 429
    clock.advance(1)
    assert default_client.post(LOGIN, json={"token": "unknown"}).status_code == 401


def test_with_an_empty_section_there_is_no_survey(default_client: FlaskClient) -> None:
    assert default_client.get("/__sandbox/intake24/surveys/demo").status_code == 404


def test_the_default_notification_settings(default_app: Flask) -> None:
    """One attempt, 10 s, loopback only, no survey-app override: read from the service that delivers (observing a
    ten-second timeout through HTTP would cost ten seconds)."""
    used = default_app.extensions[SERVICE_KEY].settings
    assert (used.notification_retries, used.notification_timeout_seconds) == (0, 10.0)
    assert (used.notification_allowed_hosts, used.survey_app_url, used.rate_limit_exempt_loopback) == ((), None, False)
