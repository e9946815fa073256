"""Sympto's events as plain rules (``service/events.py``), each found unpinned by mutation testing (issue #20,
item 6): which webhook an event goes to (``target``, ``webhooks``) and the Response event a simulated
completion queues (``simulate_response``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select, update

from contracts.sympto import events as event_contract
from sandbox.core.clock import scope_of
from sandbox.vendors.sympto.models import clinics, event_deliveries, users
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service.events import UnknownPatient
from sandbox.vendors.sympto.service.settings import VENDOR
from tests.vendors.sympto.support import clinic_b, sympto_without_worker

CLINIC = "demo-clinic"
PATIENT = "patient-0001"
#: The demo clinic's own frozen clock (a minute past the test app's global one, ``tests/conftest.py``), in
#: milliseconds as a Response event dates it.
CLINIC_NOW = 1795262460.0


@pytest.fixture
def service(app: Flask, monkeypatch: pytest.MonkeyPatch) -> SymptoService:
    """The Sympto service with one patient in the demo clinic; nothing is sent (only the queue is looked at)."""
    sympto = sympto_without_worker(app, monkeypatch)
    with app.extensions["sandbox.store"].begin() as connection:
        connection.execute(
            insert(users).values(
                user_id=PATIENT,
                clinic_id=CLINIC,
                kind="patient",
                first_name="Ada",
                last_name="Lovelace",
                time_zone="Europe/London",
                details={},
                created_at=0.0,
            )
        )
    return sympto


def queued(app: Flask, delivery_id: str) -> Any:
    with app.extensions["sandbox.store"].connect() as connection:
        return connection.execute(select(event_deliveries).where(event_deliveries.c.delivery_id == delivery_id)).one()


def wanted(**values: Any) -> dict[str, Any]:
    return {
        "patientTvId": PATIENT,
        "instrumentType": "survey",
        "channel": "web",
        "responseCompletion": "complete",
        "description": "Weekly check",
        "surveyName": "PHQ-9",
    } | values


def test_a_clinic_with_no_webhook_has_none_registered_and_each_target_says_where_it_goes(
    app: Flask, service: SymptoService
) -> None:
    """``webhooks`` says which of the three webhooks are registered; ``target`` gives each one's own URL with
    the clinic's endpointSecret, and the 2019-2020 ``clinicAdmin`` webhook its own URL and chosen secret."""
    events = service.events
    assert events.webhooks(CLINIC) == {"responses": False, "patients": False, "clinicAdmin": False}
    assert events.target(CLINIC, "responses") == (None, None)
    assert events.target("no-such-clinic", "clinicAdmin") == (None, None)
    events.register_patients(CLINIC, "http://127.0.0.1:9/patients")
    assert events.webhooks(CLINIC) == {"responses": False, "patients": True, "clinicAdmin": False}
    assert events.target(CLINIC, "patients") == ("http://127.0.0.1:9/patients", None)
    secret = events.register_responses(CLINIC, "http://127.0.0.1:9/responses")
    assert events.webhooks(CLINIC) == {"responses": True, "patients": True, "clinicAdmin": False}
    assert events.target(CLINIC, "responses") == ("http://127.0.0.1:9/responses", secret)
    assert events.target(CLINIC, "patients") == ("http://127.0.0.1:9/patients", secret)
    with app.extensions["sandbox.store"].begin() as connection:
        connection.execute(
            update(clinics)
            .where(clinics.c.clinic_id == CLINIC)
            .values(patient_webhook_url="http://127.0.0.1:9/sample", patient_webhook_secret="chosen")
        )
    assert events.target(CLINIC, "clinicAdmin") == ("http://127.0.0.1:9/sample", "chosen")
    assert events.webhooks(CLINIC) == {"responses": True, "patients": True, "clinicAdmin": True}


def test_a_simulated_response_queues_the_whole_response_event_to_the_responses_webhook(
    app: Flask, service: SymptoService
) -> None:
    """The Response event carries what was asked, the patient's names and id, the clinic's own clock in
    milliseconds, and one question per answer; it is queued once, as ``response.updated`` to ``responses``."""
    service.events.clock.freeze(CLINIC_NOW, scope_of(VENDOR, CLINIC))
    service.events.register_responses(CLINIC, "http://127.0.0.1:9/responses")
    answers = {"q1": 3, "q2": "often"}
    result = service.events.simulate_response(wanted(patientSurveyId="ps-1", answers=answers), "corr-1")
    assert result["patientSurveyId"] == "ps-1"
    assert isinstance(result["responseId"], str)
    [delivery_id] = result["deliveries"]
    row = queued(app, delivery_id)
    assert (row.clinic_id, row.target, row.event, row.correlation_id) == (
        CLINIC,
        "responses",
        "response.updated",
        "corr-1",
    )
    assert json.loads(row.body) == {
        "Status": "OK",
        "Response": {
            "patientSurveyId": "ps-1",
            "instrumentType": "survey",
            "completionMedium": [
                {
                    "channel": "web",
                    "user": {"type": "patient", "firstName": "Ada", "lastName": "Lovelace", "tvid": PATIENT},
                }
            ],
            "response": {
                "dateCompleted": int(CLINIC_NOW * 1000),
                "responseCompletion": "complete",
                "description": "Weekly check",
                "surveyName": "PHQ-9",
                "response": answers,
                "questions": {"q1": {"text": "q1"}, "q2": {"text": "q2"}},
                "responseId": result["responseId"],
            },
        },
    }


def test_a_simulated_response_without_survey_or_answers_mints_a_survey_id_and_has_no_questions(
    app: Flask, service: SymptoService
) -> None:
    """Without a ``patientSurveyId`` a new one is minted (a distinct id, not the response's); without answers
    the event has empty ``response`` and ``questions``."""
    service.events.register_responses(CLINIC, "http://127.0.0.1:9/responses")
    result = service.events.simulate_response(wanted(), "")
    survey_id = result["patientSurveyId"]
    assert isinstance(survey_id, str)
    assert survey_id
    assert survey_id != result["responseId"]
    body = json.loads(queued(app, result["deliveries"][0]).body)["Response"]
    assert body["patientSurveyId"] == survey_id
    assert (body["response"]["response"], body["response"]["questions"]) == ({}, {})


def test_a_simulated_response_with_no_responses_webhook_queues_nothing(service: SymptoService) -> None:
    """Only the responses webhook receives Response events: registering the patients webhook alone queues none."""
    service.events.register_patients(CLINIC, "http://127.0.0.1:9/patients")
    result = service.events.simulate_response(wanted(patientSurveyId="ps-1"), "")
    assert result["deliveries"] == []
    assert result["patientSurveyId"] == "ps-1"


def test_only_a_patient_can_simulate_a_response(app: Flask, service: SymptoService) -> None:
    """An unknown ``patientTvId`` or a provider's id is an unknown patient (named in the error)."""
    with app.extensions["sandbox.store"].connect() as connection:
        provider = connection.execute(select(users.c.user_id).where(users.c.kind == "provider")).scalar_one()
    for user_id in ("nobody", provider):
        with pytest.raises(UnknownPatient) as raised:
            service.events.simulate_response(wanted(patientTvId=user_id), "")
        assert raised.value.args == (user_id,)


# --- which changes are announced, and the stored correlation id (mutation round 11) --------------------------------


def test_only_a_patient_of_the_clinic_itself_is_announced(app: Flask, service: SymptoService) -> None:
    """``patient_changed`` queues the Patient Data Model for a patient of that clinic only: not for an unknown id,
    a provider, or a patient of another clinic (whose own clinic announces it)."""
    service.events.register_patients(CLINIC, "https://partner.example.test/patients")
    clinic_b(app.test_client())
    with app.extensions["sandbox.store"].begin() as connection:
        for user_id, clinic_id, kind in (
            ("provider-0001", CLINIC, "provider"),
            ("elsewhere-0001", "clinic-b", "patient"),
        ):
            connection.execute(
                insert(users).values(
                    user_id=user_id,
                    clinic_id=clinic_id,
                    kind=kind,
                    first_name="Bo",
                    last_name="Other",
                    time_zone="UTC",
                    details={},
                    created_at=0.0,
                )
            )
    for user_id in ("nobody", "provider-0001", "elsewhere-0001"):
        assert service.events.patient_changed(CLINIC, user_id, event_contract.PATIENT_UPDATED, "c") == []
    [delivery_id] = service.events.patient_changed(CLINIC, PATIENT, event_contract.PATIENT_UPDATED, "c")
    assert queued(app, delivery_id).target == event_contract.PATIENTS


def test_a_delivery_keeps_the_first_64_characters_of_its_correlation_id(app: Flask, service: SymptoService) -> None:
    """The correlation id is cut to its column's size (``String(64)``), which SQLite would not enforce."""
    correlation_id = "".join(f"{n % 10}" for n in range(100))
    delivery_id = service.events.enqueue(
        CLINIC, event_contract.PATIENTS, event_contract.PATIENT_UPDATED, b"{}", correlation_id
    )
    assert queued(app, delivery_id).correlation_id == correlation_id[:64]
