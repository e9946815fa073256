"""Sympto's events as plain rules (``service/events.py``), each found unpinned by mutation testing (issue #20,
item 6): the Patient Data Model a patient event carries, built from a stored patient's row."""

from __future__ import annotations

from typing import Any

from contracts.sympto.events import PATIENT_FIELDS
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
