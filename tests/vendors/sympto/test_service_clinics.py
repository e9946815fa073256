"""Sympto's clinics on plain values (issue #20, item 6): what a reset of one clinic restores."""

from __future__ import annotations

import pytest
from flask import Flask

from contracts.sympto import messages
from sandbox.vendors.sympto.errors import BadRequest
from sandbox.vendors.sympto.service import Clinic, SymptoService

CLINIC = "demo-clinic"


def service_of(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


def test_resetting_a_configured_clinic_recreated_by_the_control_plane_makes_it_the_configured_one_again(
    app: Flask,
) -> None:
    """A configured clinic deleted and created again through the control plane is a control-plane clinic; a reset
    of it restores the configured clinic: its configured name and admin, and its source ``config``."""
    service = service_of(app)
    [configured] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    assert service.clinics.delete_clinic(CLINIC)
    service.clinics.put_clinic(Clinic(CLINIC, "Another name", "other-admin@example.test", "another secret"))
    before = service.clinics.clinic_view(CLINIC)
    assert before is not None
    assert (before["name"], before["source"]) == ("Another name", "control")
    service.reset(CLINIC)
    after = service.clinics.clinic_view(CLINIC)
    assert after is not None
    assert (after["name"], after["admin_email"], after["source"]) == (configured.name, configured.admin_email, "config")


OTHER = Clinic("other-clinic", "Other", "other-admin@example.test", "other secret")


def test_resetting_one_clinic_forgets_its_users_api_generations_and_keeps_another_clinics(app: Flask) -> None:
    service = service_of(app)
    service.clinics.put_clinic(OTHER)
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat@example.test"}
    service.users.create_user(OTHER.clinic_id, "patient", data, messages.CURRENT)
    service.users.create_user(CLINIC, "patient", {**data, "email": "pat2@example.test"}, messages.CURRENT)
    before = service.users.user_generations(OTHER.clinic_id)
    assert before != []
    assert service.users.user_generations(CLINIC) != []
    service.reset(CLINIC)
    assert service.users.user_generations(OTHER.clinic_id) == before
    assert service.users.user_generations(CLINIC) == []  # its users are gone, and what created them is forgotten


def test_a_clinics_own_admin_is_no_conflict_but_another_user_with_the_admins_email_is(app: Flask) -> None:
    service = service_of(app)
    [configured] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    assert service.clinics.clinic_conflict(configured) is None
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat@example.test"}
    service.users.create_user(CLINIC, "patient", data, messages.CURRENT)
    moved = Clinic(CLINIC, configured.name, "pat@example.test", configured.api_secret)
    assert service.clinics.clinic_conflict(moved) == f"a user of clinic {CLINIC!r} already has this email or phone"


def test_a_replaced_admin_email_and_phone_move_the_same_admin_user_to_them_found_in_any_case(app: Flask) -> None:
    service = service_of(app)
    [configured] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    admin = service.users.user_by_email(CLINIC, configured.admin_email)
    assert admin is not None
    service.clinics.put_clinic(
        Clinic(CLINIC, configured.name, "New-Admin@example.test", configured.api_secret, "+15555550177")
    )
    moved = service.users.user_by_email(CLINIC, "new-admin@example.test")
    assert moved is not None
    assert (moved["user_id"], moved["email"], moved["phone"]) == (
        admin["user_id"],
        "New-Admin@example.test",
        "+15555550177",
    )
    assert service.users.user_by_email(CLINIC, configured.admin_email) is None


def test_a_new_clinics_admin_user_is_named_clinic_admin(app: Flask) -> None:
    service = service_of(app)
    service.clinics.put_clinic(OTHER)
    admin = service.users.user_by_email(OTHER.clinic_id, OTHER.admin_email)
    assert admin is not None
    assert (admin["first_name"], admin["last_name"], admin["role"]) == ("Clinic", "Admin", "clinicAdmin")


def test_a_clinics_reset_clears_its_webhook_configuration(app: Flask) -> None:
    service = service_of(app)
    service.clinics.set_patient_webhook(CLINIC, {"url": "https://p.example.test/patients", "secret": "s"})
    service.clinics.set_endpoint(
        CLINIC,
        {"endpointURL": "https://p.example.test/", "clientId": "c", "clientSecret": "s", "endpointQueryParam": "X"},
    )
    before = service.clinics.clinic_view(CLINIC)
    assert before is not None
    assert before["patient_webhook"] is not None
    assert before["endpoint"] is not None
    service.reset(CLINIC)
    after = service.clinics.clinic_view(CLINIC)
    assert after is not None
    assert (after["patient_webhook"], after["endpoint"]) == (None, None)


def test_an_endpoint_query_param_another_clinic_uses_is_refused_naming_it(app: Flask) -> None:
    service = service_of(app)
    service.clinics.put_clinic(OTHER)
    config = {"endpointURL": "https://p.example.test/", "clientId": "c", "clientSecret": "s", "endpointQueryParam": "X"}
    service.clinics.set_endpoint(OTHER.clinic_id, config)
    assert service.clinics.set_endpoint(OTHER.clinic_id, config)["endpointQueryParam"] == "X"  # its own: kept
    with pytest.raises(BadRequest) as refused:
        service.clinics.set_endpoint(CLINIC, config)
    assert refused.value.message == "`endpointQueryParam` 'X' is already used by another clinic: choose another"
    assert refused.value.rule == "endpoint_query_param_taken"


ENDPOINT = {
    "endpointURL": "https://p.example.test/signon",
    "clientId": "partner-client",
    "clientSecret": "partner secret",
    "endpointQueryParam": "Q",
}


def test_a_clinic_view_shows_every_field_with_each_secret_redacted(app: Flask) -> None:
    """The control plane's view of a clinic names each field of its configuration and its webhooks; every secret
    (the API secret, the endpoint's ``clientSecret``, the patient webhook's secret) is ``[redacted]``."""
    service = service_of(app)
    service.clinics.put_clinic(
        Clinic("other-clinic", "Other", "other-admin@example.test", "api secret", "+15555550100")
    )
    service.clinics.set_endpoint("other-clinic", ENDPOINT)
    service.clinics.set_patient_webhook("other-clinic", {"url": "https://p.example.test/patients", "secret": "hook"})
    expected = {
        "clinic_id": "other-clinic",
        "name": "Other",
        "admin_email": "other-admin@example.test",
        "admin_phone": "+15555550100",
        "api_secret": "[redacted]",
        "endpoint": {**ENDPOINT, "clientSecret": "[redacted]"},
        "patient_webhook": {"url": "https://p.example.test/patients", "secret": "[redacted]"},
        "source": "control",
    }
    assert service.clinics.clinic_view("other-clinic") == expected
    assert [view for view in service.clinics.clinic_views() if view["clinic_id"] == "other-clinic"] == [expected]
    assert service.clinics.get_endpoint("other-clinic") == {**ENDPOINT, "clientSecret": "[redacted]"}
