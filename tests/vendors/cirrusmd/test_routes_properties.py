"""Hypothesis: every valid request gets 201, every named mutation gets exactly its documented answer."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from hypothesis import given

from contracts.cirrusmd.strategies import InvalidRequest, invalid_session_requests, invalid_tokens, session_requests
from contracts.cirrusmd.tokens import TokenCase
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import DEMO, SESSIONS, post_session


@given(body=session_requests())
def test_every_valid_request_gets_201_and_a_token(client: FlaskClient, body: dict[str, Any]) -> None:
    response = post_session(client, FROZEN_AT, body)
    assert response.status_code == 201, response.json
    assert response.mimetype == "application/json"
    assert set(response.json) == {"access_token"}
    assert response.json["access_token"].count(".") == 2


@given(case=invalid_session_requests())
def test_every_body_mutation_gets_its_422(client: FlaskClient, case: InvalidRequest) -> None:
    response = post_session(client, FROZEN_AT, case.body)
    assert response.status_code == case.status
    assert response.json == {"error_message": case.error_message}


@given(body=session_requests(), case=invalid_tokens())
def test_every_token_mutation_gets_its_401_whatever_the_body(
    client: FlaskClient, body: dict[str, Any], case: TokenCase
) -> None:
    authorization = case.authorization(DEMO, FROZEN_AT)
    response = client.post(
        SESSIONS, json=body, headers={} if authorization is None else {"Authorization": authorization}
    )
    assert case.message is not None
    assert response.status_code == 401
    assert response.json == {"error_message": case.message(DEMO, FROZEN_AT)}


@given(case=invalid_session_requests(), token=invalid_tokens())
def test_authentication_is_checked_before_the_body(client: FlaskClient, case: InvalidRequest, token: TokenCase) -> None:
    authorization = token.authorization(DEMO, FROZEN_AT)
    response = client.post(
        SESSIONS, json=case.body, headers={} if authorization is None else {"Authorization": authorization}
    )
    assert response.status_code == 401
