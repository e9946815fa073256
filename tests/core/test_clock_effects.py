"""The clock's modes judged by their effect on a rule, not by the mode they report (issue #20).

Every other rule test runs on a frozen clock, so a clock whose offset had its sign flipped, or a control plane
showing a time the rules do not use, passed them all. Here the app runs on the real clock (the ``clock``
fixture below overrides the suite's frozen one) and CirrusMD's token rule is the witness: a token minted at the
real time, sent while the sandbox's clock is shifted, frozen or set for one tenant only.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import Credentials
from sandbox.core.clock import Clock, ClockState, time_of
from tests.vendors.cirrusmd.support import post_session

HOUR = 3600.0
#: Seconds the test's own steps may take between reading the real time and the sandbox reading it.
SLACK = 5.0
SERVER_TIME = re.compile(r"the server time (\d+(?:\.\d+)?)")


@pytest.fixture
def clock() -> Clock:
    """The real clock (the suite's default is frozen)."""
    return Clock()


def iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, tz=UTC).isoformat()


def server_time_quoted(response_json: object) -> float:
    """The server time a CirrusMD time-rule message quotes: the time the rule itself used."""
    assert isinstance(response_json, dict)
    found = SERVER_TIME.search(response_json["error_message"])
    assert found is not None, response_json
    return float(found.group(1))


def test_an_offset_of_an_hour_expires_a_token_minted_at_the_real_time(client: FlaskClient) -> None:
    assert post_session(client, time.time()).status_code == 201
    assert client.put("/__sandbox/clock", json={"offset_seconds": HOUR}).status_code == 200

    response = post_session(client, time.time())

    assert response.status_code == 401
    assert response.json is not None
    assert response.json["error_message"].startswith("The JWT has expired"), response.json
    assert abs(server_time_quoted(response.json) - (time.time() + HOUR)) < SLACK
    # …and a token minted an hour ahead (the sandbox's "now") is accepted.
    assert post_session(client, time.time() + HOUR).status_code == 201


def test_a_negative_offset_makes_a_token_minted_at_the_real_time_live_too_long(client: FlaskClient) -> None:
    """An hour behind, a fresh token's ``exp`` is an hour ahead of the sandbox: far past the lifetime limit."""
    assert client.put("/__sandbox/clock", json={"offset_seconds": -HOUR}).status_code == 200

    response = post_session(client, time.time())

    assert response.status_code == 401
    assert response.json is not None
    assert response.json["error_message"].startswith("The JWT `exp` claim must NOT exceed"), response.json
    assert abs(server_time_quoted(response.json) - (time.time() - HOUR)) < SLACK


def test_the_control_plane_shows_the_time_the_rules_use(client: FlaskClient) -> None:
    assert client.put("/__sandbox/clock", json={"offset_seconds": HOUR}).status_code == 200
    shown = client.get("/__sandbox/clock").json
    assert shown is not None
    rejected = post_session(client, time.time()).json

    assert abs(shown["now_unix"] - (time.time() + HOUR)) < SLACK
    assert abs(shown["now_unix"] - server_time_quoted(rejected)) < SLACK


def test_a_frozen_clock_stops_expiry(client: FlaskClient) -> None:
    """Frozen an hour ago, a token minted for that instant (long expired in real time) stays valid while time
    passes; released, the same token is expired."""
    instant = int(time.time() - HOUR)
    assert client.put("/__sandbox/clock", json={"frozen_at": iso(instant)}).status_code == 200

    first = post_session(client, instant)
    time.sleep(1.1)
    second = post_session(client, instant)
    shown = client.get("/__sandbox/clock").json

    assert (first.status_code, second.status_code) == (201, 201)
    assert shown is not None
    assert shown["now_unix"] == instant
    assert client.put("/__sandbox/clock", json={"mode": "system"}).status_code == 200
    assert post_session(client, instant).status_code == 401


def test_a_tenant_clock_moves_that_tenant_only(client: FlaskClient) -> None:
    other = Credentials(client_id="other-client", shared_secret="other-client-shared-secret-long-enough")
    created = client.put(f"/__sandbox/cirrusmd/clients/{other.client_id}", json={"shared_secret": other.shared_secret})
    assert created.status_code == 200, created.json

    moved = client.put("/__sandbox/clock?scope=cirrusmd:demo-client", json={"offset_seconds": HOUR})
    assert moved.status_code == 200

    expired = post_session(client, time.time())
    assert expired.status_code == 401
    assert abs(server_time_quoted(expired.json) - (time.time() + HOUR)) < SLACK
    assert post_session(client, time.time(), credentials=other).status_code == 201  # the other tenant: real time
    shown = client.get("/__sandbox/clock").json
    assert shown is not None
    assert abs(shown["now_unix"] - time.time()) < SLACK
    (tenant,) = shown["tenants"]
    assert tenant["scope"] == "cirrusmd:demo-client"
    assert abs(tenant["now_unix"] - (time.time() + HOUR)) < SLACK


def test_a_frozen_tenant_clock_stops_that_tenants_expiry(client: FlaskClient) -> None:
    instant = int(time.time() - HOUR)
    tenant_clock = "/__sandbox/clock?scope=cirrusmd:demo-client"
    assert client.put(tenant_clock, json={"frozen_at": iso(instant)}).status_code == 200

    assert post_session(client, instant).status_code == 201
    assert client.put(tenant_clock, json={"mode": "system"}).status_code == 200
    assert post_session(client, instant).status_code == 401


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (ClockState(mode="system"), 0.0),
        (ClockState(mode="offset", offset_seconds=HOUR), HOUR),
        (ClockState(mode="offset", offset_seconds=-HOUR), -HOUR),
    ],
)
def test_time_of_is_real_time_plus_the_offset(state: ClockState, expected: float) -> None:
    assert abs(time_of(state) - (time.time() + expected)) < SLACK


def test_time_of_a_frozen_state_is_its_instant() -> None:
    assert time_of(ClockState(mode="frozen", frozen_at=1234.5)) == 1234.5
