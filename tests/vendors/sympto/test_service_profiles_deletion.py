"""A patient's deletion (``Profiles.delete_patient``) on plain values, each rule found unpinned by mutation testing
(issue #20, item 6): the deletion announced for the patient's clinic with the patient as it was, and the numbers a
clinic forgets first being its oldest deleted ones (not whichever its index lists first)."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from sqlalchemy import select

from contracts.sympto import messages
from sandbox.vendors.sympto.models import PatientChange, deleted_phones, public_user, users
from sandbox.vendors.sympto.service import SymptoService

CLINIC = "demo-clinic"


def service_of(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


def a_patient(service: SymptoService, email: str, phone: str) -> str:
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": email, "phoneNumber": phone}
    return service.users.create_user(CLINIC, "patient", data, messages.CURRENT)


def test_a_deletion_is_announced_for_the_patients_clinic_with_the_patient_as_it_was(app: Flask) -> None:
    service = service_of(app)
    patient = a_patient(service, "pat@example.test", "+15555550100")
    with app.extensions["sandbox.store"].connect() as connection:
        before = public_user(connection.execute(select(users).where(users.c.user_id == patient)).one()._mapping)
    heard: list[PatientChange] = []
    service.users.patient_listeners.append(heard.append)
    service.profiles.delete_patient(CLINIC, patient)
    assert heard == [PatientChange(CLINIC, patient, "deleted", messages.CURRENT, before)]
    assert before["email"] == "pat@example.test"


def test_a_clinic_forgets_its_oldest_deleted_number_first_not_its_lowest(app: Flask) -> None:
    """The older number sorts after the newer one, so only the deletion order can tell which goes."""
    service = service_of(app)
    service.profiles.settings = replace(service.profiles.settings, max_users=1)
    for index, phone in enumerate(("+15555550109", "+15555550101")):
        service.profiles.delete_patient(CLINIC, a_patient(service, f"p{index}@example.test", phone))
    with app.extensions["sandbox.store"].connect() as connection:
        remembered = connection.execute(select(deleted_phones.c.phone)).scalars().all()
    assert remembered == ["+15555550101"]
