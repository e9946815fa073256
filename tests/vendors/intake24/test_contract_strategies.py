"""What Intake24's partner-kit strategies draw (``contracts/intake24/strategies.py``): a partner's tests see only
these draws, so a strategy that never draws an optional claim, a boundary, or one kind of broken password leaves
that part of the partner's code untested, and one that draws a value Intake24 refuses as "valid" fails them wrongly.

Each test states one promise with ``hypothesis.find`` (derandomized, no database: the same draws on every run),
and the limits come from the contract's schemas, never typed again here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from contracts.intake24.schemas import (
    CUSTOM_FIELD_VALUE_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    CreateUserClaimsSchema,
    CustomFieldSchema,
    is_strong_password,
    js_length,
    js_number_string,
    sandbox_limit_issues,
)
from contracts.intake24.strategies import (
    JS_MAX_SAFE_INTEGER,
    REDIRECT_URLS,
    custom_field_lists,
    cut_to_units,
    valid_claims,
    weak_passwords,
)

T = TypeVar("T")
CLAIMS = CreateUserClaimsSchema()
CUSTOM_FIELD = CustomFieldSchema().fields
#: The registered JWT claims the drawn tokens may carry besides the contract's: Intake24 does not read them.
REGISTERED = ("sub", "aud", "iss")
OPTIONAL = tuple(name for name, field in CLAIMS.fields.items() if not field.required) + REGISTERED
#: ``find`` stops at the first match, so a large bound costs nothing when the case is common; ``never`` draws every
#: example, so it draws fewer (the claims carry texts of hundreds of characters).
SEARCH = settings(database=None, derandomize=True, max_examples=1000, phases=[Phase.generate])
NEVER = settings(SEARCH, max_examples=200)
#: A partner's test run with Hypothesis's own default number of examples: what the strategies draw often enough to
#: matter must come up within it, not only in a long search.
PARTNER_RUN = settings(SEARCH, max_examples=settings.get_profile("default").max_examples)


def drawn(strategy: st.SearchStrategy[T], condition: Callable[[T], bool]) -> T:
    """A draw of ``strategy`` that meets ``condition`` (the test fails with NoSuchExample when none is drawn)."""
    return find(strategy, condition, settings=SEARCH)


def never(strategy: st.SearchStrategy[T], condition: Callable[[T], bool]) -> None:
    with pytest.raises(NoSuchExample):
        find(strategy, condition, settings=NEVER)


def _stored_texts(claims: dict[str, Any]) -> list[str]:
    """The text Intake24 stores from the claims: username, name, each custom field's name and text value."""
    texts = [claims["username"]] + ([claims["name"]] if isinstance(claims.get("name"), str) else [])
    for entry in claims.get("customFields", []):
        texts += [entry["name"]] + ([entry["value"]] if isinstance(entry["value"], str) else [])
    return texts


@pytest.mark.parametrize("claim", OPTIONAL)
def test_valid_claims_draw_each_optional_claim_under_its_own_name(claim: str) -> None:
    drawn(valid_claims(), lambda claims: claim in claims)


def test_valid_claims_carry_a_username_and_no_claim_but_the_contracts_and_registered_ones() -> None:
    never(valid_claims(), lambda claims: "username" not in claims or not set(claims) <= {*CLAIMS.fields, *REGISTERED})


def test_valid_claims_draw_both_a_null_name_and_a_text_name() -> None:
    drawn(valid_claims(), lambda claims: "name" in claims and claims["name"] is None)
    drawn(valid_claims(), lambda claims: isinstance(claims.get("name"), str))


@pytest.mark.parametrize("url", REDIRECT_URLS)
def test_valid_claims_draw_each_documented_redirect_url(url: str) -> None:
    drawn(valid_claims(), lambda claims: claims.get("redirectUrl") == url)


def test_valid_claims_draw_no_redirect_url_but_the_documented_ones() -> None:
    never(valid_claims(), lambda claims: claims.get("redirectUrl", REDIRECT_URLS[0]) not in REDIRECT_URLS)


def test_the_documented_redirect_urls_are_an_https_page_a_loopback_http_url_and_a_javascript_url() -> None:
    """Intake24's ``z.string().url()`` accepts any scheme: a partner that follows ``redirectUrl`` must not trust it."""
    assert [url.split(":", 1)[0] for url in REDIRECT_URLS] == ["https", "http", "javascript"]
    assert REDIRECT_URLS[1].startswith("http://127.0.0.1:")
    assert "?" in REDIRECT_URLS[1]


def test_custom_fields_draw_a_public_flag() -> None:
    drawn(custom_field_lists(), lambda entries: any("public" in entry for entry in entries))


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(lambda value: isinstance(value, str), id="text"),
        pytest.param(lambda value: isinstance(value, int) and not isinstance(value, bool), id="number"),
        pytest.param(lambda value: isinstance(value, bool), id="boolean"),
    ],
)
def test_custom_fields_draw_each_kind_of_value_intake24_coerces(kind: Callable[[Any], bool]) -> None:
    drawn(custom_field_lists(), lambda entries: any(kind(entry["value"]) for entry in entries))


def test_custom_fields_draw_several_fields_for_one_respondent() -> None:
    drawn(custom_field_lists(), lambda entries: len(entries) > 1)


def test_custom_field_names_are_unique_within_a_respondent() -> None:
    """Intake24 keeps one value per name (a unique key): a repeated name is a 403 database error, not valid claims."""
    never(custom_field_lists(), lambda entries: len({entry["name"] for entry in entries}) < len(entries))


def test_the_text_intake24_stores_from_valid_claims_never_holds_a_nul() -> None:
    """Intake24 (Sequelize) stores a NUL as the two characters ``\\0``: such a respondent does not read back as sent."""
    never(valid_claims(), lambda claims: any("\x00" in text for text in _stored_texts(claims)))


def _usernames(claims: dict[str, Any]) -> list[str]:
    return [claims["username"]]


def _names(claims: dict[str, Any]) -> list[str]:
    return [claims["name"]] if isinstance(claims.get("name"), str) else []


def _field_names(claims: dict[str, Any]) -> list[str]:
    return [entry["name"] for entry in claims.get("customFields", [])]


def _field_texts(claims: dict[str, Any]) -> list[str]:
    return [entry["value"] for entry in claims.get("customFields", []) if isinstance(entry["value"], str)]


#: Each text the claims carry, with its longest in UTF-16 units (the contract's own limit, read from its schema).
TEXTS = [
    pytest.param(_usernames, CLAIMS.fields["username"].max_length, id="username"),  # type: ignore[attr-defined]
    pytest.param(_names, CLAIMS.fields["name"].max_length, id="name"),  # type: ignore[attr-defined]
    pytest.param(_field_names, CUSTOM_FIELD["name"].max_length, id="field-name"),  # type: ignore[attr-defined]
    pytest.param(_field_texts, CUSTOM_FIELD_VALUE_MAX_LENGTH, id="field-value"),
]


@pytest.mark.parametrize("at_limit", [False, True], ids=["one-unit", "limit"])
@pytest.mark.parametrize(("texts", "limit"), TEXTS)
def test_valid_claims_draw_each_text_at_one_unit_and_at_its_limit(
    texts: Callable[[dict[str, Any]], list[str]], limit: int, at_limit: bool
) -> None:
    """The two lengths a partner's storage meets first; :func:`test_every_valid_claims_draw_is_accepted...` keeps
    every draw within them."""
    length = limit if at_limit else 1
    drawn(valid_claims(), lambda claims: any(js_length(text) == length for text in texts(claims)))


def test_a_text_is_cut_to_its_limit_between_characters_never_inside_one() -> None:
    """A character of two UTF-16 units that would cross the limit is left out whole (a lone surrogate is not text)."""
    astral = "\U0001f600"
    assert (cut_to_units("ab" + astral, 3), cut_to_units("ab" + astral, 4), cut_to_units("abc", 2)) == (
        "ab",
        "ab" + astral,
        "ab",
    )


def test_every_valid_claims_draw_is_accepted_by_the_contract_and_the_sandbox_limits() -> None:
    never(valid_claims(), lambda claims: bool(CLAIMS.validate(claims)) or bool(sandbox_limit_issues(CLAIMS, claims)))


def _numbers(entries: list[dict[str, Any]]) -> list[int]:
    return [entry["value"] for entry in entries if type(entry["value"]) is int]


def test_custom_field_numbers_are_stored_as_their_own_digits() -> None:
    """Intake24 stores ``String(n)`` of the double JSON.parse made: beyond the safe integers, other digits."""
    never(custom_field_lists(), lambda entries: any(js_number_string(n) != str(n) for n in _numbers(entries)))


@pytest.mark.parametrize("end", [-JS_MAX_SAFE_INTEGER, JS_MAX_SAFE_INTEGER])
def test_custom_fields_draw_each_end_of_javascripts_safe_integers(end: int) -> None:
    drawn(custom_field_lists(), lambda entries: end in _numbers(entries))


@pytest.mark.parametrize("end", [-JS_MAX_SAFE_INTEGER, JS_MAX_SAFE_INTEGER])
def test_a_partners_default_run_meets_each_end_of_javascripts_safe_integers(end: int) -> None:
    """The ends are sampled besides the whole range: Hypothesis's integers reach them too, but rarely."""
    find(custom_field_lists(), lambda entries: end in _numbers(entries), settings=PARTNER_RUN)


@pytest.mark.parametrize("sign", [-1, 1])
def test_custom_fields_draw_numbers_of_each_sign_between_the_ends(sign: int) -> None:
    drawn(custom_field_lists(), lambda entries: any(0 < sign * n < JS_MAX_SAFE_INTEGER for n in _numbers(entries)))


def test_the_safe_integers_end_where_a_double_can_no_longer_hold_the_next_integer() -> None:
    assert [float(n) == n for n in (JS_MAX_SAFE_INTEGER, JS_MAX_SAFE_INTEGER + 1, JS_MAX_SAFE_INTEGER + 2)] == [
        True,
        True,
        False,
    ]


def test_weak_passwords_are_never_strong() -> None:
    never(weak_passwords(), is_strong_password)


#: Each part of Intake24's strong-password rule (``security/password.ts``).
PARTS: dict[str, Callable[[str], bool]] = {
    "length": lambda password: len(password) >= PASSWORD_MIN_LENGTH,
    "lower": lambda password: any(map(str.islower, password)),
    "upper": lambda password: any(map(str.isupper, password)),
    "digit": lambda password: any(map(str.isdigit, password)),
}


@pytest.mark.parametrize("missing", PARTS)
def test_weak_passwords_break_each_part_of_the_rule_alone(missing: str) -> None:
    drawn(weak_passwords(), lambda password: all(met(password) == (part != missing) for part, met in PARTS.items()))


def test_weak_passwords_draw_one_character_short_of_the_minimum() -> None:
    drawn(weak_passwords(), lambda password: len(password) == PASSWORD_MIN_LENGTH - 1)


def test_weak_passwords_draw_the_empty_password() -> None:
    """Intake24 answers ``Weak password`` to it as to any other: a partner's code that reads ``""`` as no password
    at all meets it."""
    drawn(weak_passwords(), lambda password: password == "")
