"""Every 401 rule of the request-signing JWT, through HTTP, with its exact message and journal rule."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import INVALID, TokenCase
from sandbox.core.journal import journal
from tests.cirrusmd.helpers import DEMO, SESSIONS, member_body
from tests.conftest import FROZEN_AT


@pytest.mark.parametrize("case", INVALID, ids=lambda case: case.name)
def test_each_token_rule_answers_401_with_its_message(client: FlaskClient, app: Flask, case: TokenCase) -> None:
    authorization = case.authorization(DEMO, FROZEN_AT)
    headers = {"Accept": "application/json"} | ({} if authorization is None else {"Authorization": authorization})

    response = client.post(SESSIONS, json=member_body(), headers=headers)

    assert case.message is not None
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.json == {"error_message": case.message(DEMO, FROZEN_AT)}
    with app.app_context():
        entry = journal().entries(vendor="cirrusmd", limit=1)[0]
    assert (entry["verdict"], entry["rule"], entry["status"]) == ("rejected", case.rule, 401)


# The wording itself, pinned as literal strings so a careless edit of a template is caught.
LITERAL_MESSAGES = {
    "missing_authorization": "Missing Authorization header: send `Authorization: Bearer <JWT>` with a JWT signed "
    "HS256 with your shared_secret.",
    "lowercase_bearer": "The Authorization header must be `Bearer <JWT>` (the word Bearer, capital B, one space, "
    'then the JWT); got scheme "bearer".',
    "alg_none": 'The JWT must be signed with HS256 (header "alg": "HS256"); got alg "none".',
    "missing_exp": 'The JWT is missing the `exp` claim: send {sub: <client_id>, scope: "sdk", '
    "exp: <now + at most 120 s>, iat: <now>}.",
    "exp_string": 'The JWT `exp` claim must be a number (seconds since the Unix epoch); got "1795262460".',
    "wrong_scope": 'The JWT `scope` claim must be "sdk"; got "admin".',
    "expired": "The JWT has expired: `exp` is 1795262340, 60 s before the server time 1795262400. "
    "Mint a fresh token for each request.",
    "too_long_lived": "The JWT `exp` claim must NOT exceed 2 minutes from the current time: `exp` is 1795262700, "
    "300 s after the server time 1795262400 (limit 120 s).",
    "iat_in_future": "The JWT `iat` claim is in the future: `iat` is 1795262460, 60 s after the server time "
    "1795262400. Set `iat` to the current Unix time.",
    "wrong_secret": "The JWT signature does not verify: sign the token with HS256 using the shared_secret of "
    'client "demo-client" as the HMAC key, exactly as given.',
    "unknown_client": 'The JWT `sub` claim "no-such-client" is not a known client_id: set `sub` to the client_id '
    "you were given.",
}


@pytest.mark.parametrize(("name", "message"), LITERAL_MESSAGES.items())
def test_messages_read_exactly(client: FlaskClient, name: str, message: str) -> None:
    case = next(case for case in INVALID if case.name == name)
    authorization = case.authorization(DEMO, FROZEN_AT)
    response = client.post(
        SESSIONS, json=member_body(), headers={} if authorization is None else {"Authorization": authorization}
    )
    assert response.json == {"error_message": message}


def test_the_shared_secret_never_appears_in_any_answer(client: FlaskClient) -> None:
    for case in INVALID:
        authorization = case.authorization(DEMO, FROZEN_AT)
        response = client.post(
            SESSIONS, json=member_body(), headers={} if authorization is None else {"Authorization": authorization}
        )
        assert DEMO.shared_secret not in response.get_data(as_text=True)
