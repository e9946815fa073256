"""``/__sandbox/sympto`` for events (issue #14 items 4 and 5): simulating a patient's response, listing
deliveries with ``?wait=``, their errors in the control plane's shape, and the pytest plugin's helpers."""

from __future__ import annotations

import json

import pytest
import requests
from click.testing import CliRunner
from flask.testing import FlaskClient

from sandbox.cli import main
from sandbox.control.client import ControlClient
from sandbox.testing.live import LiveServer
from sandbox.vendors.sympto import testing
from tests.vendors.sympto.support import Receiver, create_patient, deliveries, login, register


def test_simulating_a_response_answers_its_ids(client: FlaskClient) -> None:
    patient = create_patient(client, login(client))
    answer = client.post("/__sandbox/sympto/responses", json={"patientTvId": patient})
    assert answer.status_code == 200
    assert set(answer.json) == {"responseId", "patientSurveyId", "deliveries"}
    assert answer.json["deliveries"] == []  # no responses webhook registered


def test_a_second_response_to_the_same_item_keeps_its_patient_survey_id(client: FlaskClient) -> None:
    headers = login(client)
    patient = create_patient(client, headers)
    with Receiver() as receiver:
        register(client, headers, "responses", receiver.url())
        first = client.post(
            "/__sandbox/sympto/responses", json={"patientTvId": patient, "responseCompletion": "Partial"}
        )
        again = client.post(
            "/__sandbox/sympto/responses",
            json={"patientTvId": patient, "patientSurveyId": first.json["patientSurveyId"]},
        )
        found = deliveries(client)
    assert again.json["patientSurveyId"] == first.json["patientSurveyId"]
    assert again.json["responseId"] != first.json["responseId"]
    assert [d["event"] for d in found] == ["response.updated", "response.updated"]
    assert len(receiver.calls) == 2


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "patientTvId"),
        ({"patientTvId": "x", "responseCompletion": "Done"}, "responseCompletion"),
        ({"patientTvId": "x", "instrumentType": "quiz"}, "instrumentType"),
        ({"patientTvId": "x", "answers": [1]}, "answers"),
        ({"patientTvId": "x", "answers": {f"q{i}": i for i in range(101)}}, "at most 100"),
    ],
)
def test_a_bad_simulation_is_a_400(client: FlaskClient, body: dict[str, object], says: str) -> None:
    answer = client.post("/__sandbox/sympto/responses", json=body)
    assert answer.status_code == 400
    assert says in answer.json["error"]


def test_an_unknown_patient_is_a_404(client: FlaskClient) -> None:
    answer = client.post("/__sandbox/sympto/responses", json={"patientTvId": "no-such-patient"})
    assert answer.status_code == 404
    assert "no Sympto patient" in answer.json["error"]


def test_a_provider_is_not_a_patient(client: FlaskClient) -> None:
    users = client.get("/__sandbox/sympto/users").json["users"]
    admin = next(user for user in users if user["role"] == "clinicAdmin")
    answer = client.post("/__sandbox/sympto/responses", json={"patientTvId": admin["id"]})
    assert answer.status_code == 404


@pytest.mark.parametrize("query", ["wait=soon", "wait=31", "wait=-1", "other=1"])
def test_a_bad_deliveries_query_is_a_400(client: FlaskClient, query: str) -> None:
    assert client.get(f"/__sandbox/sympto/deliveries?{query}").status_code == 400


def test_deliveries_without_wait_say_whether_they_are_settled(client: FlaskClient) -> None:
    answer = client.get("/__sandbox/sympto/deliveries")
    assert answer.status_code == 200
    assert answer.json == {"settled": True, "deliveries": []}


def test_the_pytest_plugin_helpers_respond_and_wait(live_server: LiveServer) -> None:
    control = ControlClient(live_server.url)
    with Receiver() as receiver:
        token = control.session.post(
            f"{live_server.url}/sympto/authorization",
            json={"clientId": "demo-admin@example.test", "clientSecret": "demo-sympto-api-secret"},
            timeout=10,
        ).json()["Response"]
        headers = {"Authorization": f"Bearer {token}"}
        hook = control.session.post(
            f"{live_server.url}/sympto/responses/webhook", json={"url": receiver.url()}, headers=headers, timeout=10
        )
        assert hook.status_code == 200
        patient = control.session.post(
            f"{live_server.url}/sympto/providers/patients",
            json={
                "firstName": "A",
                "lastName": "B",
                "timeZone": "UTC",
                "email": "a@example.test",
                "notificationType": [],
            },
            headers=headers,
            timeout=10,
        ).json()["Response"]
        answered = testing.HELPERS["respond"](control, patient, surveyName="GAD-7")
        (delivery,) = testing.HELPERS["deliveries"](control, wait=10)
    assert delivery["body"]["Response"]["response"]["responseId"] == answered["responseId"]
    assert delivery["state"] == "delivered"
    assert len(receiver.calls) == 1


def test_the_cli_simulates_a_response(live_server: LiveServer) -> None:
    token = requests.post(
        f"{live_server.url}/sympto/authorization",
        json={"clientId": "demo-admin@example.test", "clientSecret": "demo-sympto-api-secret"},
        timeout=10,
    ).json()["Response"]
    patient = requests.post(
        f"{live_server.url}/sympto/providers/patients",
        json={
            "firstName": "A",
            "lastName": "B",
            "timeZone": "UTC",
            "email": "cli@example.test",
            "notificationType": [],
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()["Response"]
    args = ["simulate", "sympto", patient, "--url", live_server.url, "--survey-name", "PHQ-9", "--answer", "q1=3"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)) == {"responseId", "patientSurveyId", "deliveries"}
    unknown = CliRunner().invoke(main, ["simulate", "sympto", "nobody", "--url", live_server.url])
    assert unknown.exit_code == 1
    assert "404" in unknown.output
    bad = CliRunner().invoke(main, ["simulate", "sympto", patient, "--url", live_server.url, "--answer", "nope"])
    assert bad.exit_code == 2


def test_deliveries_can_be_limited_to_the_newest(client: FlaskClient) -> None:
    """``?limit=``: what the dashboard asks for (its panel shows the newest 20), oldest first like the whole list."""
    headers = login(client)
    patient = create_patient(client, headers)
    with Receiver() as receiver:
        register(client, headers, "responses", receiver.url())
        made = [
            client.post("/__sandbox/sympto/responses", json={"patientTvId": patient}).json["deliveries"][0]
            for _ in range(3)
        ]
        everything = deliveries(client)
    newest = client.get("/__sandbox/sympto/deliveries?limit=2").json["deliveries"]
    assert [d["delivery_id"] for d in everything] == made
    assert [d["delivery_id"] for d in newest] == made[1:]
    for bad in ("0", "201", "two", "1.5"):
        assert client.get(f"/__sandbox/sympto/deliveries?limit={bad}").status_code == 400, bad
