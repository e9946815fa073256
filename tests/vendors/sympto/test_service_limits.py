"""Sympto size limits, the capped user listings and the per-clinic user and group quotas, through HTTP.

Sympto publishes no limits; the sandbox's own are strings of at most 255 characters (emails 254,
URLs 2048, secrets 500), at most 10 notification kinds, at most 1000 users per listing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, insert, select

from contracts.fields import DEFAULT_MAX_LENGTH
from contracts.sympto.schemas import MAX_NOTIFICATION_KINDS, SECRET_MAX_LENGTH
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.core.limits import Limits
from sandbox.vendors.sympto.models import bearer_tokens, users
from sandbox.vendors.sympto.service import MAX_PAGE, access
from tests.vendors.sympto.support import login

PATIENT = {
    "firstName": "Pat",
    "lastName": "Ient",
    "timeZone": "America/Los_Angeles",
    "email": "pat@example.test",
    "notificationType": ["email"],
}


def _patient(**changes: Any) -> dict[str, Any]:
    return {**PATIENT, **changes}


@pytest.mark.parametrize("field", ["firstName", "lastName", "mrn"])
def test_a_name_of_255_characters_is_stored_and_256_is_refused(
    client: FlaskClient, headers: dict[str, str], field: str
) -> None:
    at_limit = client.post("/sympto/providers/patients", json=_patient(**{field: "é" * 255}), headers=headers)
    assert at_limit.status_code == 200, at_limit.json
    beyond = client.post(
        "/sympto/providers/patients", json=_patient(email="b@example.test", **{field: "é" * 256}), headers=headers
    )
    assert (beyond.status_code, beyond.json["Status"], beyond.json["Code"]) == (400, "ERROR", "invalid_body")
    assert f"`{field}` must be at most {DEFAULT_MAX_LENGTH} characters, got 256" in beyond.json["Message"]


def test_the_480_kb_names_of_the_issue_are_refused_and_not_stored(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    before = _user_count(app)
    name = "N" * 480_000
    response = client.post("/sympto/providers/patients", json=_patient(firstName=name, lastName=name), headers=headers)
    assert (response.status_code, response.json["Code"]) == (400, "invalid_body")
    assert _user_count(app) == before


def test_notification_kinds_are_capped(client: FlaskClient, headers: dict[str, str]) -> None:
    at_limit = _patient(notificationType=["email"] * MAX_NOTIFICATION_KINDS)
    assert client.post("/sympto/providers/patients", json=at_limit, headers=headers).status_code == 200
    beyond = _patient(email="b@example.test", notificationType=["email"] * (MAX_NOTIFICATION_KINDS + 1))
    response = client.post("/sympto/providers/patients", json=beyond, headers=headers)
    assert response.status_code == 400
    assert "`notificationType` may hold at most 10 entries" in response.json["Message"]


def test_a_webhook_secret_of_500_characters_is_stored_and_501_is_refused(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    def configure(secret: str) -> int:
        body = {"webhookData": {"url": "https://partner.example/hook", "secret": secret}}
        return client.post("/sympto/clinicAdmin/webhook", json=body, headers=headers).status_code

    assert configure("s" * SECRET_MAX_LENGTH) == 200
    assert configure("s" * (SECRET_MAX_LENGTH + 1)) == 400


def test_a_group_name_over_255_characters_is_refused(client: FlaskClient, headers: dict[str, str]) -> None:
    assert client.post("/sympto/providers/groups", json={"groupName": "g" * 255}, headers=headers).status_code == 200
    assert client.post("/sympto/providers/groups", json={"groupName": "g" * 256}, headers=headers).status_code == 400


def _user_count(app: Flask) -> int:
    with app.extensions["sandbox.store"].connect() as connection:
        return int(connection.execute(select(func.count()).select_from(users)).scalar_one())


def _add_patients(app: Flask, count: int) -> None:
    """Store ``count`` patients of the demo clinic directly (HTTP would be slow for a thousand)."""
    rows = [
        {
            "user_id": f"00000000-0000-4000-8000-{n:012d}",
            "clinic_id": "demo-clinic",
            "kind": "patient",
            "role": None,
            "first_name": "P",
            "last_name": f"N{n}",
            "email_key": f"p{n}@example.test",
            "email": f"p{n}@example.test",
            "phone": None,
            "time_zone": "UTC",
            "details": {},
            "created_at": 0.0,
        }
        for n in range(count)
    ]
    with app.extensions["sandbox.store"].begin() as connection:
        connection.execute(insert(users), rows)


@pytest.mark.parametrize("path", ["/sympto/clinicAdmin/users", "/sympto/providers/patient"])
def test_a_listing_answers_at_most_1000_users_and_pages_on(
    app: Flask, client: FlaskClient, headers: dict[str, str], path: str
) -> None:
    _add_patients(app, MAX_PAGE + 5)
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    assert len(first.json["Response"]) == MAX_PAGE
    (entry,) = client.get("/__sandbox/journal?vendor=sympto&limit=1").json["entries"]
    assert entry["verdict"] == "accepted_with_warnings"
    assert entry["warnings"][0]["rule"] == "list_capped"
    last = first.json["Response"][-1]["id"]
    assert f"?offset={last}" in entry["warnings"][0]["message"]
    rest = client.get(f"{path}?offset={last}", headers=headers).json["Response"]
    seen = {u["id"] for u in first.json["Response"]} | {u["id"] for u in rest}
    admin = 1 if path.endswith("/users") else 0  # the clinic admin is a provider, not a patient
    assert len(seen) == MAX_PAGE + 5 + admin
    assert len(client.get(f"{path}?limit=5000", headers=headers).json["Response"]) == MAX_PAGE


def test_a_page_the_partner_asked_for_is_not_a_warning(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    _add_patients(app, MAX_PAGE + 1)
    assert len(client.get("/sympto/providers/patient?limit=2", headers=headers).json["Response"]) == 2
    (entry,) = client.get("/__sandbox/journal?vendor=sympto&limit=1").json["entries"]
    assert entry["verdict"] == "accepted"
    assert len(client.get("/sympto/providers/patient?limit=0", headers=headers).json["Response"]) == 0
    assert len(client.get("/sympto/providers/patient", headers=headers).json["Response"]) == MAX_PAGE


@pytest.fixture
def small_app(sandbox_settings: Settings, clock: Clock) -> Iterator[Flask]:
    """A sandbox whose Sympto clinics may keep 3 users (the clinic admin is one) and 2 groups."""
    application = create_app(replace(sandbox_settings, limits=Limits(users=3, groups=2)), clock=clock, random_seed=5)
    yield application
    application.extensions["sandbox.store"].dispose()


def test_a_user_beyond_the_quota_is_refused_and_journaled(small_app: Flask) -> None:
    client = small_app.test_client()
    headers = login(client)
    for n in (1, 2):
        body = _patient(email=f"p{n}@example.test")
        assert client.post("/sympto/providers/patients", json=body, headers=headers).status_code == 200
    beyond = client.post("/sympto/providers/patients", json=_patient(email="p3@example.test"), headers=headers)
    assert (beyond.status_code, beyond.json["Status"], beyond.json["Code"]) == (422, "ERROR", "quota_users")
    assert "Sympto clinic 'demo-clinic' already has 3 users" in beyond.json["Message"]
    assert "[limits] users" in beyond.json["Message"]
    assert _user_count(small_app) == 3
    (entry,) = client.get("/__sandbox/journal?vendor=sympto&limit=1").json["entries"]
    assert (entry["verdict"], entry["rule"], entry["status"]) == ("rejected", "quota_users", 422)


def test_a_duplicate_at_the_quota_is_still_answered_as_a_duplicate(small_app: Flask) -> None:
    client = small_app.test_client()
    headers = login(client)
    for n in (1, 2):
        body = _patient(email=f"p{n}@example.test")
        assert client.post("/sympto/providers/patients", json=body, headers=headers).status_code == 200
    assert (
        client.post("/sympto/providers/patients", json=_patient(email="p3@example.test"), headers=headers).json["Code"]
        == "quota_users"
    )
    again = client.post("/sympto/providers/patients", json=_patient(email="p1@example.test"), headers=headers)
    assert (again.status_code, again.json["Code"]) == (422, "duplicate_email")


def test_a_group_beyond_the_quota_is_refused(small_app: Flask) -> None:
    client = small_app.test_client()
    headers = login(client)
    for name in ("a", "b"):
        assert client.post("/sympto/providers/groups", json={"groupName": name}, headers=headers).status_code == 200
    beyond = client.post("/sympto/providers/groups", json={"groupName": "c"}, headers=headers)
    assert (beyond.status_code, beyond.json["Code"]) == (422, "quota_groups")


def test_the_openapi_document_states_the_limits(client: FlaskClient) -> None:
    document = client.get("/__sandbox/openapi.json").json
    patient = document["components"]["schemas"]["SymptoPatient"]["properties"]
    assert patient["firstName"]["maxLength"] == DEFAULT_MAX_LENGTH
    assert patient["notificationType"]["maxItems"] == MAX_NOTIFICATION_KINDS
    listing = document["paths"]["/sympto/clinicAdmin/users"]["get"]["parameters"]
    assert {p["name"] for p in listing} == {"query", "limit", "offset"}


def test_bearer_tokens_are_kept_per_clinic_up_to_a_cap(monkeypatch: pytest.MonkeyPatch, client: FlaskClient) -> None:
    monkeypatch.setattr(access, "MAX_BEARER_TOKENS", 2)
    tokens = [login(client) for _ in range(4)]
    answers = [client.get("/sympto/clinicAdmin/users?limit=1", headers=t).status_code for t in tokens]
    assert answers.count(200) == 2
    assert answers[-1] == 200  # the token just issued is never the one dropped
    with client.application.extensions["sandbox.store"].connect() as connection:
        assert connection.execute(select(func.count()).select_from(bearer_tokens)).scalar_one() == 2


def test_tokens_expired_for_a_day_are_forgotten_at_the_next_login(client: FlaskClient, clock: Clock) -> None:
    first = login(client)
    clock.freeze(clock.now() + 3600)
    expired = client.get("/sympto/clinicAdmin/users", headers=first)
    assert (expired.status_code, expired.json["Code"]) == (401, "expired_bearer")  # still known an hour on
    clock.freeze(clock.now() + 24 * 3600)
    login(client)
    assert client.get("/sympto/clinicAdmin/users", headers=first).json["Code"] == "unknown_bearer"
