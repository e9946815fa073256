"""core.jwt: the policy is applied in order and every failure has a typed reason."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.jws import encode_segment, sign_hmac, unsigned
from sandbox.core.jwt import DecodedToken, JwtPolicy, TokenFailure, TokenRejected, check_times, verify

NOW = 1_800_000_000.0
KEY = "k" * 40
POLICY = JwtPolicy(
    algorithms=frozenset({"HS256"}), required_claims=("sub", "exp"), max_lifetime_seconds=120, leeway_seconds=5
)


def key_for(_: DecodedToken) -> str:
    return KEY


def reason(token: str, policy: JwtPolicy = POLICY) -> TokenFailure:
    with pytest.raises(TokenRejected) as raised:
        verify(token, policy, key_for, NOW)
    return raised.value.reason


def claims(**changes: Any) -> dict[str, Any]:
    return {"sub": "a", "exp": NOW + 60, "iat": NOW} | changes


def test_a_good_token_verifies() -> None:
    assert verify(sign_hmac(claims(), KEY), POLICY, key_for, NOW).claims["sub"] == "a"


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("a.b", TokenFailure.MALFORMED),
        ("a.b.c.d", TokenFailure.MALFORMED),
        ("!!.??.**", TokenFailure.MALFORMED),
        ("é.é.é", TokenFailure.MALFORMED),
        (f"{encode_segment(b'[]')}.{encode_segment(claims())}.x", TokenFailure.MALFORMED),
        (encode_segment(b'{"alg": NaN}') + "." + encode_segment(claims()) + ".x", TokenFailure.MALFORMED),
        (sign_hmac(b'"just a string"', KEY), TokenFailure.MALFORMED),
        (unsigned(claims()), TokenFailure.ALGORITHM_NOT_ALLOWED),
        (unsigned(claims(), header={"alg": "NONE"}), TokenFailure.ALGORITHM_NOT_ALLOWED),
        (unsigned(claims(), header={"alg": "RS256"}), TokenFailure.ALGORITHM_NOT_ALLOWED),
        (unsigned(claims(), header={"alg": None}), TokenFailure.ALGORITHM_NOT_ALLOWED),
        (sign_hmac(claims(), KEY, "HS512"), TokenFailure.ALGORITHM_NOT_ALLOWED),
        (sign_hmac(claims(), KEY, header={"crit": ["b64"]}), TokenFailure.UNSUPPORTED_CRITICAL_HEADER),
        (sign_hmac(claims(), "other-key"), TokenFailure.INVALID_SIGNATURE),
        (sign_hmac(claims(), KEY)[:-3], TokenFailure.INVALID_SIGNATURE),
        (sign_hmac({"exp": NOW + 60}, KEY), TokenFailure.MISSING_CLAIM),
        (sign_hmac(claims(exp="soon"), KEY), TokenFailure.CLAIM_NOT_NUMERIC),
        (sign_hmac(claims(exp=True), KEY), TokenFailure.CLAIM_NOT_NUMERIC),
        (sign_hmac(b'{"sub": "a", "exp": 1e999}', KEY), TokenFailure.CLAIM_NOT_NUMERIC),
        (sign_hmac(claims(iat=[1]), KEY), TokenFailure.CLAIM_NOT_NUMERIC),
        (sign_hmac(claims(exp=NOW - 5), KEY), TokenFailure.EXPIRED),
        (sign_hmac(claims(exp=NOW + 126), KEY), TokenFailure.LIFETIME_TOO_LONG),
        (sign_hmac(claims(iat=NOW + 6), KEY), TokenFailure.ISSUED_IN_FUTURE),
        (sign_hmac(claims(nbf=NOW + 6), KEY), TokenFailure.NOT_YET_VALID),
    ],
    ids=[
        "two-parts",
        "four-parts",
        "not-base64",
        "non-ascii",
        "header-array",
        "header-nan",
        "payload-string",
        "alg-none",
        "alg-NONE",
        "alg-rs256",
        "alg-null",
        "alg-hs512",
        "crit",
        "wrong-key",
        "cut-signature",
        "missing-sub",
        "exp-string",
        "exp-bool",
        "exp-infinite",
        "iat-list",
        "expired",
        "too-long",
        "iat-future",
        "nbf-future",
    ],
)
def test_each_failure_has_its_reason(token: str, expected: TokenFailure) -> None:
    assert reason(token) is expected


def test_leeway_applies_at_the_edges() -> None:
    verify(sign_hmac(claims(exp=NOW - 4), KEY), POLICY, key_for, NOW)
    verify(sign_hmac(claims(exp=NOW + 125), KEY), POLICY, key_for, NOW)
    verify(sign_hmac(claims(iat=NOW + 5), KEY), POLICY, key_for, NOW)


def test_key_hints_in_the_header_are_never_used() -> None:
    seen: list[dict[str, Any]] = []

    def recording(decoded: DecodedToken) -> str:
        seen.append(decoded.header)
        return KEY

    header = {
        "kid": "../../etc/passwd",
        "jku": "http://127.0.0.1:1/keys",
        "x5u": "http://127.0.0.1:1/x",
        "jwk": {"kty": "oct", "k": "b3RoZXI"},
    }
    token = sign_hmac(claims(), "other", header=header)
    with pytest.raises(TokenRejected) as raised:
        verify(token, POLICY, recording, NOW)
    assert raised.value.reason is TokenFailure.INVALID_SIGNATURE
    assert seen[0]["kid"] == "../../etc/passwd"


def test_policy_refuses_asymmetric_algorithms() -> None:
    with pytest.raises(ValueError, match="only HMAC"):
        JwtPolicy(algorithms=frozenset({"RS256"}))


#: A policy that lists no numeric claims: the time claims are type-checked all the same (issue 12 item 10).
SILENT_POLICY = JwtPolicy(algorithms=frozenset({"HS256"}), numeric_claims=())


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", ["soon", "", True, None, [1], {"a": 1}, 10**400], ids=repr)
def test_a_time_claim_of_any_other_type_is_rejected_naming_it(claim: str, value: Any) -> None:
    for policy in (POLICY, SILENT_POLICY):
        with pytest.raises(TokenRejected) as raised:
            verify(sign_hmac(claims(**{claim: value}), KEY), policy, key_for, NOW)
        assert (raised.value.reason, raised.value.claim) == (TokenFailure.CLAIM_NOT_NUMERIC, claim)


def test_check_times_itself_refuses_a_string_nbf() -> None:
    with pytest.raises(TokenRejected) as raised:
        check_times({"nbf": "soon"}, SILENT_POLICY, NOW)
    assert (raised.value.reason, raised.value.claim) == (TokenFailure.CLAIM_NOT_NUMERIC, "nbf")


@pytest.mark.parametrize(
    ("payload", "claim", "problem"),
    [
        (b'{"sub": "a", "nbf": NaN}', "nbf", "`nbf` is NaN"),
        (b'{"sub": "a", "aud": [1, -Infinity]}', "aud", "`aud[1]` is -Infinity"),
        (b'{"sub": "\\ud800"}', "sub", "`sub` is text with a lone UTF-16 surrogate"),
        (b'{"sub": {"\\udfff": 1}}', "sub", "a key holding a lone UTF-16 surrogate"),
        (b'{"x.y": [NaN]}', "x.y", "`x.y[0]` is NaN"),
    ],
)
def test_values_no_store_can_keep_are_malformed_naming_the_field(payload: bytes, claim: str, problem: str) -> None:
    with pytest.raises(TokenRejected) as raised:
        verify(sign_hmac(payload, KEY), SILENT_POLICY, key_for, NOW)
    assert (raised.value.reason, raised.value.claim) == (TokenFailure.MALFORMED, claim)
    assert problem in raised.value.detail["problem"]
