"""The admin rules called directly on the app's Intake24 service, with plain values (no request is made):
personal access tokens and the admin respondent API."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

import pytest
from flask import Flask
from sqlalchemy import select

from contracts.intake24 import messages
from contracts.intake24.schemas import PASSWORD_MAX_LENGTH
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.vendors.intake24.errors import AdminValidationError, BearerUnauthorized, ContractInvalid, Forbidden
from sandbox.vendors.intake24.models import Survey, custom_fields, recall_sessions, respondents
from sandbox.vendors.intake24.service import Intake24Service

BASE = "https://sandbox.example"


@pytest.fixture
def service(app: Flask) -> Intake24Service:
    return cast(Intake24Service, app.extensions["sandbox.intake24"])


@pytest.mark.parametrize(
    ("token_id", "revoked"),
    [
        ("1", True),
        ("00000000001", True),  # 11 digits: still an id
        ("000000000001", False),  # 12 digits name nothing
        ("１", False),  # a digit, but not an ASCII one
        ("1a", False),
        ("", False),
        ("2", False),  # no such token
    ],
)
def test_a_token_is_revoked_by_an_id_of_at_most_11_ascii_digits(
    service: Intake24Service, token_id: str, revoked: bool
) -> None:
    assert service.issue_personal_access_token("ci machine", None)["token"]["id"] == "1"
    assert service.revoke_personal_access_token(token_id) is revoked


def test_a_revoked_token_is_refused_and_the_others_stay_valid(service: Intake24Service) -> None:
    first = service.issue_personal_access_token("first", None)
    second = service.issue_personal_access_token("second", None)
    assert service.revoke_personal_access_token(first["token"]["id"]) is True
    with pytest.raises(BearerUnauthorized):
        service.require_admin("Bearer " + first["jwt"])
    service.require_admin("Bearer " + second["jwt"])


def stored_password(service: Intake24Service, user_id: int) -> str:
    with service.store.connect() as connection:
        found: str = connection.execute(
            select(respondents.c.password_hash).where(respondents.c.id == user_id)
        ).scalar_one()
    return found


def test_a_respondent_the_admin_creates_can_sign_in_with_its_url_token(service: Intake24Service) -> None:
    created = service.admin_create(service.require_survey("demo"), {"username": "admin-made"}, BASE)
    login = service.token_login({"token": created["urlAuthToken"]})
    assert login.access_token is not None


def test_a_patch_changes_each_profile_field_sent_and_the_password(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    created = service.admin_create(survey, {"username": "patched", "name": "N", "phone": "1"}, BASE)
    before = stored_password(service, int(created["id"]))
    found = service.admin_get(survey, "patched")
    patched = service.admin_patch(survey, found, {"phone": "2", "password": "Secret-pass-1"}, BASE)
    assert (patched["name"], patched["email"], patched["phone"]) == ("N", None, "2")
    assert stored_password(service, int(created["id"])) != before


def test_refusals_name_their_rule(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    created = service.admin_create(survey, {"username": "twice"}, BASE)
    found = service.admin_get(survey, "twice")
    fields = [{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]
    with pytest.raises(Forbidden) as raised:
        service.admin_patch(survey, found, {"customFields": fields}, BASE)
    assert (raised.value.rule, raised.value.message) == ("duplicate_custom_field", messages.DB_VALIDATION_ERROR)
    login = service.token_login({"token": created["urlAuthToken"]})
    survey_, respondent_ = service.respondent_for(f"Bearer {login.access_token}", "demo")
    service.submit(survey_, respondent_, None, None, "correlation")
    with pytest.raises(Forbidden) as raised:
        service.admin_delete(survey, "twice")
    assert (raised.value.rule, raised.value.message) == ("respondent_has_submissions", messages.HAS_SUBMISSIONS)


def test_a_patch_replaces_custom_fields_keeping_public_as_sent_or_as_stored(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    fields = [{"name": "kept", "value": "1", "public": True}, {"name": "dropped", "value": "2"}]
    service.admin_create(survey, {"username": "fields", "customFields": fields}, BASE)
    found = service.admin_get(survey, "fields")
    replaced = [{"name": "kept", "value": "3"}, {"name": "new", "value": "4", "public": True}]
    patched = service.admin_patch(survey, found, {"customFields": replaced}, BASE)
    shown = [(field["name"], field["value"], field["public"]) for field in patched["customFields"]]
    assert shown == [("kept", "3", True), ("new", "4", True)]


def password_is(stored: str, password: str) -> bool:
    """Whether ``stored`` (``pbkdf2-sha256$iterations$salt$digest``) is the hash of ``password``."""
    _, iterations, salt, digest = stored.split("$")
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations)).hex() == digest


def test_a_respondent_the_admin_creates_keeps_the_password_sent(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    given = service.admin_create(survey, {"username": "with-pass", "password": "Chosen-pass-1"}, BASE)
    generated = service.admin_create(survey, {"username": "without-pass"}, BASE)
    assert password_is(stored_password(service, int(given["id"])), "Chosen-pass-1")
    assert not password_is(stored_password(service, int(generated["id"])), "Chosen-pass-1")


def test_the_profile_is_stored_only_when_the_survey_keeps_personal_identifiers(
    service: Intake24Service, make_survey: Callable[..., Any]
) -> None:
    profile = {"name": "N", "email": "n@example.com", "phone": "123"}
    kept = service.admin_create(service.require_survey("demo"), {"username": "kept", **profile}, BASE)
    assert (kept["name"], kept["email"], kept["phone"]) == ("N", "n@example.com", "123")
    make_survey("anonymous")
    dropped = service.admin_create(service.require_survey("anonymous"), {"username": "dropped", **profile}, BASE)
    assert (dropped["name"], dropped["email"], dropped["phone"]) == (None, None, None)


def test_a_url_token_drawn_twice_is_a_unique_violation(
    service: Intake24Service, make_survey: Callable[..., Any]
) -> None:
    make_survey("tiny", authUrlTokenCharset="a", authUrlTokenLength=12)  # every token is "aaaaaaaaaaaa"
    survey = service.require_survey("tiny")
    service.admin_create(survey, {"username": "one"}, BASE)
    with pytest.raises(Forbidden) as raised:
        service.admin_create(survey, {"username": "two"}, BASE)
    assert (raised.value.rule, raised.value.message) == ("unique_violation", messages.DB_VALIDATION_ERROR)


def test_a_respondents_access_token_is_not_an_admins(service: Intake24Service) -> None:
    created = service.admin_create(service.require_survey("demo"), {"username": "not-admin"}, BASE)
    login = service.token_login({"token": created["urlAuthToken"]})
    with pytest.raises(Forbidden) as raised:
        service.require_admin(f"Bearer {login.access_token}")
    assert (raised.value.rule, raised.value.message) == ("account_not_verified", "Account not verified")


@pytest.mark.parametrize("field", ["password", "passwordConfirm"])
def test_a_password_over_the_sandbox_limit_is_refused_by_the_sandbox_limit_rule(
    service: Intake24Service, field: str
) -> None:
    survey = service.require_survey("demo")
    long = "Aa1" + "b" * PASSWORD_MAX_LENGTH  # strong: the real rules accept it
    with pytest.raises(ContractInvalid) as created:
        service.admin_create(survey, {"username": "long", field: long}, BASE)
    service.admin_create(survey, {"username": "short"}, BASE)
    with pytest.raises(ContractInvalid) as patched:
        service.admin_patch(survey, service.admin_get(survey, "short"), {field: long}, BASE)
    assert (created.value.rule, patched.value.rule) == ("sandbox_limit", "sandbox_limit")


def test_auth_urls_drop_only_the_trailing_slashes_of_the_domain(service: Intake24Service) -> None:
    demo = service.require_survey("demo")
    created = service.admin_create(demo, {"username": "linked"}, BASE)
    respondent = service.admin_get(demo, "linked")
    survey = Survey(demo.id, "demo", {"authUrlDomainOverride": "https://example.org/X//"})
    token = created["urlAuthToken"]
    urls = service.auth_urls(survey, respondent, BASE)
    assert (urls["surveyAuthUrl"], urls["feedbackAuthUrl"]) == (
        f"https://example.org/X/a/{token}",
        f"https://example.org/X/demo/feedback?auth={token}",
    )


def rows_of(service: Intake24Service, user_id: int) -> tuple[int, int]:
    """How many custom fields and recall sessions the respondent ``user_id`` has."""
    with service.store.connect() as connection:
        fields = connection.execute(select(custom_fields).where(custom_fields.c.user_id == user_id)).all()
        sessions = connection.execute(select(recall_sessions).where(recall_sessions.c.user_id == user_id)).all()
    return len(fields), len(sessions)


def test_deleting_a_respondent_deletes_its_fields_and_session_and_no_one_elses(service: Intake24Service) -> None:
    survey = service.require_survey("demo")
    ids = []
    for username in ("leaving", "staying"):
        fields = [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]
        ids.append(int(service.admin_create(survey, {"username": username, "customFields": fields}, BASE)["id"]))
        service.start_session(survey, service.admin_get(survey, username), "correlation")
    assert [rows_of(service, user_id) for user_id in ids] == [(2, 1), (2, 1)]
    service.admin_delete(survey, "leaving")
    assert [rows_of(service, user_id) for user_id in ids] == [(0, 0), (2, 1)]
    assert service.respondent_by_id(ids[0]) is None


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_taken_username_is_a_validation_error_on_every_database(
    database: str, sandbox_settings: Settings, request: pytest.FixtureRequest
) -> None:
    """The insert's conflict target is the (survey, username) constraint; PostgreSQL, unlike SQLite,
    matches its column names exactly."""
    url = request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url")
    app = create_app(replace(sandbox_settings, database=url), random_seed=7)
    service = cast(Intake24Service, app.extensions["sandbox.intake24"])
    try:
        survey = service.require_survey("demo")
        created = service.admin_create(survey, {"username": "taken"}, BASE)
        with pytest.raises(AdminValidationError):
            service.admin_create(survey, {"username": "taken"}, BASE)
        assert service.admin_get(survey, "taken").id == int(created["id"])
    finally:
        app.extensions["sandbox.store"].dispose()
