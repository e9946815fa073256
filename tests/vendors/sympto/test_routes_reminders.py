"""Survey reminders through HTTP: a sent item's ``notifications.daysBeforeDueDate`` reminders go out on the sandbox
clock (moved with ``PUT /__sandbox/clock``, never by sleeping), through the same worker and schedule as the items,
each journaled once as a ``NOTIFY`` entry with ``messageData.reminder``; never for a completed item or a deleted
patient."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from sandbox.core.clock import Clock
from tests.conftest import FROZEN_AT
from tests.vendors.sympto.support import create_phone_patient, deliveries, login
from tests.vendors.sympto.test_routes_items import move_clock, notifications, respond, send
from tests.vendors.sympto.test_service_surveys import a_generic_survey, schedule, survey_body

DAY = 86_400
HOUR = 3_600
MESSAGES = {
    "creation": {"text": "Your survey is ready", "email": None},
    "reminder": {"text": "Your survey is due soon", "email": {"subject": "Reminder", "body": "Please answer"}},
}


def reminders(client: FlaskClient) -> list[dict[str, Any]]:
    """The journal's survey reminders, oldest first."""
    return [entry for entry in notifications(client) if entry["rule"] == "survey_reminder_sent"]


def sent_now(
    client: FlaskClient, headers: dict[str, str], hours: float, days: list[int], **patient: Any
) -> tuple[str, str, str]:
    """An adhoc survey of ``hours`` with reminders ``days`` before its due date, one item sent at ``FROZEN_AT``
    to a new patient (``PHONE_PATIENT`` with ``patient``'s changes): (patient, recurring survey, responseId)."""
    patient_id = create_phone_patient(client, headers, **patient)
    body = survey_body(
        a_generic_survey(client, headers),
        startDatePreference={"type": "adhoc"},
        duration=hours,
        messageData=MESSAGES,
        notifications={"daysBeforeDueDate": days},
    )
    answer = schedule(client, headers, patient_id, body)
    assert answer.status_code == 200, answer.json
    recurring = str(answer.json["Response"])
    [response_id] = send(client, headers, patient_id, recurring, {"type": "immediate"}).json["Response"]
    return patient_id, recurring, response_id


def test_a_reminder_fires_at_its_edge_once_with_the_reminder_message(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    patient, _, response_id = sent_now(client, headers, 72, [1])
    edge = FROZEN_AT + 2 * DAY  # due 72 hours after sending; one day before that
    move_clock(client, edge - 1)
    assert reminders(client) == []
    move_clock(client, edge)
    [entry] = reminders(client)
    assert (entry["method"], entry["path"], entry["direction"]) == ("NOTIFY", f"patient:{patient}", "outbound")
    body = entry["request"]["body"]
    assert body["responseId"] == response_id
    assert (body["remindedAt"], body["dueAt"], body["daysBeforeDueDate"]) == (
        int(edge * 1000),
        int((FROZEN_AT + 3 * DAY) * 1000),
        1,
    )
    assert body["messages"] == {
        "text": {"to": "+16505550100", "body": "Your survey is due soon"},
        "email": {"to": "pat@example.test", "subject": "Reminder", "body": "Please answer"},
    }
    assert "reminder message by text and email" in entry["message"]
    move_clock(client, edge + HOUR)
    assert len(reminders(client)) == 1  # never twice
    assert [e["rule"] for e in notifications(client)] == ["survey_item_sent", "survey_reminder_sent"]


def test_each_day_reminds_once_in_order_and_only_between_sending_and_due_date(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    # Due in 3 days: 3 (at the sending) and 0 (at the due date) remind of nothing; 1 twice is one reminder.
    sent_now(client, headers, 72, [1, 3, 2, 0, 1])
    move_clock(client, FROZEN_AT + 2 * DAY + 1)  # both remaining reminders are due: sent in order
    assert [e["request"]["body"]["daysBeforeDueDate"] for e in reminders(client)] == [2, 1]
    move_clock(client, FROZEN_AT + 10 * DAY)
    assert len(reminders(client)) == 2


def test_a_reminder_past_its_items_due_date_is_dropped_not_sent_late(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    sent_now(client, headers, 72, [2, 1])
    move_clock(client, FROZEN_AT + DAY)
    assert [e["request"]["body"]["daysBeforeDueDate"] for e in reminders(client)] == [2]
    move_clock(client, FROZEN_AT + 3 * DAY)  # the due date itself: the reminder a day earlier reminds of nothing
    assert len(reminders(client)) == 1


def test_a_completed_item_gets_no_reminder_and_a_partial_one_does(client: FlaskClient, headers: dict[str, str]) -> None:
    patient, recurring, done_id = sent_now(client, headers, 48, [1])
    [partial_id] = send(client, headers, patient, recurring, {"type": "immediate"}).json["Response"]
    answer = {"response": {"q1": 3}, "responseCompletion": "Full", "responseId": done_id}
    assert respond(client, headers, recurring, answer).status_code == 200
    answer = {**answer, "responseCompletion": "Partial", "responseId": partial_id}
    assert respond(client, headers, recurring, answer).status_code == 200
    move_clock(client, FROZEN_AT + DAY)
    assert [e["request"]["body"]["responseId"] for e in reminders(client)] == [partial_id]


def test_a_deleted_patient_gets_no_reminder(client: FlaskClient, headers: dict[str, str]) -> None:
    patient, _, _ = sent_now(client, headers, 48, [1])
    _, _, kept = sent_now(client, headers, 48, [1], email="kim@example.test", phoneNumber="+16505550101")
    assert client.delete(f"/sympto/providers/patients/{patient}", headers=headers).status_code == 200
    move_clock(client, FROZEN_AT + DAY)
    assert [e["request"]["body"]["responseId"] for e in reminders(client)] == [kept]


def worker_skips_items(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The events worker looks at no item or reminder (until ``monkeypatch`` undoes it): what is due stays due."""
    items = client.application.extensions["sandbox.sympto"].items
    monkeypatch.setattr(items, "run_due", lambda clinic_id, now: 0)


def test_the_deliveries_wait_waits_for_due_reminders(
    client: FlaskClient, headers: dict[str, str], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent_now(client, headers, 48, [1])
    deliveries(client, wait=5)
    worker_skips_items(client, monkeypatch)
    clock.freeze(FROZEN_AT + DAY)
    waited = client.get("/__sandbox/sympto/deliveries", query_string={"wait": 0.3}).json
    assert waited["settled"] is False  # a reminder is due and not sent: the wait waits for it
    monkeypatch.undo()
    deliveries(client, wait=5)
    assert len(reminders(client)) == 1


def test_a_response_after_a_due_reminder_does_not_hide_it(
    client: FlaskClient, headers: dict[str, str], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, recurring, response_id = sent_now(client, headers, 48, [1])
    worker_skips_items(client, monkeypatch)
    clock.freeze(FROZEN_AT + DAY)  # due, and the worker does not send it
    answer = {"response": {"q1": 3}, "responseCompletion": "Full", "responseId": response_id}
    assert respond(client, login(client), recurring, answer).status_code == 200
    assert len(reminders(client)) == 1  # sent before the response completed the item
    monkeypatch.undo()
    deliveries(client, wait=5)
    assert len(reminders(client)) == 1
