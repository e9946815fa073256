"""A patient's recurring surveys (``Surveys.items``, ``Surveys.assign``) on plain values, each rule found unpinned by
mutation testing (issue #20, item 6): the recurring-survey quota's message, the listing of one generic survey, a
survey assigned by hand shown with no campaign, listing one patient sends only that patient's due items, a
surveys part without its sender (the items part) lists no sent items, and the listing's order, oldest first, where
PostgreSQL hands a newer row back first (it reuses the space of a deleted patient's rows after VACUUM)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from contracts.sympto import messages
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.limits import quota_message, quota_rule
from sandbox.vendors.sympto.errors import QuotaExceeded
from sandbox.vendors.sympto.models import patient_surveys
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service.catalogue import GENERIC_SURVEYS

CLINIC = "demo-clinic"
#: Daily from a date before the tests' frozen clock (2026-11-21 12:00 UTC): its first item is due.
PAST_DAILY = {
    "type": "recurring",
    "nOccurrences": 2,
    "timeOfDay": {"hours": 9, "minutes": 30},
    "surveyStartDate": "2026-11-01",
    "frequency": {"type": "daily", "everyN": 1},
}


def service_of(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


def a_patient(service: SymptoService, email: str) -> str:
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": email}
    return service.users.create_user(CLINIC, "patient", data, messages.CURRENT)


def a_survey(index: int = 0) -> dict[str, Any]:
    return {"genericSurveyId": GENERIC_SURVEYS[index].id_for(CLINIC), "duration": 24, "startDatePreference": PAST_DAILY}


def assign_quietly(app: Flask, patient: str, survey: dict[str, Any]) -> str:
    """Assign without waking the events worker (``schedule`` wakes it, and it would send what is due)."""
    service = service_of(app)
    with app.extensions["sandbox.store"].begin() as connection:
        return service.surveys.assign(connection, CLINIC, patient, survey, None)


def test_the_recurring_survey_quota_names_the_clinic_and_its_limit(app: Flask) -> None:
    service = service_of(app)
    service.surveys.settings = replace(service.surveys.settings, max_recurring_surveys=1)
    patient = a_patient(service, "pat@example.test")
    assign_quietly(app, patient, a_survey())
    with pytest.raises(QuotaExceeded) as refused:
        assign_quietly(app, patient, a_survey())
    holder = f"Sympto clinic {CLINIC!r}"
    assert refused.value.message == quota_message("recurring_surveys", 1, holder, "recurring surveys")
    assert refused.value.rule == quota_rule("recurring_surveys")


def test_listing_one_generic_survey_shows_only_its_recurring_surveys_with_no_campaign(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service, "pat@example.test")
    first = assign_quietly(app, patient, a_survey(0))
    second = assign_quietly(app, patient, a_survey(1))
    listed = service.surveys.items(CLINIC, patient, GENERIC_SURVEYS[1].id_for(CLINIC))
    assert [(item["recurringSurveyId"], item["campaign"]) for item in listed] == [(second, None)]
    assert [item["recurringSurveyId"] for item in service.surveys.items(CLINIC, patient, None)] == [first, second]


def test_listing_a_patients_surveys_sends_that_patients_due_items_only(app: Flask) -> None:
    service = service_of(app)
    mine = a_patient(service, "pat@example.test")
    theirs = a_patient(service, "pat2@example.test")
    assign_quietly(app, mine, a_survey())
    assign_quietly(app, theirs, a_survey())
    [listed] = service.surveys.items(CLINIC, mine, None)
    assert len(listed["patientSurveys"]) == 2
    with app.extensions["sandbox.store"].connect() as connection:
        unsent = connection.execute(
            select(patient_surveys.c.patient_id).where(patient_surveys.c.sent_at.is_(None))
        ).scalars()
        assert set(unsent) == {theirs}
    assert not [thread for thread in threading.enumerate() if "sympto" in thread.name.lower()]


def test_a_surveys_part_without_its_sender_lists_no_sent_items(app: Flask) -> None:
    """The part works alone (``sender`` is optional): nothing is sent, so each survey shows an empty list."""
    service = service_of(app)
    patient = a_patient(service, "pat@example.test")
    recurring = assign_quietly(app, patient, a_survey())
    service.surveys.sender = None
    [listed] = service.surveys.items(CLINIC, patient, None)
    assert (listed["recurringSurveyId"], listed["patientSurveys"]) == (recurring, [])


@pytest.fixture(params=["sqlite", "postgresql"])
def on_both(request: pytest.FixtureRequest, sandbox_settings: Settings) -> Iterator[Flask]:
    url = request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url")
    app = create_app(replace(sandbox_settings, database=url), random_seed=7)
    yield app
    app.extensions["sandbox.store"].dispose()


def test_a_patients_surveys_are_listed_oldest_first_even_in_reused_space(on_both: Flask) -> None:
    service = service_of(on_both)
    gone = a_patient(service, "gone@example.test")
    patient = a_patient(service, "pat@example.test")
    assign_quietly(on_both, gone, a_survey())
    first = assign_quietly(on_both, patient, a_survey(0))
    service.profiles.delete_patient(CLINIC, gone)
    store = on_both.extensions["sandbox.store"]
    if store.dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM sympto_recurring_surveys"))
    second = assign_quietly(on_both, patient, a_survey(1))
    assert [item["recurringSurveyId"] for item in service.surveys.items(CLINIC, patient, None)] == [first, second]
