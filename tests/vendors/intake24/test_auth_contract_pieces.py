"""The small emulations the contract rests on: JS number strings, WHATWG URLs, zod paths, jsonwebtoken edges."""

from __future__ import annotations

import base64
import json

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from contracts.intake24.schemas import is_jwt_shaped, is_strong_password, join_path, js_length, js_number_string
from contracts.intake24.weburl import parse
from contracts.jws import sign_hmac
from sandbox.core.jwt import TokenFailure, TokenRejected
from sandbox.vendors.intake24.auth import verify_create_user_token
from tests.vendors.intake24.support import NOW


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (5, "5"),
        (1.5, "1.5"),
        (100.0, "100"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (-2.5e-10, "-2.5e-10"),
        (0.1 + 0.2, "0.30000000000000004"),
        (0, "0"),
        (12345678901234567890, "12345678901234567000"),
    ],
)
def test_js_number_string(number: float, text: str) -> None:
    assert js_number_string(number) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_js_number_string_round_trips(number: float) -> None:
    assert float(js_number_string(number)) == number


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://Example.COM", "https://example.com/"),
        ("https://example.com:443/a/./b/../c", "https://example.com/a/c"),
        ("http://example.com:8080/p q?a b#c d", "http://example.com:8080/p%20q?a%20b#c%20d"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("https://user:pw@host.example/", "https://user:pw@host.example/"),
        ("http:example.com", "http://example.com/"),
        ("http://", None),
        ("/relative", None),
        ("no scheme", None),
        ("https://exa mple.com", None),
        ("http://example.com:99999/", None),
        ("https://[::1]:8000/x", "https://[::1]:8000/x"),
        ("http://0x7f.1/", "http://127.0.0.1/"),
    ],
)
def test_whatwg_subset(url: str, href: str | None) -> None:
    assert parse(url) == href


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (("token",), "token"),
        (("customFields", 0, "name"), "customFields[0].name"),
        ((0,), "0"),
        (("a", "b c"), "a.b c"),  # zod-validation-error tests identifiers unanchored
    ],
)
def test_join_path(path: tuple[str | int, ...], text: str) -> None:
    assert join_path(path) == text


def test_lengths_count_utf16_units() -> None:
    assert js_length("😀") == 2
    assert is_strong_password("Abcdefgh1😀") is True  # 11 units
    assert is_strong_password("Abcdefg1😀") is True  # 10 units, 9 code points
    assert is_strong_password("abcdefgh12") is False


@pytest.mark.parametrize(
    ("token", "shaped"),
    [
        ("a.b.c", True),
        ("a.b.", True),
        ("..", True),
        ("a.b", False),
        ("a.b.c.d", False),
        ("a=.b.c", False),
        ("a+b.c.d", False),
    ],
)
def test_is_jwt(token: str, shaped: bool) -> None:
    assert is_jwt_shaped(token) is shaped


def seg(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_null_payload_with_typ_jwt_is_the_library_type_error() -> None:
    with pytest.raises(TokenRejected) as raised:
        verify_create_user_token(sign_hmac(b"null", "k"), "k", NOW)
    assert raised.value.detail["message"] == "Cannot read properties of null (reading 'nbf')"


def test_infinite_exp_never_expires_and_array_payload_passes_verification() -> None:
    assert verify_create_user_token(sign_hmac(b'{"exp":1e999,"username":"x"}', "k"), "k", NOW)["username"] == "x"
    assert verify_create_user_token(sign_hmac(b"[1]", "k"), "k", NOW) == [1]


def test_duplicate_claims_last_wins_and_non_canonical_signature_fails() -> None:
    token = sign_hmac(b'{"username":"a","username":"b"}', "k")
    assert verify_create_user_token(token, "k", NOW)["username"] == "b"
    with pytest.raises(TokenRejected) as raised:
        verify_create_user_token(token + "A", "k", NOW)
    assert raised.value.detail["message"] == "invalid signature"


def test_empty_header_segment_is_invalid_token() -> None:
    with pytest.raises(TokenRejected) as raised:
        verify_create_user_token(f".{seg(json.dumps({'username': 'a'}).encode())}.c2ln", "k", NOW)
    assert raised.value.detail["message"] == "invalid token"


@pytest.mark.parametrize(
    ("token", "reason", "claim", "message"),
    [
        ("a.b", TokenFailure.MALFORMED, None, "jwt malformed"),
        (sign_hmac({"exp": NOW}, "k"), TokenFailure.EXPIRED, "exp", "jwt expired"),
        (sign_hmac({"nbf": NOW + 1}, "k"), TokenFailure.NOT_YET_VALID, "nbf", "jwt not active"),
        (sign_hmac({"exp": "soon"}, "k"), TokenFailure.CLAIM_NOT_NUMERIC, "exp", "invalid exp value"),
    ],
    ids=["two-parts", "expired", "not-yet-valid", "exp-not-numeric"],
)
def test_a_rejection_carries_its_reason_claim_and_the_library_message(
    token: str, reason: TokenFailure, claim: str | None, message: str
) -> None:
    """What the create-user answer is made of (the rule ``jwt_<reason>``, the library's message), and the
    claim at fault. A token without three parts never reaches the verifier through create-user (its
    contract refuses it first), so only this test holds the verifier's own answer for it."""
    with pytest.raises(TokenRejected) as raised:
        verify_create_user_token(token, "k", NOW)
    assert (raised.value.reason, raised.value.claim, raised.value.detail) == (reason, claim, {"message": message})


def test_oversized_body_is_413_in_intake24_shape(client: FlaskClient) -> None:
    response = client.post(
        "/intake24/api/surveys/demo/create-user", data=b"{" + b" " * (2 << 20) + b"}", content_type="application/json"
    )
    assert (response.status_code, response.get_json()) == (413, {"message": "request entity too large"})
