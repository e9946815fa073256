"""Sympto's events as plain rules (``service/events.py``), each found unpinned by mutation testing (issue #20,
item 6): the Patient Data Model a patient event carries, built from a stored patient's row."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select, update

from contracts.sympto.events import PATIENT_FIELDS
from sandbox import config
from sandbox.app import create_app
from sandbox.core.clock import scope_of
from sandbox.vendors.sympto.models import event_attempts, event_deliveries
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service import events as events_part
from sandbox.vendors.sympto.service.events import patient_model


def a_row(**details: Any) -> dict[str, Any]:
    """A stored patient: its own columns, and the rest of the Patient Data Model in ``details`` (which here
    also holds stale values under the columns' names, so that reading a column from the wrong place shows)."""
    stale = {"firstName": "stale", "lastName": "stale", "timeZone": "stale", "email": "stale", "phoneNumber": "0"}
    return {
        "user_id": "patient-1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "time_zone": "Europe/London",
        "email": "ada@example.org",
        "phone": "+447700900123",
        "details": stale | details,
    }


def test_a_patient_model_takes_the_patients_columns_and_the_rest_from_its_details() -> None:
    """Names, time zone, email and phone come from the patient's own columns (what the API updates), the other
    fields from its details, in the documented example's order, after the patient's id."""
    row = a_row(sex="F", dob="1815-12-10", language="en", mrn="MRN-1", notificationType=["email"])
    model = patient_model(row)
    assert model == {
        "patientTvId": "patient-1",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "timeZone": "Europe/London",
        "email": "ada@example.org",
        "phoneNumber": "+447700900123",
        "sex": "F",
        "dob": "1815-12-10",
        "language": "en",
        "mrn": "MRN-1",
        "notificationType": ["email"],
    }
    assert list(model) == ["patientTvId", *PATIENT_FIELDS]


def test_a_patient_model_without_details_has_them_null_and_no_notification_types() -> None:
    """A field the patient never gave is null, except ``notificationType``: an empty list, never null."""
    model = patient_model(a_row())
    assert model["sex"] is None
    assert model["mrn"] is None
    assert model["notificationType"] == []


def test_a_given_up_delivery_says_queue_full_and_only_finished_deliveries_are_forgotten(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond the pending limit the oldest delivery fails with ``queue_full``; the history bound forgets old
    finished deliveries only, never a pending one (limits made small here: 2 pending, 1 finished kept)."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    monkeypatch.setattr(events_part, "MAX_PENDING", 2)
    monkeypatch.setattr(events_part, "KEEP_FINISHED", 1)
    monkeypatch.setattr(service.events, "deliverer", None)  # nothing is sent: only the queue is looked at
    queued = [service.events.enqueue("demo-clinic", "patients", "patient.created", b"{}", "") for _ in range(4)]
    with app.extensions["sandbox.store"].connect() as connection:
        rows = connection.execute(
            select(event_deliveries.c.delivery_id, event_deliveries.c.state, event_deliveries.c.last_error)
        ).all()
    kept = {row.delivery_id: (row.state, row.last_error) for row in rows}
    assert kept == {queued[1]: ("failed", "queue_full"), queued[2]: ("pending", None), queued[3]: ("pending", None)}


def test_the_pending_limit_counts_one_clinics_deliveries_only(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each clinic has its own pending limit: another clinic's full queue gives up none of this clinic's."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    monkeypatch.setattr(events_part, "MAX_PENDING", 2)
    monkeypatch.setattr(service.events, "deliverer", None)  # nothing is sent: only the queue is looked at
    first = service.events.enqueue("demo-clinic", "patients", "patient.created", b"{}", "")
    service.events.enqueue("demo-clinic", "patients", "patient.created", b"{}", "")
    service.events.enqueue("other-clinic", "patients", "patient.created", b"{}", "")
    with app.extensions["sandbox.store"].connect() as connection:
        states = {row.state for row in connection.execute(select(event_deliveries.c.state))}
        oldest = connection.execute(
            select(event_deliveries.c.state).where(event_deliveries.c.delivery_id == first)
        ).scalar_one()
    assert states == {"pending"}
    assert oldest == "pending"


def test_a_listed_delivery_names_its_webhook_and_its_attempt_count(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deliveries listing (``/__sandbox/sympto/deliveries``) says which webhook a delivery goes to and how
    many attempts it has had: a queued one, none yet; with the rest a tester looks at (when it was queued, when it
    is due, its decoded body), each under its own key."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    monkeypatch.setattr(service.events, "deliverer", None)  # nothing is sent: only the queue is looked at
    delivery_id = service.events.enqueue(
        "demo-clinic", "patients", "patient.created", b'{"patientTvId":"p-1"}', "correlation-1"
    )
    [listed] = [d for d in service.events.deliveries("demo-clinic") if d["delivery_id"] == delivery_id]
    assert listed["target"] == "patients"
    assert listed["attempts"] == 0
    now = service.events.now("demo-clinic")
    assert listed == {
        "delivery_id": delivery_id,
        "clinic_id": "demo-clinic",
        "target": "patients",
        "event": "patient.created",
        "state": "pending",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "last_status": None,
        "last_error": None,
        "fault": None,
        "body": {"patientTvId": "p-1"},
        "history": [],
    }


def test_the_oldest_pending_delivery_is_given_up_first_whenever_it_is_due(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The oldest delivery is the first one queued, whatever its next attempt: a delivery waiting for a late
    retry is still the one given up when the queue is full (limit made small here: 2 pending)."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    monkeypatch.setattr(events_part, "MAX_PENDING", 2)
    monkeypatch.setattr(service.events, "deliverer", None)  # nothing is sent: only the queue is looked at
    first = service.events.enqueue("demo-clinic", "patients", "patient.created", b"{}", "")
    service.events.enqueue("demo-clinic", "patients", "patient.created", b"{}", "")
    store = app.extensions["sandbox.store"]
    with store.begin() as connection:  # the first one failed once and waits for a retry far ahead
        connection.execute(
            update(event_deliveries).where(event_deliveries.c.delivery_id == first).values(next_attempt_at=1e12)
        )
    service.events.enqueue("demo-clinic", "patients", "patient.created", b"{}", "")
    with store.connect() as connection:
        failed = (
            connection.execute(select(event_deliveries.c.delivery_id).where(event_deliveries.c.state == "failed"))
            .scalars()
            .all()
        )
    assert failed == [first]


def test_the_attempts_history_keeps_one_clinics_newest_attempts_only(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attempts' history is bounded per clinic: the clinic that queues forgets its oldest attempts beyond the
    limit, another clinic's attempts stay (limit made small here: 2 attempts kept)."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    monkeypatch.setattr(events_part, "KEEP_ATTEMPTS", 2)
    monkeypatch.setattr(service.events, "deliverer", None)  # nothing is sent: only the queue is looked at
    store = app.extensions["sandbox.store"]
    with store.begin() as connection:
        for number in (1, 2, 3):
            for clinic_id in ("demo-clinic", "other-clinic"):
                connection.execute(
                    insert(event_attempts).values(
                        delivery_id=f"{clinic_id}-delivery",
                        clinic_id=clinic_id,
                        target="patients",
                        event="patient.created",
                        attempt=number,
                        at=float(number),
                        latency_ms=1.0,
                    )
                )
    service.events.enqueue("demo-clinic", "patients", "patient.created", b"{}", "")
    with store.connect() as connection:
        kept = connection.execute(
            select(event_attempts.c.clinic_id, event_attempts.c.attempt).order_by(event_attempts.c.id)
        ).all()
    assert [tuple(row) for row in kept] == [
        ("other-clinic", 1),
        ("demo-clinic", 2),
        ("other-clinic", 2),
        ("demo-clinic", 3),
        ("other-clinic", 3),
    ]


def test_registering_the_responses_webhook_again_replaces_it_on_postgresql(postgres_url: str) -> None:
    """A second registration updates the clinic's one row (the upsert's conflict key is its ``clinic_id`` column),
    on PostgreSQL too, whose quoted column names are case-sensitive: the newest URL and endpointSecret win."""
    application = create_app(replace(config.load_file(None), database=postgres_url), random_seed=1)
    try:
        events = application.extensions["sandbox.sympto"].events
        events.register_responses("demo-clinic", "https://receiver.example/first")
        secret = events.register_responses("demo-clinic", "https://receiver.example/second")
        assert events.target("demo-clinic", "responses") == ("https://receiver.example/second", secret)
    finally:
        application.extensions["sandbox.store"].dispose()


def test_a_listed_deliverys_history_is_in_attempt_order_whatever_order_the_rows_were_stored_in(
    postgres_url: str,
) -> None:
    """The history lists the oldest attempt first (by id), not in the order the database happens to return rows:
    on PostgreSQL a table's rows come back in storage order, which concurrent workers need not write in id order
    (here the newer attempt is written first)."""
    application = create_app(replace(config.load_file(None), database=postgres_url), random_seed=1)
    try:
        events = application.extensions["sandbox.sympto"].events
        events.deliverer = None  # nothing is sent: only the queue is looked at
        delivery_id = events.enqueue("demo-clinic", "patients", "patient.created", b"{}", "")
        with application.extensions["sandbox.store"].begin() as connection:
            for row_id in (2, 1):
                connection.execute(
                    insert(event_attempts).values(
                        id=row_id,
                        delivery_id=delivery_id,
                        clinic_id="demo-clinic",
                        target="patients",
                        event="patient.created",
                        attempt=row_id,
                        at=float(row_id),
                        latency_ms=1.0,
                    )
                )
        [listed] = events.deliveries("demo-clinic")
        assert [attempt["attempt"] for attempt in listed["history"]] == [1, 2]
    finally:
        application.extensions["sandbox.store"].dispose()


def test_an_endpoint_secret_is_whsec_and_32_random_bytes_in_hex(app: Flask) -> None:
    """The endpointSecret minted by ``POST /responses/webhook`` has the ``whsec_`` prefix of the guide's example and
    256 random bits (64 lower-case hex digits): what a receiver's check and a secret scanner recognise."""
    secret = app.extensions["sandbox.sympto"].events.register_responses("demo-clinic", "https://receiver.example/r")
    assert re.fullmatch(r"whsec_[0-9a-f]{64}", secret)


def test_a_delivery_is_queued_on_its_clinics_own_clock(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clinic whose clock was set apart queues its deliveries at its own time (created and due then), not at the
    global clock's: a tester who moved one clinic's time sees that clinic's retries follow it."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    monkeypatch.setattr(service.events, "deliverer", None)  # nothing is sent: only the queue is looked at
    clock = app.extensions["sandbox.clock"]
    clock.freeze(clock.now() + 86_400, scope=scope_of("sympto", "demo-clinic"))
    delivery_id = service.events.enqueue("demo-clinic", "patients", "patient.created", b"{}", "")
    [listed] = [d for d in service.events.deliveries("demo-clinic") if d["delivery_id"] == delivery_id]
    assert listed["created_at"] == listed["next_attempt_at"] == clock.now() + 86_400


def test_forgetting_one_clinic_keeps_every_other_clinics_webhooks_and_deliveries(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleting or resetting one clinic forgets its registrations and deliveries only: another clinic's stay."""
    service: SymptoService = app.extensions["sandbox.sympto"]
    monkeypatch.setattr(service.events, "deliverer", None)  # nothing is sent: only the queue is looked at
    for clinic_id in ("demo-clinic", "other-clinic"):
        service.events.register_patients(clinic_id, f"https://receiver.example/{clinic_id}")
        service.events.enqueue(clinic_id, "patients", "patient.created", b"{}", "")
    service.events.forget("demo-clinic")
    assert [d["clinic_id"] for d in service.events.deliveries()] == ["other-clinic"]
    assert service.events.target("demo-clinic", "patients")[0] is None
    assert service.events.target("other-clinic", "patients")[0] == "https://receiver.example/other-clinic"
