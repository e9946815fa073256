"""Survey items on the sandbox clock through HTTP: a schedule's items sent by the events worker when the clock
moves (no sleeping: the control plane's ``wait``), items sent by hand (``POST .../recurringSurvey/:id``) and
their responses (``POST /patients/responses/adhoc/:id``), with their error answers."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from contracts.sympto.items import MAX_START_DATES
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.core.limits import Limits
from tests.conftest import FROZEN_AT
from tests.vendors.sympto.support import (
    NOT_STRINGS,
    Receiver,
    clinic_b,
    create_phone_patient,
    deliveries,
    login,
    refused,
    register,
)
from tests.vendors.sympto.test_service_surveys import a_generic_survey, items, schedule, survey_body

FIRST = 1_796_146_200  # 2026-12-01T17:30:00Z: DAILY's first item for a patient in America/Los_Angeles
CREATION = {"creation": {"text": "Your survey is ready", "email": {"subject": "Survey", "body": "Please answer"}}}


def notifications(client: FlaskClient) -> list[dict[str, Any]]:
    """The journal's survey-item notifications, oldest first."""
    found = client.get("/__sandbox/journal?vendor=sympto&method=NOTIFY&limit=100").json["entries"]
    return list(reversed(found))


def move_clock(client: FlaskClient, at: float) -> None:
    """``PUT /__sandbox/clock`` (as a tester does), then wait until nothing is due (the worker sent it)."""
    frozen_at = datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")
    assert client.put("/__sandbox/clock", json={"frozen_at": frozen_at}).status_code == 200
    deliveries(client, wait=5)


def scheduled(client: FlaskClient, headers: dict[str, str], **changes: Any) -> tuple[str, str]:
    patient = create_phone_patient(client, headers)
    body = survey_body(a_generic_survey(client, headers), **{"messageData": CREATION, **changes})
    answer = schedule(client, headers, patient, body)
    assert answer.status_code == 200, answer.json
    return patient, str(answer.json["Response"])


# --- a schedule's items are sent on their dates ---------------------------------------------------------------


def test_moving_the_clock_makes_the_worker_send_the_due_items_and_journal_the_creation_message(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient, recurring = scheduled(client, headers)
    move_clock(client, FIRST - 60)
    assert notifications(client) == []  # not due yet
    move_clock(client, FIRST + 2 * 86_400)
    # The worker sent both items before anyone listed them.
    sent = notifications(client)
    assert [entry["rule"] for entry in sent] == ["survey_item_sent"] * 2
    assert [entry["path"] for entry in sent] == [f"patient:{patient}"] * 2
    assert all(entry["direction"] == "outbound" and entry["verdict"] == "accepted" for entry in sent)
    body = sent[0]["request"]["body"]  # the journal keeps a JSON body parsed
    assert body["messages"]["text"] == {"to": "+16505550100", "body": "Your survey is ready"}
    assert body["messages"]["email"]["subject"] == "Survey"
    assert body["sentAt"] == FIRST * 1000
    assert "by text and email" in sent[0]["message"]
    # The items are pending for the patient: listed with an empty response.
    headers = login(client)
    [survey] = items(client, headers, patient)
    assert survey["recurringSurveyId"] == recurring
    assert [(s["sentAt"], s["responseCompletion"]) for s in survey["patientSurveys"]] == [
        (FIRST * 1000, "Empty"),
        ((FIRST + 2 * 86_400) * 1000, "Empty"),
    ]
    assert body["responseId"] == survey["patientSurveys"][0]["responseId"]
    move_clock(client, FIRST + 400 * 86_400)  # `wait` alone: settled means the third item is journaled too
    assert len(notifications(client)) == 3  # nOccurrences: never more


def test_an_item_without_a_creation_message_is_still_sent_and_journaled_as_such(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient, _ = scheduled(client, headers, messageData={"creation": {"text": None, "email": None}})
    move_clock(client, FIRST + 1)
    [entry] = notifications(client)
    assert "no creation message" in entry["message"]
    assert len(items(client, login(client), patient)[0]["patientSurveys"]) == 1


def test_a_listing_sends_what_is_due_even_before_the_worker_looks(
    client: FlaskClient, headers: dict[str, str], clock: Clock
) -> None:
    patient, _ = scheduled(client, headers)
    clock.freeze(FIRST + 1)  # moved in process: no request woke the worker
    assert len(items(client, login(client), patient)[0]["patientSurveys"]) == 1
    assert len(notifications(client)) == 1  # sent once, whoever sent it
    deliveries(client, wait=5)
    assert len(notifications(client)) == 1


def test_a_deleted_patient_gets_nothing_more(client: FlaskClient, headers: dict[str, str]) -> None:
    patient, _ = scheduled(client, headers)
    assert client.delete(f"/sympto/providers/patients/{patient}", headers=headers).status_code == 200
    move_clock(client, FIRST + 10 * 86_400)
    assert notifications(client) == []


# --- POST /providers/patients/:patientTvId/recurringSurvey/:recurringSurveyId ----------------------------------


def send(client: FlaskClient, headers: dict[str, str], patient: str, recurring: str, body: Any) -> Any:
    return client.post(f"/sympto/providers/patients/{patient}/recurringSurvey/{recurring}", json=body, headers=headers)


def test_an_immediate_item_is_sent_at_once_with_its_response_id(client: FlaskClient, headers: dict[str, str]) -> None:
    patient, recurring = scheduled(client, headers, startDatePreference={"type": "adhoc"})
    answer = send(client, headers, patient, recurring, {"type": "immediate"})
    assert answer.status_code == 200, answer.json
    [response_id] = answer.json["Response"]
    [survey] = items(client, headers, patient)
    [item] = survey["patientSurveys"]
    assert (item["responseId"], item["sentAt"], item["responseCompletion"]) == (response_id, FROZEN_AT * 1000, "Empty")
    assert len(notifications(client)) == 1


def test_dated_items_are_sent_on_their_dates_in_the_patients_time_zone(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient, recurring = scheduled(client, headers, startDatePreference={"type": "adhoc"})
    dates = ["2026-12-24-09-00", "2026-12-25-09-00"]  # 17:00Z (America/Los_Angeles is UTC-8 in December)
    answer = send(client, headers, patient, recurring, {"type": "dates", "startDates": dates})
    assert answer.status_code == 200, answer.json
    assert len(answer.json["Response"]) == 2
    assert items(client, headers, patient)[0]["patientSurveys"] == []
    christmas_eve = 1_798_131_600  # 2026-12-24T17:00:00Z
    move_clock(client, christmas_eve)
    assert [e["request"]["body"]["sentAt"] for e in notifications(client)] == [christmas_eve * 1000]
    [item] = items(client, login(client), patient)[0]["patientSurveys"]
    assert item["responseId"] == answer.json["Response"][0]


def test_sending_items_refuses_unknown_and_foreign_ids(client: FlaskClient, headers: dict[str, str]) -> None:
    patient, recurring = scheduled(client, headers)
    other_patient = create_phone_patient(client, headers, email="o@example.test", phoneNumber="+16505550111")
    body = {"type": "immediate"}
    refused(send(client, headers, "nobody", recurring, body), 404, "unknown_patient")
    refused(send(client, headers, patient, "nothing", body), 404, "unknown_recurring_survey")
    refused(send(client, headers, other_patient, recurring, body), 404, "unknown_recurring_survey")
    refused(send(client, clinic_b(client), patient, recurring, body), 404, "unknown_patient")
    path = f"/sympto/providers/patients/{patient}/recurringSurvey/{recurring}"
    refused(client.get(path, headers=headers), 405, "method_not_allowed")
    refused(client.post(path, json=body), 401, "missing_bearer")
    refused(client.post(path, json=body, headers={"Authorization": "Bearer nope"}), 401, "unknown_bearer")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "`type`"),
        ({"type": "later"}, "`type` must be one of immediate, dates"),
        ({"type": "dates"}, "`type` dates needs `startDates`"),
        ({"type": "dates", "startDates": []}, "`type` dates needs `startDates`"),
        ({"type": "dates", "startDates": ["2026-12-24"]}, "YYYY-MM-DD-hh-mm"),
        ({"type": "dates", "startDates": ["2026-02-29-09-00"]}, "YYYY-MM-DD-hh-mm"),
        ({"type": "dates", "startDates": ["2026-12-24-24-00"]}, "YYYY-MM-DD-hh-mm"),
        ({"type": "dates", "startDates": ["2026-12-24-09-00"] * (MAX_START_DATES + 1)}, "at most"),
        *(({"type": value}, "`type`") for value in NOT_STRINGS),
        *(({"type": "dates", "startDates": value}, "`startDates`") for value in (*NOT_STRINGS[:4], {}, "x")),
        *(({"type": "dates", "startDates": [value]}, "`startDates`") for value in (*NOT_STRINGS, "")),
    ],
)
def test_a_send_body_breaking_a_rule_is_400(
    client: FlaskClient, headers: dict[str, str], body: dict[str, Any], says: str
) -> None:
    patient, recurring = scheduled(client, headers)
    answer = send(client, headers, patient, recurring, body)
    refused(answer, 400, "invalid_body")
    assert says in answer.json["Message"], answer.json["Message"]


# --- POST /patients/responses/adhoc/:recurringSurveyId ------------------------------------------------------


def respond(client: FlaskClient, headers: dict[str, str], recurring: str, body: Any) -> Any:
    return client.post(f"/sympto/patients/responses/adhoc/{recurring}", json=body, headers=headers)


def test_an_adhoc_response_completes_the_item_and_reaches_the_responses_webhook(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient, recurring = scheduled(client, headers, startDatePreference={"type": "adhoc"})
    [response_id] = send(client, headers, patient, recurring, {"type": "immediate"}).json["Response"]
    with Receiver() as receiver:
        register(client, headers, "responses", receiver.url())
        partial = {"response": {"q1": 3}, "responseId": response_id, "responseCompletion": "Partial"}
        assert respond(client, headers, recurring, partial).json == {"Status": "OK", "Response": True}
        [item] = items(client, headers, patient)[0]["patientSurveys"]
        assert (item["responseCompletion"], item["completedAt"]) == ("Partial", None)
        full = {**partial, "response": {"q1": 3, "q2": "yes"}, "responseCompletion": "Full"}
        assert respond(client, headers, recurring, full).status_code == 200
        [item] = items(client, headers, patient)[0]["patientSurveys"]
        assert (item["responseCompletion"], item["completedAt"]) == ("Full", FROZEN_AT * 1000)
        deliveries(client)
    events = [json.loads(call["body"])["Response"] for call in receiver.calls]
    assert [e["response"]["responseCompletion"] for e in events] == ["Partial", "Full"]
    assert events[1]["response"]["response"] == {"q1": 3, "q2": "yes"}
    assert {e["patientSurveyId"] for e in events} == {item["patientSurveyId"]}
    assert {e["response"]["responseId"] for e in events} == {response_id}


def test_an_adhoc_response_refuses_unknown_foreign_and_unsent_items(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient, recurring = scheduled(client, headers, startDatePreference={"type": "adhoc"})
    [later] = send(client, headers, patient, recurring, {"type": "dates", "startDates": ["2027-01-01-09-00"]}).json[
        "Response"
    ]
    body = {"response": {}, "responseId": later, "responseCompletion": "Full"}
    refused(respond(client, headers, recurring, body), 404, "response_not_sent")
    refused(respond(client, headers, recurring, {**body, "responseId": "nope"}), 404, "unknown_response")
    refused(respond(client, headers, "nothing", body), 404, "unknown_recurring_survey")
    refused(respond(client, clinic_b(client), recurring, body), 404, "unknown_recurring_survey")
    path = f"/sympto/patients/responses/adhoc/{recurring}"
    refused(client.get(path, headers=headers), 405, "method_not_allowed")
    refused(client.post(path, json=body), 401, "missing_bearer")
    move_clock(client, 1_798_822_800)  # 2027-01-01T17:00:00Z: now it is sent
    assert respond(client, login(client), recurring, body).status_code == 200


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        *(({"response": value}, "`response`") for value in (*NOT_STRINGS[:4], [], "text")),
        *(({"responseId": value}, "`responseId`") for value in NOT_STRINGS),
        *(({"responseCompletion": value}, "`responseCompletion`") for value in (*NOT_STRINGS, "Empty", "full")),
        ({"response": {"big": "x" * 70_000}}, "`response` must be at most"),
    ],
)
def test_an_adhoc_response_body_breaking_a_rule_is_400(
    client: FlaskClient, headers: dict[str, str], changes: dict[str, Any], says: str
) -> None:
    valid = {"response": {"q1": 1}, "responseId": "r", "responseCompletion": "Full"}
    answer = respond(client, headers, "any", {**valid, **changes})
    refused(answer, 400, "invalid_body")
    assert says in answer.json["Message"], answer.json["Message"]


@pytest.mark.parametrize("missing", ["response", "responseId", "responseCompletion"])
def test_every_adhoc_response_field_is_required(client: FlaskClient, headers: dict[str, str], missing: str) -> None:
    valid = {"response": {"q1": 1}, "responseId": "r", "responseCompletion": "Full"}
    answer = respond(client, headers, "any", {k: v for k, v in valid.items() if k != missing})
    refused(answer, 400, "invalid_body")
    assert f"`{missing}`" in answer.json["Message"]


# --- bounds, reset, a running clock ------------------------------------------------------------------------


def test_items_sent_by_hand_are_capped_per_clinic(sandbox_settings: Settings, clock: Clock) -> None:
    app = create_app(
        replace(sandbox_settings, limits=replace(Limits(), recurring_surveys=3)), clock=clock, random_seed=5
    )
    try:
        client = app.test_client()
        headers = login(client)
        patient, recurring = scheduled(client, headers, startDatePreference={"type": "adhoc"})
        dates = {"type": "dates", "startDates": ["2027-01-01-09-00", "2027-01-02-09-00"]}
        assert send(client, headers, patient, recurring, dates).status_code == 200
        refused(send(client, headers, patient, recurring, dates), 422, "quota_recurring_surveys")  # all or none
        assert send(client, headers, patient, recurring, {"type": "immediate"}).status_code == 200
        refused(send(client, headers, patient, recurring, {"type": "immediate"}), 422, "quota_recurring_surveys")
    finally:
        app.extensions["sandbox.store"].dispose()


def test_resetting_the_clinic_forgets_its_items(client: FlaskClient, headers: dict[str, str]) -> None:
    scheduled(client, headers)
    assert client.post("/__sandbox/reset?vendor=sympto&tenant=demo-clinic").status_code == 200
    move_clock(client, FIRST + 10 * 86_400)
    assert notifications(client) == []


def test_on_a_running_clock_due_items_go_out_unattended(client: FlaskClient, headers: dict[str, str]) -> None:
    """No request after the clock is set: the worker alone sends the item within a second or two."""
    patient, recurring = scheduled(client, headers, startDatePreference={"type": "adhoc"})
    # FROZEN_AT + 60 s in the patient's time zone (America/Los_Angeles: UTC-8 in November).
    soon = datetime.fromtimestamp(FROZEN_AT + 60 - 8 * 3600, UTC).strftime("%Y-%m-%d-%H-%M")
    assert send(client, headers, patient, recurring, {"type": "dates", "startDates": [soon]}).status_code == 200
    # The clock runs from 59 s before the item's minute: it falls due about a second from now.
    assert client.put("/__sandbox/clock", json={"offset_seconds": FROZEN_AT + 59 - time.time()}).status_code == 200
    started = time.monotonic()
    while not notifications(client) and time.monotonic() - started < 5:
        time.sleep(0.1)
    assert len(notifications(client)) == 1
    assert time.monotonic() - started < 3.5
