"""Sympto's survey items on plain values (issue #20, item 6): what the Response event of an item answered through
the current API (``POST /patients/responses/adhoc/:id``) says, read from the queued delivery, not over HTTP."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select

from contracts.sympto import messages
from sandbox.vendors.sympto.models import event_deliveries, users
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service.catalogue import GENERIC_SURVEYS

CLINIC = "demo-clinic"


def service_of(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


def queued_bodies(app: Flask) -> list[dict[str, object]]:
    with app.extensions["sandbox.store"].connect() as connection:
        rows = connection.execute(select(event_deliveries.c.body).order_by(event_deliveries.c.id)).scalars().all()
    return [json.loads(body) for body in rows]


def test_an_answered_item_is_reported_as_entered_in_app_by_the_clinic_admin(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item answered through the API was entered by the clinic's admin (the API's caller), In-App: the Response
    event's ``completionMedium`` names that admin by first name, last name and ``tvid``."""
    service = service_of(app)
    monkeypatch.setattr(service.events, "deliverer", None)  # nothing is sent: only the queue is looked at
    service.events.register_responses(CLINIC, "https://partner.example.test/responses")
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat@example.test"}
    patient = service.users.create_user(CLINIC, "patient", data, messages.CURRENT)
    survey = {"genericSurveyId": GENERIC_SURVEYS[0].id_for(CLINIC), "duration": 24}
    recurring = service.surveys.schedule(CLINIC, patient, {**survey, "startDatePreference": {"type": "adhoc"}})
    [response_id] = service.items.send(CLINIC, patient, recurring, {"type": "immediate"})
    answer = {"response": {"q1": 3}, "responseId": response_id, "responseCompletion": "Full"}
    service.items.respond(CLINIC, recurring, answer, "correlation")
    with app.extensions["sandbox.store"].connect() as connection:
        admin = connection.execute(
            select(users.c.user_id, users.c.first_name, users.c.last_name).where(
                users.c.clinic_id == CLINIC, users.c.role == "clinicAdmin"
            )
        ).one()
    [event] = queued_bodies(app)
    assert event["Response"]["completionMedium"] == [  # type: ignore[index]
        {
            "channel": "In-App",
            "user": {
                "type": "clinicAdmin",
                "firstName": admin.first_name,
                "lastName": admin.last_name,
                "tvid": admin.user_id,
            },
        }
    ]
