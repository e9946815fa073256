"""``contracts/sympto/codes.py``: the ``authenticationCode`` cases ``vendor-sandbox token sympto`` mints, on plain
values (the claims and secret of the valid and the expired code, each invalid kind as its strategy mutation), and
each judged by Sympto's correct reference webhook as the case predicts.
"""

from __future__ import annotations

import json
import time
from base64 import urlsafe_b64decode
from typing import Any

import pytest

from contracts.jws import sign_hmac
from contracts.sympto.codes import CASES, CODE_LIFETIME_SECONDS, REFUSED_RULE, REFUSED_STATUS, CodeCase
from contracts.sympto.strategies import INVALID_CODES, CodeMutation
from sandbox.fixtures.partners.sympto import correct

EMAIL = "jane@example.test"
SECRET = "partner-jwt-secret-of-at-least-32-bytes!"
NOW = 1_795_262_400


def _claims(code: str) -> Any:
    payload = code.split(".")[1]
    return json.loads(urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_valid_code_is_hs256_over_email_iat_and_exp_ten_minutes_on() -> None:
    assert CODE_LIFETIME_SECONDS == 600
    code = CASES["valid"].mint(EMAIL, SECRET, NOW)
    assert code == sign_hmac({"email": EMAIL, "iat": NOW, "exp": NOW + 600}, SECRET)


def test_the_expired_code_was_issued_twenty_minutes_ago_and_expired_a_minute_ago() -> None:
    code = CASES["expired"].mint(EMAIL, SECRET, NOW)
    assert code == sign_hmac({"email": EMAIL, "iat": NOW - 1200, "exp": NOW - 60}, SECRET)
    assert _claims(code)["exp"] < NOW


@pytest.mark.parametrize("kind", INVALID_CODES)
def test_each_invalid_kind_is_its_mutation_of_the_valid_code(kind: str) -> None:
    valid = sign_hmac({"email": EMAIL, "iat": NOW, "exp": NOW + 600}, SECRET)
    mutation = CodeMutation(kind, index=17, filler="not-a-code")
    assert CASES[kind].mint(EMAIL, SECRET, NOW) == mutation.apply(valid)
    assert CASES[kind].description == mutation.describe()


def test_the_cases_are_valid_expired_then_each_invalid_kind_and_only_valid_is_valid() -> None:
    assert list(CASES) == ["valid", "expired", *INVALID_CODES]
    assert all(case.name == name for name, case in CASES.items())
    assert [name for name, case in CASES.items() if case.valid] == ["valid"]
    assert not CodeCase("expired", "").valid


@pytest.mark.parametrize("name", [name for name in CASES if name != "huge"])
def test_the_correct_reference_webhook_judges_each_case_as_predicted(name: str) -> None:
    client_id, client_secret = "partner-client-id", "partner-client-secret"
    webhook = correct.create_app(client_id, client_secret, SECRET).test_client()
    code = CASES[name].mint(EMAIL, SECRET, int(time.time()))
    response = webhook.post("/webhook", data={"authenticationCode": code}, auth=(client_id, client_secret))
    if CASES[name].valid:
        assert (response.status_code, response.json) == (200, {"email": EMAIL})
    else:
        assert response.status_code != 200
    assert (REFUSED_STATUS, REFUSED_RULE) == (401, "not_200")
