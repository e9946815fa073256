"""Token login (``/api/auth/login/token``) and the respondent session/submission API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient

from tests.vendors.intake24.support import CREATE_USER, LOGIN, NOW, Mint


@pytest.fixture
def respondent(client: FlaskClient, mint: Mint) -> dict[str, Any]:
    body: dict[str, Any] = client.post(
        CREATE_USER.format(slug="demo"), json={"token": mint({"username": "resp1"})}
    ).get_json()
    return body


def login(client: FlaskClient, token: str) -> str:
    response = client.post(LOGIN, json={"token": token})
    assert response.status_code == 200, response.get_json()
    access: str = response.get_json()["accessToken"]
    return access


def test_login_returns_access_token_and_refresh_cookie(client: FlaskClient, respondent: dict[str, Any]) -> None:
    response = client.post(LOGIN, json={"token": respondent["authToken"]})
    assert response.status_code == 200
    assert list(response.get_json()) == ["accessToken"]
    claims = jwt.decode(response.get_json()["accessToken"], options={"verify_signature": False})
    assert claims["iss"] == "intake24"
    assert claims["aud"] == ["survey", "access"]
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert claims["iat"] == NOW
    assert claims["userId"] == respondent["userId"]
    assert claims["surveyId"] == "demo"
    assert claims["permissions"] == ["demo/respondent"]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("it24s_refresh_token=")
    for part in ("Max-Age=86400", "Path=/intake24/api/auth", "HttpOnly", "SameSite=Lax"):
        assert part in cookie


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"token": "no-such-token"}, 401, {"message": "Provided credentials do not match our records."}),
        (
            {},
            400,
            {
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
            },
        ),
    ],
)
def test_login_failures(client: FlaskClient, body: dict[str, Any], status: int, expected: dict[str, Any]) -> None:
    response = client.post(LOGIN, json=body)
    assert (response.status_code, response.get_json()) == (status, expected)


def test_captcha_survey_answers_with_a_challenge(
    client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]
) -> None:
    make_survey("cap", authCaptcha=True)
    created = client.post(
        CREATE_USER.format(slug="cap"), json={"token": mint({"username": "c"}, "study-secret-0123456789-0123456789")}
    ).get_json()
    response = client.post(LOGIN, json={"token": created["authToken"]})
    assert response.get_json() == {"surveyId": "cap", "provider": "captcha"}
    wrong = client.post(LOGIN, json={"token": created["authToken"], "captcha": "guess"})
    assert (wrong.status_code, wrong.get_json()) == (401, {"message": "Invalid CAPTCHA challenge."})
    passed = client.post(LOGIN, json={"token": created["authToken"], "captcha": "sandbox-captcha-pass"})
    assert "accessToken" in passed.get_json()


def test_session_start_cancel_submit(client: FlaskClient, respondent: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {login(client, respondent['authToken'])}"}
    started = client.post("/intake24/api/surveys/demo/session", json={}, headers=headers)
    assert started.status_code == 200
    session_id = started.get_json()["sessionId"]
    assert client.delete(f"/intake24/api/surveys/demo/session/{session_id}", headers=headers).status_code == 204
    client.post("/intake24/api/surveys/demo/session", json={}, headers=headers)
    submitted = client.post(
        "/intake24/api/surveys/demo/submission", json={"submission": {"meals": []}}, headers=headers
    )
    assert submitted.status_code == 200
    body = submitted.get_json()
    assert body["submissions"] == 1
    assert body["followUpUrl"] == "https://example.com/intake24/done?user=resp1"


def test_bearer_failures(
    client: FlaskClient, respondent: dict[str, Any], mint: Mint, make_survey: Callable[..., Any]
) -> None:
    missing = client.post("/intake24/api/surveys/demo/session", json={})
    assert (missing.status_code, missing.get_data(as_text=True)) == (401, "Unauthorized")
    assert "Content-Type" not in missing.headers
    forged = client.post(
        "/intake24/api/surveys/demo/session",
        json={},
        headers={"Authorization": "Bearer " + mint({"userId": respondent["userId"]})},
    )
    assert forged.status_code == 401
    make_survey("other")
    headers = {"Authorization": f"Bearer {login(client, respondent['authToken'])}"}
    other = client.post("/intake24/api/surveys/other/session", json={}, headers=headers)
    assert (other.status_code, other.get_json()) == (403, {"message": "Forbidden"})


def test_access_token_expires_after_15_minutes(client: FlaskClient, respondent: dict[str, Any], clock: Any) -> None:
    headers = {"Authorization": f"Bearer {login(client, respondent['authToken'])}"}
    clock.advance(15 * 60)
    assert client.post("/intake24/api/surveys/demo/session", json={}, headers=headers).status_code == 401


def test_client_session_ids_need_not_be_unique_across_respondents(client: FlaskClient, mint: Mint) -> None:
    for username in ("same-id-1", "same-id-2"):
        user = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": username})}).get_json()
        headers = {"Authorization": f"Bearer {login(client, user['authToken'])}"}
        started = client.post("/intake24/api/surveys/demo/session", json={"uxSessionId": "fixed-id"}, headers=headers)
        assert started.get_json() == {"sessionId": "fixed-id"}
