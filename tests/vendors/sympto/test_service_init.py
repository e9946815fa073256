"""Sympto's service as ``init_app`` registers it (issue #20, item 6): a reset of one clinic forgets that clinic's
events and state only, a reset of everything forgets every clinic's, and the service names a request's clinic."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from contracts.sympto import messages
from sandbox.core.faults import FAULTS_KEY
from sandbox.vendors.sympto.models import event_deliveries
from sandbox.vendors.sympto.service import Clinic, SymptoService

CLINIC = "demo-clinic"
OTHER = Clinic("other-clinic", "Other", "other-admin@example.test", "other secret")


def service_of(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


def queued_clinics(app: Flask) -> list[str]:
    with app.extensions["sandbox.store"].connect() as connection:
        rows = connection.execute(select(event_deliveries.c.clinic_id).order_by(event_deliveries.c.id))
        return list(rows.scalars())


@pytest.fixture
def two_clinics_with_events(app: Flask, monkeypatch: pytest.MonkeyPatch) -> SymptoService:
    service = service_of(app)
    monkeypatch.setattr(service.events, "deliverer", None)  # nothing is sent: only the queue is looked at
    service.clinics.put_clinic(OTHER)
    for clinic_id in (CLINIC, OTHER.clinic_id):
        service.events.register_patients(clinic_id, "https://partner.example.test/patients")
        service.events.enqueue(clinic_id, "patients", "patient.created", b"{}", "")
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat@example.test"}
    service.users.create_user(OTHER.clinic_id, "patient", data, messages.CURRENT)
    return service


def test_a_clinics_reset_forgets_its_events_and_users_and_keeps_the_other_clinics(
    app: Flask, two_clinics_with_events: SymptoService
) -> None:
    service = two_clinics_with_events
    before = queued_clinics(app)
    assert CLINIC in before
    service.reset(CLINIC)
    assert queued_clinics(app) == [clinic_id for clinic_id in before if clinic_id != CLINIC]
    assert (
        True in service.events.webhooks(CLINIC).values(),
        True in service.events.webhooks(OTHER.clinic_id).values(),
    ) == (
        False,
        True,
    )
    assert [user["email"] for user in service.users.all_users(OTHER.clinic_id)] == [
        "other-admin@example.test",
        "pat@example.test",
    ]
    assert service.clinics.clinic_view(OTHER.clinic_id) is not None


def test_a_reset_of_everything_forgets_every_clinics_events_and_the_control_planes_clinics(
    app: Flask, two_clinics_with_events: SymptoService
) -> None:
    service = two_clinics_with_events
    service.reset()
    assert queued_clinics(app) == []
    assert service.clinics.clinic_view(OTHER.clinic_id) is None
    assert service.clinics.clinic_view(CLINIC) is not None


def test_the_service_names_the_clinic_of_a_bearer_token_or_of_a_page_parameter(app: Flask) -> None:
    service = service_of(app)
    [clinic] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    token = service.access.login(clinic.admin_email, clinic.api_secret, "test")
    assert service.tenant_of(f"Bearer {token}", {}) == CLINIC
    service.clinics.set_endpoint(
        CLINIC,
        {"endpointURL": "https://p.example.test/", "clientId": "c", "clientSecret": "s", "endpointQueryParam": "X"},
    )
    assert service.tenant_of(None, {"authCodeX": "code"}) == CLINIC
    assert service.tenant_of(None, {}) is None


def test_installing_the_clinics_reports_what_it_kept(app: Flask) -> None:
    service = service_of(app)
    service.clinics.put_clinic(OTHER)
    outcome = service.install_clinics()
    assert (outcome.vendor, outcome.kept, outcome.removed) == ("sympto", (OTHER.clinic_id,), ())


def test_the_parts_are_wired_as_the_service_documents(app: Flask) -> None:
    """What ``SymptoService`` wires, as its docstring says: the settings it was built with; survey listings send
    what is due through the items part first; the events worker runs the items' schedules and is the one the
    events part wakes; the items journal their notifications in the journal of the outbound calls; the page load
    (sign-on) and the events worker fire the app's armed faults."""
    service = service_of(app)
    assert service.settings.clinics == service.clinics.settings.clinics != ()
    assert service.surveys.sender is service.items
    assert service.items in service.deliverer.schedules
    assert service.events.deliverer is service.deliverer
    assert service.items.journal is not None
    assert service.items.journal is service.signon.outbound.journal
    assert service.signon.faults is app.extensions[FAULTS_KEY]
    assert service.deliverer.faults is app.extensions[FAULTS_KEY]
