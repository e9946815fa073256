"""Every row of the spec's §1.4 response table, through HTTP, with Intake24's exact bodies."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from contracts.jws import sign_hmac, unsigned
from tests.vendors.intake24.support import CREATE_USER, DEMO_SECRET, NOW, Mint

URL = CREATE_USER.format(slug="demo")
ROOT_REQUIRED = {
    "message": "Validation error: Required",
    "errors": {
        "": {
            "type": "field",
            "location": "body",
            "code": "invalid_type",
            "msg": '"validation.attributes." must be an object.',
            "path": "",
            "value": None,
        }
    },
}


def seg(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token_error(message: str, code: str = "invalid_type", msg: str = '"Token" must be filled in.') -> dict[str, Any]:
    return {
        "message": message,
        "errors": {
            "token": {"type": "field", "location": "body", "code": code, "msg": msg, "path": "token", "value": None}
        },
    }


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({}, ROOT_REQUIRED, id="no body"),
        pytest.param({"data": "token=x", "content_type": "text/plain"}, ROOT_REQUIRED, id="text/plain body"),
        pytest.param({"query_string": {"token": "a.b.c"}}, ROOT_REQUIRED, id="token only in query"),
        pytest.param(
            {"json": []},
            {**ROOT_REQUIRED, "message": "Validation error: Expected object, received array"},
            id="JSON array",
        ),
        pytest.param({"json": {}}, token_error('Validation error: Required at "token"'), id="token missing"),
        pytest.param(
            {"json": {"token": ""}},
            token_error('Validation error: Expected string, received null at "token"'),
            id="empty token",
        ),
        pytest.param(
            {"json": {"token": "   "}},
            token_error('Validation error: Expected string, received null at "token"'),
            id="blank token",
        ),
        pytest.param(
            {"json": {"token": None}},
            token_error('Validation error: Expected string, received null at "token"'),
            id="null token",
        ),
        pytest.param(
            {"data": {"token": ""}},
            token_error('Validation error: Expected string, received null at "token"'),
            id="form empty",
        ),
        pytest.param(
            {"json": {"token": 5}},
            token_error('Validation error: Expected string, received number at "token"'),
            id="number",
        ),
        pytest.param(
            {"json": {"token": "this-is-not-a-jwt-token"}},
            token_error(
                'Validation error: Token must be a valid JWT at "token"', "custom", "Token must be a valid JWT"
            ),
            id="not a JWT",
        ),
        pytest.param(
            {"json": {"token": "abc.def"}},
            token_error(
                'Validation error: Token must be a valid JWT at "token"', "custom", "Token must be a valid JWT"
            ),
            id="two segments",
        ),
    ],
)
def test_contract_failures(client: FlaskClient, kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    response = client.post(URL, **kwargs)
    assert response.status_code == 400
    assert response.get_json() == expected
    assert list(response.get_json()) == ["message", "errors"]  # contract failures put message first
    assert response.content_type == "application/json; charset=utf-8"


def test_contract_failure_wins_over_unknown_survey(client: FlaskClient) -> None:
    response = client.post(CREATE_USER.format(slug="no-such-survey"), json={"token": "nope"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"token": ', "Unexpected end of JSON input"),
        ("{token}", "Expected property name or '}' in JSON at position 1"),
        ("   ", "Unexpected end of JSON input"),
        ('"token"', 'Unexpected token \'"\', ""token"" is not valid JSON'),
        (
            '{"token": nope, "padding": 1234567890}',
            'Unexpected token \'o\', ...""token": nope, "padd"... is not valid JSON',
        ),
        ("[1, 2", "Expected ',' or ']' after array element in JSON at position 5"),
        ('{"a": 1} x', "Unexpected non-whitespace character after JSON at position 9"),
    ],
)
def test_malformed_json(client: FlaskClient, raw: str, message: str) -> None:
    """Node 20's ``JSON.parse`` messages; the ``nope`` and ``[1, 2`` rows were corrected from a run of
    Node 20.20.2 (V8 reads ``n``, ``o``: the unexpected token is ``o``; at the end of input it names the
    delimiter it wanted after an array element)."""
    response = client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"message": message}
    assert "RateLimit" not in response.headers  # the body parser runs before the limiter


def test_unknown_survey(client: FlaskClient, mint: Mint) -> None:
    response = client.post(CREATE_USER.format(slug="nope"), json={"token": mint({"username": "a"})})
    assert (response.status_code, response.get_json()) == (404, {"message": "NotFoundError"})


@pytest.mark.parametrize("settings", [{"allowGenUsers": False}, {"genUserKey": None}, {"genUserKey": ""}])
def test_user_generation_disabled(client: FlaskClient, mint: Mint, make_survey: Any, settings: dict[str, Any]) -> None:
    make_survey("closed", **settings)
    response = client.post(CREATE_USER.format(slug="closed"), json={"token": mint({"username": "a"})})
    assert (response.status_code, response.get_json()) == (403, {"message": "Survey doesn't support user generation"})


def _forbidden_cases() -> list[Any]:
    claims = {"username": "u1"}
    body = seg(json.dumps(claims).encode())
    rs256 = seg(b'{"alg":"RS256","typ":"JWT"}')
    return [
        pytest.param(sign_hmac(claims, "wrong-secret"), "invalid signature", id="wrong secret"),
        pytest.param(sign_hmac({**claims, "exp": NOW}, DEMO_SECRET), "jwt expired", id="exp == now"),
        pytest.param(sign_hmac({**claims, "exp": NOW - 1}, DEMO_SECRET), "jwt expired", id="exp < now"),
        pytest.param(sign_hmac({**claims, "nbf": NOW + 1}, DEMO_SECRET), "jwt not active", id="nbf > now"),
        pytest.param(sign_hmac({**claims, "exp": "tomorrow"}, DEMO_SECRET), "invalid exp value", id="exp string"),
        pytest.param(sign_hmac({**claims, "nbf": "soon"}, DEMO_SECRET), "invalid nbf value", id="nbf string"),
        pytest.param(sign_hmac(claims, DEMO_SECRET, "HS384"), "invalid algorithm", id="HS384"),
        pytest.param(f"{rs256}.{body}.c2ln", "invalid algorithm", id="RS256"),
        pytest.param(unsigned(claims) + "c2ln", "invalid algorithm", id="alg none with signature"),
        pytest.param(unsigned(claims), "jwt signature is required", id="alg none, empty signature"),
        pytest.param(f"{seg(b'not json')}.{body}.c2ln", "invalid token", id="header not JSON"),
        pytest.param(
            sign_hmac({**claims, "nbf": NOW + 5, "exp": NOW - 5}, DEMO_SECRET),
            "jwt not active",
            id="nbf is checked before exp",
        ),
    ]


@pytest.mark.parametrize(("token", "message"), _forbidden_cases())
def test_token_failures_are_403_with_jsonwebtoken_messages(client: FlaskClient, token: str, message: str) -> None:
    response = client.post(URL, json={"token": token})
    assert (response.status_code, response.get_json()) == (403, {"message": message})


def test_hs512_accepted(client: FlaskClient, mint: Mint) -> None:
    assert client.post(URL, json={"token": mint({"username": "h5"}, algorithm="HS512")}).status_code == 200


def test_unchecked_claims_are_accepted(client: FlaskClient, mint: Mint) -> None:
    claims = {"username": "free", "iat": NOW + 3600, "sub": "another-survey", "aud": "x", "iss": "y", "exp": NOW + 1}
    assert client.post(URL, json={"token": mint(claims)}).status_code == 200


def test_email_username_and_case_variants_are_distinct_accounts(client: FlaskClient, mint: Mint) -> None:
    first = client.post(URL, json={"token": mint({"username": "Jane@Example.com"})}).get_json()
    second = client.post(URL, json={"token": mint({"username": "jane@example.com"})}).get_json()
    assert first["userId"] != second["userId"]


def test_token_with_surrounding_whitespace_is_trimmed(client: FlaskClient, mint: Mint) -> None:
    response = client.post(URL, json={"token": f"  {mint({'username': 'spaced'})}\n"})
    assert response.status_code == 200


def test_form_encoded_body(client: FlaskClient, mint: Mint) -> None:
    response = client.post(URL, data={"token": mint({"username": "form"})})
    assert response.status_code == 200
    assert response.get_json()["username"] == "form"


def test_slug_is_case_insensitive_and_trailing_slash_tolerated(client: FlaskClient, mint: Mint) -> None:
    token = mint({"username": "ci"})
    first = client.post("/intake24/api/surveys/DEMO/create-user/", json={"token": token})
    assert first.status_code == 200
    assert client.post(URL, json={"token": token}).get_json()["userId"] == first.get_json()["userId"]


def test_missing_username_claim(client: FlaskClient, mint: Mint) -> None:
    response = client.post(URL, json={"token": mint({"name": "x"})})
    assert response.status_code == 400
    assert response.get_json() == {
        "errors": {
            "username": {
                "type": "field",
                "location": "body",
                "code": "invalid_type",
                "msg": "Required",
                "path": "username",
                "value": None,
            }
        },
        "message": 'Validation error: Required at "username"',
    }
    assert list(response.get_json()) == ["errors", "message"]  # zod errors from the service put errors first


def test_all_claims_invalid_lists_keys_in_schema_order(client: FlaskClient, mint: Mint) -> None:
    claims = {"customFields": "x", "name": "", "redirectUrl": "nope", "password": "weak", "username": 7}
    response = client.post(URL, json={"token": mint(claims)})
    body = response.get_json()
    assert list(body["errors"]) == ["username", "password", "redirectUrl", "name", "customFields"]
    assert body["message"] == (
        'Validation error: Expected string, received number at "username"; Weak password at "password"; '
        'Invalid url at "redirectUrl"; String must contain at least 1 character(s) at "name"; '
        'Expected array, received string at "customFields"'
    )


def test_a_string_over_the_sandbox_limit_still_gets_its_refinement_checked(client: FlaskClient, mint: Mint) -> None:
    """Intake24 itself has no length limit on ``password`` (the 256 is the sandbox's own, checked only
    once the real rules accept the request: ``tests/vendors/intake24/test_service_sandbox_limits.py``),
    so the answer is the real server's: ``Weak password`` alone (zod 3.25.76 with validator 13.15.15)."""
    body = client.post(URL, json={"token": mint({"username": "long", "password": "weak" * 70})}).get_json()
    assert body["message"] == 'Validation error: Weak password at "password"'
    assert body["errors"]["password"]["msg"] == "Weak password"


def test_custom_field_issues_use_dotted_keys_and_bracketed_summary(client: FlaskClient, mint: Mint) -> None:
    claims = {"username": "cf", "customFields": [{"name": "", "value": None}]}
    body = client.post(URL, json={"token": mint(claims)}).get_json()
    assert list(body["errors"]) == ["customFields.0.name", "customFields.0.value"]
    assert body["errors"]["customFields.0.value"]["code"] == "invalid_union"
    assert body["errors"]["customFields.0.value"]["msg"] == "Invalid input"
    assert body["message"] == (
        'Validation error: String must contain at least 1 character(s) at "customFields[0].name"; '
        'Expected string, received null at "customFields[0].value", or '
        'Expected number, received null at "customFields[0].value", or '
        'Expected boolean, received null at "customFields[0].value", or '
        'Expected date, received null at "customFields[0].value"'
    )


def test_custom_field_without_value_is_a_union_failure(client: FlaskClient, mint: Mint) -> None:
    body = client.post(URL, json={"token": mint({"username": "cf2", "customFields": [{"name": "n"}]})}).get_json()
    assert body["errors"]["customFields.0.value"]["code"] == "invalid_union"
    assert body["message"] == 'Validation error: Required at "customFields[0].value"'


def test_non_object_payload(client: FlaskClient) -> None:
    token = sign_hmac(json.dumps("a string").encode(), DEMO_SECRET, header={"typ": "none-of-your-business"})
    response = client.post(URL, json={"token": token})
    assert response.status_code == 400
    assert response.get_json() == {
        "errors": {
            "": {
                "type": "field",
                "location": "body",
                "code": "invalid_type",
                "msg": "Expected object, received string",
                "path": "",
                "value": None,
            }
        },
        "message": "Validation error: Expected object, received string",
    }


def test_duplicate_custom_field_names_on_new_user(client: FlaskClient, mint: Mint) -> None:
    claims = {"username": "dup", "customFields": [{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]}
    response = client.post(URL, json={"token": mint(claims)})
    assert (response.status_code, response.get_json()) == (403, {"message": "Validation error"})
    # the transaction rolled back: the username is still free
    assert client.post(URL, json={"token": mint({"username": "dup"})}).status_code == 200


def test_success_body_and_status(client: FlaskClient, mint: Mint, make_survey: Any) -> None:
    make_survey("plain")
    token = mint(
        {"username": "userIdentifier001", "password": "Str0ngPassw0rd", "redirectUrl": "https://redirect-me.here"},
        "study-secret-0123456789-0123456789",
    )
    response = client.post(CREATE_USER.format(slug="plain"), json={"token": token})
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["userId", "username", "authToken", "redirectUrl"]
    assert body["userId"].isdigit()
    assert body["redirectUrl"] == "https://redirect-me.here"
    assert len(body["authToken"]) == 32
    assert "Set-Cookie" not in response.headers
