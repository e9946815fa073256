"""Create-user's refusals, called directly on the app's Intake24 service with plain values: each one
names its rule (what the journal records and ``/__sandbox`` reports) and words its message."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any, cast

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from contracts.intake24 import messages
from contracts.intake24.schemas import MAX_CUSTOM_FIELDS, FieldIssue
from contracts.jws import sign_hmac
from sandbox.vendors.intake24.errors import ClaimsInvalid, Forbidden
from sandbox.vendors.intake24.models import Survey
from sandbox.vendors.intake24.service import Intake24Service
from tests.vendors.intake24.support import DEMO_SECRET, NOW

KEY = "other-survey-secret-0123456789-0123456789"


@pytest.fixture
def service(app: Flask) -> Intake24Service:
    return cast(Intake24Service, app.extensions["sandbox.intake24"])


def survey(service: Intake24Service, slug: str, **settings: Any) -> Survey:
    made, _ = service.put_survey(slug, {"allowGenUsers": True, "genUserKey": KEY, **settings})
    return made


def refusal(service: Intake24Service, slug: str, claims: dict[str, Any], secret: str = KEY) -> Forbidden:
    with pytest.raises(Forbidden) as raised:
        service.create_user(slug, sign_hmac(claims, secret))
    return raised.value


def test_a_survey_without_user_generation_refuses_naming_its_rule(service: Intake24Service) -> None:
    survey(service, "closed", allowGenUsers=False)
    refused = refusal(service, "closed", {"username": "ann"})
    assert (refused.rule, refused.message) == ("user_generation_disabled", messages.GEN_USERS_DISABLED)


def test_a_rejected_jwt_names_its_reason_as_the_rule(service: Intake24Service) -> None:
    refused = refusal(service, "demo", {"username": "ann"}, secret="not-the-demo-secret-0123456789")
    assert (refused.rule, refused.message) == ("jwt_invalid_signature", "invalid signature")


def test_strict_claims_refuse_a_token_without_the_surveys_subject_and_accept_a_complete_one(
    service: Intake24Service,
) -> None:
    survey(service, "strict", strictClaims=True)
    refused = refusal(service, "strict", {"username": "ann", "sub": "demo"})
    assert (refused.rule, refused.message) == ("strict_claims", messages.STRICT_SUBJECT.format(slug="strict"))
    complete = {"username": "ann", "sub": "strict", "aud": "intake24", "iss": "partner", "exp": NOW + 600}
    assert service.create_user("strict", sign_hmac(complete, KEY))["username"] == "ann"


def test_claims_over_a_sandbox_limit_are_refused_naming_the_limit(service: Intake24Service) -> None:
    fields = [{"name": f"f{n}", "value": "v"} for n in range(MAX_CUSTOM_FIELDS + 1)]
    with pytest.raises(ClaimsInvalid) as raised:
        service.create_user("demo", sign_hmac({"username": "many", "customFields": fields}, DEMO_SECRET))
    message = messages.SANDBOX_TOO_MANY.format(maximum=MAX_CUSTOM_FIELDS)
    assert raised.value.rule == "sandbox_limit"
    assert raised.value.issues == [FieldIssue(("customFields",), "too_big", message)]
    assert service.count_respondents(service.require_survey("demo"), "many") == 0


def test_the_respondent_quota_counts_the_surveys_own_respondents_and_refuses_the_one_past_it(
    service: Intake24Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "settings", replace(service.settings, max_respondents=2))
    survey(service, "other")
    for username in ("o1", "o2"):  # another survey at the quota does not count for the demo survey
        service.create_user("other", sign_hmac({"username": username}, KEY))
    for username in ("d1", "d2"):  # exactly the quota is allowed
        service.create_user("demo", sign_hmac({"username": username}, DEMO_SECRET))
    refused = refusal(service, "demo", {"username": "d3"}, secret=DEMO_SECRET)
    assert (refused.rule, refused.message) == (
        "quota_respondents",
        messages.RESPONDENT_QUOTA.format(slug="demo", limit=2),
    )
    assert service.count_respondents(service.require_survey("demo")) == 2  # the refused insert rolled back


def test_two_respondents_drawing_the_same_url_token_refuse_the_second_as_a_unique_violation(
    service: Intake24Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "url_token", lambda _survey: "same-token-for-everyone")
    service.create_user("demo", sign_hmac({"username": "first"}, DEMO_SECRET))
    refused = refusal(service, "demo", {"username": "second"}, secret=DEMO_SECRET)
    assert (refused.rule, refused.message) == ("unique_violation", messages.DB_VALIDATION_ERROR)


def test_a_database_that_stays_locked_is_refused_as_busy(
    service: Intake24Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked() -> Any:
        raise OperationalError("BEGIN", None, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(service.store, "begin", locked)
    refused = refusal(service, "demo", {"username": "ann"}, secret=DEMO_SECRET)
    assert (refused.rule, refused.message) == ("database_busy", messages.DB_BUSY)


def test_a_new_respondent_naming_a_custom_field_twice_is_refused_and_not_created(service: Intake24Service) -> None:
    fields = [{"name": "arm", "value": "a"}, {"name": "arm", "value": "b"}]
    refused = refusal(service, "demo", {"username": "dup", "customFields": fields}, secret=DEMO_SECRET)
    assert (refused.rule, refused.message) == ("duplicate_custom_field", messages.DB_VALIDATION_ERROR)
    assert service.count_respondents(service.require_survey("demo"), "dup") == 0
