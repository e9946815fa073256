"""Tokens the sandbox issues never pass as a partner's API token, at any vendor."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import SESSIONS, member_body, post_session

ADMIN, API_SECRET = "demo-admin@example.test", "demo-sympto-api-secret"
INTAKE24_SECRET = "demo-intake24-jwt-secret-change-me"


def issued_tokens(client: FlaskClient) -> dict[str, str]:
    from contracts.jws import sign_hmac

    cirrusmd = post_session(client, FROZEN_AT).json["access_token"]
    created = client.post(
        "/intake24/api/surveys/demo/create-user", json={"token": sign_hmac({"username": "r-1"}, INTAKE24_SECRET)}
    )
    assert created.status_code == 200, created.json
    login = client.post("/intake24/api/auth/login/token", json={"token": created.json["authToken"]})
    assert login.status_code == 200, login.json
    sympto = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET})
    assert sympto.status_code == 200, sympto.json
    return {
        "cirrusmd access_token": cirrusmd,
        "intake24 accessToken": login.json["accessToken"],
        "sympto bearer": sympto.json["Response"],
    }


@pytest.mark.parametrize("kind", ["cirrusmd access_token", "intake24 accessToken", "sympto bearer"])
def test_an_issued_token_is_refused_where_partners_send_theirs(client: FlaskClient, kind: str) -> None:
    token = issued_tokens(client)[kind]

    cirrusmd = client.post(SESSIONS, json=member_body(), headers={"Authorization": f"Bearer {token}"})
    intake24 = client.post("/intake24/api/surveys/demo/create-user", json={"token": token})

    assert cirrusmd.status_code == 401
    assert intake24.status_code in (400, 403)  # its contract check (400) or its JWT check (403)
    if kind != "sympto bearer":
        sympto = client.get("/sympto/clinicAdmin/clinics/endpoint", headers={"Authorization": f"Bearer {token}"})
        assert sympto.status_code == 401
