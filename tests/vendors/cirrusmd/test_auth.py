"""Every 401 rule of the request-signing JWT, through HTTP, with its exact message and journal rule."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import INVALID, TokenCase, claims, sign
from sandbox.core.journal import journal
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import DEMO, SESSIONS, member_body


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
    "lowercase_bearer": "The Authorization header must be `Bearer <JWT>` (the word Bearer, capital B, one or more "
    'spaces, then the JWT); got scheme "bearer".',
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


def _last_entry(app: Flask) -> dict[str, Any]:
    with app.app_context():
        entry: dict[str, Any] = journal().entries(vendor="cirrusmd", limit=1)[0]
    return entry


# Issue 13, item 14: "A CirrusMD token with `aud` present (any value): ... accept it but journal
# `accepted_with_warnings` naming the claim".
@pytest.mark.parametrize("audience", ["https://api-sandbox.cirrusmd.com", ["a", "b"], None, 7])
def test_a_token_with_aud_is_accepted_with_a_warning_naming_the_claim(
    client: FlaskClient, app: Flask, audience: Any
) -> None:
    token = sign(DEMO, claims(DEMO, FROZEN_AT, aud=audience))
    response = client.post(
        SESSIONS, json=member_body(), headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    assert response.status_code == 201
    entry = _last_entry(app)
    assert entry["verdict"] == "accepted_with_warnings"
    [warning] = entry["warnings"]
    assert warning["rule"] == "audience_claim_present"
    assert warning["message"].startswith(f"The JWT carries an `aud` claim ({json.dumps(audience)}) ")
    assert "RFC 7519" in warning["message"]


def test_a_token_without_aud_gets_no_audience_warning(client: FlaskClient, app: Flask) -> None:
    token = sign(DEMO, claims(DEMO, FROZEN_AT))
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    client.post(SESSIONS, json=member_body(), headers=headers)
    assert (_last_entry(app)["verdict"], _last_entry(app)["warnings"]) == ("accepted", [])


# Issue 13, item 15: "`Bearer` followed by two spaces is accepted though the 401 text says "one space":
# make the rule and the message agree."
def test_bearer_with_two_spaces_is_accepted_and_the_401_text_says_one_or_more_spaces(client: FlaskClient) -> None:
    token = sign(DEMO, claims(DEMO, FROZEN_AT))
    for spaces in ("  ", "   "):
        response = client.post(SESSIONS, json=member_body(), headers={"Authorization": f"Bearer{spaces}{token}"})
        assert response.status_code == 201, spaces
    refused = client.post(SESSIONS, json=member_body(), headers={"Authorization": f"Bearer\t{token}"})
    assert refused.status_code == 401
    message = refused.json["error_message"]
    assert "one space" not in message
    assert message.startswith(
        "The Authorization header must be `Bearer <JWT>` (the word Bearer, capital B, one or more spaces, then the JWT)"
    )


# Issue 13, item 16: "JSON values in messages are printed as JSON (`true`, `null`), not Python (`True`, `None`)."
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scope": True}, 'The JWT `scope` claim must be "sdk"; got true.'),
        ({"scope": None}, 'The JWT `scope` claim must be "sdk"; got null.'),
        ({"scope": ["sdk"]}, 'The JWT `scope` claim must be "sdk"; got ["sdk"].'),
        ({"scope": {"a": False}}, 'The JWT `scope` claim must be "sdk"; got {"a": false}.'),
        ({"exp": True}, "The JWT `exp` claim must be a number (seconds since the Unix epoch); got true."),
        ({"exp": None}, "The JWT `exp` claim must be a number (seconds since the Unix epoch); got null."),
        ({"scope": 'say "hi"'}, 'The JWT `scope` claim must be "sdk"; got "say \\"hi\\"".'),
    ],
)
def test_json_values_in_messages_are_printed_as_json(
    client: FlaskClient, changes: dict[str, Any], message: str
) -> None:
    token = sign(DEMO, claims(DEMO, FROZEN_AT, **changes))
    response = client.post(SESSIONS, json=member_body(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json == {"error_message": message}
    assert "True" not in message
    assert "None" not in message


def test_a_crit_header_is_quoted_as_a_json_array(client: FlaskClient) -> None:
    token = sign(DEMO, claims(DEMO, FROZEN_AT), header={"crit": ["exp"]})
    response = client.post(SESSIONS, json=member_body(), headers={"Authorization": f"Bearer {token}"})
    assert response.json == {
        "error_message": 'The JWT header lists `crit` extensions (["exp"]) that the API does not support: '
        "remove `crit`."
    }
