"""Small helpers for CirrusMD tests: the endpoint, a valid body, a signed header."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from contracts.cirrusmd.tokens import VALID, Credentials

SESSIONS = "/cirrusmd/sdk/v2/public/sessions"
DEMO = Credentials()


def member_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_user_id": "partner-user-1",
        "email": "jane@jones.com",
        "first_name": "Jane",
        "last_name": "Jones",
        "dob": "1977-01-11T00:00:00Z",
        "gender": "female",
        "zipcode": None,
        "member_id": "M-1",
        "metadata": {},
    }
    body.update(changes)
    return body


def valid_headers(now: float, credentials: Credentials = DEMO) -> dict[str, str]:
    authorization = VALID.authorization(credentials, now)
    assert authorization is not None
    return {"Authorization": authorization, "Accept": "application/json"}


def post_session(
    client: FlaskClient,
    now: float,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    credentials: Credentials = DEMO,
) -> TestResponse:
    return client.post(
        SESSIONS,
        json=member_body() if body is None else body,
        headers=valid_headers(now, credentials) if headers is None else headers,
    )
