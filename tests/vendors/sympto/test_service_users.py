"""Patients and providers in both path generations; 422 on an email or phone already in use."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from sqlalchemy import text

from contracts.sympto import messages, strategies, updates
from contracts.sympto.schemas import UserSchema
from contracts.sympto.strategies import Mutation
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.vendors.sympto.errors import Duplicate, QuotaExceeded
from sandbox.vendors.sympto.models import PatientChange, UserPage, users
from sandbox.vendors.sympto.service import Clinic, SymptoService
from tests.conftest import FROZEN_AT
from tests.vendors.sympto.support import CLINIC, create_provider

PATIENT = {
    "firstName": "Pat",
    "lastName": "Ient",
    "timeZone": "America/Los_Angeles",
    "email": "pat@example.test",
    "phoneNumber": "+16505550123",
    "notificationType": ["email"],
}
SAMPLE_PROVIDER = {
    "firstName": "Doc",
    "lastName": "Tor",
    "email": "doc1@mailinator.com",
    "timeZone": "Africa/Bangui",
    "options": {"disableIntroEmail": True},
    "notificationPreferences": ["email"],
    "role": "doctor",
}


@pytest.mark.parametrize("path", ["/sympto/providers/patients", "/sympto/providers/patient/create"])
def test_create_patient_returns_its_id(client: FlaskClient, headers: dict[str, str], path: str) -> None:
    response = client.post(path, json=PATIENT, headers=headers)
    assert response.status_code == 200
    patient_id = response.json["Response"]
    listed = client.get("/sympto/providers/patient", headers=headers).json["Response"]
    assert [p["patientTvId"] for p in listed] == [patient_id]
    assert listed[0]["email"] == "pat@example.test"


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        (
            {"email": "PAT@example.test", "phoneNumber": None},
            "duplicate_email",
            messages.DUPLICATE_EMAIL.format(email='"PAT@example.test"'),
        ),
        ({"email": "other@example.test"}, "duplicate_phone", messages.DUPLICATE_PHONE.format(phone='"+16505550123"')),
    ],
)
def test_existing_email_or_phone_is_422(
    client: FlaskClient, headers: dict[str, str], change: dict[str, Any], code: str, message: str
) -> None:
    assert client.post("/sympto/providers/patients", json=PATIENT, headers=headers).status_code == 200
    again = client.post("/sympto/providers/patients", json={**PATIENT, **change}, headers=headers)
    assert again.status_code == 422
    assert (again.json["Code"], again.json["Message"]) == (code, message)


def test_provider_email_collides_with_patient_email(client: FlaskClient, headers: dict[str, str]) -> None:
    assert client.post("/sympto/providers/patients", json=PATIENT, headers=headers).status_code == 200
    response = client.post(
        "/sympto/clinicAdmin/providers", json={**SAMPLE_PROVIDER, "email": PATIENT["email"]}, headers=headers
    )
    assert response.status_code == 422


def test_clinic_admin_email_is_taken(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post(
        "/sympto/clinicAdmin/providers", json={**SAMPLE_PROVIDER, "email": "demo-admin@example.test"}, headers=headers
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"timeZone": "Mars/Olympus"}, messages.TIME_ZONE_UNKNOWN.format(name="timeZone", input='"Mars/Olympus"')),
        ({"phoneNumber": "650-555-0123"}, messages.PHONE_E164.format(name="phoneNumber", input='"650-555-0123"')),
        ({"email": None, "phoneNumber": None}, messages.EMAIL_OR_PHONE_REQUIRED),
        (
            {"notificationType": ["pigeon"]},
            '`notificationType` must be one of email, text, whatsapp, email-instrument, got "pigeon"',
        ),
        ({"notificationType": "email"}, "`notificationType` must be a JSON array"),
        ({"email": None, "notificationType": ["email"]}, messages.NOTIFICATION_NEEDS_EMAIL),
        ({"sex": "male"}, '`sex` must be one of M, F, X, got "male"'),
        ({"dob": "1934-24-12"}, messages.DOB_FORMAT.format(input='"1934-24-12"')),
        ({"firstName": ""}, "`firstName` must not be blank"),
    ],
)
def test_invalid_patients_are_400(
    client: FlaskClient, headers: dict[str, str], change: dict[str, Any], problem: str
) -> None:
    response = client.post("/sympto/providers/patients", json={**PATIENT, **change}, headers=headers)
    assert response.status_code == 400
    assert response.json["Message"] == messages.INVALID_BODY.format(problems=problem)


@pytest.mark.parametrize(("dob", "stored"), [("1934-12-24", "1934-12-24"), ("12/24/1934", "1934-12-24")])
def test_dob_in_either_documented_format(client: FlaskClient, headers: dict[str, str], dob: str, stored: str) -> None:
    assert client.post("/sympto/providers/patients", json={**PATIENT, "dob": dob}, headers=headers).status_code == 200
    assert client.get("/sympto/providers/patient", headers=headers).json["Response"][0]["dob"] == stored


def test_sample_provider_path(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post("/sympto/clinicAdmin/providers", json=SAMPLE_PROVIDER, headers=headers)
    assert response.status_code == 200
    team = client.get("/sympto/clinicAdmin/careTeam", headers=headers).json["Response"]
    assert {u["email"] for u in team} == {"demo-admin@example.test", "doc1@mailinator.com"}


def test_current_provider_path_requires_notification_fields(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post("/sympto/providers", json={**SAMPLE_PROVIDER, "role": "provider"}, headers=headers)
    assert response.status_code == 400
    assert response.json["Message"] == messages.INVALID_BODY.format(problems="`notificationType` is required")


def test_current_provider_gets_its_own_group(client: FlaskClient, headers: dict[str, str]) -> None:
    provider_id = create_provider(client, headers, "dana@example.test")
    team = client.get("/sympto/clinicAdmin/careTeam", headers=headers).json["Response"]
    dana = next(u for u in team if u["providerTvId"] == provider_id)
    assert [g["groupName"] for g in dana["groups"]] == ["Dana Doctor's Group"]


def test_patient_listing_query_limit_offset(client: FlaskClient, headers: dict[str, str]) -> None:
    ids = []
    for n in range(3):
        body = {**PATIENT, "email": f"p{n}@example.test", "phoneNumber": None, "lastName": f"Number{n}"}
        ids.append(client.post("/sympto/providers/patients", json=body, headers=headers).json["Response"])
    page = client.get("/sympto/providers/patient?limit=2", headers=headers).json["Response"]
    assert [p["id"] for p in page] == ids[:2]
    rest = client.get(f"/sympto/providers/patient?offset={ids[1]}", headers=headers).json["Response"]
    assert [p["id"] for p in rest] == ids[2:]
    found = client.get("/sympto/providers/patient?query=number1", headers=headers).json["Response"]
    assert [p["id"] for p in found] == [ids[1]]
    bad = client.get("/sympto/providers/patient?limit=-1", headers=headers)
    assert (bad.status_code, bad.json["Code"]) == (400, "invalid_query")


def test_users_of_another_clinic_are_invisible(make_app: Any) -> None:
    app = make_app(
        clinics=[
            {"clinic_id": "a", "admin_email": "a@example.test", "api_secret": "secret-a"},
            {"clinic_id": "b", "admin_email": "b@example.test", "api_secret": "secret-b"},
        ]
    )
    client = app.test_client()
    token_a = client.post("/sympto/authorization", json={"clientId": "a@example.test", "clientSecret": "secret-a"})
    token_b = client.post("/sympto/authorization", json={"clientId": "b@example.test", "clientSecret": "secret-b"})
    headers_a = {"Authorization": "Bearer " + token_a.json["Response"]}
    headers_b = {"Authorization": "Bearer " + token_b.json["Response"]}
    client.post("/sympto/providers/patients", json=PATIENT, headers=headers_a)
    assert client.get("/sympto/providers/patient", headers=headers_b).json["Response"] == []


@given(mutation=strategies.invalid_patients())
def test_named_patient_mutations_get_their_documented_answer(
    client: FlaskClient, headers: dict[str, str], mutation: Mutation
) -> None:
    response = client.post("/sympto/providers/patients", json=mutation.body, headers=headers)
    assert (response.status_code, response.json["Message"]) == (mutation.status, mutation.message)


@given(patient=strategies.patients())
def test_any_valid_patient_is_created_then_listed_in_the_documented_shape(
    client: FlaskClient, headers: dict[str, str], patient: dict[str, Any]
) -> None:
    response = client.post("/sympto/providers/patients", json=patient, headers=headers)
    if response.status_code == 422:  # Hypothesis drew an email an earlier example used (case-insensitively)
        return
    assert response.status_code == 200, response.json
    listed = client.get("/sympto/providers/patient", headers=headers).json["Response"]
    mine = next(p for p in listed if p["patientTvId"] == response.json["Response"])
    assert UserSchema().validate(mine) == {}
    assert mine["email"] == patient["email"]


def test_a_number_held_by_more_than_four_deleted_patients_is_refused_saying_how_many(app: Flask) -> None:
    """Endpoints.md: up to 4 other new patients may reuse a deleted patient's number; the refusal counts them."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    phone = "+16505550188"

    def create(email: str) -> str:
        data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": email, "phoneNumber": phone}
        return service.users.create_user(CLINIC, "patient", data, messages.CURRENT)

    for reuse in range(updates.MAX_PHONE_REUSES):  # the first holder and three reusers, each deleted
        service.profiles.delete_patient(CLINIC, create(f"p{reuse}@example.test"))
    service.profiles.delete_patient(CLINIC, create("fourth-reuse@example.test"))  # four deleted holders: allowed
    with pytest.raises(Duplicate) as refused:
        create("fifth-reuse@example.test")
    assert refused.value.rule == "phone_number_exhausted"
    assert refused.value.message == updates.PHONE_EXHAUSTED.format(phone=f'"{phone}"', count=5)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_every_clinics_users_are_listed_clinic_by_clinic_in_clinic_id_order(
    database: str, sandbox_settings: Settings, request: pytest.FixtureRequest
) -> None:
    """The control plane's user listing is in one order on both databases, not in the order the clinics were
    configured (PostgreSQL hands rows back as written; SQLite's primary-key index sorts them)."""
    url = request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url")
    vendors = dict(sandbox_settings.vendors)
    vendors["sympto"] = {
        **vendors["sympto"],
        "clinics": [
            {"clinic_id": "zeta", "admin_email": "z@example.test", "api_secret": "secret-z"},
            {"clinic_id": "alpha", "admin_email": "a@example.test", "api_secret": "secret-a"},
        ],
    }
    app = create_app(replace(sandbox_settings, vendors=vendors, database=url), random_seed=7)
    try:
        service: SymptoService = app.extensions["sandbox.sympto"]
        assert [user["clinic_id"] for user in service.users.all_users()] == ["alpha", "zeta"]
        assert [user["email"] for user in service.users.all_users("zeta")] == ["z@example.test"]
    finally:
        app.extensions["sandbox.store"].dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_api_generation_used_last_to_create_a_user_comes_first(
    database: str, sandbox_settings: Settings, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """Diagnostics name the paths a clinic uses, the latest first: creating again with an older generation's path
    moves that generation back to the front (one upsert per creation, on both databases)."""
    url = request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url")
    app = create_app(replace(sandbox_settings, database=url), clock=clock, random_seed=7)
    service: SymptoService = app.extensions["sandbox.sympto"]

    def create(email: str, generation: str, at: float) -> None:
        clock.freeze(at)
        data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": email}
        service.users.create_user(CLINIC, "patient", data, generation)

    try:
        create("first@example.test", messages.SAMPLE_ERA, FROZEN_AT + 1)
        create("second@example.test", messages.CURRENT, FROZEN_AT + 2)
        assert service.users.user_generations(CLINIC) == [messages.CURRENT, messages.SAMPLE_ERA]
        create("third@example.test", messages.SAMPLE_ERA, FROZEN_AT + 3)
        assert service.users.user_generations(CLINIC) == [messages.SAMPLE_ERA, messages.CURRENT]
    finally:
        app.extensions["sandbox.store"].dispose()


def test_the_standard_fields_are_columns_and_only_the_others_are_kept_as_details(app: Flask) -> None:
    """A standard field kept in ``details`` too would shadow its column in every view after an update changes it."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    data = {
        "firstName": "Pat",
        "lastName": "Ient",
        "timeZone": "UTC",
        "email": "pat@example.test",
        "phoneNumber": "+16505550177",
        "role": "patient",
        "sex": "F",
    }
    service.users.create_user(CLINIC, "patient", data, messages.CURRENT)
    stored = service.users.user_by_email(CLINIC, "PAT@example.test")
    assert stored is not None
    assert stored["details"] == {"sex": "F"}
    assert (stored["first_name"], stored["last_name"], stored["time_zone"], stored["role"]) == (
        "Pat",
        "Ient",
        "UTC",
        "patient",
    )
    assert (stored["email"], stored["email_key"], stored["phone"]) == (
        "pat@example.test",
        "pat@example.test",
        data["phoneNumber"],
    )


def test_a_created_patient_is_announced_with_its_public_view(app: Flask) -> None:
    """The patient webhook sends what the listener hears: the patient as the API shows it, never a bare id."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    heard: list[PatientChange] = []
    service.users.patient_listeners.append(heard.append)
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat@example.test", "sex": "F"}
    patient = service.users.create_user(CLINIC, "patient", data, messages.SAMPLE_ERA)
    service.users.create_user(CLINIC, "provider", {**data, "email": "doc@example.test"}, messages.SAMPLE_ERA)
    (change,) = heard  # a provider is not a patient change
    assert (change.clinic_id, change.patient_id, change.kind, change.generation) == (
        CLINIC,
        patient,
        "created",
        messages.SAMPLE_ERA,
    )
    assert change.patient == {
        "id": patient,
        "patientTvId": patient,
        "type": "patient",
        "role": None,
        "firstName": "Pat",
        "lastName": "Ient",
        "email": "pat@example.test",
        "phoneNumber": None,
        "timeZone": "UTC",
        "sex": "F",
    }


def test_a_patient_with_a_number_and_no_email_is_created_without_an_email_key(app: Flask) -> None:
    service: SymptoService = app.extensions["sandbox.sympto"]
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "phoneNumber": "+16505550166"}
    patient = service.users.create_user(CLINIC, "patient", data, messages.CURRENT)
    (listed,) = service.users.list_users(CLINIC, "patient").users
    assert (listed["id"], listed["email"], listed["phoneNumber"]) == (patient, None, "+16505550166")


def _patient(email: str, phone: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": email}
    return data if phone is None else {**data, "phoneNumber": phone}


def test_a_repeated_email_or_number_at_the_user_quota_is_a_duplicate_not_a_quota_refusal(app: Flask) -> None:
    """The client has a fix for a duplicate (another email or number) and none for the quota: at the quota, a body
    that repeats a user's email or number is told so first; only a new user is refused for the quota."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    service.users.create_user(CLINIC, "patient", _patient("pat@example.test", "+16505550144"), messages.CURRENT)
    at_quota = len(service.users.all_users(CLINIC))
    service.users.settings = replace(service.users.settings, max_users=at_quota)
    for data, rule in [
        (_patient("other@example.test", "+16505550144"), "duplicate_phone"),
        (_patient("PAT@example.test", "+16505550145"), "duplicate_email"),
        (_patient("new@example.test", "+16505550146"), "quota_users"),
    ]:
        with pytest.raises((Duplicate, QuotaExceeded)) as refused:
            service.users.create_user(CLINIC, "patient", data, messages.CURRENT)
        assert refused.value.rule == rule
    assert len(service.users.all_users(CLINIC)) == at_quota


def test_a_provider_may_take_a_number_that_deleted_patients_exhausted(app: Flask) -> None:
    """Endpoints.md lets "up to 4 other new patients" reuse a deleted patient's number: a limit on patients, so a
    provider (no patient, no text messages from Sympto's patient numbers) may still be created with it."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    phone = "+16505550199"
    for index in range(updates.MAX_PHONE_REUSES + 1):  # the first holder and four reusers, each deleted
        patient = service.users.create_user(
            CLINIC, "patient", _patient(f"p{index}@example.test", phone), messages.CURRENT
        )
        service.profiles.delete_patient(CLINIC, patient)
    with pytest.raises(Duplicate) as refused:
        service.users.create_user(CLINIC, "patient", _patient("patient@example.test", phone), messages.CURRENT)
    assert refused.value.rule == "phone_number_exhausted"
    provider = service.users.create_user(CLINIC, "provider", _patient("doc@example.test", phone), messages.CURRENT)
    assert [u["phoneNumber"] for u in service.users.all_users(CLINIC) if u["id"] == provider] == [phone]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_users_are_listed_oldest_first_even_after_an_update(
    database: str, sandbox_settings: Settings, request: pytest.FixtureRequest
) -> None:
    """The listing's order (and its ``offset``, the last id of the previous page) is the order of creation, whatever
    plan the database picks. Without ``ORDER BY``, PostgreSQL's sequential scan (its plan once autovacuum has
    analysed the table, as ``ANALYZE`` does here) hands rows back as stored, and an update stores the row anew
    after the others; its index on ``(clinic_id, id)`` hid that before the analysis."""
    url = request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url")
    app = create_app(replace(sandbox_settings, database=url), random_seed=7)
    service: SymptoService = app.extensions["sandbox.sympto"]
    try:
        created = [
            service.users.create_user(CLINIC, "patient", _patient(f"p{index}@example.test"), messages.CURRENT)
            for index in range(3)
        ]
        service.profiles.update_patient(CLINIC, created[0], {**_patient("p0@example.test"), "lastName": "Renamed"})
        with app.extensions["sandbox.store"].begin() as connection:
            connection.execute(text(f"ANALYZE {users.name}"))
        assert [user["id"] for user in service.users.list_users(CLINIC, "patient").users] == created
        second_page = service.users.list_users(CLINIC, "patient", limit=2, offset=created[0]).users
        assert [user["id"] for user in second_page] == created[1:]
    finally:
        app.extensions["sandbox.store"].dispose()


def _three_patients(service: SymptoService) -> list[str]:
    return [
        service.users.create_user(
            CLINIC, "patient", {**_patient(f"p{n}@example.test"), "lastName": f"Number{n}"}, messages.CURRENT
        )
        for n in range(3)
    ]


def test_a_page_says_whether_users_remain_after_it(app: Flask) -> None:
    service: SymptoService = app.extensions["sandbox.sympto"]
    created = _three_patients(service)
    first = service.users.list_users(CLINIC, "patient", limit=2)
    assert ([user["id"] for user in first.users], first.more) == (created[:2], True)
    whole = service.users.list_users(CLINIC, "patient", limit=3)
    assert ([user["id"] for user in whole.users], whole.more) == (created, False)
    assert whole.more is False


def test_an_offset_naming_no_user_of_the_clinic_is_an_empty_last_page(app: Flask) -> None:
    """An unknown id, or another clinic's user's: nothing (not the listing from that user's place on: created
    before this clinic's users, it would list them all)."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "other-admin@example.test", "other secret"))
    foreign = service.users.create_user("other-clinic", "patient", _patient("f@example.test"), messages.CURRENT)
    _three_patients(service)
    for offset in ("no-such-user", foreign):
        page = service.users.list_users(CLINIC, "patient", offset=offset)
        assert page == UserPage([], more=False)
        assert page.more is False


def test_a_query_finds_its_match_beyond_the_first_limit_plus_one_users(app: Flask) -> None:
    """The page's limit counts matches, not users looked at: with ``limit=1`` the third user is still found."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    created = _three_patients(service)
    found = service.users.list_users(CLINIC, "patient", query="number2", limit=1)
    assert ([user["id"] for user in found.users], found.more) == ([created[2]], False)


def test_a_listed_user_shows_its_groups_by_id_and_name(app: Flask) -> None:
    service: SymptoService = app.extensions["sandbox.sympto"]
    patient = service.users.create_user(CLINIC, "patient", _patient("g@example.test"), messages.CURRENT)
    group = service.groups.create_group(CLINIC, "Cardiology")
    service.groups.add_member(CLINIC, patient, group)
    (listed,) = service.users.list_users(CLINIC, "patient").users
    assert listed["groups"] == [{"groupId": group, "groupName": "Cardiology"}]


def test_a_user_is_found_by_email_in_its_own_clinic_only(app: Flask) -> None:
    service: SymptoService = app.extensions["sandbox.sympto"]
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "other-admin@example.test", "other secret"))
    foreign = service.users.create_user("other-clinic", "patient", _patient("f@example.test"), messages.CURRENT)
    assert service.users.user_by_email(CLINIC, "F@example.test") is None
    found = service.users.user_by_email("other-clinic", "F@example.test")
    assert found is not None
    assert found["user_id"] == foreign


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_api_generations_used_last_at_the_same_instant_come_in_name_order(
    database: str, sandbox_settings: Settings, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """A tie is broken by the generation's name, not by the order the rows were written (PostgreSQL's)."""
    url = request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url")
    app = create_app(replace(sandbox_settings, database=url), clock=clock, random_seed=7)
    service: SymptoService = app.extensions["sandbox.sympto"]
    try:
        by_name = sorted([messages.CURRENT, messages.SAMPLE_ERA])
        for n, generation in enumerate(reversed(by_name)):
            service.users.create_user(CLINIC, "patient", _patient(f"t{n}@example.test"), generation)
        assert service.users.user_generations(CLINIC) == by_name
    finally:
        app.extensions["sandbox.store"].dispose()
