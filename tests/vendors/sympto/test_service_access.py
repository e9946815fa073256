"""Sympto's clinic-admin access on plain values (issue #20, item 6): which clinic a request is for, as armed faults
are scoped (from the bearer token, else the page load's ``userAuthToken`` or ``authCode<param>``), and a login."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from contracts.sympto import messages
from sandbox.vendors.sympto.errors import Unauthorized
from sandbox.vendors.sympto.models import bearer_tokens
from sandbox.vendors.sympto.service import SymptoService, access

CLINIC = "demo-clinic"


def service_of(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


def admin_login(service: SymptoService) -> str:
    [clinic] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    return service.access.login(clinic.admin_email, clinic.api_secret, "test")


@pytest.mark.parametrize("scheme", ["Bearer ", "bearer ", "BEARER   "])
def test_a_bearer_token_names_its_clinic_in_any_case_of_the_scheme(app: Flask, scheme: str) -> None:
    service = service_of(app)
    token = admin_login(service)
    assert service.access.tenant_of(f"{scheme}{token} ", {}) == CLINIC
    assert service.access.authenticate(f"Bearer {token}") == CLINIC


def test_an_unknown_bearer_token_names_no_clinic_even_with_page_parameters(app: Flask) -> None:
    service = service_of(app)
    service.clinics.set_endpoint(
        CLINIC,
        {"endpointURL": "https://p.example.test/", "clientId": "c", "clientSecret": "s", "endpointQueryParam": "X"},
    )
    assert service.access.tenant_of("Bearer nope", {"authCodeX": "code"}) is None
    assert service.access.tenant_of("Basic abc", {}) is None
    assert service.access.tenant_of(None, {}) is None


def test_a_user_auth_token_names_its_users_clinic(app: Flask) -> None:
    service = service_of(app)
    data = {"firstName": "Dana", "lastName": "Doc", "timeZone": "UTC", "email": "dana@example.test"}
    service.users.create_user(CLINIC, "provider", data, messages.CURRENT)
    token = service.signon.issue_user_auth_token(CLINIC, "dana@example.test")
    assert service.access.tenant_of(None, {"userAuthToken": token}) == CLINIC
    assert service.access.tenant_of(None, {"userAuthToken": "nope"}) is None


def test_an_auth_code_parameter_names_the_clinic_of_its_endpoint_query_param(app: Flask) -> None:
    service = service_of(app)
    service.clinics.set_endpoint(
        CLINIC,
        {"endpointURL": "https://p.example.test/", "clientId": "c", "clientSecret": "s", "endpointQueryParam": "X"},
    )
    assert service.access.tenant_of(None, {"other": "1", "authCodeX": "code"}) == CLINIC
    assert service.access.tenant_of("Basic abc", {"authCodeX": "code"}) == CLINIC
    assert service.access.tenant_of(None, {"authCodeY": "code"}) is None
    assert service.access.tenant_of(None, {"authCode": "code"}) is None


def test_a_wrong_secret_is_refused_and_counted(app: Flask) -> None:
    service = service_of(app)
    [clinic] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    with pytest.raises(Unauthorized) as refused:
        service.access.login(clinic.admin_email, "wrong", "test")
    assert refused.value.rule == "invalid_credentials"


def test_a_clinic_keeps_at_most_its_cap_of_bearer_tokens_after_every_login(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every login stores a token; beyond :data:`MAX_BEARER_TOKENS` (2 here) the soonest to expire go, at once."""
    service = service_of(app)
    monkeypatch.setattr(access, "MAX_BEARER_TOKENS", 2)
    for count in (1, 2, 2, 2):
        token = admin_login(service)
        with app.extensions["sandbox.store"].connect() as connection:
            kept = connection.execute(select(func.count()).select_from(bearer_tokens)).scalar_one()
        assert kept == count
        assert service.access.authenticate(f"Bearer {token}") == CLINIC
