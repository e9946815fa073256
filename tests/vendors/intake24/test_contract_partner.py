"""Intake24's part of the partner kit (``contracts/intake24/partner.py``), read on plain values and through the
app in process: the create-user token it signs, and each broken claim or token with its journal rule and answer.

``tests/contracts/test_strategies.py`` checks the same promises against a live sandbox with Hypothesis' full
search; these are fast and name each promise.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from jwt.utils import base64url_decode

from contracts.intake24 import messages, partner
from contracts.intake24.strategies import TOKEN_MUTATION_NAMES, ClaimMutation, Expected, TokenMutation
from contracts.invalid import Answer, Invalid
from contracts.jws import sign_hmac
from tests.conftest import FROZEN_AT

NOW = int(FROZEN_AT)
CREATE_USER = "/intake24/api/surveys/demo/create-user"
#: Draws without shrinking: a failure is reported as found (these tests state rules, not search for edges).
QUICK = settings(max_examples=25, phases=[Phase.explicit, Phase.generate])
#: For ``find``: it stops at the first example that matches, so the bound costs nothing when the case is common;
#: with 25 draws a case one in twelve was missed about one run in nine (a flaky failure of the suite).
SEARCH = settings(max_examples=1000, phases=[Phase.generate])


def _header(token: str) -> Any:
    return json.loads(base64url_decode(token.split(".")[0]))


def test_the_token_adds_an_exp_lifetime_seconds_from_now_and_signs_hs256_with_the_secret() -> None:
    assert partner.intake24_token({"username": "u"}, "s3cret", lifetime=30, now=NOW + 0.9) == sign_hmac(
        {"username": "u", "exp": NOW + 30}, "s3cret", "HS256"
    )


def test_the_token_defaults_to_the_demo_secret_a_minute_and_the_time_now() -> None:
    assert partner.INTAKE24_DEMO_SECRET == "demo-intake24-jwt-secret-change-me"
    assert partner.intake24_token({"username": "u"}, now=NOW) == sign_hmac(
        {"username": "u", "exp": NOW + 60}, partner.INTAKE24_DEMO_SECRET
    )
    before = int(time.time()) + 60
    token = partner.intake24_token({"username": "u"})
    after = int(time.time()) + 60
    assert before <= json.loads(base64url_decode(token.split(".")[1]))["exp"] <= after


def test_an_exp_given_is_kept_and_none_lifetime_adds_none() -> None:
    assert partner.intake24_token({"username": "u", "exp": 5}, "k", now=NOW) == sign_hmac(
        {"username": "u", "exp": 5}, "k"
    )
    assert partner.intake24_token({"username": "u"}, "k", lifetime=None, now=NOW) == sign_hmac({"username": "u"}, "k")


def test_the_token_is_signed_with_the_algorithm_asked_and_leaves_the_claims_given_alone() -> None:
    given_claims = {"username": "u"}
    token = partner.intake24_token(given_claims, "k", now=NOW, algorithm="HS512")
    assert token == sign_hmac({"username": "u", "exp": NOW + 60}, "k", "HS512")
    assert _header(token)["alg"] == "HS512"
    assert given_claims == {"username": "u"}


def test_a_claim_mutation_becomes_a_claims_validation_case_with_its_answer() -> None:
    mutation = ClaimMutation("name_empty", {"username": "u", "name": ""}, Expected(400, "the summary"))
    assert partner._intake24_claims_case(mutation) == Invalid(
        "intake24", "name_empty", "claims_validation", {"username": "u", "name": ""}, Answer(400, "the summary")
    )


@pytest.mark.parametrize("name", TOKEN_MUTATION_NAMES)
def test_a_token_mutation_becomes_a_case_with_its_journal_rule_and_answer(name: str) -> None:
    mutation = TokenMutation(name, "a.b.c", Expected(403, "the message"))
    assert partner._intake24_token_case(mutation) == Invalid(
        "intake24", name, partner.INTAKE24_TOKEN_RULES[name], "a.b.c", Answer(403, "the message")
    )


def test_every_token_mutation_has_a_journal_rule() -> None:
    assert set(partner.INTAKE24_TOKEN_RULES) == set(TOKEN_MUTATION_NAMES)


@QUICK
@given(data=st.data())
def test_invalid_claims_are_claims_validation_cases_answered_400(data: st.DataObject) -> None:
    example: Invalid[dict[str, Any]] = data.draw(partner.intake24_invalid_claims())
    assert (example.vendor, example.rule, example.answer.status) == ("intake24", "claims_validation", 400)
    assert example.answer.message.startswith(messages.SUMMARY_PREFIX + ": ")


@QUICK
@given(data=st.data())
def test_invalid_tokens_are_built_for_the_secret_and_instant_given(data: st.DataObject) -> None:
    example: Invalid[str] = data.draw(partner.intake24_invalid_tokens("the-secret", NOW))
    assert example.vendor == "intake24"
    assert example.rule == partner.INTAKE24_TOKEN_RULES[example.name]
    if example.name == "expired":
        payload = json.loads(base64url_decode(example.value.split(".")[1]))
        assert payload["exp"] == NOW
        assert example.value == sign_hmac(payload, "the-secret")


def test_invalid_tokens_default_to_the_demo_secret_and_the_time_now() -> None:
    expired = find(partner.intake24_invalid_tokens(), lambda example: example.name == "expired", settings=SEARCH)
    payload = json.loads(base64url_decode(expired.value.split(".")[1]))
    assert abs(payload["exp"] - time.time()) <= 5
    assert expired.value == sign_hmac(payload, partner.INTAKE24_DEMO_SECRET)


@QUICK
@given(data=st.data())
def test_each_invalid_claims_case_gets_its_answer(client: FlaskClient, data: st.DataObject) -> None:
    example: Invalid[dict[str, Any]] = data.draw(partner.intake24_invalid_claims())
    response = client.post(CREATE_USER, json={"token": partner.intake24_token(example.value, now=NOW)})
    assert (response.status_code, response.json["message"]) == (example.answer.status, example.answer.message)
    entry = client.get("/__sandbox/journal?vendor=intake24&limit=1").json["entries"][0]
    assert entry["rule"] == example.rule


@QUICK
@given(data=st.data())
def test_each_invalid_token_case_gets_its_answer(client: FlaskClient, data: st.DataObject) -> None:
    example: Invalid[str] = data.draw(partner.intake24_invalid_tokens(now=NOW))
    response = client.post(CREATE_USER, json={"token": example.value})
    assert (response.status_code, response.json["message"]) == (example.answer.status, example.answer.message)
    entry = client.get("/__sandbox/journal?vendor=intake24&limit=1").json["entries"][0]
    assert entry["rule"] == example.rule


@QUICK
@given(data=st.data())
def test_the_respondent_claims_are_accepted(client: FlaskClient, data: st.DataObject) -> None:
    claims: dict[str, Any] = data.draw(partner.intake24_respondent_claims())
    response = client.post(CREATE_USER, json={"token": partner.intake24_token(claims, now=NOW)})
    assert response.status_code == 200, response.json
