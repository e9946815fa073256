"""``jsonwebtoken_verify`` on plain values: each of the library's checks, in its order, with its message.

Every Intake24 request that carries a token reaches this function, so the app-level tests are slow
to run against its mutants; these call it directly with hand-built tokens (header and payload as raw
bytes, so the odd shapes the library tolerates can be written), and stay independent of the Node
layers in front of it (JSON body parsing, routing).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from collections.abc import Callable
from typing import Any

import pytest

from sandbox.core.jwt import TokenFailure, TokenRejected
from sandbox.vendors.intake24.auth import (
    ACCESS_ALGORITHMS,
    ALGORITHMS,
    jsonwebtoken_verify,
    verify_access_token,
    verify_create_user_token,
)

KEY = "k"
NOW = 1_000_000.0
_DIGESTS: dict[str, Callable[..., Any]] = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
}
JWT_HEADER = b'{"alg":"HS256","typ":"JWT"}'


def seg(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def token(payload: bytes, header: bytes = JWT_HEADER, key: str = KEY, algorithm: str = "HS256") -> str:
    """A compact JWS over raw header and payload bytes, signed with ``algorithm``'s HMAC."""
    signing_input = f"{seg(header)}.{seg(payload)}"
    signature = hmac.new(key.encode("utf-8"), signing_input.encode("ascii"), _DIGESTS[algorithm]).digest()
    return f"{signing_input}.{seg(signature)}"


def raw(header: bytes, payload: bytes = b"{}", signature: str = "c2ln") -> str:
    """A token of these header and payload bytes with this signature text, signed or not."""
    return f"{seg(header)}.{seg(payload)}.{signature}"


def verify(text: str, now: float = NOW, algorithms: dict[str, Callable[..., Any]] | None = None) -> Any:
    return jsonwebtoken_verify(text, KEY, now, ALGORITHMS if algorithms is None else algorithms)


def rejection(text: str, now: float = NOW) -> tuple[TokenFailure, str | None, dict[str, Any]]:
    with pytest.raises(TokenRejected) as raised:
        verify(text, now)
    return raised.value.reason, raised.value.claim, raised.value.detail


MALFORMED = (TokenFailure.MALFORMED, None, {"message": "jwt malformed"})
INVALID_TOKEN = (TokenFailure.MALFORMED, None, {"message": "invalid token"})
INVALID_ALGORITHM = (TokenFailure.ALGORITHM_NOT_ALLOWED, None, {"message": "invalid algorithm"})
INVALID_SIGNATURE = (TokenFailure.INVALID_SIGNATURE, None, {"message": "invalid signature"})
SIGNATURE_REQUIRED = (TokenFailure.INVALID_SIGNATURE, None, {"message": "jwt signature is required"})


@pytest.mark.parametrize("text", ["", "a", "a.b", "a.b.c.d", "...."])
def test_a_token_without_exactly_three_parts_is_malformed(text: str) -> None:
    assert rejection(text) == MALFORMED


@pytest.mark.parametrize(
    "text",
    [
        raw(JWT_HEADER).replace(".", "+.", 1),  # not jws-shaped: a character outside base64url
        raw(b""),  # an empty header
        raw(b"{"),  # a header that is not JSON
        raw(b"null"),
        raw(b"false"),
        raw(b"0"),
        raw(b'""'),
    ],
    ids=["not-jws-shaped", "empty", "not-json", "null", "false", "zero", "empty-string"],
)
def test_a_header_that_is_not_jws_shaped_json_or_truthy_is_an_invalid_token(text: str) -> None:
    assert rejection(text) == INVALID_TOKEN


def test_a_line_break_after_the_signature_is_an_invalid_token_as_in_javascript() -> None:
    """jws' shape test ends with ``$``, which in JavaScript is the end of the text (in Python ``$``
    also matches before a final line break, and the token would then fail only at its signature)."""
    assert rejection(token(b"{}") + "\n") == INVALID_TOKEN


def test_a_header_is_read_as_latin1_so_a_byte_that_is_not_utf8_is_kept() -> None:
    header = b'{"alg":"HS256","typ":"JWT","kid":"\xe9"}'
    assert verify(token(b'{"username":"a"}', header)) == {"username": "a"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"[1]", INVALID_ALGORITHM),  # a truthy header that is no object: no alg
        (b"{}", INVALID_ALGORITHM),
        (b'{"alg":256}', INVALID_ALGORITHM),
        (b'{"alg":"HS384"}', INVALID_ALGORITHM),  # not among create-user's HS256 and HS512
        (b'{"alg":"none"}', INVALID_ALGORITHM),
        (b'{"alg":"hs256"}', INVALID_ALGORITHM),
    ],
)
def test_an_algorithm_outside_the_allowed_ones_is_refused(header: bytes, expected: Any) -> None:
    assert rejection(raw(header)) == expected


def test_an_empty_signature_is_required_before_the_algorithm_is_looked_at() -> None:
    assert rejection(raw(b'{"alg":"none"}', signature="")) == SIGNATURE_REQUIRED
    assert rejection(raw(JWT_HEADER, signature="")) == SIGNATURE_REQUIRED


def test_a_typ_jwt_payload_that_is_not_json_is_malformed_with_the_parsers_message() -> None:
    assert rejection(raw(JWT_HEADER, b"{", signature="")) == (
        TokenFailure.MALFORMED,
        None,
        {"message": "Expected property name or '}' in JSON at position 1"},
    )
    assert rejection(token(b"nope")) == (
        TokenFailure.MALFORMED,
        None,
        {"message": "Unexpected token 'o', \"nope\" is not valid JSON"},
    )


@pytest.mark.parametrize(
    ("header", "payload", "expected"),
    [
        (b'{"alg":"HS256"}', b"nope", "nope"),  # not JSON: the text itself
        (b'{"alg":"HS256"}', b"5", "5"),  # JSON but no object or array: the text
        (b'{"alg":"HS256"}', b"null", "null"),
        (b'{"alg":"HS256","typ":"jwt"}', b'"a"', '"a"'),  # typ compared exactly
        (b'{"alg":"HS256"}', b'{"a":1}', {"a": 1}),
        (b'{"alg":"HS256"}', b"[1,2]", [1, 2]),
        (JWT_HEADER, b"5", 5),  # typ JWT: whatever JSON.parse gives
        (JWT_HEADER, b"[1]", [1]),
    ],
)
def test_the_payload_is_parsed_as_typ_jwt_demands_else_kept_as_text(
    header: bytes, payload: bytes, expected: Any
) -> None:
    assert verify(token(payload, header)) == expected


def test_a_header_that_is_a_list_is_no_object_so_neither_typ_nor_alg_is_read() -> None:
    assert rejection(token(b"5", b'[{"alg":"HS256","typ":"JWT"}]')) == INVALID_ALGORITHM


def test_payload_bytes_that_are_not_utf8_become_replacement_characters() -> None:
    assert verify(token(b'{"username":"a\xffb"}')) == {"username": "a\ufffdb"}


def test_a_signature_made_with_another_key_or_algorithm_is_invalid() -> None:
    assert rejection(token(b"{}", key="other")) == INVALID_SIGNATURE
    signed_256 = token(b"{}").split(".")[2]
    header_512 = b'{"alg":"HS512","typ":"JWT"}'
    assert rejection(raw(header_512, signature=signed_256)) == INVALID_SIGNATURE
    assert verify(token(b'{"a":1}', header_512, algorithm="HS512")) == {"a": 1}


def test_a_text_key_is_used_as_its_utf8_bytes() -> None:
    signed = token(b'{"a":1}', key="clé-😀")
    assert jsonwebtoken_verify(signed, "clé-😀", NOW, ALGORITHMS) == {"a": 1}


def test_a_typ_jwt_null_payload_is_the_librarys_type_error_after_the_signature() -> None:
    assert rejection(token(b"null")) == (
        TokenFailure.MALFORMED,
        None,
        {"message": "Cannot read properties of null (reading 'nbf')"},
    )
    assert rejection(token(b"null", key="other")) == INVALID_SIGNATURE


@pytest.mark.parametrize(
    ("payload", "now", "expected"),
    [
        (b'{"nbf":1000001}', NOW, (TokenFailure.NOT_YET_VALID, "nbf", {"message": "jwt not active"})),
        (b'{"nbf":1000000.2}', NOW + 0.5, (TokenFailure.NOT_YET_VALID, "nbf", {"message": "jwt not active"})),
        (b'{"nbf":1e999}', NOW, (TokenFailure.NOT_YET_VALID, "nbf", {"message": "jwt not active"})),
        (b'{"exp":1000000}', NOW, (TokenFailure.EXPIRED, "exp", {"message": "jwt expired"})),
        (b'{"exp":1000000}', NOW + 0.9, (TokenFailure.EXPIRED, "exp", {"message": "jwt expired"})),
        (b'{"exp":-1e999}', NOW, (TokenFailure.EXPIRED, "exp", {"message": "jwt expired"})),
        (b'{"nbf":"1"}', NOW, (TokenFailure.CLAIM_NOT_NUMERIC, "nbf", {"message": "invalid nbf value"})),
        (b'{"nbf":null}', NOW, (TokenFailure.CLAIM_NOT_NUMERIC, "nbf", {"message": "invalid nbf value"})),
        (b'{"exp":true}', NOW, (TokenFailure.CLAIM_NOT_NUMERIC, "exp", {"message": "invalid exp value"})),
        (b'{"exp":[1]}', NOW, (TokenFailure.CLAIM_NOT_NUMERIC, "exp", {"message": "invalid exp value"})),
        # nbf is checked before exp: with both wrong, nbf's rule answers
        (b'{"exp":1,"nbf":2000000}', NOW, (TokenFailure.NOT_YET_VALID, "nbf", {"message": "jwt not active"})),
        (b'{"exp":1,"nbf":"x"}', NOW, (TokenFailure.CLAIM_NOT_NUMERIC, "nbf", {"message": "invalid nbf value"})),
        (b'{"exp":"x","nbf":1}', NOW, (TokenFailure.CLAIM_NOT_NUMERIC, "exp", {"message": "invalid exp value"})),
    ],
)
def test_nbf_then_exp_are_checked_at_the_clocks_whole_second(
    payload: bytes, now: float, expected: tuple[TokenFailure, str, dict[str, str]]
) -> None:
    assert rejection(token(payload), now) == expected


@pytest.mark.parametrize(
    ("payload", "now", "claims"),
    [
        (b'{"nbf":1000000}', NOW, {"nbf": 1000000}),  # nbf reached
        (b'{"exp":1000001}', NOW, {"exp": 1000001}),  # one second left
        (b'{"exp":1000000.2}', NOW + 0.5, {"exp": 1000000.2}),  # the whole second is before exp, the instant not
        (b'{"exp":1e999}', NOW, {"exp": math.inf}),  # an infinite exp never expires
        (b'{"nbf":-1e999,"exp":1000001}', NOW, {"nbf": -math.inf, "exp": 1000001}),
        (b'{"username":"a","exp":1000002,"nbf":999999}', NOW + 1.9, {"username": "a", "exp": 1000002, "nbf": 999999}),
    ],
)
def test_claims_inside_their_window_are_accepted_and_the_payload_returned(
    payload: bytes, now: float, claims: dict[str, Any]
) -> None:
    assert verify(token(payload), now) == claims


def test_the_create_user_verifier_allows_hs256_and_hs512_only() -> None:
    for algorithm in ("HS256", "HS512"):
        header = f'{{"alg":"{algorithm}","typ":"JWT"}}'.encode()
        assert verify_create_user_token(token(b"{}", header, algorithm=algorithm), KEY, NOW) == {}
    with pytest.raises(TokenRejected) as raised:
        verify_create_user_token(token(b"{}", b'{"alg":"HS384","typ":"JWT"}', algorithm="HS384"), KEY, NOW)
    assert raised.value.detail == {"message": "invalid algorithm"}


def test_access_tokens_allow_the_three_hs_algorithms_for_their_issuer_and_audience() -> None:
    claims = b'{"iss":"intake24","aud":["survey","access"],"exp":1000001}'
    for algorithm in ACCESS_ALGORITHMS:
        header = f'{{"alg":"{algorithm}","typ":"JWT"}}'.encode()
        assert verify_access_token(token(claims, header, algorithm=algorithm), KEY, NOW, "access") is not None
    assert verify_access_token(token(claims), KEY, NOW + 1, "access") is None  # expired
