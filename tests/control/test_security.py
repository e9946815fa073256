"""The control plane refuses cross-origin browsers, foreign Host names and, with a token, strangers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.control.security import session_value
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import post_session


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            {"Origin": "http://evil.example"},
            "requests from origin 'http://evil.example' are refused: use the dashboard or a non-browser client",
        ),
        ({"Origin": "null"}, "requests from an opaque origin are refused"),
        ({"Sec-Fetch-Site": "cross-site"}, "cross-site browser requests to the control plane are refused"),
        (
            {"Host": "rebound.example:8000"},
            "Host 'rebound.example:8000' is not a name this sandbox answers to "
            "(add it to [server] allowed_hosts or VENDOR_SANDBOX_ALLOWED_HOSTS)",
        ),
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
        "error": "The control plane needs its admin token: send `Authorization: Bearer <admin token>` (the token "
        "given to serve with --admin-token, --admin-token-file or VENDOR_SANDBOX_ADMIN_TOKEN, or the one serve "
        "printed when it started)"
    }
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="vendor-sandbox"'
    assert guarded.get("/__sandbox/journal", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/__sandbox/journal", headers={"Authorization": "Bearer s3cret-admin"}).status_code == 200
    assert guarded.get("/__sandbox/health").status_code == 200  # liveness stays open
    assert guarded.get("/__sandbox/").status_code == 401


def test_the_dashboard_link_sets_a_strict_cookie_that_is_not_the_token(guarded: FlaskClient) -> None:
    response = guarded.get("/__sandbox/?admin_token=s3cret-admin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/__sandbox/"  # the token leaves the address bar and history
    cookie = response.headers["Set-Cookie"]
    name_value, *attributes = [part.strip() for part in cookie.split(";")]
    name, value = name_value.split("=", 1)
    assert name == "vendor_sandbox_admin"
    assert "s3cret-admin" not in cookie
    assert value == session_value("s3cret-admin") != "s3cret-admin"
    assert {"HttpOnly", "SameSite=Strict", "Path=/__sandbox"} <= set(attributes)
    assert guarded.get("/__sandbox/faults").status_code == 200  # the client kept the cookie
    assert guarded.get("/__sandbox/?admin_token=wrong").status_code == 401


def test_a_cookie_holding_the_raw_token_is_refused(guarded: FlaskClient) -> None:
    guarded.set_cookie("vendor_sandbox_admin", "s3cret-admin", path="/__sandbox")
    assert guarded.post("/__sandbox/reset").status_code == 401


@pytest.fixture
def exposed(sandbox_settings: Settings) -> Iterator[FlaskClient]:
    """Bound to every interface, with a token (as serve arranges); Host names as a LAN browser would send them."""
    app = create_app(replace(sandbox_settings, host="0.0.0.0", admin_token="s3cret-admin"))
    yield app.test_client()
    app.extensions["sandbox.store"].dispose()


FOREIGN_NAMES = ["evil.example", "evil.example:8000", "localhost.evil.example", "rebound.test."]


def test_beyond_loopback_only_addresses_and_this_machines_names_are_answered(exposed: FlaskClient) -> None:
    """DNS rebinding needs a name: foreign names are refused even with the token; IP addresses (which
    cannot be rebound), loopback's names and this machine's own are answered."""
    bearer = {"Authorization": "Bearer s3cret-admin"}
    for host in FOREIGN_NAMES:
        response = exposed.post("/__sandbox/reset", headers={**bearer, "Host": host})
        assert response.status_code == 403, host
        assert response.json is not None
        assert "is not a name this sandbox answers to" in response.json["error"]
    own = ["127.0.0.1:8000", "localhost", "[::1]:8000", "192.0.2.7:8000", "[2001:db8::5]", socket.gethostname()]
    for host in own:
        assert exposed.get("/__sandbox/faults", headers={**bearer, "Host": host}).status_code == 200, host


def test_configured_allowed_hosts_replace_the_guess(sandbox_settings: Settings) -> None:
    """With ``allowed_hosts``, exactly those names and loopback's are answered, beyond loopback too."""
    settings = replace(sandbox_settings, host="0.0.0.0", admin_token="t", allowed_hosts=("sandbox.ci.internal",))
    app = create_app(settings)
    client = app.test_client()
    try:
        bearer = {"Authorization": "Bearer t"}
        for host, status in [("sandbox.ci.internal:8000", 200), ("localhost", 200), ("other.internal", 403)]:
            assert client.get("/__sandbox/faults", headers={**bearer, "Host": host}).status_code == status, host
        assert client.get("/__sandbox/faults", headers={"Host": "localhost"}).status_code == 401  # token still needed
    finally:
        app.extensions["sandbox.store"].dispose()


def test_beyond_loopback_without_a_token_the_control_plane_is_closed(sandbox_settings: Settings) -> None:
    """An app built for a non-loopback address without any token (not through serve) fails closed."""
    app = create_app(replace(sandbox_settings, host="192.0.2.7"))
    client = app.test_client()
    try:
        refused = client.post("/__sandbox/reset")
        assert refused.status_code == 401
        assert refused.json is not None
        assert "has no admin token" in refused.json["error"]
        assert client.get("/__sandbox/health").status_code == 200
    finally:
        app.extensions["sandbox.store"].dispose()


def test_dashboard_is_served_with_a_strict_content_security_policy(client: FlaskClient) -> None:
    page = client.get("/__sandbox/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert client.get("/__sandbox/assets/dashboard.js").mimetype == "text/javascript"
    assert client.get("/__sandbox/assets/../app.py").status_code == 404


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"patientTvId=x"),
        ("text/plain", b'{"patientTvId": "x", "pad": "="}'),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="patientTvId"\r\n\r\nx\r\n--b--',
        ),
    ],
)
def test_a_cross_site_form_cannot_simulate_a_sympto_response(
    client: FlaskClient, content_type: str, body: bytes
) -> None:
    """The dashboard's Sympto action is a control route like the others: a form another site posts is
    refused by its origin, and even a same-origin form (no JSON) is not read."""
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        refused = client.post(
            "/__sandbox/sympto/responses", data=body, headers={**headers, "Content-Type": content_type}
        )
        assert refused.status_code == 403, refused.json
    unread = client.post("/__sandbox/sympto/responses", data=body, headers={"Content-Type": content_type})
    assert unread.status_code == 400
    assert "send the body as JSON" in unread.json["error"]
    assert client.get("/__sandbox/sympto/deliveries").json["deliveries"] == []
