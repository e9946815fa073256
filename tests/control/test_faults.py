"""Armed faults: every catalogue entry observed through the vendor endpoint, scoping, counts, drops."""

from __future__ import annotations

import http.client
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import Credentials
from sandbox.core.faults import catalogue
from sandbox.testing.live import LiveServer
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import SESSIONS, member_body, post_session, valid_headers


def catalogue_names(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(catalogue())


def arm(client: FlaskClient, **body: Any) -> dict[str, Any]:
    response = client.post("/__sandbox/faults", json=body)
    assert response.status_code == 201, response.json
    armed: dict[str, Any] = response.json
    return armed


CIRRUSMD_FAULTS = [
    "cirrusmd.body_too_large",
    "cirrusmd.invalid_field",
    "cirrusmd.invalid_signature",
    "cirrusmd.malformed_token",
    "cirrusmd.missing_authorization",
    "cirrusmd.missing_claim",
    "cirrusmd.missing_field",
    "cirrusmd.token_expired",
    "cirrusmd.token_lifetime_too_long",
    "cirrusmd.unknown_client",
    "cirrusmd.wrong_algorithm",
    "cirrusmd.wrong_scope",
]


def test_the_catalogue_lists_every_documented_cirrusmd_error(client: FlaskClient) -> None:
    listed = client.get("/__sandbox/faults/catalogue").json["faults"]
    assert [f["name"] for f in listed if f["vendor"] == "cirrusmd"] == CIRRUSMD_FAULTS
    expired = next(f for f in listed if f["name"] == "cirrusmd.token_expired")
    assert expired["status"] == 401
    assert expired["body"] == {
        "error_message": "The JWT has expired: `exp` is 1795262340, 60 s before the server "
        "time 1795262400. Mint a fresh token for each request."
    }


@pytest.mark.parametrize("name", CIRRUSMD_FAULTS)
def test_each_catalogue_entry_is_answered_exactly_then_disarms(client: FlaskClient, name: str) -> None:
    spec = next(f for f in client.get("/__sandbox/faults/catalogue").json["faults"] if f["name"] == name)
    arm(client, name=name, times=1)

    faulted = post_session(client, FROZEN_AT)
    assert faulted.status_code == spec["status"]
    assert faulted.json == spec["body"]
    assert faulted.headers["Content-Type"] == "application/json"
    assert post_session(client, FROZEN_AT).status_code == 201  # used up

    entries = client.get("/__sandbox/journal?vendor=cirrusmd&limit=2").json["entries"]
    assert entries[1]["rule"] == f"fault:{name}"
    assert entries[1]["verdict"] == "rejected"


def test_a_fault_scoped_to_one_tenant_never_touches_another(client: FlaskClient, app: Flask) -> None:
    other = Credentials("tenant-b", "tenant-b-secret-0123456789abcdefghij")
    app.extensions["sandbox.cirrusmd"].put_client(other.client_id, other.shared_secret)
    arm(client, name="cirrusmd.token_expired", tenant="demo-client")

    for _ in range(3):
        assert post_session(client, FROZEN_AT, credentials=other).status_code == 201
    assert post_session(client, FROZEN_AT).status_code == 401
    assert post_session(client, FROZEN_AT).status_code == 401  # no times: until disarmed


def test_times_counts_down_and_listing_shows_what_is_left(client: FlaskClient) -> None:
    armed = arm(client, name="cirrusmd.wrong_scope", times=2)
    post_session(client, FROZEN_AT)
    listed = client.get("/__sandbox/faults").json["faults"]
    assert [(f["id"], f["remaining"], f["fired"]) for f in listed] == [(armed["id"], 1, 1)]
    post_session(client, FROZEN_AT)
    assert client.get("/__sandbox/faults").json["faults"] == []


def test_route_scope_uses_wildcards(client: FlaskClient) -> None:
    arm(client, vendor="cirrusmd", status=503, body={"error_message": "maintenance"}, route="/sdk/v1/*")
    assert post_session(client, FROZEN_AT).status_code == 201
    assert client.post("/cirrusmd/sdk/v1/public/sessions", json={}).status_code == 503


def test_custom_answer_with_headers(client: FlaskClient) -> None:
    arm(
        client,
        vendor="cirrusmd",
        status=429,
        headers=[{"name": "Retry-After", "value": "7"}],
        body={"error_message": "slow down"},
    )
    response = post_session(client, FROZEN_AT)
    assert (response.status_code, response.headers["Retry-After"], response.json) == (
        429,
        "7",
        {"error_message": "slow down"},
    )


def test_probability_zero_never_fires_and_one_always_does(client: FlaskClient) -> None:
    never = arm(client, name="cirrusmd.token_expired", probability=0.0)
    assert all(post_session(client, FROZEN_AT).status_code == 201 for _ in range(5))
    client.delete(f"/__sandbox/faults/{never['id']}")
    arm(client, name="cirrusmd.token_expired", probability=1.0)
    assert post_session(client, FROZEN_AT).status_code == 401


def test_a_delay_then_the_normal_answer(client: FlaskClient) -> None:
    armed = arm(client, vendor="cirrusmd", delay_seconds=0.05, times=1)
    assert armed["kind"] == "delay"
    response = post_session(client, FROZEN_AT)
    assert response.status_code == 201
    entry = client.get("/__sandbox/journal?limit=1").json["entries"][0]
    assert entry["latency_ms"] >= 50
    assert entry["rule"] == "fault:cirrusmd.custom_delay"


def test_a_dropped_connection_is_seen_by_a_real_client(app: Flask) -> None:
    with LiveServer(app) as server:
        requests.post(
            server.url + "/__sandbox/faults", json={"vendor": "cirrusmd", "drop": True, "times": 1}, timeout=5
        ).raise_for_status()
        with pytest.raises(
            (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError, http.client.IncompleteRead)
        ):
            requests.post(server.url + SESSIONS, json=member_body(), headers=valid_headers(FROZEN_AT), timeout=5)
        after = requests.post(server.url + SESSIONS, json=member_body(), headers=valid_headers(FROZEN_AT), timeout=5)
        assert after.status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "send a catalogue `name`, or a `vendor` with a custom status, delay_seconds or drop"),
        (
            {"name": "cirrusmd.nope"},
            404,
            "no fault named 'cirrusmd.nope' in the catalogue: see GET /__sandbox/faults/catalogue",
        ),
        ({"vendor": "nobody", "status": 500}, 404, "unknown vendor 'nobody'; one of cirrusmd, intake24, sympto"),
        (
            {"vendor": "cirrusmd"},
            400,
            "a custom fault needs `status` (with optional headers and body), `delay_seconds` or `drop: true`",
        ),
        (
            {"vendor": "cirrusmd", "delay_seconds": 31},
            400,
            "delay_seconds: Must be greater than or equal to 0 and less than or equal to 30.0.",
        ),
        ({"vendor": "cirrusmd", "status": "500"}, 400, "status: Not a valid integer."),
        (
            {"vendor": "cirrusmd", "status": 700},
            400,
            "status: Must be greater than or equal to 100 and less than or equal to 599.",
        ),
        (
            {"name": "cirrusmd.token_expired", "times": 0},
            400,
            "times: Must be greater than or equal to 1 and less than or equal to 1000000.",
        ),
        ({"name": "cirrusmd.token_expired", "colour": "red"}, 400, "colour: Unknown field."),
    ],
)
def test_bad_arming_requests_say_what_to_fix(
    client: FlaskClient, body: dict[str, Any], status: int, message: str
) -> None:
    response = client.post("/__sandbox/faults", json=body)
    assert (response.status_code, response.json) == (status, {"error": message})


def test_disarm_all_and_one(client: FlaskClient) -> None:
    first = arm(client, name="cirrusmd.token_expired")
    arm(client, name="cirrusmd.wrong_scope")
    assert client.delete(f"/__sandbox/faults/{first['id']}").json == {"disarmed": 1}
    assert client.delete(f"/__sandbox/faults/{first['id']}").status_code == 404
    assert client.delete("/__sandbox/faults").json == {"disarmed": 1}
    assert post_session(client, FROZEN_AT).status_code == 201
