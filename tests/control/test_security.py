"""The control plane refuses cross-origin browsers, foreign Host names and, with a token, strangers."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from sandbox.app import create_app
from sandbox.config import Settings
from tests.cirrusmd.helpers import post_session
from tests.conftest import FROZEN_AT


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            {"Origin": "http://evil.example"},
            "requests from origin 'http://evil.example' are refused: use the dashboard or a non-browser client",
        ),
        ({"Origin": "null"}, "requests from an opaque origin are refused"),
        ({"Sec-Fetch-Site": "cross-site"}, "cross-site browser requests to the control plane are refused"),
        ({"Host": "rebound.example:8000"}, "Host 'rebound.example:8000' is not a name this sandbox answers to"),
    ],
)
def test_cross_origin_and_foreign_hosts_are_refused(client: FlaskClient, headers: dict[str, str], message: str) -> None:
    response = client.post("/__sandbox/reset", headers=headers)
    assert (response.status_code, response.json) == (403, {"error": message})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_same_origin_requests_are_allowed(client: FlaskClient) -> None:
    response = client.post("/__sandbox/reset", headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200


def test_vendor_endpoints_are_not_affected_by_the_origin_check(client: FlaskClient) -> None:
    assert post_session(client, FROZEN_AT, headers=None).status_code == 201


@pytest.fixture
def guarded(sandbox_settings: Settings) -> FlaskClient:
    return create_app(replace(sandbox_settings, admin_token="s3cret-admin")).test_client()


def test_admin_token_is_required_when_configured(guarded: FlaskClient) -> None:
    refused = guarded.get("/__sandbox/journal")
    assert refused.status_code == 401
    assert refused.json == {
        "error": "The control plane needs `Authorization: Bearer <admin token>` (the "
        "--admin-token the sandbox was started with)"
    }
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="vendor-sandbox"'
    assert guarded.get("/__sandbox/journal", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/__sandbox/journal", headers={"Authorization": "Bearer s3cret-admin"}).status_code == 200
    assert guarded.get("/__sandbox/health").status_code == 200  # liveness stays open
    assert guarded.get("/__sandbox/").status_code == 401


def test_the_dashboard_link_sets_a_strict_cookie(guarded: FlaskClient) -> None:
    response = guarded.get("/__sandbox/?admin_token=s3cret-admin")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert guarded.get("/__sandbox/faults").status_code == 200  # the client kept the cookie
    assert guarded.get("/__sandbox/?admin_token=wrong").status_code == 401


def test_dashboard_is_served_with_a_strict_content_security_policy(client: FlaskClient) -> None:
    page = client.get("/__sandbox/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert client.get("/__sandbox/assets/dashboard.js").mimetype == "text/javascript"
    assert client.get("/__sandbox/assets/../app.py").status_code == 404
