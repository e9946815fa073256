"""Sympto sign-on rules on plain values (``service/signon.py``), each found unpinned by mutation testing (issue #20,
item 6): what a ``userAuthToken`` is and which old tokens are forgotten, the rule and message of a refused token,
when an expired session is forgotten, and the control plane's listing of sessions."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from contracts.sympto import messages
from sandbox.core.clock import Clock
from sandbox.vendors.sympto.models import sessions, user_auth_tokens
from sandbox.vendors.sympto.service import SymptoService
from sandbox.vendors.sympto.service.settings import FORGET_AFTER_SECONDS

CLINIC = "demo-clinic"
PAT = "pat@example.test"
PAT2 = "pat2@example.test"


def service_of(app: Flask) -> SymptoService:
    service: SymptoService = app.extensions["sandbox.sympto"]
    return service


def a_patient(service: SymptoService, email: str = PAT) -> str:
    data = {"firstName": "Pat", "lastName": "Ient", "timeZone": "UTC", "email": email}
    return service.users.create_user(CLINIC, "patient", data, messages.CURRENT)


def stored_tokens(app: Flask) -> set[str]:
    with app.extensions["sandbox.store"].connect() as connection:
        return set(connection.execute(select(user_auth_tokens.c.token)).scalars())


def test_a_user_auth_token_is_64_hex_characters(app: Flask) -> None:
    service = service_of(app)
    a_patient(service)
    token = service.signon.issue_user_auth_token(CLINIC, PAT)
    assert len(token) == 64
    assert set(token) <= set("0123456789abcdef")


def test_a_new_user_auth_token_forgets_only_its_own_users_tokens_expired_over_a_day(app: Flask, clock: Clock) -> None:
    """Issuing a token forgets the same user's tokens expired for MORE than a day (one expired exactly a day ago is
    kept), never a live token, never another user's token."""
    service = service_of(app)
    lifetime = service.settings.user_auth_token_lifetime_seconds
    a_patient(service)
    a_patient(service, PAT2)
    long_gone = service.signon.issue_user_auth_token(CLINIC, PAT)
    others = service.signon.issue_user_auth_token(CLINIC, PAT2)
    clock.advance(1)
    a_day_ago = service.signon.issue_user_auth_token(CLINIC, PAT)
    clock.advance(lifetime + FORGET_AFTER_SECONDS - 1)
    live = service.signon.issue_user_auth_token(CLINIC, PAT)
    assert stored_tokens(app) == {long_gone, others, a_day_ago, live}
    clock.advance(0.5)
    newest = service.signon.issue_user_auth_token(CLINIC, PAT)
    assert long_gone not in stored_tokens(app)
    assert {others, a_day_ago, live, newest} <= stored_tokens(app)
    assert service.signon.redeem_user_auth_token(newest).ok


def test_a_used_user_auth_token_is_refused_with_its_rule(app: Flask) -> None:
    service = service_of(app)
    a_patient(service)
    token = service.signon.issue_user_auth_token(CLINIC, PAT)
    first = service.signon.redeem_user_auth_token(token)
    assert (first.ok, first.clinic_id, first.rule) == (True, CLINIC, None)
    again = service.signon.redeem_user_auth_token(token)
    assert (again.ok, again.rule, again.message) == (False, "user_auth_token_used", messages.USER_AUTH_TOKEN_USED)


def test_an_expired_user_auth_token_is_refused_saying_how_long_ago_and_its_lifetime(app: Flask, clock: Clock) -> None:
    service = service_of(app)
    lifetime = service.settings.user_auth_token_lifetime_seconds
    a_patient(service)
    token = service.signon.issue_user_auth_token(CLINIC, PAT)
    clock.advance(lifetime + 2.5)
    late = service.signon.redeem_user_auth_token(token)
    assert (late.ok, late.rule) == (False, "user_auth_token_expired")
    assert late.message == messages.USER_AUTH_TOKEN_EXPIRED.format(ago="2.5", lifetime=lifetime)


def test_a_session_expired_exactly_a_day_ago_is_not_yet_forgotten(app: Flask, clock: Clock) -> None:
    service = service_of(app)
    user = a_patient(service)
    service.signon.open_session(user, "test")
    clock.advance(service.settings.session_lifetime_seconds + FORGET_AFTER_SECONDS)
    service.signon.open_session(user, "test")
    with app.extensions["sandbox.store"].connect() as connection:
        assert len(connection.execute(select(sessions.c.session_id)).scalars().all()) == 2


def test_sessions_are_listed_by_expiry_naming_their_user_and_whether_still_active(app: Flask, clock: Clock) -> None:
    """The listing is ordered by expiry (not by opening), and a session expiring this very instant is inactive."""
    service = service_of(app)
    lifetime = service.settings.session_lifetime_seconds
    first = a_patient(service)
    second = a_patient(service, PAT2)
    service.signon.open_session(first, "userAuthToken")
    clock.advance(-10)
    service.signon.open_session(second, "authCode")
    clock.advance(lifetime)
    now = clock.now()
    assert service.signon.list_sessions() == [
        {"clinic_id": CLINIC, "user_id": second, "email": PAT2, "via": "authCode", "expires_at": now, "active": False},
        {
            "clinic_id": CLINIC,
            "user_id": first,
            "email": PAT,
            "via": "userAuthToken",
            "expires_at": now + 10,
            "active": True,
        },
    ]
    assert service.signon.list_sessions("another-clinic") == []
