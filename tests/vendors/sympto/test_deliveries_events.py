"""Sympto's event deliveries (issue #14 items 2-4) over real loopback HTTP: signed as documented (checked
here with hmac/hashlib, not the sandbox's helper), sent in the background, retried at least once on the
sandbox clock (moved, never slept), every attempt journaled, the core's outbound rules kept."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask import Flask, Response
from flask.testing import FlaskClient
from sqlalchemy import select

from sandbox.core.clock import Clock
from sandbox.core.journal import journal_entries
from sandbox.testing.live import LiveServer
from sandbox.vendors.sympto import deliveries as deliveries_module
from tests.conftest import FROZEN_AT
from tests.vendors.sympto.support import (
    PATIENT,
    Receiver,
    create_patient,
    deliveries,
    login,
    register,
)

HEADER = re.compile(r"^t=(\d+),v=([0-9a-f]{64})$")
#: The documented schedule, written out: seconds after the first attempt (1, 3, 7 … minutes; 3 days last).
SCHEDULE = [60 * (2**n - 1) for n in range(1, 13)] + [3 * 24 * 3600]


def verified(call: dict[str, Any], secret: str) -> int:
    """The signature checked independently: hex HMAC-SHA256 of the raw body keyed with the secret; returns ``t``."""
    found = HEADER.match(call["headers"]["X-Sympto-Webhook-Signature"])
    assert found is not None, call["headers"]
    expected = hmac.new(secret.encode(), call["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(found.group(2), expected)
    return int(found.group(1))


def test_a_patient_event_is_signed_with_the_endpoint_secret_as_documented(client: FlaskClient) -> None:
    headers = login(client)
    with Receiver() as receiver:
        secret = register(client, headers, "responses", receiver.url("responses"))["endpointSecret"]
        assert register(client, headers, "patients", receiver.url("patients")) is True
        patient_id = create_patient(client, headers, sex="M", dob="1934-12-24", language="English", mrn="42")
        (delivery,) = deliveries(client)
    (call,) = receiver.calls
    assert call["path"] == "/patients"
    assert verified(call, secret) == int(FROZEN_AT)
    assert call["headers"]["Content-Type"] == "application/json"
    assert json.loads(call["body"]) == {
        "patientTvId": patient_id,
        "firstName": "Pat",
        "lastName": "Patient",
        "timeZone": "America/Los_Angeles",
        "email": "pat@example.test",
        "phoneNumber": None,
        "sex": "M",
        "dob": "1934-12-24",
        "language": "English",
        "mrn": "42",
        "notificationType": ["email"],
    }
    assert delivery["state"] == "delivered"
    assert delivery["event"] == "patient.created"
    assert [a["status"] for a in delivery["history"]] == [200]


def test_an_update_sends_patient_updated_and_a_deletion_sends_nothing(client: FlaskClient) -> None:
    """Every committed patient change goes through one place (``Users.patient_committed``): an update
    through ``POST /providers/patients/:id/update`` is a ``patient.updated`` event with the changed
    model; a deletion is no documented event, so none is sent."""
    headers = login(client)
    with Receiver() as receiver:
        secret = register(client, headers, "responses", receiver.url("responses"))["endpointSecret"]
        register(client, headers, "patients", receiver.url("patients"))
        patient_id = create_patient(client, headers)
        updated = client.post(
            f"/sympto/providers/patients/{patient_id}/update",
            json={
                "firstName": "Patricia",
                "lastName": "Patient",
                "timeZone": "America/Los_Angeles",
                "email": "pat@example.test",
                "notificationType": ["email"],
            },
            headers=headers,
        )
        assert updated.status_code == 200, updated.json
        assert client.delete(f"/sympto/providers/patients/{patient_id}", headers=headers).status_code == 200
        sent = deliveries(client)
    assert [delivery["event"] for delivery in sent] == ["patient.created", "patient.updated"]
    created, changed = receiver.calls
    assert verified(changed, secret) == int(FROZEN_AT)
    assert json.loads(created["body"])["firstName"] == "Pat"
    assert json.loads(changed["body"])["firstName"] == "Patricia"
    assert json.loads(changed["body"])["patientTvId"] == patient_id


def test_a_tampered_body_or_another_secret_does_not_verify(client: FlaskClient) -> None:
    headers = login(client)
    with Receiver() as receiver:
        secret = register(client, headers, "responses", receiver.url())["endpointSecret"]
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        deliveries(client)
    (call,) = receiver.calls
    value = HEADER.match(call["headers"]["X-Sympto-Webhook-Signature"])
    assert value is not None
    assert hmac.new(b"another secret", call["body"], hashlib.sha256).hexdigest() != value.group(2)
    assert hmac.new(secret.encode(), call["body"] + b" ", hashlib.sha256).hexdigest() != value.group(2)


def test_a_response_event_is_the_enveloped_response_data_model(client: FlaskClient) -> None:
    headers = login(client)
    with Receiver() as receiver:
        secret = register(client, headers, "responses", receiver.url())["endpointSecret"]
        patient_id = create_patient(client, headers)  # no patient webhook: nothing sent
        answered = client.post(
            "/__sandbox/sympto/responses",
            json={
                "patientTvId": patient_id,
                "surveyName": "PHQ-9",
                "responseCompletion": "Partial",
                "answers": {"q1": 3},
            },
        )
        assert answered.status_code == 200, answered.json
        deliveries(client)
    (call,) = receiver.calls
    verified(call, secret)
    document = json.loads(call["body"])
    assert document["Status"] == "OK"
    response = document["Response"]
    assert response["patientSurveyId"] == answered.json["patientSurveyId"]
    assert response["instrumentType"] == "instrument"
    assert response["completionMedium"] == [
        {
            "channel": "Mobile",
            "user": {"type": "patient", "firstName": "Pat", "lastName": "Patient", "tvid": patient_id},
        }
    ]
    answers = response["response"]
    assert answers["responseId"] == answered.json["responseId"]
    assert answers["dateCompleted"] == int(FROZEN_AT * 1000)
    assert answers["responseCompletion"] == "Partial"
    assert answers["surveyName"] == "PHQ-9"
    assert answers["response"] == {"q1": 3}
    assert set(answers) == {
        "dateCompleted",
        "responseCompletion",
        "description",
        "surveyName",
        "response",
        "questions",
        "responseId",
    }


def test_retries_follow_the_documented_backoff_on_the_moved_sandbox_clock(client: FlaskClient, clock: Clock) -> None:
    headers = login(client)
    with Receiver(fail=1000) as receiver:
        secret = register(client, headers, "responses", receiver.url())["endpointSecret"]
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        (delivery,) = deliveries(client)
        assert len(receiver.calls) == 1
        assert delivery["next_attempt_at"] == FROZEN_AT + 60
        clock.advance(59)
        deliveries(client)
        assert len(receiver.calls) == 1  # not due yet
        moved = 59.0
        for number, offset in enumerate(SCHEDULE, start=2):
            clock.advance(offset - moved)
            moved = offset
            (delivery,) = deliveries(client)
            assert len(receiver.calls) == number, offset
            assert verified(receiver.calls[-1], secret) == int(FROZEN_AT + offset)  # a fresh t every attempt
        clock.advance(30 * 24 * 3600)
        (delivery,) = deliveries(client)
    assert len(receiver.calls) == 1 + len(SCHEDULE)  # given up after 3 days
    assert delivery["state"] == "failed"
    assert delivery["next_attempt_at"] is None
    assert [a["attempt"] for a in delivery["history"]] == list(range(1, len(SCHEDULE) + 2))
    assert len({call["body"] for call in receiver.calls}) == 1  # the same event every time


def test_moving_the_clock_through_the_control_plane_fires_due_retries(client: FlaskClient) -> None:
    headers = login(client)
    with Receiver(fail=1) as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        deliveries(client)
        assert client.put("/__sandbox/clock", json={"frozen_at": "2026-11-21T12:01:01Z"}).status_code == 200
        started = time.monotonic()
        while len(receiver.calls) < 2 and time.monotonic() - started < 5:  # no wait=: the worker alone
            time.sleep(0.05)
        assert time.monotonic() - started < 2.5  # "within a second or two"
        (delivery,) = deliveries(client)
    assert len(receiver.calls) == 2
    assert delivery["state"] == "delivered"


def test_at_least_once_under_a_receiver_that_fails_n_times(client: FlaskClient, clock: Clock) -> None:
    headers = login(client)
    with Receiver(fail=4) as receiver:
        secret = register(client, headers, "responses", receiver.url())["endpointSecret"]
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        for _ in range(10):
            (delivery,) = deliveries(client)
            if delivery["state"] != "pending":
                break
            clock.advance(delivery["next_attempt_at"] - clock.now())
        clock.advance(7 * 24 * 3600)
        (delivery,) = deliveries(client)
    assert delivery["state"] == "delivered"
    assert [a["status"] for a in delivery["history"]] == [500, 500, 500, 500, 200]
    assert len(receiver.calls) == 5  # once delivered, never again
    for call in receiver.calls:
        verified(call, secret)


def test_a_non_200_success_status_is_retried(client: FlaskClient, clock: Clock) -> None:
    """The documents count any non-200 as a failure: 204 is retried."""
    headers = login(client)
    with Receiver(status=204) as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        (delivery,) = deliveries(client)
        clock.advance(60)
        (delivery,) = deliveries(client)
    assert len(receiver.calls) == 2
    assert delivery["state"] == "pending"
    assert delivery["last_status"] == 204


def test_no_delivery_blocks_the_api_request(client: FlaskClient) -> None:
    release = threading.Event()
    app = Flask("slow-receiver")

    @app.post("/hook")
    def hook() -> Response:
        release.wait(10)
        return Response("true")

    headers = login(client)
    with LiveServer(app) as server:
        register(client, headers, "patients", server.url + "/hook")
        started = time.monotonic()
        create_patient(client, headers)
        took = time.monotonic() - started
        release.set()
        (delivery,) = deliveries(client)
    assert took < 1.0, took
    assert delivery["state"] == "delivered"


def test_the_sample_era_webhook_receives_new_patients_signed_with_its_secret(client: FlaskClient) -> None:
    """The 2020-03 sample: POST /clinicAdmin/webhook {webhookData: {url, secret: 'TEST'}}, then patients."""
    headers = login(client)
    with Receiver() as receiver:
        registered = client.post(
            "/sympto/clinicAdmin/webhook",
            json={"webhookData": {"url": receiver.url("patient/webhook"), "secret": "TEST"}},
            headers=headers,
        )
        assert registered.json == {"Status": "OK", "Response": True}
        first = create_patient(client, headers, path="/sympto/providers/patient/create")
        second = create_patient(client, headers, email="other@example.test")  # the current path notifies it too
        deliveries(client)
    assert [call["path"] for call in receiver.calls] == ["/patient/webhook", "/patient/webhook"]
    assert [json.loads(call["body"])["patientTvId"] for call in receiver.calls] == [first, second]
    for call in receiver.calls:
        verified(call, "TEST")


def test_patient_events_are_unsigned_until_the_clinic_has_an_endpoint_secret(client: FlaskClient) -> None:
    headers = login(client)
    with Receiver() as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        deliveries(client)
    (call,) = receiver.calls
    assert "X-Sympto-Webhook-Signature" not in call["headers"]


def test_re_registering_replaces_the_url_and_the_secret(client: FlaskClient, clock: Clock) -> None:
    headers = login(client)
    with Receiver(fail=1) as receiver:
        old = register(client, headers, "responses", receiver.url("old"))["endpointSecret"]
        register(client, headers, "patients", receiver.url("old"))
        create_patient(client, headers)
        deliveries(client)
        new = register(client, headers, "responses", receiver.url("new"))["endpointSecret"]
        register(client, headers, "patients", receiver.url("new"))
        clock.advance(60)
        deliveries(client)
    assert new != old
    assert [call["path"] for call in receiver.calls] == ["/old", "/new"]  # the retry goes where registered now
    verified(receiver.calls[1], new)


def test_every_attempt_is_journaled_as_an_outbound_exchange(app: Flask, client: FlaskClient, clock: Clock) -> None:
    headers = login(client)
    with Receiver(fail=1) as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        deliveries(client)
        clock.advance(60)
        deliveries(client)
    store = app.extensions["sandbox.store"]
    with store.connect() as connection:
        rows = connection.execute(
            select(journal_entries).where(journal_entries.c.direction == "outbound").order_by(journal_entries.c.id)
        ).all()
    assert [(row.vendor, row.status, row.verdict) for row in rows] == [
        ("sympto", 500, "rejected"),
        ("sympto", 200, "accepted"),
    ]
    assert "attempt 1 of 14" in rows[0].message
    assert "attempt 2 of 14" in rows[1].message
    assert all(row.latency_ms > 0 for row in rows)


def test_the_core_outbound_rules_apply(make_app: Callable[..., Flask]) -> None:
    """No loopback allowed and the host not listed: refused before any connection, journaled, retried later."""
    application = make_app(allow_loopback=False)
    client = application.test_client()
    headers = login(client)
    with Receiver() as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        (delivery,) = deliveries(client)
    assert receiver.calls == []
    assert delivery["history"][0]["error"] == "host_not_allowed"
    assert delivery["state"] == "pending"


def test_a_reset_forgets_registrations_and_deliveries(client: FlaskClient) -> None:
    headers = login(client)
    with Receiver(fail=1000) as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        assert len(deliveries(client)) == 1
        assert client.post("/__sandbox/reset?vendor=sympto").status_code == 200
        assert deliveries(client) == []
        headers = login(client)
        create_patient(client, headers)
        assert deliveries(client) == []


def test_patient_event_body_keeps_the_documented_fields(client: FlaskClient) -> None:
    headers = login(client)
    with Receiver() as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        deliveries(client)
    body = json.loads(receiver.calls[0]["body"])
    assert set(body) == {"patientTvId", *PATIENT, "phoneNumber", "sex", "dob", "language", "mrn"}


def test_the_worker_keeps_looking_while_a_running_clock_can_make_a_retry_due(
    app: Flask, client: FlaskClient, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A frozen clock moves only through a request (which wakes the worker), so an idle worker may stop;
    on a running clock a retry falls due by itself, so the worker must not stop while one is pending."""
    monkeypatch.setattr(deliveries_module, "IDLE_EXIT_SECONDS", 0.0)
    deliverer = app.extensions["sandbox.sympto"].deliverer
    clock.shift(0.0)  # a running clock
    headers = login(client)
    with Receiver(fail=1000) as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        deliveries(client)
        time.sleep(1.5)  # the worker's own idle logic is under test: bounded real time
        assert deliverer._worker is not None
        assert deliverer._worker.is_alive()
        clock.freeze(FROZEN_AT)
        started = time.monotonic()
        while deliverer._worker is not None and time.monotonic() - started < 5:
            time.sleep(0.05)
        assert deliverer._worker is None  # frozen and idle: stopped (a request would start it again)
    assert len(receiver.calls) == 1


def test_an_event_webhook_aimed_at_the_sandbox_itself_is_refused_as_a_self_call(live_server: LiveServer) -> None:
    """A partner-facing URL can never reach the control plane (here: reset) or any other route of the sandbox."""
    url = live_server.url
    token = requests.post(
        f"{url}/sympto/authorization",
        json={"clientId": "demo-admin@example.test", "clientSecret": "demo-sympto-api-secret"},
        timeout=10,
    ).json()["Response"]
    headers = {"Authorization": f"Bearer {token}"}
    hook = requests.post(
        f"{url}/sympto/patients/webhook", json={"url": f"{url}/__sandbox/reset"}, headers=headers, timeout=10
    )
    assert hook.status_code == 200
    created = requests.post(f"{url}/sympto/providers/patients", json=PATIENT, headers=headers, timeout=10)
    assert created.status_code == 200
    found = requests.get(f"{url}/__sandbox/sympto/deliveries", params={"wait": 10}, timeout=30).json()
    (delivery,) = found["deliveries"]
    assert delivery["history"][0]["error"] == "self_call"
    assert len(requests.get(f"{url}/__sandbox/sympto/users", timeout=10).json()["users"]) == 2  # nothing was reset
