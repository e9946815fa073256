"""Hypothesis: every valid request gets 201, every named mutation gets exactly its documented answer.

The random search stays; every named body mutation (applied to the documented example member) and every named token
case is also an ``@example``, so each is sent on every run whatever the search draws (issue #20).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask.testing import FlaskClient
from hypothesis import example, given

from contracts.cirrusmd.schemas import invalid_body_message
from contracts.cirrusmd.strategies import (
    MUTATIONS,
    PAIR_MUTATIONS,
    UNPROCESSABLE,
    InvalidRequest,
    invalid_session_requests,
    invalid_tokens,
    session_requests,
)
from contracts.cirrusmd.tokens import INVALID, TokenCase
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import DEMO, SESSIONS, member_body, post_session

Test = TypeVar("Test", bound=Callable[..., None])

#: Every named body mutation, once, on the documented example member.
PINNED_BODIES = tuple(
    InvalidRequest(
        body=mutation.apply(member_body()),
        mutation=mutation,
        status=UNPROCESSABLE,
        error_message=invalid_body_message({mutation.field: [mutation.error]}),
    )
    for mutation in MUTATIONS + PAIR_MUTATIONS
)


def pinned(argument: str, cases: tuple[object, ...], **others: object) -> Callable[[Test], Test]:
    """``@example(argument=case, **others)`` for each case, sent on every run before the random search."""

    def decorate(test: Test) -> Test:
        for case in cases:
            test = example(**{argument: case}, **others)(test)
        return test

    return decorate


@given(body=session_requests())
def test_every_valid_request_gets_201_and_a_token(client: FlaskClient, body: dict[str, Any]) -> None:
    response = post_session(client, FROZEN_AT, body)
    assert response.status_code == 201, response.json
    assert response.mimetype == "application/json"
    assert set(response.json) == {"access_token"}
    assert response.json["access_token"].count(".") == 2


@given(case=invalid_session_requests())
@pinned("case", PINNED_BODIES)
def test_every_body_mutation_gets_its_422(client: FlaskClient, case: InvalidRequest) -> None:
    response = post_session(client, FROZEN_AT, case.body)
    assert response.status_code == case.status
    assert response.json == {"error_message": case.error_message}


@given(body=session_requests(), case=invalid_tokens())
@pinned("case", INVALID, body=member_body())
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
