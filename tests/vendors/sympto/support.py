"""Sympto test helpers: the demo credentials, partner credentials, and small API calls."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from flask import Flask, Response, request
from flask.testing import FlaskClient

from sandbox.testing.live import LiveServer
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service.catalogue import GENERIC_SURVEYS

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
        "notificationType": ["alert", "patient-message"],
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


# --- events (issue #14) -------------------------------------------------------------------------------------

CLINIC = "demo-clinic"
PATIENT = {
    "firstName": "Pat",
    "lastName": "Patient",
    "timeZone": "America/Los_Angeles",
    "email": "pat@example.test",
    "notificationType": ["email"],
}


class Receiver:
    """A partner's event webhook on a real loopback port: records every delivery (raw body and
    headers), answers 500 to the first ``fail`` ones and 200 after (``status`` to change that)."""

    def __init__(self, fail: int = 0, status: int = 200) -> None:
        self.fail = fail
        self.status = status
        self.calls: list[dict[str, Any]] = []
        app = Flask("sympto-events-receiver")

        @app.post("/<path:hook>")
        def hook(hook: str) -> Response:
            self.calls.append({"path": "/" + hook, "headers": dict(request.headers), "body": request.get_data()})
            failing = len(self.calls) <= self.fail
            return Response("no" if failing else "true", status=500 if failing else self.status)

        self.server = LiveServer(app)

    def __enter__(self) -> Receiver:
        self.server.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.stop()

    def url(self, hook: str = "hook") -> str:
        return f"{self.server.url}/{hook}"


def register(client: FlaskClient, headers: dict[str, str], kind: str, url: str) -> Any:
    """``POST /sympto/<kind>/webhook {url}`` (kind: responses or patients); the ``Response`` answered."""
    answer = client.post(f"/sympto/{kind}/webhook", json={"url": url}, headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json["Response"]


def create_patient(
    client: FlaskClient, headers: dict[str, str], path: str = "/sympto/providers/patients", **extra: Any
) -> str:
    answer = client.post(path, json={**PATIENT, **extra}, headers=headers)
    assert answer.status_code == 200, answer.json
    return str(answer.json["Response"])


def deliveries(client: FlaskClient, wait: float = 10.0) -> list[dict[str, Any]]:
    """Every delivery, after waiting until none is being sent or due (the control plane's ``wait``)."""
    answer = client.get("/__sandbox/sympto/deliveries", query_string={"wait": wait})
    assert answer.status_code == 200, answer.json
    assert answer.json["settled"] is True
    found: list[dict[str, Any]] = answer.json["deliveries"]
    return found


# --- the rest of the current API (issue #14, item 6): patients with a phone number ------------------------

PHONE_PATIENT = {
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


def create_phone_patient(client: FlaskClient, headers: dict[str, str], **changes: Any) -> str:
    response = client.post("/sympto/providers/patients", json={**PHONE_PATIENT, **changes}, headers=headers)
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


def sympto_without_worker(app: Flask, monkeypatch: pytest.MonkeyPatch) -> SymptoService:
    """The app's Sympto service with no events worker: nothing is sent, what is due goes out only when a test sends
    it, and queued events stay in the queue to be looked at."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    monkeypatch.setattr(service.events, "deliverer", None)
    return service


def adhoc_survey(service: SymptoService, patient: str, clinic: str = CLINIC, **changes: Any) -> str:
    """An adhoc recurring survey of the patient (no items until sent by hand), of the catalogue's first survey."""
    survey = {
        "genericSurveyId": GENERIC_SURVEYS[0].id_for(clinic),
        "duration": 24,
        "startDatePreference": {"type": "adhoc"},
        **changes,
    }
    return service.surveys.schedule(clinic, patient, survey)


def next_due_at_each_notification(items: Any, monkeypatch: pytest.MonkeyPatch) -> list[float | None]:
    """Record the clinic's ``next_due`` at each item's journaling, while it happens (the journal is still written):
    ``Deliverer.wait`` must not settle between taking work and journaling it."""
    seen: list[float | None] = []
    journal = items._notify

    def notify(item: Any, reminder: bool = False) -> None:
        seen.append(items.next_due(CLINIC))
        journal(item, reminder)

    monkeypatch.setattr(items, "_notify", notify)
    return seen
