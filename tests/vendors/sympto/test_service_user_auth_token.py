"""The current flow: POST /authorization/login/token → userAuthToken (60 s, single use) → ?userAuthToken=."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from contracts.sympto import messages
from sandbox.core.clock import Clock
from tests.vendors.sympto.support import create_provider

DANA = "dana@example.test"


def issue(client: FlaskClient, headers: dict[str, str], email: str = DANA) -> str:
    response = client.post("/sympto/authorization/login/token", json={"email": email}, headers=headers)
    assert response.status_code == 200, response.json
    return str(response.json["Response"]["userAuthToken"])


def test_token_signs_the_user_in(client: FlaskClient, headers: dict[str, str]) -> None:
    create_provider(client, headers, DANA)
    page = client.get(f"/sympto/?userAuthToken={issue(client, headers)}")
    assert page.status_code == 200
    assert f"Signed in as <strong>{DANA}</strong>" in page.get_data(as_text=True)
    assert client.get_cookie("sympto_session", path="/sympto") is not None


def test_token_is_single_use(client: FlaskClient, headers: dict[str, str]) -> None:
    create_provider(client, headers, DANA)
    token = issue(client, headers)
    assert client.get(f"/sympto/?userAuthToken={token}").status_code == 200
    again = client.get(f"/sympto/?userAuthToken={token}")
    assert again.status_code == 401
    assert messages.USER_AUTH_TOKEN_USED in again.get_data(as_text=True)


@pytest.mark.parametrize(("wait", "status"), [(59, 200), (59.999, 200), (60, 401), (3600, 401)])
def test_token_lives_sixty_seconds(
    client: FlaskClient, headers: dict[str, str], clock: Clock, wait: float, status: int
) -> None:
    create_provider(client, headers, DANA)
    token = issue(client, headers)
    clock.advance(wait)
    page = client.get(f"/sympto/?userAuthToken={token}")
    assert page.status_code == status
    if status == 401:
        assert "The userAuthToken expired" in page.get_data(as_text=True)


def test_an_expired_attempt_does_not_consume_the_token(
    client: FlaskClient, headers: dict[str, str], clock: Clock
) -> None:
    create_provider(client, headers, DANA)
    token = issue(client, headers)
    clock.advance(61)
    assert client.get(f"/sympto/?userAuthToken={token}").status_code == 401
    clock.advance(-61)
    assert client.get(f"/sympto/?userAuthToken={token}").status_code == 200


def test_unknown_token(client: FlaskClient) -> None:
    page = client.get("/sympto/?userAuthToken=forged")
    assert page.status_code == 401
    assert messages.USER_AUTH_TOKEN_UNKNOWN in page.get_data(as_text=True)


def test_unknown_email_is_404(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post("/sympto/authorization/login/token", json={"email": "ghost@example.test"}, headers=headers)
    assert response.status_code == 404
    assert response.json["Message"] == messages.UNKNOWN_EMAIL.format(email='"ghost@example.test"')


def test_requires_a_bearer_token(client: FlaskClient) -> None:
    response = client.post("/sympto/authorization/login/token", json={"email": DANA})
    assert response.status_code == 401


def test_deep_link_accepts_the_token(client: FlaskClient, headers: dict[str, str]) -> None:
    create_provider(client, headers, DANA)
    page = client.get(f"/sympto/provider/dashboard?userAuthToken={issue(client, headers)}")
    assert page.status_code == 200
    assert "Signed in as" in page.get_data(as_text=True)
