"""The create-user token cases of ``contracts/intake24/tokens.py`` (what ``vendor-sandbox token intake24`` mints),
read on plain values: the claims each case signs, the secret and algorithm, and the answer it predicts.

The command line's parity test sends every case through the app; these pin what each case *is*, so that a case
that drifted (a claim dropped, another secret, a different answer) fails here even when the sandbox would still
answer something plausible.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from contracts.intake24 import messages
from contracts.intake24.strategies import Expected, token_mutation, validation_answer
from contracts.intake24.tokens import CASES, DEMO_SECRET, LIFETIME_SECONDS, TOKEN_DESCRIPTIONS, claims
from contracts.jws import sign_hmac
from tests.conftest import FROZEN_AT

NOW = int(FROZEN_AT)
USERNAME = "p-1"
SECRET = "a-survey-secret-of-enough-length"


def test_claims_are_the_username_and_a_one_minute_exp() -> None:
    assert LIFETIME_SECONDS == 60
    assert claims(USERNAME, NOW) == {"username": USERNAME, "exp": NOW + 60}


def test_claim_changes_override_and_the_drop_marker_removes() -> None:
    from contracts.intake24.tokens import _DROP

    assert claims(USERNAME, NOW, {"exp": 5, "name": "N"}) == {"username": USERNAME, "exp": 5, "name": "N"}
    assert claims(USERNAME, NOW, {"username": _DROP}) == {"exp": NOW + 60}


def test_the_valid_case_signs_the_respondents_claims_with_hs256_and_the_survey_secret() -> None:
    token, answer = CASES["valid"].build(USERNAME, SECRET, NOW)
    assert token == sign_hmac({"username": USERNAME, "exp": NOW + 60}, SECRET)
    assert answer == Expected(200, "")
    assert CASES["valid"].valid
    assert [name for name, case in CASES.items() if case.valid] == ["valid"]


@pytest.mark.parametrize("name", list(TOKEN_DESCRIPTIONS))
def test_each_token_case_is_the_strategies_mutation_of_the_respondents_claims(name: str) -> None:
    case = CASES[name]
    assert (case.name, case.description) == (name, TOKEN_DESCRIPTIONS[name])
    expected = token_mutation(name, {"username": USERNAME, "exp": NOW + 60}, SECRET, NOW)
    assert case.build(USERNAME, SECRET, NOW) == (expected.token, expected.expected)


CLAIM_CASES: dict[str, tuple[dict[str, Any], Expected]] = {
    "username_missing": ({"exp": NOW + 60}, validation_answer(messages.REQUIRED, "username")),
    "username_empty": (
        {"username": "", "exp": NOW + 60},
        validation_answer(messages.TOO_SMALL.format(minimum=1), "username"),
    ),
    "password_weak": (
        {"username": USERNAME, "exp": NOW + 60, "password": "weakpassword"},
        validation_answer(messages.WEAK_PASSWORD, "password"),
    ),
    "redirect_url_invalid": (
        {"username": USERNAME, "exp": NOW + 60, "redirectUrl": "not a url"},
        validation_answer(messages.INVALID_URL, "redirectUrl"),
    ),
    "name_empty": (
        {"username": USERNAME, "exp": NOW + 60, "name": ""},
        validation_answer(messages.TOO_SMALL.format(minimum=1), "name"),
    ),
}


@pytest.mark.parametrize("name", list(CLAIM_CASES))
def test_each_claim_case_signs_one_changed_claim_and_predicts_its_400(name: str) -> None:
    signed, answer = CLAIM_CASES[name]
    token, predicted = CASES[name].build(USERNAME, SECRET, NOW)
    assert token == sign_hmac(signed, SECRET)
    assert predicted == answer
    assert predicted.status == 400


def test_every_case_is_listed_once_under_its_own_name() -> None:
    assert list(CASES) == ["valid", *TOKEN_DESCRIPTIONS, *CLAIM_CASES]
    assert all(case.name == name for name, case in CASES.items())


@pytest.mark.parametrize("name", list(CASES))
def test_each_case_gets_the_answer_it_predicts_from_the_demo_survey(client: FlaskClient, name: str) -> None:
    token, expected = CASES[name].build(f"p-{name}", DEMO_SECRET, NOW)
    answer = client.post("/intake24/api/surveys/demo/create-user", json={"token": token})
    assert answer.status_code == expected.status, answer.json
    if expected.status == 200:
        assert answer.json["username"] == f"p-{name}"
    else:
        assert answer.json["message"] == expected.message
