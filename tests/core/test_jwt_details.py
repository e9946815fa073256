"""core.jwt: what each rejection carries (claim, seen, now, limit, problem) and the numeric edges.

The vendors render a rejection from its ``detail`` alone, so every field is part of the contract: a rejection that
loses ``seen`` or names the wrong claim makes a partner's message wrong even when the reason is right.
"""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from contracts.jws import encode_segment, sign_hmac
from sandbox.core import jwt as jwt_module
from sandbox.core.jwt import (
    DecodedToken,
    JwtPolicy,
    TokenFailure,
    TokenRejected,
    check_times,
    decode_unverified,
    is_number,
    verify,
)

NOW = 1_800_000_000.0
KEY = "k" * 40
POLICY = JwtPolicy(
    algorithms=frozenset({"HS256", "HS384"}),
    required_claims=("sub", "exp"),
    max_lifetime_seconds=120,
    leeway_seconds=5,
)


def key_for(_: DecodedToken) -> str:
    return KEY


def rejection(token: str, policy: JwtPolicy = POLICY) -> TokenRejected:
    with pytest.raises(TokenRejected) as raised:
        verify(token, policy, key_for, NOW)
    return raised.value


def claims(**changes: Any) -> dict[str, Any]:
    return {"sub": "a", "exp": NOW + 60, "iat": NOW} | changes


def test_a_rejection_reads_as_its_reason() -> None:
    found = TokenRejected(TokenFailure.EXPIRED, claim="exp", seen=1)
    assert str(found) == "expired"
    assert (found.reason, found.claim, found.detail) == (TokenFailure.EXPIRED, "exp", {"seen": 1})


@pytest.mark.parametrize(
    ("changes", "reason", "detail"),
    [
        ({"exp": NOW - 5}, TokenFailure.EXPIRED, {"seen": NOW - 5, "now": NOW}),
        ({"exp": NOW + 126}, TokenFailure.LIFETIME_TOO_LONG, {"seen": NOW + 126, "now": NOW, "limit": 120}),
        ({"iat": NOW + 6}, TokenFailure.ISSUED_IN_FUTURE, {"seen": NOW + 6, "now": NOW}),
        ({"nbf": NOW + 6}, TokenFailure.NOT_YET_VALID, {"seen": NOW + 6, "now": NOW}),
    ],
    ids=["expired", "too-long", "iat-future", "nbf-future"],
)
def test_a_time_rejection_names_its_claim_and_carries_seen_and_now(
    changes: dict[str, Any], reason: TokenFailure, detail: dict[str, Any]
) -> None:
    found = rejection(sign_hmac(claims(**changes), KEY))
    assert (found.reason, found.claim, found.detail) == (reason, next(iter(changes)), detail)


def test_the_leeway_edges_of_every_time_rule() -> None:
    """At the edge each rule accepts; one second past it, it refuses (leeway 5 s, lifetime 120 s)."""
    for accepted in (claims(exp=NOW - 4.5), claims(exp=NOW + 125), claims(iat=NOW + 5), claims(nbf=NOW + 5)):
        verify(sign_hmac(accepted, KEY), POLICY, key_for, NOW)
    assert rejection(sign_hmac(claims(exp=NOW - 5), KEY)).reason is TokenFailure.EXPIRED
    assert rejection(sign_hmac(claims(exp=NOW + 125.5), KEY)).reason is TokenFailure.LIFETIME_TOO_LONG
    assert rejection(sign_hmac(claims(iat=NOW + 5.5), KEY)).reason is TokenFailure.ISSUED_IN_FUTURE
    assert rejection(sign_hmac(claims(nbf=NOW + 5.5), KEY)).reason is TokenFailure.NOT_YET_VALID


def test_without_a_lifetime_limit_a_far_exp_is_accepted() -> None:
    policy = JwtPolicy(algorithms=frozenset({"HS256"}))
    check_times({"exp": NOW + 10**6}, policy, NOW)
    check_times({"iat": NOW + 10**6}, JwtPolicy(algorithms=frozenset({"HS256"}), reject_future_iat=False), NOW)
    with pytest.raises(TokenRejected):
        check_times({"iat": NOW + 1}, policy, NOW)


def test_the_default_policy_has_no_leeway() -> None:
    policy = JwtPolicy(algorithms=frozenset({"HS256"}))
    assert (policy.leeway_seconds, policy.max_lifetime_seconds, policy.reject_future_iat) == (0.0, None, True)
    with pytest.raises(TokenRejected):
        check_times({"exp": NOW}, policy, NOW)
    check_times({"exp": NOW + 0.5, "nbf": NOW}, policy, NOW)


def test_an_algorithm_rejection_says_what_was_seen_and_what_is_allowed() -> None:
    found = rejection(sign_hmac(claims(), KEY, "HS512"))
    assert (found.reason, found.detail) == (
        TokenFailure.ALGORITHM_NOT_ALLOWED,
        {"seen": "HS512", "allowed": ["HS256", "HS384"]},
    )


def test_a_second_allowed_algorithm_is_verified_with_itself() -> None:
    assert verify(sign_hmac(claims(), KEY, "HS384"), POLICY, key_for, NOW).header["alg"] == "HS384"


def test_a_critical_header_rejection_carries_the_header() -> None:
    found = rejection(sign_hmac(claims(), KEY, header={"crit": ["b64"]}))
    assert (found.reason, found.detail) == (TokenFailure.UNSUPPORTED_CRITICAL_HEADER, {"seen": ["b64"]})


def test_a_bad_signature_names_the_algorithm() -> None:
    found = rejection(sign_hmac(claims(), "other-key"))
    assert (found.reason, found.detail) == (TokenFailure.INVALID_SIGNATURE, {"algorithm": "HS256"})


def test_a_missing_claim_is_named() -> None:
    found = rejection(sign_hmac({"sub": "a"}, KEY))
    assert (found.reason, found.claim) == (TokenFailure.MISSING_CLAIM, "exp")


def test_a_non_numeric_claim_is_named_with_its_value() -> None:
    found = rejection(sign_hmac(claims(exp="soon"), KEY))
    assert (found.reason, found.claim, found.detail) == (TokenFailure.CLAIM_NOT_NUMERIC, "exp", {"seen": "soon"})
    policy = JwtPolicy(algorithms=frozenset({"HS256"}), numeric_claims=("level",))
    found = rejection(sign_hmac(claims(level="high"), KEY), policy)
    assert (found.reason, found.claim, found.detail) == (TokenFailure.CLAIM_NOT_NUMERIC, "level", {"seen": "high"})


def test_check_times_names_a_wrong_type_with_its_value() -> None:
    with pytest.raises(TokenRejected) as raised:
        check_times({"iat": "now"}, JwtPolicy(algorithms=frozenset({"HS256"}), numeric_claims=()), NOW)
    assert (raised.value.claim, raised.value.detail) == ("iat", {"seen": "now"})


def test_a_verified_token_keeps_its_header_and_claims() -> None:
    verified = verify(sign_hmac(claims(), KEY, header={"typ": "JWT"}), POLICY, key_for, NOW)
    assert verified.header == {"alg": "HS256", "typ": "JWT"}
    assert verified.claims == claims()


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("a.b", "a JWT has 3 dot-separated parts, this one has 2"),
        ("a.b.c", "a part is not base64url"),
        (f"{encode_segment(b'{')}.{encode_segment(claims())}.eA", "the header is not valid JSON"),
        (f"{encode_segment({'alg': 'HS256'})}.{encode_segment(b'[')}.eA", "the payload is not valid JSON"),
        (f"{encode_segment(b'[]')}.{encode_segment(claims())}.eA", "the header is not a JSON object"),
        (f"{encode_segment(b'[' * 100_000)}.{encode_segment(claims())}.eA", "the header is not valid JSON"),
    ],
    ids=["parts", "base64", "header-json", "payload-json", "header-array", "deep-json"],
)
def test_a_malformed_token_says_what_is_wrong(token: str, problem: str) -> None:
    found = rejection(token)
    assert (found.reason, found.detail) == (TokenFailure.MALFORMED, {"problem": problem})


def test_an_unkeepable_value_names_where_it_is() -> None:
    payload = b'{"sub": "a", "outer": {"inner": [1, NaN]}}'
    found = rejection(sign_hmac(payload, KEY), JwtPolicy(algorithms=frozenset({"HS256"})))
    assert found.claim == "outer"
    assert found.detail == {
        "problem": "the payload is not valid JSON: `outer.inner[1]` is NaN, which JSON does not allow; "
        "send a finite number"
    }


def test_a_key_with_a_lone_surrogate_is_named_by_the_field_holding_it() -> None:
    found = rejection(
        sign_hmac(b'{"sub": "a", "meta": {"ok": {"\\ud800": 1}}}', KEY), JwtPolicy(algorithms=frozenset({"HS256"}))
    )
    assert found.claim == "meta"
    assert found.detail["problem"] == (
        "the payload is not valid JSON: `meta.ok` is an object with a key holding a lone UTF-16 surrogate; "
        "send valid Unicode"
    )


def test_a_top_level_key_with_a_lone_surrogate_names_no_field() -> None:
    found = rejection(sign_hmac(b'{"\\ud800": 1}', KEY), JwtPolicy(algorithms=frozenset({"HS256"})))
    assert found.claim is None
    assert found.detail["problem"] == (
        "the payload is not valid JSON: it is an object with a key holding a lone UTF-16 surrogate; send valid Unicode"
    )


def test_a_long_path_is_cut_at_40_characters() -> None:
    name = "n" * 60
    found = rejection(sign_hmac(f'{{"{name}": NaN}}'.encode(), KEY), JwtPolicy(algorithms=frozenset({"HS256"})))
    assert f"`{'n' * 40}` is NaN" in found.detail["problem"]


def test_each_decode_gets_its_own_copies() -> None:
    token = sign_hmac(claims(), KEY)
    first = decode_unverified(token)
    first.header["alg"] = "none"
    first.claims["sub"] = "mallory"
    second = decode_unverified(token)
    assert (second.header["alg"], second.claims["sub"]) == ("HS256", "a")
    other = decode_unverified(sign_hmac(claims(sub="b"), KEY))
    assert other.claims["sub"] == "b"
    assert decode_unverified(token).claims["sub"] == "a"


LARGEST = int(sys.float_info.max)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, True),
        (-1, True),
        (LARGEST, True),
        (-LARGEST, True),
        (LARGEST + 1, False),
        (-LARGEST - 1, False),
        (10**400, False),
        (1.5, True),
        (float("nan"), False),
        (float("inf"), False),
        (True, False),
        ("1", False),
        (None, False),
    ],
    ids=repr,
)
def test_is_number_edges(value: Any, expected: bool) -> None:
    assert is_number(value) is expected


def _nested(opening: str, depth: int) -> object:
    """A value ``depth`` levels deep, built without recursion."""
    value: object = [] if opening == "[" else {}
    for _ in range(depth):
        value = [value] if opening == "[" else {"a": value}
    return value


@pytest.mark.parametrize("opening", ["[", "{"])
def test_a_value_nested_deeper_than_the_walk_can_go_is_refused_as_malformed(
    opening: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CPython's parser stops at its recursion limit first ("not valid JSON", above); a parser without one (another
    interpreter's) hands over the whole depth, and the walk for unkeepable values must then refuse it, not raise."""
    depth = 50_000
    text = '{"a":' * depth + "{}" + "}" * depth if opening == "{" else "[" * depth + "]" * depth

    def loads_any_depth(raw: str, **options: Any) -> Any:
        return _nested(opening, depth) if raw == text else json.loads(raw, **options)

    monkeypatch.setattr(jwt_module, "json", SimpleNamespace(loads=loads_any_depth))
    found = rejection(f"{encode_segment({'alg': 'HS256'})}.{encode_segment(text.encode())}.eA")
    assert (found.reason, found.claim, found.detail) == (
        TokenFailure.MALFORMED,
        None,
        {"problem": "the payload nests too deeply"},
    )


def test_a_token_read_twice_in_a_row_on_one_thread_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request's tenant lookup and its verification read the same token: the second read reuses the first
    parse, and each caller still gets dicts of its own."""
    parsed: list[str] = []
    real_decode = jwt_module._decode

    def counting_decode(token: str) -> DecodedToken:
        parsed.append(token)
        return real_decode(token)

    monkeypatch.setattr(jwt_module, "_decode", counting_decode)
    first_token = sign_hmac(claims(jti="read twice"), KEY)  # a token no other test decodes
    second_token = sign_hmac(claims(sub="b", jti="read twice"), KEY)
    first = decode_unverified(first_token)
    first.claims["sub"] = "changed by the first caller"
    again = decode_unverified(first_token)
    assert again.claims["sub"] == "a"
    assert parsed == [first_token]
    assert decode_unverified(second_token).claims["sub"] == "b"
    assert parsed == [first_token, second_token]
