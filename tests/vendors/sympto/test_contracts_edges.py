"""``contracts.sympto``'s rules at their edges: the signature header as receivers must split it, the timestamp
tolerance at exactly its limit, the quoted parser complaint, and the one-character change of an invalid code."""

from __future__ import annotations

import json

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from contracts.sympto import events, partner, webhook
from contracts.sympto.strategies import EXPLICIT_EMAILS, WELL_FORMED_BODIES, CodeMutation

BODY = b'{"patientTvId":"p"}'
SECRET = "whsec_edges"
NOW = 1_800_000_000


def header(timestamp: int = NOW) -> str:
    return events.signature_header(BODY, SECRET, timestamp)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("t=1,v=ab=c", (1, ["ab=c"])),  # split at the first "=" only: a value may hold "="
        ("garbage,t=2,v=ab", (2, ["ab"])),  # an element without "=" is skipped, the rest still read
        ("x=5,v=ab", (None, ["ab"])),  # only t is the timestamp
        ("t=abc,v=ab", (None, ["ab"])),  # not a number: no timestamp (and no crash)
        ("t=\u0661\u0662,v=ab", (None, ["ab"])),  # Arabic-Indic digits: isdigit(), but not ASCII
        ("t=" + "9" * 12 + ",v=ab", (999_999_999_999, ["ab"])),  # twelve digits: the longest accepted
        ("t=" + "9" * 13 + ",v=ab", (None, ["ab"])),  # thirteen: refused
        (" t=3 , v=cd ,v=ef", (3, ["cd", "ef"])),
    ],
)
def test_the_signature_header_is_split_at_commas_then_at_the_first_equals(
    value: str, expected: tuple[int | None, list[str]]
) -> None:
    assert events.parse_signature(value) == expected


def test_a_timestamp_exactly_the_tolerance_away_is_accepted_and_one_second_more_is_not() -> None:
    tolerance = events.DEFAULT_TOLERANCE_SECONDS
    assert events.check_signature(header(), BODY, SECRET, NOW + tolerance) is None
    assert events.check_signature(header(), BODY, SECRET, NOW - tolerance) is None
    assert events.check_signature(header(), BODY, SECRET, NOW + tolerance + 1) == (
        f"the timestamp is {tolerance + 1} s away from now (tolerance {tolerance} s)"
    )
    assert events.check_signature(header(NOW + 400), BODY, SECRET, NOW) == (
        "the timestamp is 400 s away from now (tolerance 300 s)"
    )


def test_a_signature_value_that_is_not_unicode_does_not_match_and_does_not_crash() -> None:
    assert events.check_signature(f"t={NOW},v=\ud800", BODY, SECRET, NOW) == "the signature does not match the body"


def test_a_parser_complaint_is_quoted_up_to_120_characters() -> None:
    limit = webhook.PARSER_ERROR_LIMIT
    assert webhook._cut("a" * limit, limit) == "a" * limit
    assert webhook._cut("a" * (limit + 1), limit) == "a" * limit + f"… ({limit + 1} characters)"


def test_a_body_that_is_not_json_is_judged_with_the_parsers_own_words() -> None:
    judged = webhook.judge(200, "application/json", b"{")
    assert judged.rule == "not_json"
    assert judged.message is not None
    assert "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)" in judged.message
    assert "characters)" not in judged.message


@pytest.mark.parametrize(
    ("body", "kind"),
    [(b"[]", "array"), (b'"dana@example.test"', "string"), (b"1", "number"), (b"true", "boolean"), (b"null", "null")],
)
def test_an_answer_that_is_not_an_object_is_named_by_its_json_kind(body: bytes, kind: str) -> None:
    judged = webhook.judge(200, "application/json", body)
    assert (judged.rule, judged.message) == (
        "not_object",
        f'Your webhook answered 200 with a JSON {kind}, not an object: answer {{"email": "<email>"}}.',
    )


@pytest.mark.parametrize(
    ("document", "keys"),
    [
        # up to ten keys, in the answer's order, each quoted as Python's repr and cut to 40 characters
        (
            {"e" * 45: 1, **{f"k{i}": i for i in range(1, 11)}},
            "'" + "e" * 39 + ", " + ", ".join(f"'k{i}'" for i in range(1, 10)),
        ),
        ({"email": "", "mail": "dana@example.test"}, "'email', 'mail'"),
        ({"user": {"email": "dana@example.test"}}, "'user'"),
        ({}, "none"),
    ],
)
def test_an_answer_without_an_email_lists_up_to_ten_of_its_keys(document: dict[str, object], keys: str) -> None:
    judged = webhook.judge(200, "application/json", json.dumps(document).encode())
    assert (judged.rule, judged.message) == (
        "missing_email",
        f"Your webhook answered 200 without a non-empty string `email` (keys seen: {keys}): "
        'answer {"email": "<email>"}.',
    )


CODES = ["abc.def.ghi", "AAAA", "a", "A.B", "xy..z", "..."]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("index", range(7))
def test_a_flipped_code_differs_in_one_character_that_ends_no_segment(code: str, index: int) -> None:
    flipped = CodeMutation("tampered", index=index).apply(code)  # not a JWT: tampering flips a character
    assert len(flipped) == len(code)
    changed = [i for i, (a, b) in enumerate(zip(code, flipped, strict=True)) if a != b]
    assert len(changed) == 1
    (at,) = changed
    assert flipped[at] == ("B" if code[at] == "A" else "A")
    segment_ends = {i - 1 for i, c in enumerate(code) if c == "."} | {len(code) - 1}
    movable = [i for i, c in enumerate(code) if c != "." and i not in segment_ends]
    assert at == (movable or list(range(len(code))))[index % len(movable or code)]


def test_flipping_an_empty_code_gives_one_character() -> None:
    assert CodeMutation("tampered").apply("") == "x"


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_the_partner_kits_sympto_cases_name_their_vendor_mutation_and_rule(data: st.DataObject) -> None:
    """The strategies are built inside the test, so a change to them is drawn from, not only imported."""
    for invalid in (data.draw(partner.sympto_invalid_users()), data.draw(partner.sympto_invalid_endpoint_configs())):
        assert invalid.vendor == "sympto"
        assert invalid.rule == "invalid_body"
        assert isinstance(invalid.name, str)
        assert invalid.name
        assert invalid.answer.status == 400
    case = data.draw(partner.sympto_webhook_cases())
    assert case.body_kind in WELL_FORMED_BODIES
    assert case.rule == ("" if case.credentials.kind == "right" and case.code is None else case.rule)
    assert isinstance(case.rule, str)
    assert "@" in data.draw(partner.sympto_emails())


def test_the_partner_kits_emails_include_the_hard_cases_and_generated_ones() -> None:
    assert find(partner.sympto_emails(), lambda email: email in EXPLICIT_EMAILS) in EXPLICIT_EMAILS
    assert find(partner.sympto_emails(), lambda email: email not in EXPLICIT_EMAILS) not in EXPLICIT_EMAILS


def test_a_partner_kit_webhook_case_with_the_right_credentials_and_code_must_be_accepted() -> None:
    case = find(partner.sympto_webhook_cases(), lambda c: c.credentials.kind == "right" and c.code is None)
    assert case.rule == ""
    assert case.must_accept
    spoiled = find(partner.sympto_webhook_cases(), lambda c: c.code is not None and c.credentials.kind == "right")
    assert spoiled.rule == f"code:{spoiled.code.kind}"  # type: ignore[union-attr]
    assert find(partner.sympto_webhook_cases(), lambda c: c.body_kind == "form").body_kind == "form"  # both bodies
