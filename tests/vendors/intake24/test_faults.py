"""Intake24's fault catalogue: each documented error armed by name through the control plane and
met through the vendor endpoint with exactly the catalogued status, headers and body; survey scoping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from sandbox.core.faults import catalogue
from tests.vendors.intake24.support import CREATE_USER, LOGIN, Mint

SECRET = "demo-intake24-jwt-secret-change-me"

INTAKE24_FAULTS = [
    "intake24.bad_credentials",
    "intake24.body_too_large",
    "intake24.create_user_race_lost",
    "intake24.invalid_route",
    "intake24.invalid_signature",
    "intake24.invalid_token",
    "intake24.jwt_expired",
    "intake24.jwt_malformed",
    "intake24.login_rate_limited",
    "intake24.malformed_json",
    "intake24.notification_delayed",
    "intake24.notification_duplicated",
    "intake24.notification_reordered",
    "intake24.rate_limited",
    "intake24.survey_not_found",
    "intake24.user_generation_disabled",
    "intake24.validation_error",
]
ANSWERS = [name for name in INTAKE24_FAULTS if not name.startswith("intake24.notification_")]


def arm(client: FlaskClient, **body: Any) -> dict[str, Any]:
    response = client.post("/__sandbox/faults", json=body)
    assert response.status_code == 201, response.get_json()
    armed: dict[str, Any] = response.get_json()
    return armed


def spec_of(client: FlaskClient, name: str) -> dict[str, Any]:
    listed = client.get("/__sandbox/faults/catalogue").get_json()["faults"]
    found: dict[str, Any] = next(f for f in listed if f["name"] == name)
    return found


def normal_request(
    client: FlaskClient, mint: Mint, route: str, slug: str = "demo", username: str = "u1"
) -> TestResponse:
    """A request that succeeds when no fault is armed, on a path the catalogued ``route`` matches."""
    created = client.post(CREATE_USER.format(slug=slug), json={"token": mint({"username": username}, SECRET)})
    if route.startswith("/auth/login"):
        return client.post(LOGIN, json={"token": created.get_json()["authToken"]})
    return created


def test_the_catalogue_lists_every_documented_intake24_error(client: FlaskClient) -> None:
    listed = client.get("/__sandbox/faults/catalogue").get_json()["faults"]
    assert [f["name"] for f in listed if f["vendor"] == "intake24"] == INTAKE24_FAULTS
    limited = spec_of(client, "intake24.rate_limited")
    assert (limited["status"], limited["body"]) == (429, {"message": "Too many requests, try again later."})
    assert limited["headers"] == {
        "Content-Type": "application/json; charset=utf-8",
        "RateLimit": "limit=300, remaining=0, reset=300",
        "RateLimit-Policy": "300;w=300",
        "Retry-After": "300",
    }
    assert spec_of(client, "intake24.create_user_race_lost")["body"] == {"message": "Validation error"}
    assert spec_of(client, "intake24.jwt_expired")["body"] == {"message": "jwt expired"}
    assert spec_of(client, "intake24.invalid_route")["body"] == "Invalid route"
    assert spec_of(client, "intake24.validation_error")["body"] == {
        "message": 'Validation error: Required at "token"',
        "errors": {
            "token": {
                "type": "field",
                "location": "body",
                "code": "invalid_type",
                "msg": '"Token" must be filled in.',
                "path": "token",
                "value": None,
            }
        },
    }
    assert {f["kind"] for f in listed if f["name"] in ANSWERS} == {"answer"}


@pytest.mark.parametrize("name", ANSWERS)
def test_each_catalogue_entry_is_answered_exactly_then_disarms(client: FlaskClient, mint: Mint, name: str) -> None:
    spec = spec_of(client, name)
    arm(client, name=name, times=1)

    faulted = normal_request(client, mint, spec["route"])
    assert faulted.status_code == spec["status"]
    assert faulted.get_json() == spec["body"]
    for header, value in spec["headers"].items():
        assert faulted.headers[header] == value, header
    after = normal_request(client, mint, spec["route"], username="u2")
    assert after.status_code == 200, after.get_json()  # used up

    entries = client.get("/__sandbox/journal?vendor=intake24&limit=10").get_json()["entries"]
    fired = [e for e in entries if e["rule"] == f"fault:{name}"]
    assert len(fired) == 1
    assert fired[0]["verdict"] == "rejected"
    assert fired[0]["status"] == spec["status"]


def test_a_fault_for_one_survey_never_touches_another(
    client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]
) -> None:
    make_survey("other", genUserKey=SECRET)
    arm(client, name="intake24.jwt_expired", tenant="demo")

    for number in range(3):
        other = client.post(CREATE_USER.format(slug="other"), json={"token": mint({"username": f"o{number}"}, SECRET)})
        assert other.status_code == 200
    for _ in range(2):  # no `times`: until disarmed
        demo = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "d"}, SECRET)})
        assert (demo.status_code, demo.get_json()) == (403, {"message": "jwt expired"})


def test_survey_app_pages_are_scoped_by_survey_too(client: FlaskClient, make_survey: Callable[..., Any]) -> None:
    make_survey("other")
    arm(client, vendor="intake24", status=503, body={"message": "maintenance"}, tenant="other")
    assert client.get("/intake24/survey/demo").status_code == 200
    assert client.get("/intake24/survey/other").status_code == 503


def test_catalogued_routes_keep_api_faults_off_the_survey_app(client: FlaskClient, mint: Mint) -> None:
    arm(client, name="intake24.rate_limited")
    assert client.get("/intake24/survey/demo").status_code == 200
    assert normal_request(client, mint, "/surveys/*").status_code == 429


def test_a_route_given_when_arming_overrides_the_catalogued_one(client: FlaskClient, mint: Mint) -> None:
    arm(client, name="intake24.rate_limited", route="/auth/*")
    assert normal_request(client, mint, "/surveys/*").status_code == 200
    assert normal_request(client, mint, "/auth/login/token", username="u2").status_code == 429


def test_partner_faults_never_answer_incoming_requests(client: FlaskClient, mint: Mint, app: Flask) -> None:
    for name in INTAKE24_FAULTS:
        if name.startswith("intake24.notification_"):
            arm(client, name=name)
    assert normal_request(client, mint, "/surveys/*").status_code == 200
    with app.app_context():
        assert {catalogue()[n].kind for n in INTAKE24_FAULTS if n not in ANSWERS} == {
            "postpone",
            "duplicate",
            "reorder",
        }
    assert all(f["fired"] == 0 for f in client.get("/__sandbox/faults?vendor=intake24").get_json()["faults"])


@pytest.mark.parametrize(
    "path",
    [
        "/intake24/api/Surveys/demo/create-user",
        "/intake24/API/SURVEYS/demo/Create-User/",
        "/intake24/Api//surveys/demo/create-user",
    ],
)
def test_a_fault_fires_for_the_route_as_express_names_it(client: FlaskClient, mint: Mint, path: str) -> None:
    """Armed for ``/surveys/*``, it fires for every spelling Express routes to the same view (issue
    19): the core matches the route as the vendor canonicalises it (``canonical_route``)."""
    arm(client, name="intake24.rate_limited", route="/surveys/*")
    answer = client.post(path, json={"token": mint({"username": "FaultCase"})})
    assert answer.status_code == 429
    assert [f["fired"] for f in client.get("/__sandbox/faults?vendor=intake24").get_json()["faults"]] == [1]


def test_a_fault_keeps_a_parameters_case(client: FlaskClient, mint: Mint) -> None:
    """Parameters keep the case they were sent in (Express's ``req.params``): ``/surveys/Demo/*``
    is not ``/surveys/demo/...``."""
    arm(client, name="intake24.rate_limited", route="/surveys/Demo/*")
    assert normal_request(client, mint, "/surveys/*").status_code == 200
