"""Sympto's clinics on plain values (issue #20, item 6): what a reset of one clinic restores."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from contracts.sympto import messages
from sandbox.core.clock import Clock
from sandbox.vendors.sympto.errors import BadRequest, NotFound, Unauthorized
from sandbox.vendors.sympto.models import clinics, groups, memberships
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


def test_a_new_clinics_admin_is_a_provider_in_utc_with_no_details_created_now(app: Flask, clock: Clock) -> None:
    """A clinic's admin is stored as a Sympto provider user: its email kept as given and looked up lower-cased, its
    phone, the UTC time zone, no details, created at the sandbox clock's now."""
    service = service_of(app)
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "Other-Admin@example.test", "s", "+15555550100"))
    admin = service.users.user_by_email("other-clinic", "other-admin@example.test")
    assert admin is not None
    shown = {key: admin[key] for key in ("clinic_id", "kind", "role", "email_key", "email", "phone", "time_zone")}
    assert shown == {
        "clinic_id": "other-clinic",
        "kind": "provider",
        "role": "clinicAdmin",
        "email_key": "other-admin@example.test",
        "email": "Other-Admin@example.test",
        "phone": "+15555550100",
        "time_zone": "UTC",
    }
    assert (admin["details"], admin["created_at"]) == ({}, clock.now())


def test_storing_a_clinic_again_replaces_its_name_secret_and_admin_phone(app: Flask) -> None:
    """Storing a clinic that exists replaces its name, admin phone and API secret (the old secret logs in no more)."""
    service = service_of(app)
    service.clinics.put_clinic(
        Clinic("other-clinic", "Other", "other-admin@example.test", "old secret", "+15555550100")
    )
    service.clinics.put_clinic(
        Clinic("other-clinic", "Renamed", "other-admin@example.test", "new secret", "+15555550101")
    )
    view = service.clinics.clinic_view("other-clinic")
    assert view is not None
    assert (view["name"], view["admin_phone"]) == ("Renamed", "+15555550101")
    assert service.access.login("other-admin@example.test", "new secret", "test")
    with pytest.raises(Unauthorized):
        service.access.login("other-admin@example.test", "old secret", "test")
    admin = service.users.user_by_email("other-clinic", "other-admin@example.test")
    assert admin is not None
    assert admin["phone"] == "+15555550101"


def test_an_admin_phone_another_clinic_uses_is_a_conflict_and_no_phone_is_none(app: Flask) -> None:
    """A clinic's admin phone that another clinic's admin has is a conflict; a clinic without a phone conflicts with
    no clinic for it (two clinics without a phone are no conflict)."""
    service = service_of(app)
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "other-admin@example.test", "s", "+15555550100"))
    taken = Clinic("third-clinic", "Third", "third-admin@example.test", "s", "+15555550100")
    assert service.clinics.clinic_conflict(taken) == "clinic 'other-clinic' already has this admin email or phone"
    email = Clinic("third-clinic", "Third", "other-admin@example.test", "s")
    assert service.clinics.clinic_conflict(email) == "clinic 'other-clinic' already has this admin email or phone"
    assert service.clinics.clinic_conflict(Clinic("third-clinic", "Third", "third-admin@example.test", "s")) is None
    fresh = Clinic("third-clinic", "Third", "third-admin@example.test", "s", "+15555550199")
    assert service.clinics.clinic_conflict(fresh) is None  # a phone nobody has
    assert service.clinics.clinic_conflict(Clinic("other-clinic", "Other", "other-admin@example.test", "s")) is None


def test_a_patients_phone_is_a_conflict_for_an_admin_phone(app: Flask) -> None:
    service = service_of(app)
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "phoneNumber": "+15555550102"}
    service.users.create_user(CLINIC, "patient", data, messages.CURRENT)
    clinic = Clinic("other-clinic", "Other", "other-admin@example.test", "s", "+15555550102")
    assert service.clinics.clinic_conflict(clinic) == f"a user of clinic {CLINIC!r} already has this email or phone"


def test_deleting_a_clinic_says_whether_there_was_one(app: Flask) -> None:
    service = service_of(app)
    service.clinics.put_clinic(OTHER)
    assert service.clinics.delete_clinic(OTHER.clinic_id) is True
    assert service.clinics.clinic_view(OTHER.clinic_id) is None
    assert service.clinics.delete_clinic(OTHER.clinic_id) is False


def test_resetting_one_clinic_keeps_another_clinics_groups_and_their_members(app: Flask) -> None:
    """A reset of one clinic forgets its groups and memberships only: another clinic's group keeps its member."""
    service = service_of(app)
    service.clinics.put_clinic(OTHER)
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat@example.test"}
    theirs = service.users.create_user(OTHER.clinic_id, "patient", data, messages.CURRENT)
    their_group = service.groups.create_group(OTHER.clinic_id, "Theirs")
    service.groups.add_member(OTHER.clinic_id, theirs, their_group)
    mine = service.users.create_user(CLINIC, "patient", {**data, "email": "pat2@example.test"}, messages.CURRENT)
    my_group = service.groups.create_group(CLINIC, "Mine")
    service.groups.add_member(CLINIC, mine, my_group)
    with app.extensions["sandbox.store"].connect() as connection:
        before = {(row.group_id, row.user_id) for row in connection.execute(select(memberships))}
    assert before == {(their_group, theirs), (my_group, mine)}
    service.reset(CLINIC)
    with app.extensions["sandbox.store"].connect() as connection:
        kept = {(row.group_id, row.user_id) for row in connection.execute(select(memberships))}
        left = set(connection.execute(select(groups.c.group_id)).scalars())
    assert kept == {(their_group, theirs)}
    assert left == {their_group}


def test_the_control_plane_lists_clinics_by_id_each_with_its_source(app: Flask) -> None:
    """The clinics are listed in the order of their ids (not of their creation), a configured one as ``config``,
    one created through the control plane as ``control``."""
    service = service_of(app)
    configured = sorted(clinic.clinic_id for clinic in service.settings.clinics)
    service.clinics.put_clinic(Clinic("aaa-clinic", "First by id", "aaa-admin@example.test", "s"))
    listed = [(view["clinic_id"], view["source"]) for view in service.clinics.clinic_views()]
    assert listed == sorted([("aaa-clinic", "control"), *((clinic_id, "config") for clinic_id in configured)])


def test_a_clinic_without_an_endpoint_has_none_to_show(app: Flask) -> None:
    """Asking for an endpoint configuration a clinic has not set is a 404 with its own message and rule."""
    service = service_of(app)
    service.clinics.put_clinic(OTHER)
    with pytest.raises(NotFound) as missing:
        service.clinics.get_endpoint(OTHER.clinic_id)
    assert (missing.value.message, missing.value.rule) == (messages.NO_ENDPOINT_CONFIGURED, "no_endpoint")


def test_a_clinic_an_earlier_config_declared_goes_with_its_users_when_the_config_drops_it(
    make_app: Callable[..., Flask],
) -> None:
    """Started again on the same database with a config that no longer declares a clinic, the sandbox removes that
    clinic and its users; a clinic created through the control plane is kept."""
    first = make_app()
    service = service_of(first)
    service.clinics.put_clinic(OTHER)
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": "pat@example.test"}
    service.users.create_user(CLINIC, "patient", data, messages.CURRENT)
    kept = {"clinic_id": "kept-clinic", "admin_email": "kept-admin@example.test", "api_secret": "kept secret"}
    again = service_of(make_app(clinics=[kept]))
    assert again.clinics.clinic_view(CLINIC) is None
    assert again.users.user_by_email(CLINIC, "pat@example.test") is None
    assert [view["clinic_id"] for view in again.clinics.clinic_views()] == ["kept-clinic", "other-clinic"]


def stored(app: Flask, clinic_id: str) -> dict[str, object]:
    with app.extensions["sandbox.store"].connect() as connection:
        row = connection.execute(select(clinics).where(clinics.c.clinic_id == clinic_id)).one()
    keys = ("endpoint_url", "endpoint_client_id", "endpoint_client_secret", "endpoint_query_param")
    return {key: row._mapping[key] for key in (*keys, "patient_webhook_url", "patient_webhook_secret")}


def test_a_clinics_webhook_configuration_is_stored_as_given_for_that_clinic_only(app: Flask) -> None:
    """The endpoint configuration and the patient webhook are stored as given, secrets included (they sign the calls
    to the partner), on the named clinic only."""
    service = service_of(app)
    service.clinics.put_clinic(OTHER)
    service.clinics.set_endpoint(CLINIC, ENDPOINT)
    service.clinics.set_patient_webhook(CLINIC, {"url": "https://p.example.test/patients", "secret": "hook"})
    assert stored(app, CLINIC) == {
        "endpoint_url": "https://p.example.test/signon",
        "endpoint_client_id": "partner-client",
        "endpoint_client_secret": "partner secret",
        "endpoint_query_param": "Q",
        "patient_webhook_url": "https://p.example.test/patients",
        "patient_webhook_secret": "hook",
    }
    assert set(stored(app, OTHER.clinic_id).values()) == {None}


def test_a_clinics_reset_clears_every_stored_part_of_its_webhook_configuration(app: Flask) -> None:
    """A reset forgets the whole endpoint configuration and patient webhook as stored (client id, secret, query
    param and webhook secret too, not only the URLs the view reads)."""
    service = service_of(app)
    service.clinics.set_endpoint(CLINIC, ENDPOINT)
    service.clinics.set_patient_webhook(CLINIC, {"url": "https://p.example.test/patients", "secret": "hook"})
    service.reset(CLINIC)
    assert set(stored(app, CLINIC).values()) == {None}


def test_resetting_a_control_plane_clinic_keeps_its_admin_phone(app: Flask) -> None:
    """A clinic created through the control plane is restored by a reset as it was stored: its admin keeps the
    phone."""
    service = service_of(app)
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "other-admin@example.test", "s", "+15555550100"))
    service.reset("other-clinic")
    view = service.clinics.clinic_view("other-clinic")
    assert view is not None
    assert (view["name"], view["admin_email"], view["admin_phone"]) == (
        "Other",
        "other-admin@example.test",
        "+15555550100",
    )
    admin = service.users.user_by_email("other-clinic", "other-admin@example.test")
    assert admin is not None
    assert admin["phone"] == "+15555550100"
