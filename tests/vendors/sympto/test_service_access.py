"""Sympto's clinic-admin access on plain values (issue #20, item 6): which clinic a request is for, as armed faults
are scoped (from the bearer token, else the page load's ``userAuthToken`` or ``authCode<param>``), and a login."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import func, select

from contracts.sympto import messages
from sandbox.core.clock import Clock
from sandbox.vendors.sympto.errors import RateLimited, Unauthorized
from sandbox.vendors.sympto.models import bearer_tokens
from sandbox.vendors.sympto.service import Clinic, SymptoService, access
from sandbox.vendors.sympto.service.settings import FORGET_AFTER_SECONDS

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


def test_beyond_the_cap_the_token_soonest_to_expire_goes_not_the_oldest(
    app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the sandbox clock moved back, a later login expires sooner than an earlier one: the one dropped beyond
    the cap is the soonest to expire, not the first stored."""
    service = service_of(app)
    monkeypatch.setattr(access, "MAX_BEARER_TOKENS", 2)
    first = admin_login(service)
    clock.freeze(clock.now() - 600)
    sooner = admin_login(service)
    admin_login(service)
    assert service.access.authenticate(f"Bearer {first}") == CLINIC
    with pytest.raises(Unauthorized) as refused:
        service.access.authenticate(f"Bearer {sooner}")
    assert refused.value.rule == "unknown_bearer"


def test_the_token_just_issued_is_kept_even_when_it_expires_soonest(
    app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = service_of(app)
    monkeypatch.setattr(access, "MAX_BEARER_TOKENS", 2)
    admin_login(service)
    admin_login(service)
    clock.freeze(clock.now() - 600)
    issued = admin_login(service)
    assert service.access.authenticate(f"Bearer {issued}") == CLINIC


def test_the_cap_counts_and_drops_only_the_clinics_own_tokens(
    app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = service_of(app)
    monkeypatch.setattr(access, "MAX_BEARER_TOKENS", 2)
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "other-admin@example.test", "other secret"))
    clock.freeze(clock.now() - 600)
    other = service.access.login("other-admin@example.test", "other secret", "test")  # expires first of all
    clock.freeze(clock.now() + 600)
    for _ in range(3):
        admin_login(service)
    assert service.access.authenticate(f"Bearer {other}") == "other-clinic"


def rule_of(service: SymptoService, token: str) -> str:
    with pytest.raises(Unauthorized) as refused:
        service.access.authenticate(f"Bearer {token}")
    return str(refused.value.rule)


@pytest.mark.parametrize(("beyond", "rule"), [(0, "expired_bearer"), (0.001, "unknown_bearer")])
def test_a_token_expired_for_exactly_a_day_is_still_known_and_forgotten_just_after_at_the_next_login(
    app: Flask, clock: Clock, beyond: float, rule: str
) -> None:
    service = service_of(app)
    start = clock.now()
    first = admin_login(service)
    clock.freeze(start + service.settings.bearer_lifetime_seconds + FORGET_AFTER_SECONDS + beyond)
    admin_login(service)
    assert rule_of(service, first) == rule


def test_a_login_forgets_only_its_own_clinics_long_expired_tokens(app: Flask, clock: Clock) -> None:
    service = service_of(app)
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "other-admin@example.test", "other secret"))
    other = service.access.login("other-admin@example.test", "other secret", "test")
    clock.freeze(clock.now() + 3 * FORGET_AFTER_SECONDS)
    admin_login(service)
    assert rule_of(service, other) == "expired_bearer"


@pytest.mark.parametrize(("after", "limited"), [(-0.001, True), (0, False)])
def test_failed_logins_count_for_one_window_after_them(app: Flask, clock: Clock, after: float, limited: bool) -> None:
    """Two failures (the limit here) lock a source out until the window has passed since them, exactly."""
    service = service_of(app)
    service.access.settings = replace(service.access.settings, rate_limit_failures=2)
    [clinic] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    start = clock.now()
    for _ in range(2):
        with pytest.raises(Unauthorized):
            service.access.login(clinic.admin_email, "wrong", "test")
    clock.freeze(start + service.access.settings.rate_limit_window_seconds + after)
    if limited:
        with pytest.raises(RateLimited):
            admin_login(service)
    else:
        assert service.access.authenticate(f"Bearer {admin_login(service)}") == CLINIC


def test_a_clinic_admin_logs_in_with_the_admins_email_or_phone_and_nothing_else(app: Flask) -> None:
    service = service_of(app)
    service.clinics.put_clinic(
        Clinic("other-clinic", "Other", "other-admin@example.test", "other secret", "+15555550142")
    )
    token = service.access.login("+15555550142", "other secret", "test")
    assert service.access.authenticate(f"Bearer {token}") == "other-clinic"
    for unknown in ("nobody@example.test", "+15555550143"):
        with pytest.raises(Unauthorized) as refused:
            service.access.login(unknown, "other secret", "test")
        assert refused.value.rule == "invalid_credentials"


def test_failed_logins_lock_out_only_their_own_source(app: Flask) -> None:
    service = service_of(app)
    service.access.settings = replace(service.access.settings, rate_limit_failures=2)
    [clinic] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    for _ in range(2):
        with pytest.raises(Unauthorized):
            service.access.login(clinic.admin_email, "wrong", "another source")
    with pytest.raises(RateLimited):
        service.access.login(clinic.admin_email, clinic.api_secret, "another source")
    assert service.access.authenticate(f"Bearer {admin_login(service)}") == CLINIC


def test_a_user_auth_token_names_the_clinic_of_its_own_user_among_several(app: Flask) -> None:
    service = service_of(app)
    service.clinics.put_clinic(Clinic("other-clinic", "Other", "other-admin@example.test", "other secret"))
    data = {"firstName": "Dana", "lastName": "Doc", "timeZone": "UTC", "email": "dana@example.test"}
    service.users.create_user("other-clinic", "provider", data, messages.CURRENT)
    token = service.signon.issue_user_auth_token("other-clinic", "dana@example.test")
    assert service.access.tenant_of(None, {"userAuthToken": token}) == "other-clinic"


@pytest.mark.parametrize(("decoys", "found"), [(9, CLINIC), (10, None)])
def test_only_the_first_ten_auth_code_parameters_are_looked_up(app: Flask, decoys: int, found: str | None) -> None:
    """A page load's ``authCode<param>`` parameters are looked up ten at most (a bound on the query)."""
    service = service_of(app)
    service.clinics.set_endpoint(
        CLINIC,
        {"endpointURL": "https://p.example.test/", "clientId": "c", "clientSecret": "s", "endpointQueryParam": "X"},
    )
    args = {**{f"authCodeDecoy{n}": "code" for n in range(decoys)}, "authCodeX": "code"}
    assert service.access.tenant_of(None, args) == found


def test_a_source_counts_its_own_failures_after_another_source_is_locked_out(app: Flask) -> None:
    """Another source at the limit neither stops a source's failures being counted nor counts them for it."""
    service = service_of(app)
    service.access.settings = replace(service.access.settings, rate_limit_failures=2)
    [clinic] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    for source in ("locked out first", "locked out second"):
        for _ in range(2):
            with pytest.raises(Unauthorized):
                service.access.login(clinic.admin_email, "wrong", source)
        with pytest.raises(RateLimited):
            service.access.login(clinic.admin_email, clinic.api_secret, source)


@pytest.mark.parametrize("source", ["", "127.0.0.1", "::1", "203.0.113.7", "\ud800 not UTF-8", "é" * 100])
def test_every_source_has_a_stable_postgresql_lock_key_in_a_signed_32_bit_int(source: str) -> None:
    """``pg_advisory_xact_lock(int, int)`` takes signed 32-bit keys; a source that is not valid UTF-8 (a lone
    surrogate) still gets one rather than an error. ``""`` has CRC 0: the lowest key."""
    key = access._lock_key(source)
    assert -(2**31) <= key < 2**31
    assert key == access._lock_key(source)
    assert access._lock_key("") == -(2**31)


def test_a_failure_is_counted_once_the_oldest_has_left_the_window_at_its_edge(app: Flask, clock: Clock) -> None:
    """The count that lets a failure in is the window's, as the refusal's: at exactly one window after the first
    failure it has left, so the new failure is counted (and with the second still in, the limit is reached)."""
    service = service_of(app)
    service.access.settings = replace(service.access.settings, rate_limit_failures=2)
    [clinic] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    start = clock.now()
    for at in (start, start + 1, start + service.access.settings.rate_limit_window_seconds):
        clock.freeze(at)
        with pytest.raises(Unauthorized):
            service.access.login(clinic.admin_email, "wrong", "test")
    with pytest.raises(RateLimited):
        admin_login(service)


def test_a_source_is_limited_again_by_new_failures_after_its_window_has_passed(app: Flask, clock: Clock) -> None:
    service = service_of(app)
    service.access.settings = replace(service.access.settings, rate_limit_failures=2)
    [clinic] = [clinic for clinic in service.settings.clinics if clinic.clinic_id == CLINIC]
    for _ in range(2):
        with pytest.raises(Unauthorized):
            service.access.login(clinic.admin_email, "wrong", "test")
    clock.freeze(clock.now() + 10 * service.access.settings.rate_limit_window_seconds)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            service.access.login(clinic.admin_email, "wrong", "test")
    with pytest.raises(RateLimited):
        admin_login(service)
