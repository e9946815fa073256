"""The admin rules called directly on the app's Intake24 service, with plain values (no request is made):
personal access tokens and the admin respondent API."""

from __future__ import annotations

from typing import cast

import pytest
from flask import Flask
from sqlalchemy import select

from contracts.intake24 import messages
from sandbox.vendors.intake24.errors import BearerUnauthorized, Forbidden
from sandbox.vendors.intake24.models import respondents
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
