"""Sympto's survey items on plain values (issue #20, item 6): the rules of ``sandbox.vendors.sympto.service.items``
stated directly against the service (no events worker: ``deliverer`` is ``None``, so nothing moves unless the test
moves it), read from the store and the journal; the HTTP behaviour is in ``test_routes_items.py`` and
``test_routes_reminders.py``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from contracts.sympto import messages
from contracts.sympto.items import UNKNOWN_RESPONSE
from sandbox.core.clock import Clock
from sandbox.vendors.sympto.errors import NotFound
from sandbox.vendors.sympto.models import clinics, event_deliveries, patient_surveys, users
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service import items as items_module
from sandbox.vendors.sympto.service.catalogue import GENERIC_SURVEYS
from sandbox.vendors.sympto.service.items import reminder_times
from sandbox.vendors.sympto.service.surveys import instance_id
from tests.conftest import FROZEN_AT
from tests.vendors.sympto.support import adhoc_survey, clinic_b, next_due_at_each_notification, sympto_without_worker

CLINIC = "demo-clinic"
DAY = 86_400.0
HOUR = 3_600.0


@pytest.fixture
def service(app: Flask, monkeypatch: pytest.MonkeyPatch) -> SymptoService:
    return sympto_without_worker(app, monkeypatch)


def a_patient(service: SymptoService, **changes: Any) -> str:
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat@example.test", **changes}
    return service.users.create_user(CLINIC, "patient", data, messages.CURRENT)


# --- find_recurring ---------------------------------------------------------------------------------------------


def test_an_unknown_recurring_survey_is_named_quoted_in_the_404(service: SymptoService) -> None:
    patient = a_patient(service)
    with pytest.raises(NotFound) as refused:
        service.items.send(CLINIC, patient, "no-such-survey", {"type": "immediate"})
    assert refused.value.rule == "unknown_recurring_survey"
    assert refused.value.message.startswith('No recurring survey "no-such-survey" for this patient in your clinic')


# --- the creation message -----------------------------------------------------------------------------------------


def item_row(app: Flask, response_id: str) -> dict[str, Any]:
    """The stored item (``sympto_patient_surveys`` row) of that responseId."""
    with app.extensions["sandbox.store"].connect() as connection:
        row = connection.execute(select(patient_surveys).where(patient_surveys.c.response_id == response_id)).one()
    return dict(row._mapping)


def notify_entries(app: Flask) -> list[dict[str, Any]]:
    """The journal's ``NOTIFY`` entries (items sent, reminders), oldest first."""
    journal = app.extensions["sandbox.journal"]
    return list(reversed(journal.entries(vendor="sympto", filters={"method": "NOTIFY"})))


def test_sending_an_item_journals_its_creation_message_in_the_patients_time_zone(
    app: Flask, service: SymptoService
) -> None:
    patient = a_patient(service, timeZone="America/Los_Angeles", phoneNumber="+16505550100")
    creation = {"text": "Ready", "email": {"subject": "Survey", "body": "Please answer"}}
    recurring = adhoc_survey(service, patient, messageData={"creation": creation})
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    item = item_row(app, response_id)
    [entry] = notify_entries(app)
    expected = {
        "tenant": CLINIC,
        "direction": "outbound",
        "method": "NOTIFY",
        "path": f"patient:{patient}",
        "status": None,
        "verdict": "accepted",
        "rule": "survey_item_sent",
        "latency_ms": 0.0,
        "correlation_id": "",
    }
    assert {key: entry[key] for key in expected} == expected
    assert entry["message"] == (
        f"Sympto survey item {item['patient_survey_id']} (PHQ-9) sent to patient {patient} at 2026-11-21T04:00-08:00"
        "; creation message by text and email (the sandbox sends nothing)"
    )
    assert entry["request"] == {
        "headers": {"Content-Type": "application/json"},
        "body": {
            "patientTvId": patient,
            "patientSurveyId": item["patient_survey_id"],
            "recurringSurveyId": recurring,
            "responseId": response_id,
            "surveyName": "PHQ-9",
            "sentAt": int(FROZEN_AT * 1000),
            "dueAt": int((FROZEN_AT + DAY) * 1000),
            "messages": {
                "text": {"to": "+16505550100", "body": "Ready"},
                "email": {"to": "pat@example.test", "subject": "Survey", "body": "Please answer"},
            },
        },
    }
    assert entry["response"] == {"headers": {}, "body": None}


# --- a schedule's items -------------------------------------------------------------------------------------------

#: Every other day at 09:30 in the patient's time zone, three times, from 2026-12-01.
DAILY = {
    "type": "recurring",
    "nOccurrences": 3,
    "timeOfDay": {"hours": 9, "minutes": 30},
    "surveyStartDate": "2026-12-01",
    "frequency": {"type": "daily", "everyN": 2},
}
FIRST = 1_796_146_200.0  # 2026-12-01T17:30:00Z: 09:30 in America/Los_Angeles


def stored_items(app: Flask, recurring: str) -> list[dict[str, Any]]:
    with app.extensions["sandbox.store"].connect() as connection:
        rows = connection.execute(
            select(patient_surveys)
            .where(patient_surveys.c.recurring_survey_id == recurring)
            .order_by(patient_surveys.c.send_at)
        ).all()
    return [dict(row._mapping) for row in rows]


def test_sending_a_schedules_item_adds_its_next_occurrence_until_the_last(app: Flask, service: SymptoService) -> None:
    patient = a_patient(service, timeZone="America/Los_Angeles")
    recurring = adhoc_survey(service, patient, startDatePreference=DAILY)
    assert service.items.send_due(CLINIC, None, FIRST - 1) == 0
    assert service.items.send_due(CLINIC, None, FIRST) == 1
    first, second = stored_items(app, recurring)
    assert (first["occurrence"], first["send_at"], first["sent_at"]) == (0, FIRST, FIRST)
    assert (second["occurrence"], second["send_at"], second["sent_at"]) == (1, FIRST + 2 * DAY, None)
    assert (second["clinic_id"], second["patient_id"]) == (CLINIC, patient)
    assert second["patient_survey_id"] == instance_id(recurring, 1)
    assert second["response_id"] not in (None, first["response_id"])
    # Long after the last date: the rest go in one look, each adding the next, and no fourth is made.
    assert service.items.send_due(CLINIC, patient, FIRST + 30 * DAY) == 2
    found = stored_items(app, recurring)
    assert [(row["occurrence"], row["send_at"], row["sent_at"]) for row in found] == [
        (n, FIRST + 2 * n * DAY, FIRST + 2 * n * DAY) for n in range(3)
    ]
    assert [row["patient_survey_id"] for row in found] == [instance_id(recurring, n) for n in range(3)]
    assert len({row["response_id"] for row in found}) == 3


# --- reminders ----------------------------------------------------------------------------------------------------


def reminding_survey(service: SymptoService, patient: str, duration: int, days: list[int]) -> str:
    """An ad hoc survey due ``duration`` hours after each sending, with a reminder text, reminding ``days`` before."""
    return adhoc_survey(
        service,
        patient,
        duration=duration,
        messageData={"reminder": {"text": "Due soon"}},
        notifications={"daysBeforeDueDate": days},
    )


def test_reminders_fall_strictly_between_the_sending_and_the_due_date_oldest_first_once_each() -> None:
    """Due three days after sending: 3 days before is the sending itself and 0 the due date (both remind of
    nothing), 4 days before is before the sending; 1 and 2 remain, once each, oldest first."""
    survey = {"notifications": {"daysBeforeDueDate": [1, 4, 3, 0, 2, 1]}}
    assert reminder_times(survey, 1_000.0, 1_000.0 + 3 * DAY) == [1_000.0 + DAY, 1_000.0 + 2 * DAY]
    assert reminder_times({"notifications": None}, 0.0, 3 * DAY) == []
    assert reminder_times({}, 0.0, 3 * DAY) == []


def test_a_reminder_is_journaled_with_its_day_count_and_due_date_once(app: Flask, service: SymptoService) -> None:
    patient = a_patient(service, timeZone="America/Los_Angeles", phoneNumber="+16505550100")
    reminder = {"text": "Due soon", "email": None}
    recurring = adhoc_survey(
        service,
        patient,
        duration=72,
        messageData={"reminder": reminder},
        notifications={"daysBeforeDueDate": [2, 1]},
    )
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    item = item_row(app, response_id)
    assert (item["due_at"], item["remind_at"]) == (FROZEN_AT + 3 * DAY, FROZEN_AT + DAY)
    assert service.items.remind_due(CLINIC, FROZEN_AT + DAY - 1) == 0
    assert service.items.run_due(CLINIC, FROZEN_AT + DAY) == 1
    assert item_row(app, response_id)["remind_at"] == FROZEN_AT + 2 * DAY  # the next one
    assert service.items.run_due(CLINIC, FROZEN_AT + DAY) == 0  # once
    created, reminded = notify_entries(app)
    assert (
        "no creation message (messageData.creation has no text or email this patient can receive)"
        in (created["message"])
    )
    assert (reminded["rule"], reminded["path"]) == ("survey_reminder_sent", f"patient:{patient}")
    assert reminded["message"] == (
        f"Sympto survey reminder to patient {patient} at 2026-11-22T04:00-08:00 for item "
        f"{item['patient_survey_id']} (PHQ-9), 2 day(s) before its due date 2026-11-24T04:00-08:00"
        "; reminder message by text (the sandbox sends nothing)"
    )
    assert reminded["request"]["body"] == {
        "patientTvId": patient,
        "patientSurveyId": item["patient_survey_id"],
        "recurringSurveyId": recurring,
        "responseId": response_id,
        "surveyName": "PHQ-9",
        "sentAt": int(FROZEN_AT * 1000),
        "dueAt": int((FROZEN_AT + 3 * DAY) * 1000),
        "remindedAt": int((FROZEN_AT + DAY) * 1000),
        "daysBeforeDueDate": 2,
        "messages": {"text": {"to": "+16505550100", "body": "Due soon"}},
    }
    # The last one: none is left after it.
    assert service.items.remind_due(CLINIC, FROZEN_AT + 2 * DAY) == 1
    assert item_row(app, response_id)["remind_at"] is None
    assert [entry["rule"] for entry in notify_entries(app)][-1] == "survey_reminder_sent"


def test_reminders_due_together_all_go_in_one_look_oldest_first(app: Flask, service: SymptoService) -> None:
    patient = a_patient(service, phoneNumber="+16505550100")
    recurring = reminding_survey(service, patient, duration=96, days=[1, 3, 2])
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    assert service.items.remind_due(CLINIC, FROZEN_AT + 3 * DAY) == 3
    reminded = [entry["request"]["body"] for entry in notify_entries(app)][1:]
    assert [(body["daysBeforeDueDate"], body["remindedAt"]) for body in reminded] == [
        (days, int((FROZEN_AT + (4 - days) * DAY) * 1000)) for days in (3, 2, 1)
    ]
    assert item_row(app, response_id)["remind_at"] is None


def test_a_reminder_found_past_its_due_date_is_dropped_and_the_item_reminds_no_more(
    app: Flask, service: SymptoService
) -> None:
    patient = a_patient(service, phoneNumber="+16505550100")
    recurring = reminding_survey(service, patient, duration=48, days=[1])
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    assert item_row(app, response_id)["remind_at"] == FROZEN_AT + DAY
    assert service.items.remind_due(CLINIC, FROZEN_AT + 2 * DAY) == 0  # the due date itself: nothing to remind of
    assert item_row(app, response_id)["remind_at"] is None
    assert [entry["rule"] for entry in notify_entries(app)] == ["survey_item_sent"]


# --- responses --------------------------------------------------------------------------------------------------


def queued_events(app: Flask) -> list[dict[str, Any]]:
    with app.extensions["sandbox.store"].connect() as connection:
        rows = connection.execute(select(event_deliveries.c.body).order_by(event_deliveries.c.id)).scalars().all()
    return [json.loads(body) for body in rows]


def test_a_response_event_describes_the_item_its_survey_and_its_answers(
    app: Flask, service: SymptoService, clock: Clock
) -> None:
    """The Response event of an answered item; with no clinic admin left to name, the entry is the clinic's."""
    service.events.register_responses(CLINIC, "https://partner.example.test/responses")
    with app.extensions["sandbox.store"].begin() as connection:
        connection.execute(update(users).where(users.c.role == "clinicAdmin").values(role="provider"))
    patient = a_patient(service)
    kind = GENERIC_SURVEYS[2]
    recurring = adhoc_survey(service, patient, genericSurveyId=kind.id_for(CLINIC))
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    clock.freeze(FROZEN_AT + HOUR)
    answer = {"response": {"q1": 3, "q2": "yes"}, "responseId": response_id, "responseCompletion": "Partial"}
    service.items.respond(CLINIC, recurring, answer, "correlation")
    item = item_row(app, response_id)
    assert (item["answers"], item["completion"], item["completed_at"], item["updated_at"]) == (
        {"q1": 3, "q2": "yes"},
        "Partial",
        None,
        FROZEN_AT + HOUR,
    )
    [event] = queued_events(app)
    assert event == {
        "Status": "OK",
        "Response": {
            "patientSurveyId": item["patient_survey_id"],
            "instrumentType": kind.type,
            "completionMedium": [
                {
                    "channel": "In-App",
                    "user": {"type": "clinicAdmin", "firstName": "Clinic", "lastName": "Admin", "tvid": None},
                }
            ],
            "response": {
                "dateCompleted": int((FROZEN_AT + HOUR) * 1000),
                "responseCompletion": "Partial",
                "description": kind.description,
                "surveyName": kind.name,
                "response": {"q1": 3, "q2": "yes"},
                "questions": {"q1": {"text": "q1"}, "q2": {"text": "q2"}},
                "responseId": response_id,
            },
        },
    }
    service.items.respond(CLINIC, recurring, {**answer, "responseCompletion": "Full"}, "correlation")
    item = item_row(app, response_id)
    assert (item["completion"], item["completed_at"]) == ("Full", FROZEN_AT + HOUR)


def test_a_response_without_a_responses_webhook_queues_nothing(app: Flask, service: SymptoService) -> None:
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    answer = {"response": {"q1": 3}, "responseId": response_id, "responseCompletion": "Full"}
    service.items.respond(CLINIC, recurring, answer, "correlation")
    assert queued_events(app) == []
    assert item_row(app, response_id)["completion"] == "Full"


def test_a_creation_message_goes_only_by_the_channels_the_patient_can_receive(
    app: Flask, service: SymptoService
) -> None:
    """A patient sharing another's number keeps it in ``details``: it is still texted there; a patient without an
    email gets no email, one without a number no text."""
    a_patient(service, phoneNumber="+16505550100", email="first@example.test")
    sharing = a_patient(service, email=None)
    service.profiles.update_patient(CLINIC, sharing, {"phoneNumber": "+16505550100"})
    emailed = a_patient(service, email="only-email@example.test")
    creation = {"text": "Ready", "email": {"subject": "Survey", "body": "Please answer"}}
    for patient in (sharing, emailed):
        recurring = adhoc_survey(service, patient, messageData={"creation": creation})
        service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    texted, mailed = notify_entries(app)
    assert texted["request"]["body"]["messages"] == {"text": {"to": "+16505550100", "body": "Ready"}}
    assert texted["message"].endswith("; creation message by text (the sandbox sends nothing)")
    assert mailed["request"]["body"]["messages"] == {
        "email": {"to": "only-email@example.test", "subject": "Survey", "body": "Please answer"}
    }
    assert mailed["message"].endswith("; creation message by email (the sandbox sends nothing)")


def test_an_item_of_a_survey_no_longer_in_the_catalogue_is_named_by_its_id(app: Flask, service: SymptoService) -> None:
    patient = a_patient(service)
    survey = {"genericSurveyId": "retired-survey", "duration": 24, "startDatePreference": {"type": "adhoc"}}
    with app.extensions["sandbox.store"].begin() as connection:
        recurring = service.surveys.assign(connection, CLINIC, patient, survey, None)
    service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    [entry] = notify_entries(app)
    assert entry["request"]["body"]["surveyName"] == "retired-survey"
    assert "(retired-survey) sent to patient" in entry["message"]


# --- listing ------------------------------------------------------------------------------------------------------


def test_a_listing_shows_each_sent_item_oldest_first_and_no_unsent_one(
    app: Flask, service: SymptoService, clock: Clock
) -> None:
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    dates = {"type": "dates", "startDates": ["2026-11-21-13-00", "2026-11-21-12-30", "2026-11-30-09-00"]}
    later, earlier, unsent = service.items.send(CLINIC, patient, recurring, dates)
    clock.freeze(FROZEN_AT + 2 * HOUR)
    answer = {"response": {"q1": 1}, "responseId": earlier, "responseCompletion": "Full"}
    service.items.respond(CLINIC, recurring, answer, "correlation")
    [listed] = service.surveys.items(CLINIC, patient, None)
    assert listed["patientSurveys"] == [
        {
            "patientSurveyId": item_row(app, response_id)["patient_survey_id"],
            "responseId": response_id,
            "sentAt": int(sent_at * 1000),
            "dueAt": int((sent_at + DAY) * 1000),
            "responseCompletion": completion,
            "completedAt": completed_at,
        }
        for response_id, sent_at, completion, completed_at in (
            (earlier, FROZEN_AT + HOUR / 2, "Full", int((FROZEN_AT + 2 * HOUR) * 1000)),
            (later, FROZEN_AT + HOUR, "Empty", None),
        )
    ]
    assert item_row(app, unsent)["sent_at"] is None


# --- the Schedule the events worker runs ------------------------------------------------------------------------


def test_the_events_worker_sees_each_clinics_next_item_or_reminder(service: SymptoService) -> None:
    """``pending_clinics`` names the clinics with an unsent item or a reminder to come; ``next_due`` is the
    soonest of the two, of that clinic only; ``run_due`` sends both kinds and counts them."""
    items = service.items
    assert (items.pending_clinics(), items.next_due(CLINIC)) == ([], None)
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient, duration=48, notifications={"daysBeforeDueDate": [1]})
    items.send(CLINIC, patient, recurring, {"type": "dates", "startDates": ["2026-11-21-18-00"]})  # in 6 hours
    assert (items.pending_clinics(), items.next_due(CLINIC)) == ([CLINIC], FROZEN_AT + 6 * HOUR)  # unsent only
    assert items.next_due("another-clinic") is None
    items.send(CLINIC, patient, recurring, {"type": "immediate"})  # sent; reminds a day from now
    assert items.next_due(CLINIC) == FROZEN_AT + 6 * HOUR
    assert items.run_due(CLINIC, FROZEN_AT + 6 * HOUR) == 1  # the dated item, not yet the reminder
    assert (items.pending_clinics(), items.next_due(CLINIC)) == ([CLINIC], FROZEN_AT + DAY)  # reminders only
    assert items.run_due(CLINIC, FROZEN_AT + 6 * HOUR + DAY) == 2  # both reminders
    assert (items.pending_clinics(), items.next_due(CLINIC)) == ([], None)


def test_a_clinic_whose_sends_are_not_journaled_yet_counts_as_due_now(service: SymptoService) -> None:
    """While a send has taken items it has not journaled yet (``_sending``, nested or not), its clinic is pending
    and due now, so ``Deliverer.wait`` keeps waiting; once the last send is done, it is no more."""
    items = service.items
    with items._sending("another-clinic"):
        with items._sending("another-clinic"):
            assert items.pending_clinics() == ["another-clinic"]
        assert items.next_due("another-clinic") == float("-inf")
        assert items.next_due(CLINIC) is None
    assert (items.pending_clinics(), items.next_due("another-clinic")) == ([], None)
    assert "another-clinic" not in items._working
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    items.send(CLINIC, patient, recurring, {"type": "dates", "startDates": ["2026-11-22-12-00"]})
    with items._sending(CLINIC), items._sending("another-clinic"):
        assert items.pending_clinics() == [CLINIC, "another-clinic"]  # each clinic once


# --- order across items (mutation round 11) -----------------------------------------------------------------------


def test_reminders_of_several_items_due_together_go_in_reminder_order_not_item_order(
    app: Flask, service: SymptoService
) -> None:
    """The item stored first (sent later) reminds later: reminders due in one look go oldest reminder first."""
    patient = a_patient(service, phoneNumber="+16505550100")
    recurring = reminding_survey(service, patient, duration=48, days=[1])
    dates = {"type": "dates", "startDates": ["2026-11-21-14-00", "2026-11-21-13-00"]}
    later, earlier = service.items.send(CLINIC, patient, recurring, dates)
    assert service.items.send_due(CLINIC, None, FROZEN_AT + 2 * HOUR) == 2
    assert service.items.remind_due(CLINIC, FROZEN_AT + 2 * HOUR + DAY) == 2
    reminded = [entry["request"]["body"] for entry in notify_entries(app) if entry["rule"] == "survey_reminder_sent"]
    assert [(body["responseId"], body["remindedAt"]) for body in reminded] == [
        (earlier, int((FROZEN_AT + HOUR + DAY) * 1000)),
        (later, int((FROZEN_AT + 2 * HOUR + DAY) * 1000)),
    ]


def test_items_due_at_the_same_moment_are_sent_in_the_order_they_were_stored(
    app: Flask, service: SymptoService
) -> None:
    """Items of two patients due at one moment: the one stored first is sent (and journaled) first."""
    first_patient = a_patient(service)
    second_patient = a_patient(service, email="second@example.test")
    dates = {"type": "dates", "startDates": ["2026-11-21-13-00"]}
    stored = []
    for patient in (second_patient, first_patient):
        recurring = adhoc_survey(service, patient)
        [response_id] = service.items.send(CLINIC, patient, recurring, dates)
        stored.append(response_id)
    assert service.items.send_due(CLINIC, None, FROZEN_AT + HOUR) == 2
    assert [entry["request"]["body"]["responseId"] for entry in notify_entries(app)] == stored


def test_items_reminding_at_the_same_moment_each_remind_once(app: Flask, service: SymptoService) -> None:
    """Two patients' items sent at one moment remind at one moment: taking one's reminder leaves the other's."""
    sent = []
    for email in ("one@example.test", "two@example.test"):
        patient = a_patient(service, email=email, phoneNumber=None)
        recurring = adhoc_survey(
            service,
            patient,
            duration=48,
            messageData={"reminder": {"email": {"subject": "Due", "body": "Due soon"}}},
            notifications={"daysBeforeDueDate": [1]},
        )
        [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
        sent.append(response_id)
    assert service.items.remind_due(CLINIC, FROZEN_AT + DAY) == 2
    reminded = [entry["request"]["body"] for entry in notify_entries(app) if entry["rule"] == "survey_reminder_sent"]
    assert sorted(body["responseId"] for body in reminded) == sorted(sent)
    assert [item_row(app, response_id)["remind_at"] for response_id in sent] == [None, None]


def test_one_look_sends_at_most_rounds_of_batches_the_rest_at_the_next(
    app: Flask, service: SymptoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A look takes at most ``BATCH`` items per round and ``ROUNDS`` rounds (here one of one): the rest wait."""
    monkeypatch.setattr(items_module, "BATCH", 1)
    monkeypatch.setattr(items_module, "ROUNDS", 1)
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    dates = {"type": "dates", "startDates": ["2026-11-21-13-00", "2026-11-21-13-30"]}
    first, second = service.items.send(CLINIC, patient, recurring, dates)
    assert service.items.send_due(CLINIC, None, FROZEN_AT + 2 * HOUR) == 1
    assert (item_row(app, first)["sent_at"], item_row(app, second)["sent_at"]) == (FROZEN_AT + HOUR, None)
    assert service.items.send_due(CLINIC, None, FROZEN_AT + 2 * HOUR) == 1
    assert item_row(app, second)["sent_at"] == FROZEN_AT + 1.5 * HOUR


def move_to_another_clinic(app: Flask, response_id: str) -> None:
    """Make the item another clinic's (a copy of the demo clinic under another id)."""
    with app.extensions["sandbox.store"].begin() as connection:
        other = dict(connection.execute(select(clinics).where(clinics.c.clinic_id == CLINIC)).one()._mapping)
        other.update(clinic_id="other-clinic", admin_email="other@example.test", admin_phone=None)
        other.update(endpoint_query_param=None)
        connection.execute(clinics.insert().values(**other))
        connection.execute(
            update(patient_surveys).where(patient_surveys.c.response_id == response_id).values(clinic_id="other-clinic")
        )


def test_a_clinics_look_sends_only_its_own_reminders(app: Flask, service: SymptoService) -> None:
    """A reminder of another clinic's item, due as well, waits for that clinic's look."""
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient, duration=48, notifications={"daysBeforeDueDate": [1]})
    [theirs] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    move_to_another_clinic(app, theirs)
    assert service.items.remind_due(CLINIC, FROZEN_AT + DAY) == 0
    assert item_row(app, theirs)["remind_at"] == FROZEN_AT + DAY


def test_an_unknown_response_is_named_quoted_in_the_404(service: SymptoService) -> None:
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    answer = {"response": {"q1": 1}, "responseId": "no-such-response", "responseCompletion": "Full"}
    with pytest.raises(NotFound) as refused:
        service.items.respond(CLINIC, recurring, answer, "correlation")
    assert refused.value.rule == "unknown_response"
    assert refused.value.message.startswith(f'No response "no-such-response" of recurring survey "{recurring}": ')


def test_a_response_is_found_only_under_its_own_recurring_survey(app: Flask, service: SymptoService) -> None:
    patient = a_patient(service)
    recurring, another = adhoc_survey(service, patient), adhoc_survey(service, patient)
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    answer = {"response": {"q1": 1}, "responseId": response_id, "responseCompletion": "Full"}
    with pytest.raises(NotFound) as refused:
        service.items.respond(CLINIC, another, answer, "correlation")
    assert refused.value.rule == "unknown_response"
    assert refused.value.message == UNKNOWN_RESPONSE.format(
        response_id=messages.shown(response_id), recurring_survey_id=messages.shown(another)
    )
    assert item_row(app, response_id)["completion"] != "Full"


def test_a_clinics_look_sends_only_its_own_items(app: Flask, service: SymptoService) -> None:
    """Another clinic's item, due as well, waits for that clinic's look."""
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    [theirs] = service.items.send(CLINIC, patient, recurring, {"type": "dates", "startDates": ["2026-11-21-13-00"]})
    move_to_another_clinic(app, theirs)
    assert service.items.send_due(CLINIC, None, FROZEN_AT + HOUR) == 0
    assert item_row(app, theirs)["sent_at"] is None


def test_items_due_together_are_sent_oldest_first_whatever_the_order_they_were_stored(
    app: Flask, service: SymptoService
) -> None:
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    dates = {"type": "dates", "startDates": ["2026-11-21-13-30", "2026-11-21-13-00"]}
    later, earlier = service.items.send(CLINIC, patient, recurring, dates)
    assert service.items.send_due(CLINIC, None, FROZEN_AT + 2 * HOUR) == 2
    assert [entry["request"]["body"]["responseId"] for entry in notify_entries(app)] == [earlier, later]


# --- the Response event's entry and reminders while journaled (mutation round 11) ----------------------------------


def test_a_response_event_names_the_answering_clinics_own_admin_as_its_entry(
    app: Flask, service: SymptoService
) -> None:
    """The entry is the admin of the clinic the item belongs to, by name and id, even where another clinic's admin
    was created first (the demo clinic's)."""
    clinic_b(app.test_client())
    with app.extensions["sandbox.store"].begin() as connection:
        admin_b = connection.execute(
            select(users.c.user_id).where(users.c.clinic_id == "clinic-b", users.c.role == "clinicAdmin")
        ).scalar_one()
        connection.execute(update(users).where(users.c.user_id == admin_b).values(first_name="Bea", last_name="Bee"))
    service.events.register_responses("clinic-b", "https://partner.example.test/responses")
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat-b@example.test"}
    patient = service.users.create_user("clinic-b", "patient", data, messages.CURRENT)
    recurring = adhoc_survey(service, patient, "clinic-b")
    [response_id] = service.items.send("clinic-b", patient, recurring, {"type": "immediate"})
    answer = {"response": {"q1": 1}, "responseId": response_id, "responseCompletion": "Full"}
    service.items.respond("clinic-b", recurring, answer, "correlation")
    [event] = queued_events(app)
    assert event["Response"]["completionMedium"] == [
        {"channel": "In-App", "user": {"type": "clinicAdmin", "firstName": "Bea", "lastName": "Bee", "tvid": admin_b}}
    ]


def test_a_clinic_counts_as_due_now_while_its_taken_reminders_are_journaled(
    service: SymptoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for sends: ``Deliverer.wait`` must not settle between a reminder's taking and its journaling."""
    items = service.items
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient, duration=72, notifications={"daysBeforeDueDate": [2]})
    items.send(CLINIC, patient, recurring, {"type": "immediate"})
    seen = next_due_at_each_notification(items, monkeypatch)
    assert items.remind_due(CLINIC, FROZEN_AT + DAY) == 1
    assert seen == [float("-inf")]
