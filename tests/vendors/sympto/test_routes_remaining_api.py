"""The parts of the current API a second round added (issue #14, item 6), through HTTP: the 2022-04 patient
deletion path and the provider ``notificationType`` kinds."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.sympto import messages
from contracts.sympto.schemas import PROVIDER_NOTIFICATION_TYPES
from sandbox.vendors.sympto.models import PatientChange
from sandbox.vendors.sympto.wire import SERVICE_KEY
from tests.vendors.sympto.support import (
    EVERY_JSON_TYPE,
    clinic_b,
    create_phone_patient,
    create_provider,
    login,
    refused,
)

PROVIDER = {
    "firstName": "Dana",
    "lastName": "Doctor",
    "timeZone": "America/New_York",
    "email": "dana@example.test",
    "notificationPreferences": ["email"],
    "notificationType": ["alert", "patient-message"],
}


# --- DELETE /providers/patient/:patientTvId (Endpoints.md, 2022-04-25 to 2022-05-11) -------------------------


def test_the_2022_04_delete_path_deletes_the_patient_like_the_current_one(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    heard: list[PatientChange] = []
    app.extensions[SERVICE_KEY].users.patient_listeners.append(heard.append)
    patient = create_phone_patient(client, headers)
    answer = client.delete(f"/sympto/providers/patient/{patient}", headers=headers)
    assert answer.json == {"Status": "OK", "Response": True}
    listed = client.get("/sympto/providers/patient", headers=headers).json["Response"]
    assert patient not in [p["id"] for p in listed]
    refused(client.get(f"/sympto/provider/messaging/{patient}", headers=headers), 404, "unknown_patient")
    assert [(c.patient_id, c.kind, c.generation) for c in heard] == [
        (patient, "created", messages.CURRENT),
        (patient, "deleted", messages.CURRENT),
    ]
    assert create_phone_patient(client, headers) != patient  # its email and number are free again


def test_the_2022_04_delete_path_refuses_bad_auth_unknown_and_foreign_patients(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient = create_phone_patient(client, headers)
    refused(client.delete(f"/sympto/providers/patient/{patient}"), 401, "missing_bearer")
    refused(
        client.delete(f"/sympto/providers/patient/{patient}", headers={"Authorization": "Bearer x"}),
        401,
        "unknown_bearer",
    )
    refused(client.delete("/sympto/providers/patient/nobody", headers=headers), 404, "unknown_patient")
    refused(client.delete(f"/sympto/providers/patient/{patient}", headers=clinic_b(client)), 404, "unknown_patient")
    provider = create_provider(client, headers, "doc@example.test")
    refused(client.delete(f"/sympto/providers/patient/{provider}", headers=headers), 404, "unknown_patient")
    refused(client.put(f"/sympto/providers/patient/{patient}", headers=headers), 405, "method_not_allowed")
    # The other rules under /providers/patient are untouched.
    assert client.get("/sympto/providers/patient", headers=headers).status_code == 200
    assert patient in [p["id"] for p in client.get("/sympto/providers/patient", headers=headers).json["Response"]]


# --- the provider notificationType kinds ------------------------------------------------------------------


def test_a_provider_takes_the_documented_notification_type_kinds_and_gets_them_back(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    kinds = list(PROVIDER_NOTIFICATION_TYPES)
    answer = client.post("/sympto/providers", json={**PROVIDER, "notificationType": kinds}, headers=headers)
    assert answer.status_code == 200, answer.json
    provider = answer.json["Response"]
    team = {u["id"]: u for u in client.get("/sympto/clinicAdmin/careTeam", headers=headers).json["Response"]}
    assert team[provider]["notificationType"] == kinds
    update = {**PROVIDER, "notificationType": ["daily-summary-message"]}
    assert client.post(f"/sympto/clinicAdmin/providers/{provider}/update", json=update, headers=headers).json == {
        "Status": "OK",
        "Response": True,
    }
    team = {u["id"]: u for u in client.get("/sympto/clinicAdmin/careTeam", headers=headers).json["Response"]}
    assert team[provider]["notificationType"] == ["daily-summary-message"]


@pytest.mark.parametrize("kind", ["email", "text", "whatsapp", "email-instrument", "Alert", "alerts"])
@pytest.mark.parametrize("path", ["/sympto/providers", "/sympto/clinicAdmin/providers/{id}/update"])
def test_a_provider_notification_type_outside_the_documented_kinds_is_400(
    client: FlaskClient, headers: dict[str, str], kind: str, path: str
) -> None:
    """The patient kinds (what provider creation took before) are channels, not provider notification kinds."""
    provider = create_provider(client, headers, "first@example.test")
    body = {**PROVIDER, "notificationType": ["alert", kind]}
    answer = client.post(path.format(id=provider), json=body, headers=headers)
    refused(answer, 400, "invalid_body")
    assert "`notificationType` must be one of patient-message, provider-message" in answer.json["Message"]


@pytest.mark.parametrize("value", [*(v for v in EVERY_JSON_TYPE if v != []), [None], [3], [["alert"]], [{"a": 1}]])
def test_a_provider_notification_type_of_every_other_json_type_is_400(
    client: FlaskClient, headers: dict[str, str], value: object
) -> None:
    """An empty list stays allowed (no notifications), as for patients."""
    answer = client.post("/sympto/providers", json={**PROVIDER, "notificationType": value}, headers=headers)
    refused(answer, 400, "invalid_body")
    assert "`notificationType`" in answer.json["Message"]


def test_the_openapi_document_publishes_the_provider_kinds(client: FlaskClient) -> None:
    document = client.get("/__sandbox/openapi.json").json
    provider = document["components"]["schemas"]["SymptoProvider"]["properties"]["notificationType"]
    assert provider["items"]["enum"] == list(PROVIDER_NOTIFICATION_TYPES)
    patient = document["components"]["schemas"]["SymptoPatient"]["properties"]["notificationType"]
    assert "email" in patient["items"]["enum"]


# --- patient attributes ----------------------------------------------------------------------------------


def attributes(client: FlaskClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    answer = client.get("/sympto/providers/clinic/attributes", headers=headers)
    assert answer.status_code == 200, answer.json
    return {a["name"]: a for a in answer.json["Response"]}


def set_attribute(client: FlaskClient, headers: dict[str, str], patient: str, body: Any) -> Any:
    return client.post(f"/sympto/providers/{patient}/attributes", json=body, headers=headers)


def listed(client: FlaskClient, headers: dict[str, str], patient: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        p for p in client.get("/sympto/providers/patient", headers=headers).json["Response"] if p["id"] == patient
    )
    return found


def test_every_clinic_lists_the_built_in_attributes_with_its_own_ids(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    mine = attributes(client, headers)
    assert {name: a["type"] for name, a in mine.items()} == {"dob": "string", "age": "number", "consented": "boolean"}
    assert all(set(a) == {"id", "name", "title", "type"} for a in mine.values())
    theirs = attributes(client, clinic_b(client))
    assert not {a["id"] for a in mine.values()} & {a["id"] for a in theirs.values()}
    refused(client.get("/sympto/providers/clinic/attributes"), 401, "missing_bearer")
    refused(client.post("/sympto/providers/clinic/attributes", json={}, headers=headers), 400, "invalid_body")


def test_a_set_attribute_is_listed_with_the_patient_and_announced_as_a_patient_change(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    heard: list[PatientChange] = []
    app.extensions[SERVICE_KEY].users.patient_listeners.append(heard.append)
    patient = create_phone_patient(client, headers)
    assert listed(client, headers, patient)["patientAttributes"] == []
    ids = {name: a["id"] for name, a in attributes(client, headers).items()}
    for body in (
        {"name": "dob", "attributeValue": {"type": "string", "value": "12-24-1997"}},  # the doc's examples
        {"name": "age", "attributeValue": {"type": "number", "value": 23}},
        {"name": "age", "attributeValue": {"type": "number", "value": 24.5}},  # set again: replaced
        {"name": "consented", "attributeValue": {"type": "boolean", "value": None}},
    ):
        assert set_attribute(client, headers, patient, body).json == {"Status": "OK", "Response": True}
    shown = {v["patientAttributeId"]: v["value"] for v in listed(client, headers, patient)["patientAttributes"]}
    assert shown == {ids["dob"]: "12-24-1997", ids["age"]: 24.5, ids["consented"]: None}
    assert [(c.patient_id, c.kind) for c in heard] == [(patient, "created")] + [(patient, "updated")] * 4
    provider = next(u for u in client.get("/sympto/clinicAdmin/careTeam", headers=headers).json["Response"])
    assert "patientAttributes" not in provider


def test_setting_an_attribute_refuses_unknown_names_types_and_patients(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient = create_phone_patient(client, headers)
    body = {"name": "age", "attributeValue": {"type": "number", "value": 23}}
    refused(set_attribute(client, headers, patient, {**body, "name": "weight"}), 404, "unknown_attribute")
    mismatch = set_attribute(client, headers, patient, {**body, "attributeValue": {"type": "string", "value": "23"}})
    refused(mismatch, 400, "attribute_type_mismatch")
    assert "type number" in mismatch.json["Message"]
    refused(set_attribute(client, headers, "nobody", body), 404, "unknown_patient")
    refused(set_attribute(client, clinic_b(client), patient, body), 404, "unknown_patient")
    refused(client.post(f"/sympto/providers/{patient}/attributes", json=body), 401, "missing_bearer")
    refused(client.get(f"/sympto/providers/{patient}/attributes", headers=headers), 405, "method_not_allowed")
    assert listed(client, headers, patient)["patientAttributes"] == []  # nothing stored


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        *(({"name": value}, "`name`") for value in (*(v for v in EVERY_JSON_TYPE if v != "text"), "")),
        *(({"attributeValue": value}, "`attributeValue`") for value in (None, True, 3, [], "text")),
        *(({"attributeValue": {"type": value, "value": 1}}, "`type`") for value in (*EVERY_JSON_TYPE, "null")),
        *(({"attributeValue": {"type": "number", "value": value}}, "`value`") for value in ([], {}, [1])),
        ({"attributeValue": {"type": "number", "value": "23"}}, "must be a JSON number (or null) for type number"),
        ({"attributeValue": {"type": "number", "value": True}}, "must be a JSON number (or null) for type number"),
        ({"attributeValue": {"type": "boolean", "value": 1}}, "must be a JSON boolean (or null) for type boolean"),
        ({"attributeValue": {"type": "string", "value": 1}}, "must be a JSON string (or null) for type string"),
        ({"attributeValue": {"type": "string", "value": "x" * 2001}}, "at most 2000 characters"),
    ],
)
def test_an_attribute_body_breaking_a_rule_is_400(
    client: FlaskClient, headers: dict[str, str], changes: dict[str, Any], says: str
) -> None:
    patient = create_phone_patient(client, headers)
    valid = {"name": "age", "attributeValue": {"type": "number", "value": 23}}
    answer = set_attribute(client, headers, patient, {**valid, **changes})
    refused(answer, 400, "invalid_body")
    assert says in answer.json["Message"], answer.json["Message"]


# --- POST /providers/file ----------------------------------------------------------------------------------


def upload(client: FlaskClient, headers: dict[str, str], **fields: Any) -> Any:
    return client.post("/sympto/providers/file", data=fields, headers=headers, content_type="multipart/form-data")


def test_a_file_reaches_the_patients_thread_without_its_bytes(client: FlaskClient, headers: dict[str, str]) -> None:
    patient = create_phone_patient(client, headers)
    content = b"%PDF-1.4 discharge instructions"
    answer = upload(
        client,
        headers,
        file=(io.BytesIO(content), "discharge.pdf", "application/pdf"),
        patientTvId=patient,
        message="Your instructions",
        fileName="Discharge instructions.pdf",
    )
    assert answer.json == {"Status": "OK", "Response": True}
    thread = client.get(f"/sympto/provider/messaging/{patient}", headers=headers).json["Response"]["messages"]
    sent = thread[-1]
    assert (sent["message"], sent["role"]) == ("Your instructions", "clinicAdmin")
    assert sent["file"] == {
        "fileName": "Discharge instructions.pdf",
        "contentType": "application/pdf",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "threadId": None,
    }
    assert "file" not in thread[0]  # the consent message
    assert content.decode() not in str(client.get("/__sandbox/journal?vendor=sympto&limit=5").json)


def test_a_file_upload_refuses_bad_auth_bad_forms_and_unknown_patients(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient = create_phone_patient(client, headers)

    def form(**changes: Any) -> dict[str, Any]:
        fields = {
            "file": (io.BytesIO(b"x"), "a.txt", "text/plain"),
            "patientTvId": patient,
            "message": "Hi",
            "fileName": "a.txt",
        }
        return {k: v for k, v in {**fields, **changes}.items() if v is not None}

    refused(upload(client, {}, **form()), 401, "missing_bearer")
    refused(upload(client, {"Authorization": "Bearer nope"}, **form()), 401, "unknown_bearer")
    refused(upload(client, headers, **form(patientTvId="nobody")), 404, "unknown_patient")
    refused(upload(client, clinic_b(client), **form()), 404, "unknown_patient")
    refused(upload(client, headers, **form(file=None)), 400, "missing_file")
    missing = upload(client, headers, **form(file="not a file part, a text field"))
    refused(missing, 400, "missing_file")  # a text field named `file` is not the file: never a 500
    assert missing.json["Message"].endswith("(a Blob or File).")  # one sentence, one full stop
    both = upload(client, headers, **form(file=None, message=None))
    refused(both, 400, "invalid_body")  # every problem at once
    assert "`file`" in both.json["Message"]
    assert "`message`" in both.json["Message"]
    for missing in ("patientTvId", "message", "fileName"):
        answer = upload(client, headers, **form(**{missing: None}))
        refused(answer, 400, "invalid_body")
        assert f"`{missing}`" in answer.json["Message"]
    refused(upload(client, headers, **form(fileName="")), 400, "invalid_body")
    refused(upload(client, headers, **form(message="m" * 2001)), 400, "invalid_body")
    as_json = client.post("/sympto/providers/file", json={"patientTvId": patient}, headers=headers)
    refused(as_json, 400, "not_multipart")
    assert "multipart/form-data" in as_json.json["Message"]
    refused(client.get("/sympto/providers/file", headers=headers), 405, "method_not_allowed")
    thread = client.get(f"/sympto/provider/messaging/{patient}", headers=headers).json["Response"]["messages"]
    assert len(thread) == 1  # only the consent message: nothing refused was kept


def test_a_file_over_the_body_limit_is_413_in_the_envelope(make_app: Any) -> None:
    from dataclasses import replace

    from sandbox.app import create_app

    base = make_app()
    settings = replace(base.extensions["sandbox.settings"], max_body_bytes=4096)
    application = create_app(settings, random_seed=1)
    try:
        client = application.test_client()
        headers = login(client)
        patient = create_phone_patient(client, headers)
        big = upload(
            client,
            headers,
            file=(io.BytesIO(b"x" * 10_000), "big.bin", "application/octet-stream"),
            patientTvId=patient,
            message="Big",
            fileName="big.bin",
        )
        refused(big, 413, "body_too_large")
    finally:
        application.extensions["sandbox.store"].dispose()


@pytest.mark.parametrize(
    "body", [b"", b"garbage", b"--x\r\nContent-Disposition: form-data\r\n\r\n", b"--x--", b"\xff\xfe" * 100]
)
def test_a_broken_multipart_body_is_a_400_never_a_500(
    client: FlaskClient, headers: dict[str, str], body: bytes
) -> None:
    answer = client.post(
        "/sympto/providers/file", data=body, headers={**headers, "Content-Type": "multipart/form-data; boundary=x"}
    )
    assert answer.status_code == 400, answer.get_data()[:300]
    assert answer.json["Status"] == "ERROR"
