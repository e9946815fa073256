"""Create-user called directly on the app's Intake24 service with plain values: what is stored for the
respondent a JWT names."""

from __future__ import annotations

import hashlib
from typing import cast

import pytest
from flask import Flask
from sqlalchemy import select

from contracts.intake24 import messages
from contracts.jws import sign_hmac
from sandbox.vendors.intake24.errors import Forbidden
from sandbox.vendors.intake24.models import respondents
from sandbox.vendors.intake24.service import Intake24Service
from tests.vendors.intake24.support import DEMO_SECRET


@pytest.fixture
def service(app: Flask) -> Intake24Service:
    return cast(Intake24Service, app.extensions["sandbox.intake24"])


def test_the_password_a_jwt_claims_is_the_one_stored_as_a_hash(service: Intake24Service) -> None:
    created = service.create_user("demo", sign_hmac({"username": "pw", "password": "Secret-pass-1"}, DEMO_SECRET))
    with service.store.connect() as connection:
        stored: str = connection.execute(
            select(respondents.c.password_hash).where(respondents.c.id == int(created["userId"]))
        ).scalar_one()
    scheme, rounds, salt, digest = stored.split("$")
    assert (scheme, rounds) == ("pbkdf2-sha256", "1000")
    assert digest == hashlib.pbkdf2_hmac("sha256", b"Secret-pass-1", salt.encode(), 1000).hex()


def test_a_repeat_naming_a_new_custom_field_twice_is_refused_with_its_rule(service: Intake24Service) -> None:
    first = {"username": "twice", "customFields": [{"name": "a", "value": "1"}]}
    service.create_user("demo", sign_hmac(first, DEMO_SECRET))
    repeat = {"username": "twice", "customFields": [{"name": "b", "value": "1"}, {"name": "b", "value": "2"}]}
    with pytest.raises(Forbidden) as raised:
        service.create_user("demo", sign_hmac(repeat, DEMO_SECRET))
    assert (raised.value.rule, raised.value.message) == ("duplicate_custom_field", messages.DB_VALIDATION_ERROR)


def test_a_repeat_answers_with_the_name_it_claims(service: Intake24Service) -> None:
    service.create_user("demo", sign_hmac({"username": "renamed", "name": "Old"}, DEMO_SECRET))
    repeat = service.create_user("demo", sign_hmac({"username": "renamed", "name": "New"}, DEMO_SECRET))
    assert repeat["name"] == "New"
    kept = service.create_user("demo", sign_hmac({"username": "renamed"}, DEMO_SECRET))
    assert kept["name"] == "New"  # no name claimed: the stored one
