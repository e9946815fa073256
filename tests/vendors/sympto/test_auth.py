"""POST /sympto/authorization, bearer tokens (15 minutes) and the failure rate limit, through HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.sympto import messages
from sandbox.core.clock import Clock
from sandbox.core.journal import journal
from tests.vendors.sympto.support import ADMIN, API_SECRET


def test_login_returns_the_bearer_token_as_a_string_in_the_envelope(client: FlaskClient) -> None:
    response = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET})
    assert response.status_code == 200
    assert response.json["Status"] == "OK"
    assert isinstance(response.json["Response"], str)
    assert len(response.json["Response"]) >= 32


@pytest.mark.parametrize(
    "body",
    [
        {"clientId": ADMIN, "clientSecret": "wrong"},
        {"clientId": "someone@example.test", "clientSecret": API_SECRET},
    ],
)
def test_wrong_credentials_are_401_with_a_clear_message(client: FlaskClient, body: dict[str, str]) -> None:
    response = client.post("/sympto/authorization", json=body)
    assert response.status_code == 401
    assert response.json == {
        "Status": "ERROR",
        "Response": None,
        "Message": messages.INVALID_CREDENTIALS,
        "Code": "invalid_credentials",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"clientId": ADMIN}, "Invalid request body: `clientSecret` is required."),
        (
            {"clientId": 5, "clientSecret": API_SECRET},
            "Invalid request body: `clientId` must be a string, got a JSON number.",
        ),
        ([ADMIN], "Invalid request body: the body must be a JSON object, got a JSON array."),
    ],
)
def test_bad_bodies_are_400(client: FlaskClient, body: Any, message: str) -> None:
    response = client.post("/sympto/authorization", json=body)
    assert response.status_code == 400
    assert response.json["Message"] == message


def test_rate_limited_after_ten_invalid_attempts_in_five_minutes(client: FlaskClient, clock: Clock) -> None:
    bad = {"clientId": ADMIN, "clientSecret": "wrong"}
    for _ in range(10):
        assert client.post("/sympto/authorization", json=bad).status_code == 401
    limited = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET})
    assert limited.status_code == 429
    assert limited.json["Code"] == "rate_limited"
    assert limited.headers["Retry-After"] == "301"
    clock.advance(301)
    assert client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET}).status_code == 200


def test_successful_logins_are_not_limited(client: FlaskClient) -> None:
    good = {"clientId": ADMIN, "clientSecret": API_SECRET}
    for _ in range(15):
        assert client.post("/sympto/authorization", json=good).status_code == 200


def test_bearer_token_lives_fifteen_minutes(client: FlaskClient, clock: Clock, headers: dict[str, str]) -> None:
    clock.advance(15 * 60 - 1)
    assert client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 200
    clock.advance(1)
    response = client.get("/sympto/clinicAdmin/users", headers=headers)
    assert response.status_code == 401
    assert response.json["Message"] == messages.EXPIRED_BEARER.format(ago=0)


@pytest.mark.parametrize(
    ("authorization", "code", "message"),
    [
        (None, "missing_bearer", messages.MISSING_BEARER),
        ("Bearer ", "missing_bearer", messages.MISSING_BEARER),
        ("Basic abc", "not_bearer", messages.NOT_BEARER.format(scheme='"Basic"')),
        ("Bearer not-a-token", "unknown_bearer", messages.UNKNOWN_BEARER),
        # the scheme is the first word only: the rest, spaces and all, is the (unknown) token
        ("Bearer not a token", "unknown_bearer", messages.UNKNOWN_BEARER),
        ("bEaReR not-a-token", "unknown_bearer", messages.UNKNOWN_BEARER),
    ],
)
def test_bad_bearer_tokens_are_401(client: FlaskClient, authorization: str | None, code: str, message: str) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/sympto/clinicAdmin/clinics/endpoint", headers=headers)
    assert response.status_code == 401
    assert (response.json["Code"], response.json["Message"]) == (code, message)


def test_bearer_is_checked_before_the_body(client: FlaskClient) -> None:
    response = client.post("/sympto/providers/patients", data="not json", content_type="application/json")
    assert response.status_code == 401


def test_a_raw_token_without_a_scheme_is_quoted_by_length_and_4_characters_only(client: FlaskClient) -> None:
    """Issue 12 item 3: the 401 once echoed the first 28 characters of a token sent without ``Bearer``."""
    token = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET}).json["Response"]
    response = client.get("/sympto/clinicAdmin/users", headers={"Authorization": token})
    assert response.status_code == 401
    assert response.json["Message"] == messages.NOT_BEARER.format(
        scheme=f'a {len(token)}-character value starting "{token[:4]}…"'
    )
    assert token[:5] not in response.get_data(as_text=True)


def test_the_journal_keeps_no_bearer_token_or_api_secret_but_keeps_the_error_code(
    client: FlaskClient, app: Flask
) -> None:
    """The token answered by /authorization is redacted in the stored answer (the client still gets
    it); the API secret in the request too; Sympto's error ``Code`` is no secret and is kept."""
    granted = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET})
    refused = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": "wrong-secret-value"})
    with app.app_context():
        stored = journal().entries(vendor="sympto")
    text = json.dumps(stored)
    assert granted.json["Response"] not in text
    assert API_SECRET not in text
    assert "wrong-secret-value" not in text
    assert stored[1]["response"]["body"] == {"Status": "OK", "Response": "[redacted]"}
    assert stored[0]["response"]["body"]["Code"] == refused.json["Code"] == "invalid_credentials"
    assert stored[0]["request"]["body"] == {"clientId": ADMIN, "clientSecret": "[redacted]"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"clientId": "a@b.test", "clientSecret": "SECRET-IN-BROKEN-JSON",'),
        ("text/plain", '{"clientId": "a@b.test", "clientSecret": "SECRET-IN-TEXT-PLAIN"}'),
        ("application/json", json.dumps({"clientSecret": "SECRET-IN-A-LARGE-BODY", "pad": "p" * 20_000})),
    ],
)
def test_bodies_the_journal_cannot_keep_whole_lose_their_secrets(
    client: FlaskClient, app: Flask, content_type: str, body: str
) -> None:
    """Malformed JSON, ``text/plain`` and JSON over 16 KiB were once stored as a raw 2 KiB excerpt."""
    client.post("/sympto/authorization", data=body, content_type=content_type)
    with app.app_context():
        stored = journal().entries(vendor="sympto", limit=1)[0]["request"]["body"]
    assert isinstance(stored, str)
    assert "SECRET-IN" not in stored
    assert len(stored) <= 2300
