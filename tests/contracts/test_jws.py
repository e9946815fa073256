"""The shared HMAC signer (``contracts.jws``): what every vendor's tokens and the strategies' odd tokens are made of.

A token it makes must be exactly the compact JWS of RFC 7515 (a verifier that follows the RFC accepts it), with the
header the caller names and nothing else; these pin the bytes, so a change in the encoding fails here, not in a
vendor's test far away.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest

from contracts.jws import encode_segment, hmac_signature, sign_hmac, unsigned


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@pytest.mark.parametrize(("algorithm", "digest"), [("HS256", "sha256"), ("HS384", "sha384"), ("HS512", "sha512")])
def test_each_hs_algorithm_is_the_hmac_of_its_digest(algorithm: str, digest: str) -> None:
    assert hmac_signature(b"a.b", b"key", algorithm) == hmac.new(b"key", b"a.b", getattr(hashlib, digest)).digest()


def test_a_text_key_is_its_utf8_bytes() -> None:
    assert hmac_signature(b"a.b", "clé", "HS256") == hmac.new("clé".encode(), b"a.b", hashlib.sha256).digest()


def test_an_unknown_algorithm_is_refused() -> None:
    with pytest.raises(KeyError):
        hmac_signature(b"a.b", b"key", "RS256")


def test_a_segment_is_compact_json_in_unpadded_base64url() -> None:
    assert encode_segment({"a": 1, "b": [1, 2]}) == b64(b'{"a":1,"b":[1,2]}')
    assert encode_segment({"é": "?>"}) == b64(b'{"\\u00e9":"?>"}')
    assert "=" not in encode_segment({"a": 1})


def test_bytes_are_encoded_as_they_are() -> None:
    assert encode_segment(b"\xff\xfe not json") == b64(b"\xff\xfe not json")


def test_a_token_is_header_payload_and_signature_over_both() -> None:
    token = sign_hmac({"sub": "x"}, "s" * 32)
    header, payload, signature = token.split(".")
    assert header == b64(b'{"alg":"HS256","typ":"JWT"}')
    assert payload == b64(b'{"sub":"x"}')
    expected = hmac.new(b"s" * 32, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert signature == b64(expected)
    assert jwt.decode(token, "s" * 32, algorithms=["HS256"]) == {"sub": "x"}


def test_the_header_names_the_algorithm_and_takes_the_callers_fields_last() -> None:
    token = sign_hmac({"sub": "x"}, b"k" * 64, "HS512", header={"kid": "k1", "typ": "at+jwt"})
    assert token.split(".")[0] == b64(b'{"alg":"HS512","typ":"at+jwt","kid":"k1"}')
    assert jwt.decode(token, b"k" * 64, algorithms=["HS512"]) == {"sub": "x"}


def test_raw_payload_bytes_are_signed_as_they_are() -> None:
    token = sign_hmac(b"not json", "secret")
    assert token.split(".")[1] == b64(b"not json")


def test_an_unsigned_token_says_alg_none_and_ends_with_an_empty_signature() -> None:
    token = unsigned({"sub": "x"})
    header, payload, signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "none", "typ": "JWT"}
    assert header == b64(b'{"alg":"none","typ":"JWT"}')
    assert payload == b64(b'{"sub":"x"}')
    assert signature == ""


def test_an_unsigned_tokens_header_can_be_changed() -> None:
    token = unsigned({"sub": "x"}, header={"alg": "None", "kid": "a"})
    assert token.split(".")[0] == b64(b'{"alg":"None","typ":"JWT","kid":"a"}')
