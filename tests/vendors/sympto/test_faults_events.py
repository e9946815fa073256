"""Partner-facing faults on Sympto's events (issue #14 item 4), armed by name through ``POST /__sandbox/faults``
and observed by a real receiver: delayed, duplicated, reordered, and a burst of redeliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from flask.testing import FlaskClient

from tests.vendors.sympto.support import CLINIC, Receiver, create_patient, deliveries, login, register


def arm(client: FlaskClient, **body: Any) -> dict[str, Any]:
    response = client.post("/__sandbox/faults", json=body)
    assert response.status_code == 201, response.get_json()
    armed: dict[str, Any] = response.get_json()
    return armed


def test_the_event_faults_are_in_the_catalogue(client: FlaskClient) -> None:
    names = {spec["name"] for spec in client.get("/__sandbox/faults/catalogue").json["faults"]}
    assert {
        "sympto.event_delayed",
        "sympto.event_duplicated",
        "sympto.event_reordered",
        "sympto.event_redelivered",
    } <= names


def test_a_duplicated_event_arrives_twice_byte_for_byte(client: FlaskClient) -> None:
    headers = login(client)
    arm(client, name="sympto.event_duplicated", route="patient.*", tenant=CLINIC, times=1)
    with Receiver() as receiver:
        register(client, headers, "responses", receiver.url())
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        (delivery,) = deliveries(client)
    first, second = receiver.calls
    assert first["body"] == second["body"]
    assert first["headers"]["X-Sympto-Webhook-Signature"] == second["headers"]["X-Sympto-Webhook-Signature"]
    assert delivery["fault"] == "sympto.event_duplicated"
    assert [a["attempt"] for a in delivery["history"]] == [1, 1]


def test_a_burst_of_redeliveries_is_freshly_signed_each_time(client: FlaskClient) -> None:
    headers = login(client)
    arm(client, name="sympto.event_redelivered", times=1)
    with Receiver() as receiver:
        secret = register(client, headers, "responses", receiver.url())["endpointSecret"]
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        deliveries(client)
    assert len(receiver.calls) == 5
    assert len({call["body"] for call in receiver.calls}) == 1
    for call in receiver.calls:
        value = call["headers"]["X-Sympto-Webhook-Signature"].split(",v=")[1]
        assert value == hmac.new(secret.encode(), call["body"], hashlib.sha256).hexdigest()


def test_a_delayed_event_arrives_later(client: FlaskClient) -> None:
    headers = login(client)
    arm(client, name="sympto.event_delayed", delay_seconds=0.5, times=1)
    with Receiver() as receiver:
        register(client, headers, "patients", receiver.url())
        started = time.monotonic()
        create_patient(client, headers)
        deliveries(client)
        took = time.monotonic() - started
    assert len(receiver.calls) == 1
    assert took >= 0.5


def test_a_reordered_event_arrives_after_the_next_one(client: FlaskClient) -> None:
    headers = login(client)
    arm(client, name="sympto.event_reordered", delay_seconds=10, times=1)
    with Receiver() as receiver:
        register(client, headers, "patients", receiver.url())
        first = create_patient(client, headers)
        second = create_patient(client, headers, email="second@example.test")
        deliveries(client)
    assert [json.loads(call["body"])["patientTvId"] for call in receiver.calls] == [second, first]


def test_a_fault_scoped_to_another_event_does_not_fire(client: FlaskClient) -> None:
    headers = login(client)
    arm(client, name="sympto.event_duplicated", route="response.*")
    with Receiver() as receiver:
        register(client, headers, "patients", receiver.url())
        create_patient(client, headers)
        deliveries(client)
    assert len(receiver.calls) == 1
