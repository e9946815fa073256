"""Patient messages: send, fetch a window, recentlyViewed on the first fetch, hasNewMessages, the consent message."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from contracts.sympto.messaging import CONSENT_TEXT, MESSAGE_MAX_LENGTH
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.core.limits import Limits
from tests.conftest import FROZEN_AT
from tests.vendors.sympto.support import NOT_STRINGS, clinic_b, create_phone_patient, last_entry, login, refused


def send(client: FlaskClient, headers: dict[str, str], patient: str, text: str) -> None:
    answer = client.post(f"/sympto/provider/messaging/{patient}", json={"message": text}, headers=headers)
    assert answer.json == {"Status": "OK", "Response": True}


def fetch(client: FlaskClient, headers: dict[str, str], patient: str, query: str = "") -> dict[str, object]:
    answer = client.get(f"/sympto/provider/messaging/{patient}{query}", headers=headers)
    assert answer.status_code == 200, answer.json
    page: dict[str, object] = answer.json["Response"]
    return page


def test_a_thread_starts_with_the_consent_message_and_shows_what_the_api_sent(
    client: FlaskClient, headers: dict[str, str], clock: Clock
) -> None:
    patient = create_phone_patient(client, headers)
    clock.freeze(FROZEN_AT + 10)
    send(client, headers, patient, "Your appointment is tomorrow")
    page = fetch(client, headers, patient)
    consent, sent = page["messages"]  # type: ignore[misc]
    assert (consent["isConsent"], consent["role"], consent["from"], consent["message"]) == (
        True,
        "system",
        {"name": "Sympto", "tvid": None},
        CONSENT_TEXT,
    )
    assert consent["sentAt"] == int(FROZEN_AT * 1000)
    assert (sent["message"], sent["role"], sent["sentAt"], sent["patientId"]) == (
        "Your appointment is tomorrow",
        "clinicAdmin",
        int((FROZEN_AT + 10) * 1000),
        patient,
    )
    assert sent["from"]["name"] == "Clinic Admin"
    assert sent["from"]["tvid"]
    assert sent["viewed"][0]["tvid"] == sent["from"]["tvid"]


def test_recently_viewed_only_on_the_first_fetch_and_has_new_messages_while_some_are_unfetched(
    client: FlaskClient, headers: dict[str, str], clock: Clock
) -> None:
    patient = create_phone_patient(client, headers)
    for second in (1, 2, 3):
        clock.freeze(FROZEN_AT + second)
        send(client, headers, patient, f"m{second}")
    newest = fetch(client, headers, patient, "?limit=2")
    assert [m["message"] for m in newest["messages"]] == ["m2", "m3"]  # type: ignore[attr-defined]
    assert [m["recentlyViewed"] for m in newest["messages"]] == [True, True]  # type: ignore[attr-defined]
    assert newest["hasNewMessages"] is True  # the consent message and m1 were never fetched
    everything = fetch(client, headers, patient)
    assert [m["recentlyViewed"] for m in everything["messages"]] == [True, True, False, False]  # type: ignore[attr-defined]
    assert everything["hasNewMessages"] is False
    # Another bearer token of the same clinic is the same API user.
    again = fetch(client, login(client), patient)
    assert not any(m["recentlyViewed"] for m in again["messages"])  # type: ignore[attr-defined]


def test_before_and_after_are_strict_milliseconds_and_after_alone_pages_forward(
    client: FlaskClient, headers: dict[str, str], clock: Clock
) -> None:
    patient = create_phone_patient(client, headers)
    for second in (1, 2, 3, 4):
        clock.freeze(FROZEN_AT + second)
        send(client, headers, patient, f"m{second}")
    at = lambda second: int((FROZEN_AT + second) * 1000)  # noqa: E731
    texts = lambda page: [m["message"] for m in page["messages"]]  # noqa: E731
    assert texts(fetch(client, headers, patient, f"?before={at(3)}&after={at(1)}")) == ["m2"]
    assert texts(fetch(client, headers, patient, f"?after={at(1)}&limit=2")) == ["m2", "m3"]
    assert texts(fetch(client, headers, patient, f"?before={at(3)}&limit=1")) == ["m2"]
    assert texts(fetch(client, headers, patient, "?limit=0")) == []


@pytest.mark.parametrize("query", ["?before=yesterday", "?after=-1", "?limit=1.5", "?limit=ten", "?before=1e3"])
def test_a_bad_window_is_400_naming_the_parameter(client: FlaskClient, headers: dict[str, str], query: str) -> None:
    patient = create_phone_patient(client, headers)
    answer = client.get(f"/sympto/provider/messaging/{patient}{query}", headers=headers)
    refused(answer, 400, "invalid_query")
    assert f"`{query[1:].split('=')[0]}`" in answer.json["Message"]


def test_a_body_sent_with_the_fetch_is_ignored_with_a_warning(client: FlaskClient, headers: dict[str, str]) -> None:
    patient = create_phone_patient(client, headers)
    answer = client.get(f"/sympto/provider/messaging/{patient}", json={"limit": 0}, headers=headers)
    assert len(answer.json["Response"]["messages"]) == 1
    entry = last_entry(client)
    assert entry["verdict"] == "accepted_with_warnings"
    assert [w["rule"] for w in entry["warnings"]] == ["get_body_ignored"]


def test_messages_of_an_unknown_or_another_clinics_patient_are_404(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient = create_phone_patient(client, headers)
    other = clinic_b(client)
    for patient_id, who in ((patient, other), ("nobody", headers)):
        refused(client.get(f"/sympto/provider/messaging/{patient_id}", headers=who), 404, "unknown_patient")
        answer = client.post(f"/sympto/provider/messaging/{patient_id}", json={"message": "x"}, headers=who)
        refused(answer, 404, "unknown_patient")
    assert len(fetch(client, headers, patient)["messages"]) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [*NOT_STRINGS, "", "x" * (MESSAGE_MAX_LENGTH + 1)])
def test_a_message_that_is_not_a_text_is_400(client: FlaskClient, headers: dict[str, str], value: object) -> None:
    patient = create_phone_patient(client, headers)
    answer = client.post(f"/sympto/provider/messaging/{patient}", json={"message": value}, headers=headers)
    refused(answer, 400, "invalid_body")
    assert "`message`" in answer.json["Message"]
    missing = client.post(f"/sympto/provider/messaging/{patient}", json={}, headers=headers)
    assert "`message` is required" in missing.json["Message"]


def test_a_message_of_the_maximum_length_is_sent(client: FlaskClient, headers: dict[str, str]) -> None:
    send(client, headers, create_phone_patient(client, headers), "x" * MESSAGE_MAX_LENGTH)


def test_messages_per_clinic_are_capped(sandbox_settings: Settings, clock: Clock) -> None:
    app = create_app(replace(sandbox_settings, limits=replace(Limits(), messages=2)), clock=clock, random_seed=5)
    try:
        client = app.test_client()
        headers = login(client)
        patient = create_phone_patient(client, headers)
        send(client, headers, patient, "one")  # the consent message is one too
        answer = client.post(f"/sympto/provider/messaging/{patient}", json={"message": "two"}, headers=headers)
        refused(answer, 422, "quota_messages")
        assert "[limits] messages" in answer.json["Message"]
    finally:
        app.extensions["sandbox.store"].dispose()
