"""Patient update and delete, provider update (both paths), and the one place patient changes are announced."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.sympto import messages, updates
from sandbox.vendors.sympto.models import PatientChange
from sandbox.vendors.sympto.wire import SERVICE_KEY
from tests.vendors.sympto.support import (
    NOT_STRINGS,
    PHONE_PATIENT,
    clinic_b,
    create_phone_patient,
    create_provider,
    refused,
)

PROVIDER_UPDATE = {
    "firstName": "Dana",
    "lastName": "Doctor",
    "timeZone": "America/New_York",
    "email": "dana@example.test",
    "notificationPreferences": ["email"],
    "notificationType": ["daily-summary-message"],
}


def patients(client: FlaskClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {p["id"]: p for p in client.get("/sympto/providers/patient", headers=headers).json["Response"]}


def update(client: FlaskClient, headers: dict[str, str], patient_id: str, **changes: Any) -> Any:
    return client.post(
        f"/sympto/providers/patients/{patient_id}/update", json={**PHONE_PATIENT, **changes}, headers=headers
    )


def test_patient_update_stores_the_body_keeps_left_out_fields_and_clears_nulls(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient = create_phone_patient(client, headers, mrn="MRN-1", sex="F", language="Spanish")
    answer = update(client, headers, patient, firstName="Pam", dob="12/24/1934", sex=None)
    assert answer.json == {"Status": "OK", "Response": True}
    shown = patients(client, headers)[patient]
    assert (shown["firstName"], shown["dob"], shown["sex"]) == ("Pam", "1934-12-24", None)
    assert (shown["mrn"], shown["language"], shown["email"]) == ("MRN-1", "Spanish", "pat@example.test")


def test_a_patient_may_take_another_patients_phone_number_but_not_their_email(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    first = create_phone_patient(client, headers)
    second = create_phone_patient(client, headers, email="other@example.test", phoneNumber="+16505550199")
    shared = update(client, headers, second, email="other@example.test", phoneNumber=PHONE_PATIENT["phoneNumber"])
    assert shared.status_code == 200, shared.json
    shown = patients(client, headers)
    assert shown[first]["phoneNumber"] == shown[second]["phoneNumber"] == PHONE_PATIENT["phoneNumber"]
    taken = update(client, headers, second, email=PHONE_PATIENT["email"])
    refused(taken, 422, "duplicate_email")
    assert patients(client, headers)[second]["email"] == "other@example.test"
    # Creating a third patient with the number is still a duplicate, as before.
    third = client.post(
        "/sympto/providers/patients", json={**PHONE_PATIENT, "email": "third@example.test"}, headers=headers
    )
    refused(third, 422, "duplicate_phone")


def test_update_and_delete_of_an_unknown_or_another_clinics_patient_is_404(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    mine = create_phone_patient(client, headers)
    provider = create_provider(client, headers, "dana@example.test")
    other = clinic_b(client)
    for patient_id, who in ((mine, other), ("nobody", headers), (provider, headers)):
        refused(update(client, who, patient_id), 404, "unknown_patient")
        refused(client.delete(f"/sympto/providers/patients/{patient_id}", headers=who), 404, "unknown_patient")
    assert patients(client, headers)[mine]["firstName"] == "Pat"


@pytest.mark.parametrize("value", NOT_STRINGS)
def test_patient_update_refuses_a_first_name_of_every_other_json_type(
    client: FlaskClient, headers: dict[str, str], value: object
) -> None:
    patient = create_phone_patient(client, headers)
    answer = update(client, headers, patient, firstName=value)
    refused(answer, 400, "invalid_body")
    assert "`firstName`" in answer.json["Message"]


def test_patient_update_keeps_the_creation_rules(client: FlaskClient, headers: dict[str, str]) -> None:
    patient = create_phone_patient(client, headers)
    no_contact = client.post(
        f"/sympto/providers/patients/{patient}/update",
        json={"firstName": "P", "lastName": "I", "timeZone": "UTC", "notificationType": []},
        headers=headers,
    )
    refused(no_contact, 400, "invalid_body")
    assert messages.EMAIL_OR_PHONE_REQUIRED in no_contact.json["Message"]
    refused(update(client, headers, patient, timeZone="Mars/Olympus"), 400, "invalid_body")
    refused(update(client, headers, patient, firstName="x" * 256), 400, "invalid_body")


def test_a_deleted_patient_is_gone_from_every_route(client: FlaskClient, headers: dict[str, str]) -> None:
    patient = create_phone_patient(client, headers)
    group = client.post("/sympto/providers/groups", json={"groupName": "G"}, headers=headers).json["Response"]
    client.put("/sympto/clinicAdmin/groups/manage", json={"userId": patient, "groupId": group}, headers=headers)
    client.post(f"/sympto/provider/messaging/{patient}", json={"message": "hello"}, headers=headers)
    assert client.delete(f"/sympto/providers/patients/{patient}", headers=headers).json == {
        "Status": "OK",
        "Response": True,
    }
    assert patient not in patients(client, headers)
    refused(client.get(f"/sympto/provider/messaging/{patient}", headers=headers), 404, "unknown_patient")
    refused(client.get(f"/sympto/providers/patients/{patient}/items", headers=headers), 404, "unknown_patient")
    login = client.post("/sympto/authorization/login/token", json={"email": PHONE_PATIENT["email"]}, headers=headers)
    refused(login, 404, "unknown_email")
    # Its email and number are free again.
    assert create_phone_patient(client, headers) != patient


def test_a_deleted_patients_number_goes_to_at_most_four_other_patients(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    for reuse in range(updates.MAX_PHONE_REUSES + 1):  # the first patient, then four others
        patient = create_phone_patient(client, headers, email=f"p{reuse}@example.test")
        assert client.delete(f"/sympto/providers/patients/{patient}", headers=headers).status_code == 200
    sixth = client.post(
        "/sympto/providers/patients", json={**PHONE_PATIENT, "email": "p9@example.test"}, headers=headers
    )
    refused(sixth, 422, "phone_number_exhausted")
    assert "+16505550100" in sixth.json["Message"]
    # Another number, or another clinic, is unaffected.
    assert create_phone_patient(client, headers, phoneNumber="+16505550101") is not None
    other = clinic_b(client)
    assert create_phone_patient(client, other, email="b@example.test") is not None


def test_every_patient_change_is_announced_once_after_it_is_committed(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    heard: list[PatientChange] = []
    app.extensions[SERVICE_KEY].users.patient_listeners.append(heard.append)
    current = create_phone_patient(client, headers)
    sample = client.post(
        "/sympto/providers/patient/create",
        json={**PHONE_PATIENT, "email": "s@example.test", "phoneNumber": None},
        headers=headers,
    ).json["Response"]
    create_provider(client, headers, "dana@example.test")  # a provider is no patient change
    update(client, headers, current, firstName="Pam")
    refused(update(client, headers, current, email="s@example.test"), 422, "duplicate_email")  # not committed
    client.delete(f"/sympto/providers/patients/{sample}", headers=headers)
    assert [(c.patient_id, c.kind, c.generation) for c in heard] == [
        (current, "created", messages.CURRENT),
        (sample, "created", messages.SAMPLE_ERA),
        (current, "updated", messages.CURRENT),
        (sample, "deleted", messages.CURRENT),
    ]
    assert heard[2].patient["firstName"] == "Pam"
    assert heard[2].clinic_id == "demo-clinic"
    assert heard[2].patient["patientTvId"] == current


@pytest.mark.parametrize("path", ["/sympto/clinicAdmin/providers/{id}/update", "/sympto/providers/{id}"])
def test_provider_update_on_both_paths_keeps_a_left_out_role(
    client: FlaskClient, headers: dict[str, str], path: str
) -> None:
    provider = create_provider(client, headers, "dana@example.test", role="clinicAdmin")
    answer = client.post(path.format(id=provider), json={**PROVIDER_UPDATE, "firstName": "Dora"}, headers=headers)
    assert answer.json == {"Status": "OK", "Response": True}
    team = {u["id"]: u for u in client.get("/sympto/clinicAdmin/careTeam", headers=headers).json["Response"]}
    assert (team[provider]["firstName"], team[provider]["role"]) == ("Dora", "clinicAdmin")
    assert team[provider]["notificationType"] == ["daily-summary-message"]
    unknown = "6f1c2d0e-0000-4000-8000-000000000000"
    refused(client.post(path.format(id=unknown), json=PROVIDER_UPDATE, headers=headers), 404, "unknown_provider")
    patient = create_phone_patient(client, headers)
    refused(client.post(path.format(id=patient), json=PROVIDER_UPDATE, headers=headers), 404, "unknown_provider")
    refused(
        client.post(path.format(id=provider), json={**PROVIDER_UPDATE, "role": 7}, headers=headers), 400, "invalid_body"
    )


def test_a_provider_cannot_take_another_users_number_and_the_admin_keeps_its_login(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    create_phone_patient(client, headers)
    provider = create_provider(client, headers, "dana@example.test")
    taken = {**PROVIDER_UPDATE, "phoneNumber": PHONE_PATIENT["phoneNumber"]}
    refused(
        client.post(f"/sympto/clinicAdmin/providers/{provider}/update", json=taken, headers=headers),
        422,
        "duplicate_phone",
    )
    admin = next(
        u["id"]
        for u in client.get("/sympto/clinicAdmin/careTeam", headers=headers).json["Response"]
        if u["role"] == "clinicAdmin"
    )
    moved = {**PROVIDER_UPDATE, "email": "new-admin@example.test"}
    answer = client.post(f"/sympto/clinicAdmin/providers/{admin}/update", json=moved, headers=headers)
    refused(answer, 422, "clinic_admin_identity")
    same = {**PROVIDER_UPDATE, "email": "demo-admin@example.test", "firstName": "Ada"}
    assert client.post(f"/sympto/clinicAdmin/providers/{admin}/update", json=same, headers=headers).status_code == 200
