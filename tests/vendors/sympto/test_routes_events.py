"""Sympto's event webhook registrations (issue #14 item 1): the documented answers, the errors in the
Sympto envelope, the endpointSecret shown once and redacted everywhere else, one registration per clinic."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sandbox.core.journal import journal_entries
from tests.vendors.sympto.support import Receiver, create_patient, deliveries, login, register

PATHS = ("/sympto/responses/webhook", "/sympto/patients/webhook")


def test_the_responses_webhook_answers_the_endpoint_secret(client: FlaskClient) -> None:
    answer = client.post(PATHS[0], json={"url": "https://partner.example/hooks/responses"}, headers=login(client))
    assert answer.status_code == 200
    assert answer.json["Status"] == "OK"
    assert set(answer.json["Response"]) == {"endpointSecret"}
    assert len(answer.json["Response"]["endpointSecret"]) >= 32


def test_the_patients_webhook_answers_true(client: FlaskClient) -> None:
    answer = client.post(PATHS[1], json={"url": "https://partner.example/hooks/patients"}, headers=login(client))
    assert answer.status_code == 200
    assert answer.json == {"Status": "OK", "Response": True}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("body", "code", "says"),
    [
        ({}, "invalid_body", "`url` is required"),
        ({"url": "ftp://partner.example/hook"}, "invalid_body", "`url` must be an absolute http:// or https:// URL"),
        ({"url": 7}, "invalid_body", "`url`"),
        ([], "body_not_object", "JSON object"),
    ],
)
def test_a_bad_registration_is_a_400_in_the_envelope(
    client: FlaskClient, path: str, body: object, code: str, says: str
) -> None:
    answer = client.post(path, json=body, headers=login(client))
    assert answer.status_code == 400
    assert answer.json["Status"] == "ERROR"
    assert answer.json["Response"] is None
    assert answer.json["Code"] == code
    assert says in answer.json["Message"]


@pytest.mark.parametrize("path", PATHS)
def test_a_registration_needs_the_bearer_token(client: FlaskClient, path: str) -> None:
    answer = client.post(path, json={"url": "https://partner.example/hook"})
    assert answer.status_code == 401
    assert answer.json["Status"] == "ERROR"
    assert answer.json["Code"] == "missing_bearer"


def test_the_endpoint_secret_is_never_shown_again(app: Flask, client: FlaskClient) -> None:
    secret = register(client, login(client), "responses", "https://partner.example/hook")["endpointSecret"]
    for path in ("/__sandbox/sympto/clinics", "/__sandbox/sympto/deliveries", "/__sandbox/journal?limit=100"):
        shown = client.get(path)
        assert shown.status_code == 200, path
        assert secret not in shown.get_data(as_text=True), path
    with app.extensions["sandbox.store"].connect() as connection:
        rows = connection.execute(select(journal_entries)).all()
    assert secret not in json.dumps([list(map(str, row)) for row in rows])


def test_registrations_are_per_clinic(client: FlaskClient) -> None:
    other = {"admin_email": "other-admin@example.test", "api_secret": "other-clinic-api-secret"}
    assert client.put("/__sandbox/sympto/clinics/other-clinic", json=other).status_code == 200
    demo = login(client)
    answer = client.post(
        "/sympto/authorization", json={"clientId": other["admin_email"], "clientSecret": other["api_secret"]}
    )
    theirs = {"Authorization": f"Bearer {answer.json['Response']}"}
    with Receiver() as receiver:
        register(client, demo, "patients", receiver.url("demo"))
        register(client, theirs, "patients", receiver.url("other"))
        create_patient(client, theirs)
        create_patient(client, demo, email="demo-patient@example.test")
        found = deliveries(client)
    assert sorted(call["path"] for call in receiver.calls) == ["/demo", "/other"]
    assert {d["clinic_id"] for d in found} == {"demo-clinic", "other-clinic"}
