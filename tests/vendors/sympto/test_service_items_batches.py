"""Sympto's survey items on plain values (issue #20, item 6): how ``sandbox.vendors.sympto.service.items`` takes
due items (one patient's or the clinic's, on the clinic's own clock, while the clinic counts as working, batch after
batch) and lists sent ones, stated directly against the service with no events worker (``deliverer`` is ``None``)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import select

from contracts.sympto import events as event_contract
from contracts.sympto import messages
from contracts.sympto.items import RESPONSE_NOT_SENT
from sandbox.core.clock import Clock, scope_of
from sandbox.vendors.sympto.errors import NotFound, QuotaExceeded
from sandbox.vendors.sympto.models import event_deliveries, patient_surveys
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service.items import BATCH
from sandbox.vendors.sympto.service.surveys import insert_item
from tests.conftest import FROZEN_AT
from tests.vendors.sympto.support import adhoc_survey, clinic_b, next_due_at_each_notification, sympto_without_worker

CLINIC = "demo-clinic"
HOUR = 3_600.0


@pytest.fixture
def service(app: Flask, monkeypatch: pytest.MonkeyPatch) -> SymptoService:
    return sympto_without_worker(app, monkeypatch)


def a_patient(service: SymptoService, email: str = "pat@example.test", zone: str = "UTC") -> str:
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": zone, "email": email}
    return service.users.create_user(CLINIC, "patient", data, messages.CURRENT)


def sent_at(app: Flask, response_id: str) -> float | None:
    with app.extensions["sandbox.store"].connect() as connection:
        found: float | None = connection.execute(
            select(patient_surveys.c.sent_at).where(patient_surveys.c.response_id == response_id)
        ).scalar_one()
    return found


IN_AN_HOUR = {"type": "dates", "startDates": ["2026-11-21-13-00"]}  # FROZEN_AT is 2026-11-21T12:00Z


def test_sending_one_patients_due_items_leaves_the_other_patients_due(app: Flask, service: SymptoService) -> None:
    first, second = a_patient(service), a_patient(service, "other@example.test")
    [mine] = service.items.send(CLINIC, first, adhoc_survey(service, first), IN_AN_HOUR)
    [theirs] = service.items.send(CLINIC, second, adhoc_survey(service, second), IN_AN_HOUR)
    assert service.items.send_due(CLINIC, first, FROZEN_AT + HOUR) == 1
    assert (sent_at(app, mine), sent_at(app, theirs)) == (FROZEN_AT + HOUR, None)


def test_due_items_are_due_on_the_clinics_own_clock(app: Flask, service: SymptoService, clock: Clock) -> None:
    """With no time given, ``send_due`` reads the clinic's clock (``PUT /__sandbox/clock`` for one tenant), not the
    sandbox's."""
    patient = a_patient(service)
    [response_id] = service.items.send(CLINIC, patient, adhoc_survey(service, patient), IN_AN_HOUR)
    clock.freeze(FROZEN_AT + 2 * HOUR, scope_of("sympto", CLINIC))
    assert service.items.send_due(CLINIC, patient) == 1
    assert sent_at(app, response_id) == FROZEN_AT + HOUR


def test_a_clinic_counts_as_due_now_while_its_taken_items_are_journaled(
    service: SymptoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Deliverer.wait`` must not settle between an item's taking and its journaling: while ``send_due`` journals,
    the clinic's next work is due now."""
    items = service.items
    patient = a_patient(service)
    items.send(CLINIC, patient, adhoc_survey(service, patient), IN_AN_HOUR)
    seen = next_due_at_each_notification(items, monkeypatch)
    assert items.send_due(CLINIC, None, FROZEN_AT + HOUR) == 1
    assert seen == [float("-inf")]
    assert items.next_due(CLINIC) is None


def test_more_items_due_than_one_batch_all_go_in_one_look(app: Flask, service: SymptoService) -> None:
    """A look takes ``BATCH`` items at a time and looks again while a whole batch came back."""
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    dates = {"type": "dates", "startDates": ["2026-11-21-13-00"] * (BATCH + 1)}
    response_ids = service.items.send(CLINIC, patient, recurring, dates)
    assert service.items.send_due(CLINIC, None, FROZEN_AT + HOUR) == BATCH + 1
    assert {sent_at(app, response_id) for response_id in response_ids} == {FROZEN_AT + HOUR}


def test_a_listing_shows_only_the_asked_surveys_items_ties_in_creation_order(
    app: Flask, service: SymptoService
) -> None:
    """A schedule's first item and one sent by hand for the same minute are both listed, the older (the
    schedule's) first; another survey's items are not listed under this one."""
    patient = a_patient(service)
    daily = {
        "type": "recurring",
        "nOccurrences": 2,
        "timeOfDay": {"hours": 13, "minutes": 0},
        "surveyStartDate": "2026-11-21",
        "frequency": {"type": "daily", "everyN": 1},
    }
    recurring = adhoc_survey(service, patient, startDatePreference=daily)
    [by_hand] = service.items.send(CLINIC, patient, recurring, IN_AN_HOUR)
    other = adhoc_survey(service, patient)
    service.items.send(CLINIC, patient, other, {"type": "immediate"})
    assert service.items.send_due(CLINIC, None, FROZEN_AT + HOUR) == 2
    with app.extensions["sandbox.store"].connect() as connection:
        scheduled = connection.execute(
            select(patient_surveys.c.response_id).where(
                patient_surveys.c.recurring_survey_id == recurring, patient_surveys.c.occurrence == 0
            )
        ).scalar_one()
        listed = service.items.sent(connection, [recurring])
    assert [item["responseId"] for item in listed[recurring]] == [scheduled, by_hand]
    assert list(listed) == [recurring]


def test_sending_an_item_by_hand_sends_no_other_patients_due_item(
    app: Flask, service: SymptoService, clock: Clock
) -> None:
    """``send`` sends the patient's own items due now, and leaves the clinic's other due items to the worker."""
    first, second = a_patient(service), a_patient(service, "other@example.test")
    [theirs] = service.items.send(CLINIC, second, adhoc_survey(service, second), IN_AN_HOUR)
    clock.freeze(FROZEN_AT + HOUR)
    [mine] = service.items.send(CLINIC, first, adhoc_survey(service, first), {"type": "immediate"})
    assert (sent_at(app, mine), sent_at(app, theirs)) == (FROZEN_AT + HOUR, None)


def test_the_quota_of_items_sent_by_hand_counts_only_the_clinics_own(
    app: Flask, service: SymptoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another clinic's items sent by hand leave this clinic's ``[limits] recurring_surveys`` untouched."""
    monkeypatch.setattr(service.items, "settings", replace(service.items.settings, max_recurring_surveys=2))
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    clinic_b(app.test_client())
    with app.extensions["sandbox.store"].begin() as connection:
        for n in range(2):
            insert_item(connection, f"elsewhere-{n}", "clinic-b", patient, recurring, FROZEN_AT, None, f"p-{n}")
    for _ in range(2):
        service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    with pytest.raises(QuotaExceeded):
        service.items.send(CLINIC, patient, recurring, {"type": "immediate"})


def test_start_dates_are_read_in_the_patients_time_zone(app: Flask, service: SymptoService) -> None:
    """05:00 in America/Los_Angeles (UTC-8 in November) is 13:00Z, an hour after FROZEN_AT."""
    patient = a_patient(service, zone="America/Los_Angeles")
    dates = {"type": "dates", "startDates": ["2026-11-21-05-00"]}
    [response_id] = service.items.send(CLINIC, patient, adhoc_survey(service, patient), dates)
    with app.extensions["sandbox.store"].connect() as connection:
        send_at = connection.execute(
            select(patient_surveys.c.send_at).where(patient_surveys.c.response_id == response_id)
        ).scalar_one()
    assert send_at == FROZEN_AT + HOUR


# --- answering (POST /patients/responses/adhoc/:id) ---------------------------------------------------------------


def test_answering_an_item_due_but_not_yet_sent_sends_it_first_and_only_it(
    app: Flask, service: SymptoService, clock: Clock
) -> None:
    """The worker may not have looked yet: the answered item, due by now, is sent (journaled) before it is
    answered; another patient's due item is left to the worker."""
    patient, other = a_patient(service), a_patient(service, "other@example.test")
    recurring = adhoc_survey(service, patient)
    [response_id] = service.items.send(CLINIC, patient, recurring, IN_AN_HOUR)
    [theirs] = service.items.send(CLINIC, other, adhoc_survey(service, other), IN_AN_HOUR)
    clock.freeze(FROZEN_AT + 2 * HOUR)
    answer = {"response": {"q1": 1}, "responseId": response_id, "responseCompletion": "Partial"}
    service.items.respond(CLINIC, recurring, answer, "correlation")
    assert (sent_at(app, response_id), sent_at(app, theirs)) == (FROZEN_AT + HOUR, None)
    journal = app.extensions["sandbox.journal"]
    [entry] = journal.entries(vendor="sympto", filters={"method": "NOTIFY"})
    assert entry["request"]["body"]["responseId"] == response_id


def test_answering_an_item_not_yet_due_is_refused_naming_its_sending_time(service: SymptoService) -> None:
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    [response_id] = service.items.send(
        CLINIC, patient, recurring, {"type": "dates", "startDates": ["2026-11-30-09-00"]}
    )
    answer = {"response": {"q1": 1}, "responseId": response_id, "responseCompletion": "Full"}
    with pytest.raises(NotFound) as refused:
        service.items.respond(CLINIC, recurring, answer, "correlation")
    assert refused.value.rule == "response_not_sent"
    assert refused.value.message == RESPONSE_NOT_SENT.format(
        response_id=messages.shown(response_id), send_at="2026-11-30T09:00+00:00"
    )


def test_a_reminder_due_by_the_answer_goes_first_and_only_a_full_answer_ends_the_reminders(
    app: Flask, service: SymptoService, clock: Clock
) -> None:
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient, duration=96, notifications={"daysBeforeDueDate": [3, 2, 1]})
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    clock.freeze(FROZEN_AT + 1.5 * 86_400)
    answer = {"response": {"q1": 1}, "responseId": response_id, "responseCompletion": "Partial"}
    service.items.respond(CLINIC, recurring, answer, "correlation")
    journal = app.extensions["sandbox.journal"]
    rules = [entry["rule"] for entry in reversed(journal.entries(vendor="sympto", filters={"method": "NOTIFY"}))]
    assert rules == ["survey_item_sent", "survey_reminder_sent"]

    def remind_at() -> float | None:
        with app.extensions["sandbox.store"].connect() as connection:
            found: float | None = connection.execute(
                select(patient_surveys.c.remind_at).where(patient_surveys.c.response_id == response_id)
            ).scalar_one()
        return found

    assert remind_at() == FROZEN_AT + 2 * 86_400  # a partial answer: the next reminder still comes
    service.items.respond(CLINIC, recurring, {**answer, "responseCompletion": "Full"}, "correlation")
    assert remind_at() is None


def test_a_response_event_is_queued_for_the_responses_webhook_with_the_requests_correlation_id(
    app: Flask, service: SymptoService
) -> None:
    service.events.register_responses(CLINIC, "https://partner.example.test/responses")
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    answer = {"response": {"q1": 1}, "responseId": response_id, "responseCompletion": "Full"}
    service.items.respond(CLINIC, recurring, answer, "the-correlation-id")
    with app.extensions["sandbox.store"].connect() as connection:
        [row] = connection.execute(
            select(
                event_deliveries.c.clinic_id,
                event_deliveries.c.target,
                event_deliveries.c.event,
                event_deliveries.c.correlation_id,
            )
        ).all()
    assert tuple(row) == (CLINIC, event_contract.RESPONSES, event_contract.RESPONSE_UPDATED, "the-correlation-id")


def test_items_sent_now_and_answers_are_dated_on_the_clinics_own_clock(
    app: Flask, service: SymptoService, clock: Clock
) -> None:
    clock.freeze(FROZEN_AT + 2 * HOUR, scope_of("sympto", CLINIC))
    patient = a_patient(service)
    recurring = adhoc_survey(service, patient)
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    assert sent_at(app, response_id) == FROZEN_AT + 2 * HOUR
    answer = {"response": {"q1": 1}, "responseId": response_id, "responseCompletion": "Full"}
    service.items.respond(CLINIC, recurring, answer, "correlation")
    with app.extensions["sandbox.store"].connect() as connection:
        dates = connection.execute(
            select(patient_surveys.c.completed_at, patient_surveys.c.updated_at).where(
                patient_surveys.c.response_id == response_id
            )
        ).one()
    assert tuple(dates) == (FROZEN_AT + 2 * HOUR, FROZEN_AT + 2 * HOUR)


def test_an_item_of_another_patients_recurring_survey_is_refused(service: SymptoService) -> None:
    patient, other = a_patient(service), a_patient(service, "other@example.test")
    theirs = adhoc_survey(service, other)
    with pytest.raises(NotFound) as refused:
        service.items.send(CLINIC, patient, theirs, {"type": "immediate"})
    assert refused.value.rule == "unknown_recurring_survey"
