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


# --- the rest of the current API (issue #14, item 6) --------------------------------------------------

PATIENT = {
    "firstName": "Pat",
    "lastName": "Ient",
    "timeZone": "America/Los_Angeles",
    "email": "pat@example.test",
    "phoneNumber": "+16505550100",
    "notificationType": ["email"],
}
CLINIC_B = {"admin_email": "admin-b@example.test", "api_secret": "clinic-b-api-secret"}
#: A value of every JSON type but the string (and the string for fields of other types).
NOT_STRINGS: tuple[object, ...] = (None, True, 3, 2.5, [], {})
EVERY_JSON_TYPE: tuple[object, ...] = (*NOT_STRINGS, "text")


def create_patient(client: FlaskClient, headers: dict[str, str], **changes: Any) -> str:
    response = client.post("/sympto/providers/patients", json={**PATIENT, **changes}, headers=headers)
    assert response.status_code == 200, response.json
    return str(response.json["Response"])


def clinic_b(client: FlaskClient) -> dict[str, str]:
    """A second clinic and its admin's bearer headers (for another clinic's ids)."""
    assert client.put("/__sandbox/sympto/clinics/clinic-b", json=CLINIC_B).status_code == 200
    response = client.post(
        "/sympto/authorization", json={"clientId": CLINIC_B["admin_email"], "clientSecret": CLINIC_B["api_secret"]}
    )
    return {"Authorization": f"Bearer {response.json['Response']}"}


def last_entry(client: FlaskClient) -> dict[str, Any]:
    entry: dict[str, Any] = client.get("/__sandbox/journal?vendor=sympto&limit=1").json["entries"][0]
    return entry


def refused(response: Any, status: int, code: str) -> None:
    """An error in Sympto's envelope with that status and rule."""
    assert (response.status_code, response.json["Status"], response.json["Response"], response.json["Code"]) == (
        status,
        "ERROR",
        None,
        code,
    ), response.json
