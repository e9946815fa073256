"""Create-user called directly on the app's Intake24 service with plain values: what is stored for the
respondent a JWT names."""

from __future__ import annotations

import hashlib
from typing import Any, cast

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from contracts.intake24 import messages
from contracts.intake24.constants import NANOID_ALPHABET, URL_TOKEN_LENGTH
from contracts.jws import sign_hmac
from sandbox.vendors.intake24.errors import Forbidden
from sandbox.vendors.intake24.models import Survey, respondents
from sandbox.vendors.intake24.service import Intake24Service
from tests.vendors.intake24.support import DEMO_SECRET

OTHER_KEY = "other-survey-secret-0123456789-0123456789"


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


def other_survey(service: Intake24Service, slug: str, **settings: Any) -> Survey:
    made, _ = service.put_survey(slug, {"allowGenUsers": True, "genUserKey": OTHER_KEY, **settings})
    return made


def test_a_new_respondent_answers_its_name_and_custom_fields_only_when_the_survey_keeps_them(
    service: Intake24Service,
) -> None:
    fields = [{"name": "arm", "value": "a"}]
    claims = {"username": "ann", "name": "Ann", "customFields": fields}
    created = service.create_user("demo", sign_hmac(claims, DEMO_SECRET))
    assert created == {
        "userId": created["userId"],
        "username": "ann",
        "authToken": created["authToken"],
        "name": "Ann",
        "customFields": fields,
    }
    bare = service.create_user("demo", sign_hmac({"username": "bob"}, DEMO_SECRET))
    assert set(bare) == {"userId", "username", "authToken"}  # nothing claimed, nothing answered
    other_survey(service, "plain")  # neither userPersonalIdentifiers nor userCustomFields
    plain = service.create_user("plain", sign_hmac(claims, OTHER_KEY))
    assert set(plain) == {"userId", "username", "authToken"}


def test_a_repeat_answers_the_custom_fields_it_claims_else_the_stored_ones_and_a_null_name_as_null(
    service: Intake24Service,
) -> None:
    first = {"username": "ann", "name": "Ann", "customFields": [{"name": "arm", "value": "a"}]}
    user_id = service.create_user("demo", sign_hmac(first, DEMO_SECRET))["userId"]
    claimed = [{"name": "arm", "value": "b"}]
    repeat = service.create_user("demo", sign_hmac({"username": "ann", "customFields": claimed}, DEMO_SECRET))
    assert repeat["customFields"] == claimed
    unclaimed = service.create_user("demo", sign_hmac({"username": "ann", "name": None}, DEMO_SECRET))
    assert unclaimed["name"] is None
    assert unclaimed["customFields"] == [{"id": "1", "userId": user_id, "name": "arm", "value": "b", "public": False}]


def test_a_renaming_repeat_stamps_the_respondent_updated(service: Intake24Service) -> None:
    user_id = int(service.create_user("demo", sign_hmac({"username": "ann", "name": "Ann"}, DEMO_SECRET))["userId"])
    created_at = service.clock.now()
    service.clock.freeze(created_at + 90)
    service.create_user("demo", sign_hmac({"username": "ann", "name": "Anne"}, DEMO_SECRET))
    with service.store.connect() as connection:
        row = connection.execute(select(respondents).where(respondents.c.id == user_id)).one()
    assert (row.name, row.created_at, row.updated_at) == ("Anne", created_at, created_at + 90)


def test_the_same_username_in_two_surveys_is_two_respondents(service: Intake24Service) -> None:
    other_survey(service, "other")
    in_demo = service.create_user("demo", sign_hmac({"username": "ann"}, DEMO_SECRET))
    in_other = service.create_user("other", sign_hmac({"username": "ann"}, OTHER_KEY))
    assert in_demo["userId"] != in_other["userId"]
    assert service.create_user("other", sign_hmac({"username": "ann"}, OTHER_KEY))["userId"] == in_other["userId"]


def test_a_url_token_has_the_surveys_length_and_charset_else_nanoids(service: Intake24Service) -> None:
    other_survey(service, "tokens", authUrlTokenLength=40, authUrlTokenCharset="ab")
    token = service.create_user("tokens", sign_hmac({"username": "ann"}, OTHER_KEY))["authToken"]
    assert len(token) == 40
    assert set(token) <= {"a", "b"}
    default = service.create_user("demo", sign_hmac({"username": "ann"}, DEMO_SECRET))["authToken"]
    assert len(default) == URL_TOKEN_LENGTH
    assert set(default) <= set(NANOID_ALPHABET)


def test_a_repeat_replaces_only_its_own_custom_fields_and_sets_public_only_when_given(
    service: Intake24Service,
) -> None:
    fields = [{"name": "arm", "value": "a"}, {"name": "site", "value": "s"}]
    ann = int(
        service.create_user("demo", sign_hmac({"username": "ann", "customFields": fields}, DEMO_SECRET))["userId"]
    )
    bob = int(
        service.create_user("demo", sign_hmac({"username": "bob", "customFields": fields}, DEMO_SECRET))["userId"]
    )
    repeat = [{"name": "arm", "value": "b", "public": True}, {"name": "new", "value": "n"}]
    service.create_user("demo", sign_hmac({"username": "ann", "customFields": repeat}, DEMO_SECRET))
    assert [(f["name"], f["value"], f["public"]) for f in service.custom_fields_of(ann)] == [
        ("arm", "b", True),  # "public" given: set
        ("new", "n", False),  # created without "public": not public
    ]
    assert [(f["name"], f["value"], f["public"]) for f in service.custom_fields_of(bob)] == [
        ("arm", "a", False),  # another respondent's fields are untouched
        ("site", "s", False),
    ]


def test_count_respondents_counts_the_surveys_respondents_or_those_of_one_username(
    service: Intake24Service,
) -> None:
    for username in ("ann", "bob"):
        service.create_user("demo", sign_hmac({"username": username}, DEMO_SECRET))
    demo = service.require_survey("demo")
    assert (service.count_respondents(demo), service.count_respondents(demo, "ann")) == (2, 1)
    assert service.count_respondents(demo, "nobody") == 0


def test_create_user_inserts_on_conflict_of_the_tables_survey_and_username_key_as_spelled(
    service: Intake24Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL needs ``ON CONFLICT`` to name a unique key's columns exactly (quoted identifiers are
    case-sensitive there), so the conflict target is ``(survey_id, username)`` as the table spells it."""
    statements: list[Any] = []
    upsert = service.store.upsert

    def recording(*args: Any, **options: Any) -> Any:
        statements.append(upsert(*args, **options))
        return statements[-1]

    monkeypatch.setattr(service.store, "upsert", recording)
    service.create_user("demo", sign_hmac({"username": "ann"}, DEMO_SECRET))
    compiled = str(statements[-1].compile(dialect=sqlite.dialect()))  # the test database's; PostgreSQL's is alike
    assert "ON CONFLICT (survey_id, username) DO NOTHING" in compiled
