"""Intake24's settings when the config leaves them out (issue #20: defaults tested as defaults).

The demo section writes every key out; here ``[intake24]`` is empty and each default is observed through HTTP where it
shows (the rate limiters' headers and edges). The documented numbers (Intake24's own ``express-rate-limit``
defaults) are typed here on purpose: a changed default must fail a test.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.jws import sign_hmac
from sandbox.core import outbound
from sandbox.core.clock import Clock
from sandbox.testing.live import LiveServer
from sandbox.vendors.intake24.wire import SERVICE_KEY
from tests.vendors.intake24.support import CREATE_USER, LOGIN, Receiver


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


SECRET = "study-secret-0123456789-0123456789"


class SlowPartner(Receiver):
    """A webhook that makes ``late_by`` seconds pass on ``outbound``'s clock (a tiny fake one) before it answers."""

    def __init__(self) -> None:
        super().__init__()
        self.offset = 0.0
        self.late_by = 0.0

    def perf_counter(self) -> float:
        return time.perf_counter() + self.offset

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        self.offset += self.late_by
        return super().__call__(environ, start_response)


@pytest.fixture
def partner(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SlowPartner, str]]:
    app = SlowPartner()
    monkeypatch.setattr(outbound, "time", SimpleNamespace(perf_counter=app.perf_counter, sleep=time.sleep))
    with LiveServer(app) as server:  # on 127.0.0.1: reached only because loopback is allowed by default
        yield app, server.url


def notify(app: Flask, url: str) -> list[Any]:
    """A survey notifying ``url`` of a started session, one session started: the delivery attempts it made."""
    client = app.test_client()
    hook = {"type": "survey.session.started", "channel": "webhook", "url": url}
    survey = {"allowGenUsers": True, "genUserKey": SECRET, "notifications": [hook]}
    assert client.put("/__sandbox/intake24/surveys/hooks", json=survey).status_code in (200, 201)
    notifier = app.extensions[SERVICE_KEY].notifier
    before = len(notifier.attempts)
    token = sign_hmac({"username": f"u{before}"}, SECRET)
    created = client.post(CREATE_USER.format(slug="hooks"), json={"token": token}).get_json()
    access = client.post(LOGIN, json={"token": created["authToken"]}).get_json()["accessToken"]
    started = client.post("/intake24/api/surveys/hooks/session", json={}, headers={"Authorization": f"Bearer {access}"})
    assert started.status_code == 200
    assert notifier.wait_for_deliveries(10)
    return list(notifier.attempts[before:])


def test_the_default_notification_is_one_attempt_to_loopback_only(
    default_app: Flask, partner: tuple[SlowPartner, str]
) -> None:
    answer, url = partner
    answer.status = "500 Internal Server Error"
    assert [(a.attempt, a.status) for a in notify(default_app, f"{url}/hook")] == [(1, 500)]  # no retry
    assert len(answer.requests) == 1
    (refused,) = notify(default_app, "https://partner.invalid/hook")
    assert refused.error == "host_not_allowed"  # no host is allowed but loopback


def test_the_default_notification_timeout_is_10_seconds(default_app: Flask, partner: tuple[SlowPartner, str]) -> None:
    """Observed on a tiny fake clock: the partner makes 9.75 s pass before it answers, then exactly 10 s."""
    answer, url = partner
    answer.late_by = 9.75
    assert [(a.status, a.error) for a in notify(default_app, f"{url}/hook")] == [(200, None)]
    answer.late_by = 10.0
    (late,) = notify(default_app, f"{url}/hook")
    assert late.error == "timeout"


def test_the_default_notification_settings(default_app: Flask) -> None:
    """One attempt, 10 s, loopback only, no survey-app override, as the service that delivers holds them; the first
    three are also observed by their effect above."""
    used = default_app.extensions[SERVICE_KEY].settings
    assert (used.notification_retries, used.notification_timeout_seconds) == (0, 10.0)
    assert (used.notification_allowed_hosts, used.survey_app_url, used.rate_limit_exempt_loopback) == ((), None, False)
