"""Sympto test helpers: the demo credentials, partner credentials, and small API calls."""

from __future__ import annotations

from typing import Any

import requests
from flask.testing import FlaskClient

from sandbox.testing.live import LiveServer

ADMIN = "demo-admin@example.test"
API_SECRET = "demo-sympto-api-secret"
PARTNER_ID = "partner-client-id"
PARTNER_SECRET = "partner-client-secret"
JWT_SECRET = "partner-jwt-secret-of-at-least-32-bytes!"
PARAM = "PartnerApp"


def login(client: FlaskClient) -> dict[str, str]:
    response = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['Response']}"}


def create_provider(client: FlaskClient, headers: dict[str, str], email: str, **extra: Any) -> str:
    body = {
        "firstName": "Dana",
        "lastName": "Doctor",
        "timeZone": "America/New_York",
        "email": email,
        "notificationPreferences": ["email"],
        "notificationType": ["email"],
        **extra,
    }
    response = client.post("/sympto/providers", json=body, headers=headers)
    assert response.status_code == 200, response.json
    return str(response.json["Response"])


def register_endpoint(client: FlaskClient, headers: dict[str, str], url: str, param: str = PARAM) -> None:
    response = client.post(
        "/sympto/clinicAdmin/clinics/endpoint",
        headers=headers,
        json={"endpointURL": url, "clientId": PARTNER_ID, "clientSecret": PARTNER_SECRET, "endpointQueryParam": param},
    )
    assert response.status_code == 200, response.json


def mint(partner: LiveServer, email: str) -> str:
    answer = requests.get(f"{partner.url}/mint", params={"email": email}, timeout=5)
    return str(answer.json()["token"])
