"""Sympto's webhook-side strategies (``contracts/sympto/strategies.py``), the vocabulary the webhook verifier
(``vendor-sandbox verify sympto-webhook``) sends and reports by name: each credential variant as the exact
``Authorization`` header, each code variant as the exact code, each body encoding as the exact bytes, and the
strategies drawing every named kind with the values around their limits.

The expected values are written again here from what each variant promises (Basic is base64 of
``id:secret`` in UTF-8; a tampered code keeps header and signature; ...), not computed with the module.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import Phase, find, settings
from hypothesis.errors import NoSuchExample

from contracts.jws import sign_hmac, unsigned
from contracts.sympto import strategies
from contracts.sympto.strategies import (
    BAD_CREDENTIALS,
    HUGE_CODE_LENGTH,
    INVALID_CODES,
    RIGHT,
    CodeMutation,
    Credentials,
    jwt_claims,
)

#: The first example that matches, the same every run.
SEARCH = settings(database=None, derandomize=True, max_examples=1000, phases=[Phase.generate])
CLIENT_ID, CLIENT_SECRET = "partner-id", "partner-secret"
CLAIMS = {"email": "dana@example.test", "iat": 1_795_262_400, "exp": 1_795_263_000}
CODE = sign_hmac(CLAIMS, "partner-jwt-secret-of-at-least-32-bytes!")


def _basic(raw: str) -> str:
    return base64.b64encode(raw.encode("utf-8")).decode("ascii")


def _claims(code: str) -> Any:
    payload = code.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --- credentials ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "header"),
    [
        ("right", "Basic " + _basic("partner-id:partner-secret")),
        ("missing", None),
        ("wrong_id", "Basic " + _basic("intruder:partner-secret")),
        ("wrong_secret", "Basic " + _basic("partner-id:intruder")),
        ("swapped", "Basic " + _basic("partner-secret:partner-id")),
        ("no_colon", "Basic " + _basic("partner-idpartner-secret")),
        ("other_scheme", "Bearer " + _basic("partner-id:partner-secret")),
        ("empty_basic", "Basic"),
    ],
)
def test_each_credential_variant_is_its_exact_authorization_header(kind: str, header: str | None) -> None:
    assert Credentials(kind, "intruder").header(CLIENT_ID, CLIENT_SECRET) == header


def test_a_wrong_value_equal_to_the_right_one_is_made_wrong_and_credentials_travel_as_utf_8() -> None:
    assert Credentials("wrong_id", CLIENT_ID).header(CLIENT_ID, CLIENT_SECRET) == "Basic " + _basic(
        "partner-id-not:partner-secret"
    )
    assert Credentials("wrong_secret", CLIENT_SECRET).header(CLIENT_ID, CLIENT_SECRET) == "Basic " + _basic(
        "partner-id:partner-secret-not"
    )
    assert Credentials("wrong_id", CLIENT_SECRET).header(CLIENT_ID, CLIENT_SECRET) == "Basic " + _basic(
        "partner-secret-not:partner-secret"
    )
    assert RIGHT.header("ïd", "sécret") == "Basic " + _basic("ïd:sécret")
    assert Credentials("wrong_id").header(CLIENT_ID, CLIENT_SECRET) == "Basic " + _basic("x:partner-secret")


@pytest.mark.parametrize(
    ("kind", "description"),
    [
        ("right", "the right Basic credentials"),
        ("missing", "no Authorization header"),
        ("wrong_id", "a wrong client id ('intruder')"),
        ("wrong_secret", "a wrong client secret ('intruder')"),
        ("swapped", "client id and secret swapped"),
        ("no_colon", "id and secret joined without a colon"),
        ("other_scheme", "the right credentials under the scheme Bearer instead of Basic"),
        ("empty_basic", "`Basic` with no credentials"),
    ],
)
def test_each_credential_variant_is_reported_in_its_own_words(kind: str, description: str) -> None:
    assert Credentials(kind, "intruder").describe() == description


@pytest.mark.parametrize("kind", BAD_CREDENTIALS)
def test_bad_credentials_draw_every_bad_kind_with_a_drawn_wrong_value(kind: str) -> None:
    found = find(
        strategies.bad_credentials(),
        lambda credentials: credentials.kind == kind and credentials.other != "x",
        settings=SEARCH,
    )
    assert found.kind == kind


def test_any_credentials_draw_the_right_ones_and_bad_ones() -> None:
    assert find(strategies.any_credentials(), lambda credentials: credentials.kind == "right", settings=SEARCH) == RIGHT
    assert find(
        strategies.any_credentials(), lambda credentials: credentials.kind != "right", settings=SEARCH
    ).kind in (BAD_CREDENTIALS)


# --- codes --------------------------------------------------------------------------------------------------


def test_the_claims_of_a_code_are_read_unverified_and_anything_else_has_none() -> None:
    assert jwt_claims(CODE) == CLAIMS
    for length in range(4):  # payloads of every length modulo 4: their base64 padding restored
        assert jwt_claims(unsigned({"e": "x" * length})) == {"e": "x" * length}
    for not_a_code in ("", "abc", "a.b", "a.b.c.d", "a.!!!.c", "a.W10.c", "a.bm90IGpzb24.c", "a.gA.c"):
        assert jwt_claims(not_a_code) is None, not_a_code


def test_a_tampered_code_keeps_header_and_signature_and_changes_only_the_email() -> None:
    tampered = CodeMutation("tampered", 3, "abcd").apply(CODE)
    header, _, signature = CODE.split(".")
    assert (tampered.split(".")[0], tampered.split(".")[2]) == (header, signature)
    assert _claims(tampered) == {**CLAIMS, "email": "intruder.4@example.invalid"}


def test_a_resigned_code_has_the_same_claims_signed_with_another_key() -> None:
    assert CodeMutation("resigned", 0, "k").apply(CODE) == sign_hmac(CLAIMS, "another-key-k" + "-" * 32)


def test_an_alg_none_code_has_the_same_claims_unsigned() -> None:
    assert CodeMutation("alg_none").apply(CODE) == unsigned(CLAIMS)


@pytest.mark.parametrize("kind", ["tampered", "resigned", "alg_none"])
def test_a_code_without_claims_is_spoilt_by_one_flipped_character(kind: str) -> None:
    assert CodeMutation(kind).apply("abcdef") == "Abcdef"
    assert CodeMutation(kind, 1).apply("abcdef") == "aAcdef"


def test_a_truncated_code_keeps_its_index_modulo_the_length_characters() -> None:
    assert CodeMutation("truncated", 5).apply(CODE) == CODE[:5]
    assert CodeMutation("truncated", len(CODE) + 2).apply(CODE) == CODE[:2]
    assert CodeMutation("truncated", len(CODE)).apply(CODE) == ""
    assert CodeMutation("truncated", 5).apply("") == ""


def test_a_random_code_is_the_filler_never_the_code_itself() -> None:
    assert CodeMutation("random", 0, "filler").apply(CODE) == "filler"
    assert CodeMutation("random", 0, CODE).apply(CODE) == CODE + "x"


def test_an_empty_and_a_huge_code() -> None:
    assert CodeMutation("empty").apply(CODE) == ""
    assert CodeMutation("huge").apply(CODE) == "A" * HUGE_CODE_LENGTH
    assert HUGE_CODE_LENGTH == 100_000


@pytest.mark.parametrize(
    ("mutation", "description"),
    [
        (CodeMutation("tampered"), "a tampered code (payload email changed, signature kept)"),
        (CodeMutation("resigned"), "the same claims re-signed with another key"),
        (CodeMutation("alg_none"), "the same claims as an `alg: none` token"),
        (CodeMutation("truncated", 12), "the code truncated to 12 characters"),
        (CodeMutation("random", 0, "r" * 50), "a random string " + repr("r" * 40)),
        (CodeMutation("empty"), "an empty code"),
        (CodeMutation("huge"), "a 100000-character code"),
    ],
)
def test_each_code_variant_is_reported_in_its_own_words(mutation: CodeMutation, description: str) -> None:
    assert mutation.describe() == description


@pytest.mark.parametrize("kind", INVALID_CODES)
def test_invalid_codes_draw_every_kind(kind: str) -> None:
    assert find(strategies.invalid_codes(), lambda mutation: mutation.kind == kind, settings=SEARCH).kind == kind


def test_invalid_codes_draw_indexes_0_to_2000_and_drawn_fillers_of_at_least_1_character() -> None:
    """The filler's 60 is a size cap, no contract limit (Hypothesis draws no text that long here)."""
    codes = strategies.invalid_codes()
    assert find(codes, lambda mutation: mutation.index == 0, settings=SEARCH).index == 0
    assert find(codes, lambda mutation: mutation.index == 2000, settings=SEARCH).index == 2000
    assert len(find(codes, lambda mutation: len(mutation.filler) == 1, settings=SEARCH).filler) == 1
    assert len(find(codes, lambda mutation: len(mutation.filler) > 1, settings=SEARCH).filler) > 1
    with pytest.raises(NoSuchExample):
        find(codes, lambda mutation: not 0 <= mutation.index <= 2000 or not mutation.filler, settings=SEARCH)


# --- bodies -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("json", ("application/json", b'{"authenticationCode": "a+b c"}')),
        ("form", ("application/x-www-form-urlencoded", b"authenticationCode=a%2Bb+c")),
        ("json_number", ("application/json", b'{"authenticationCode": 12345}')),
        ("json_null", ("application/json", b'{"authenticationCode": null}')),
        ("json_missing", ("application/json", b"{}")),
        ("json_array", ("application/json", b'["a+b c"]')),
        ("invalid_json", ("application/json", b'{"authenticationCode": "a+b c')),
        ("text_plain", ("text/plain", b"a+b c")),
        ("empty", (None, b"")),
    ],
)
def test_each_body_kind_carries_the_code_as_its_exact_bytes(kind: str, expected: tuple[str | None, bytes]) -> None:
    assert strategies.body(kind, "a+b c") == expected
    assert set(strategies.WELL_FORMED_BODIES + strategies.ODD_BODIES) == {
        "json",
        "form",
        "json_number",
        "json_null",
        "json_missing",
        "json_array",
        "invalid_json",
        "text_plain",
        "empty",
    }


# --- API bodies -----------------------------------------------------------------------------------------------


def test_a_broken_api_body_predicts_the_sandboxs_whole_invalid_body_sentence() -> None:
    missing = find(
        strategies.invalid_endpoint_configs(), lambda mutation: mutation.name == "client_id_missing", settings=SEARCH
    )
    assert (missing.status, missing.message) == (400, "Invalid request body: `clientId` is required.")
    assert "clientId" not in missing.body
    absent = find(strategies.invalid_patients(), lambda mutation: mutation.name == "no_email_or_phone", settings=SEARCH)
    assert absent.message == "Invalid request body: send `email` or `phoneNumber` (at least one is required)."
