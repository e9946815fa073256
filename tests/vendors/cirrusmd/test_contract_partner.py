"""CirrusMD's part of the partner kit (``contracts/cirrusmd/partner.py``), read on plain values and through the
app in process: the ``Authorization`` header it signs, and each broken request with the answer it predicts.

``tests/contracts/test_strategies.py`` checks the same promises against a live sandbox with Hypothesis' full
search; these are fast and name each promise: the vendor, the mutation's name, the journal rule, the request and
the answer of every case, for the credentials and the instant the partner gives.
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

from contracts.cirrusmd import partner
from contracts.cirrusmd.strategies import InvalidRequest
from contracts.cirrusmd.tokens import INVALID, VALID, Credentials, claims
from contracts.derive import Mutation
from contracts.invalid import Answer, Invalid
from contracts.jws import sign_hmac
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import SESSIONS

OTHER = Credentials("partner-client", "partner-shared-secret-of-some-length")
#: Draws without shrinking: a failure is reported as found (these tests state rules, not search for edges).
QUICK = settings(max_examples=25, phases=[Phase.explicit, Phase.generate])
#: For ``find``: it stops at the first example that matches, so the bound costs nothing when the case is common;
#: with 25 draws a case one in twelve was missed about one run in nine (a flaky failure of the suite).
SEARCH = settings(max_examples=1000, phases=[Phase.generate])


def _claims_of(authorization: str) -> Any:
    scheme, token = authorization.split(" ", 1)
    assert scheme == "Bearer"
    return json.loads(base64url_decode(token.split(".")[1]))


def test_the_authorization_is_a_bearer_hs256_token_of_the_documented_claims() -> None:
    header = partner.cirrusmd_authorization(OTHER, now=FROZEN_AT, lifetime=30)
    assert header == "Bearer " + sign_hmac(claims(OTHER, FROZEN_AT, 30), OTHER.shared_secret)


def test_the_authorization_defaults_to_the_demo_client_110_seconds_and_the_time_now() -> None:
    assert Credentials() == partner.CIRRUSMD_DEMO
    assert partner.cirrusmd_authorization(now=FROZEN_AT) == "Bearer " + sign_hmac(
        claims(Credentials(), FROZEN_AT, 110), Credentials().shared_secret
    )
    before = int(time.time())
    signed = _claims_of(partner.cirrusmd_authorization())
    after = int(time.time())
    assert before <= signed["iat"] <= after
    assert signed["exp"] - signed["iat"] == 110


def test_a_broken_body_is_sent_with_a_valid_token_and_predicts_its_answer() -> None:
    mutation = Mutation("email_missing", "email", lambda body: body, "is missing")
    broken = InvalidRequest({"a": 1}, mutation, 422, "email is missing")
    case = partner._cirrusmd_body_case(broken, OTHER, FROZEN_AT)
    request = partner.CirrusmdRequest({"a": 1}, VALID.authorization(OTHER, FROZEN_AT))
    assert case == Invalid("cirrusmd", "email_missing", "invalid_body", request, Answer(422, "email is missing"))


@pytest.mark.parametrize("case", INVALID, ids=[case.name for case in INVALID])
def test_a_broken_token_is_sent_with_the_body_and_predicts_its_401(case: Any) -> None:
    built = partner._cirrusmd_token_case({"b": 2}, case, OTHER, FROZEN_AT)
    request = partner.CirrusmdRequest({"b": 2}, case.authorization(OTHER, FROZEN_AT))
    assert built == Invalid("cirrusmd", case.name, case.rule, request, Answer(401, case.message(OTHER, FROZEN_AT)))


def test_invalid_requests_hold_both_kinds_of_case() -> None:
    strategy = partner.cirrusmd_invalid_requests(OTHER, FROZEN_AT)
    body = find(strategy, lambda example: example.rule == "invalid_body", settings=SEARCH)
    token = find(strategy, lambda example: example.rule != "invalid_body", settings=SEARCH)
    assert body.value.authorization == VALID.authorization(OTHER, FROZEN_AT)
    assert token.name in {case.name for case in INVALID}


@QUICK
@given(data=st.data())
def test_each_invalid_request_is_built_for_the_given_credentials_and_instant(data: st.DataObject) -> None:
    example: Invalid[Any] = data.draw(partner.cirrusmd_invalid_requests(OTHER, FROZEN_AT))
    assert example.vendor == "cirrusmd"
    if example.rule == "invalid_body":
        assert example.value.authorization == VALID.authorization(OTHER, FROZEN_AT)
        assert example.answer.status == 422
        return
    [case] = [case for case in INVALID if case.name == example.name]
    assert case.message is not None
    assert example.rule == case.rule
    assert example.value.authorization == case.authorization(OTHER, FROZEN_AT)
    assert example.answer == Answer(401, case.message(OTHER, FROZEN_AT))


@QUICK
@given(data=st.data())
def test_without_an_instant_the_cases_are_signed_for_the_demo_client_at_draw_time(data: st.DataObject) -> None:
    example: Invalid[Any] = data.draw(partner.cirrusmd_invalid_requests())
    authorization = example.value.authorization
    if example.rule == "invalid_body":
        signed = _claims_of(authorization)
        assert signed["sub"] == Credentials().client_id
        assert abs(signed["iat"] - time.time()) <= 5


def test_the_valid_bodies_are_the_session_requests_cirrusmd_accepts(client: FlaskClient) -> None:
    from contracts.cirrusmd.strategies import session_requests

    assert repr(partner.cirrusmd_members()) == repr(session_requests())
    body = find(partner.cirrusmd_members(), lambda body: True, settings=SEARCH)
    headers = {"Authorization": partner.cirrusmd_authorization(now=FROZEN_AT), "Accept": "application/json"}
    assert client.post(SESSIONS, json=body, headers=headers).status_code == 201


@QUICK
@given(data=st.data())
def test_each_invalid_request_gets_the_answer_it_predicts(client: FlaskClient, data: st.DataObject) -> None:
    example = data.draw(partner.cirrusmd_invalid_requests(now=FROZEN_AT))
    headers = {"Accept": "application/json"}
    if example.value.authorization is not None:
        headers["Authorization"] = example.value.authorization
    response = client.post(SESSIONS, json=example.value.body, headers=headers)
    assert (response.status_code, response.json) == (example.answer.status, {"error_message": example.answer.message})
    entry = client.get("/__sandbox/journal?vendor=cirrusmd&limit=1").json["entries"][0]
    assert (entry["verdict"], entry["rule"]) == ("rejected", example.rule)
