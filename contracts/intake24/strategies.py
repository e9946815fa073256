"""Hypothesis strategies for Intake24's create-user contract: valid claims, and named invalid
mutations that each carry the answer Intake24 gives (status + message), derived from the same
messages and limits the schemas use.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from contracts.intake24 import messages
from contracts.intake24.schemas import (
    CUSTOM_FIELD_NAME_MAX_LENGTH,
    CUSTOM_FIELD_VALUE_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    CreateUserClaimsSchema,
    js_length,
    zod_type,
)
from contracts.jws import encode_segment, sign_hmac, unsigned

#: No lone surrogate (half a character: no UTF-8 text a partner's code sends holds one) and no NUL (Intake24,
#: through Sequelize, stores a NUL as the two characters ``\0``, so the respondent would not read back as sent).
_SAFE_TEXT = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
LOWER, UPPER, DIGITS = "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
_CLAIMS = CreateUserClaimsSchema().fields
USERNAME_MAX_LENGTH: int = _CLAIMS["username"].max_length  # type: ignore[attr-defined]
NAME_MAX_LENGTH: int = _CLAIMS["name"].max_length  # type: ignore[attr-defined]
#: ``Number.MAX_SAFE_INTEGER``: every integer up to it is exact in a JavaScript number (a double), so the custom
#: field value Intake24 stores, ``String(n)``, is the integer's own digits.
JS_MAX_SAFE_INTEGER = 2**sys.float_info.mant_dig - 1
#: The ``redirectUrl`` claims :func:`valid_claims` draws: a page, a loopback address with a port and a query, and a
#: ``javascript:`` URL, which Intake24 accepts (``z.string().url()`` takes any scheme) and echoes back, so a partner
#: that sends its respondents on to ``redirectUrl`` must not follow it blindly.
REDIRECT_URLS = ("https://partner.example/done", "http://127.0.0.1:9/x?y=1", "javascript:alert(1)")


def cut_to_units(text: str, units: int) -> str:
    """``text`` cut to at most ``units`` UTF-16 units (JavaScript's ``.length``), never inside a character."""
    ends = accumulate(map(js_length, text))  # where each character ends, in units: they only grow
    return text[: sum(end <= units for end in ends)]


@st.composite
def js_text(draw: st.DrawFn, max_units: int) -> str:
    """Text of 1 to ``max_units`` UTF-16 units, the two ends drawn as often as all other lengths together (the
    boundaries a partner's storage meets first; a character of two units that would cross the limit is left out)."""
    units = draw(st.one_of(st.integers(1, max_units), st.sampled_from((1, max_units))))
    text = cut_to_units(draw(st.text(_SAFE_TEXT, min_size=units, max_size=units)), units)
    assume(text)  # one character of two units, cut to one unit, leaves nothing
    return text


def usernames() -> st.SearchStrategy[str]:
    """1 to the contract's 256 UTF-16 units, untrimmed (Intake24 does not trim claims), no NUL."""
    return js_text(USERNAME_MAX_LENGTH)


@st.composite
def strong_passwords(draw: st.DrawFn) -> str:
    required = [draw(st.sampled_from(LOWER)), draw(st.sampled_from(UPPER)), draw(st.sampled_from(DIGITS))]
    rest = draw(st.text(st.sampled_from(LOWER + UPPER + DIGITS + "!@#-_ "), min_size=PASSWORD_MIN_LENGTH, max_size=30))
    return "".join(required) + rest


def weak_passwords() -> st.SearchStrategy[str]:
    """Each misses one rule: too short (the empty password too), or of any length from the minimum with no lower,
    no upper or no digit (the sandbox's own length cap is checked only after the rule, so Intake24's answer
    stays ``Weak password``)."""
    too_short = st.text(st.sampled_from(LOWER + UPPER + DIGITS), max_size=PASSWORD_MIN_LENGTH - 1)
    one_part_missing = st.sampled_from((UPPER + DIGITS, LOWER + DIGITS, LOWER + UPPER)).flatmap(
        lambda alphabet: st.text(st.sampled_from(alphabet), min_size=PASSWORD_MIN_LENGTH)
    )
    return too_short | one_part_missing


def custom_field_lists() -> st.SearchStrategy[list[dict[str, Any]]]:
    """Up to 4 custom fields, names unique (Intake24 keeps one value per name), each name and text value up to its
    limit, numbers up to JavaScript's safe integers, booleans, ``public`` present or not."""
    safe_integers = st.integers(-JS_MAX_SAFE_INTEGER, JS_MAX_SAFE_INTEGER)
    value = st.one_of(
        js_text(CUSTOM_FIELD_VALUE_MAX_LENGTH),
        safe_integers | st.sampled_from((-JS_MAX_SAFE_INTEGER, JS_MAX_SAFE_INTEGER)),
        st.booleans(),
    )
    entry = st.fixed_dictionaries(
        {"name": js_text(CUSTOM_FIELD_NAME_MAX_LENGTH), "value": value}, optional={"public": st.booleans()}
    )
    return st.lists(entry, max_size=4, unique_by=lambda e: e["name"])


def valid_claims() -> st.SearchStrategy[dict[str, Any]]:
    """Claims Intake24 accepts: a username and any of the optional claims, each text up to its limit; ``sub``,
    ``aud`` and ``iss`` are registered claims Intake24 does not read (any text, of any length)."""
    return st.fixed_dictionaries(
        {"username": usernames()},
        optional={
            "password": strong_passwords(),
            "redirectUrl": st.sampled_from(REDIRECT_URLS),
            "name": st.one_of(st.none(), js_text(NAME_MAX_LENGTH)),
            "customFields": custom_field_lists(),
            "sub": st.text(),
            "aud": st.text(),
            "iss": st.text(),
        },
    )


@dataclass(frozen=True)
class Expected:
    status: int
    message: str


@dataclass(frozen=True)
class ClaimMutation:
    """Valid claims with one claim broken, and Intake24's 400 summary for it."""

    name: str
    claims: dict[str, Any]
    expected: Expected


def _validation(message: str, path: str) -> Expected:
    return Expected(400, f'{messages.SUMMARY_PREFIX}: {message} at "{path}"')


_NON_STRINGS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from("ab"), st.integers(), max_size=1),
)


#: Every named claim mutation :func:`claim_mutations` draws (the drift corpus sends each one).
CLAIM_MUTATION_NAMES = (
    "username_missing",
    "username_not_string",
    "username_empty",
    "username_too_long",
    "password_weak",
    "password_null",
    "redirect_url_invalid",
    "name_empty",
    "name_too_long",
    "custom_fields_not_array",
)


@st.composite
def claim_mutations(draw: st.DrawFn) -> ClaimMutation:
    claims = dict(draw(valid_claims()))
    kind = draw(st.sampled_from(CLAIM_MUTATION_NAMES))
    if kind == "username_missing":
        claims.pop("username")
        return ClaimMutation(kind, claims, _validation(messages.REQUIRED, "username"))
    if kind == "username_not_string":
        value = draw(_NON_STRINGS)
        claims["username"] = value
        return ClaimMutation(
            kind,
            claims,
            _validation(messages.EXPECTED.format(expected="string", received=zod_type(value)), "username"),
        )
    if kind == "username_empty":
        claims["username"] = ""
        return ClaimMutation(kind, claims, _validation(messages.TOO_SMALL.format(minimum=1), "username"))
    if kind == "username_too_long":
        claims["username"] = draw(
            st.text(st.sampled_from("abcé"), min_size=USERNAME_MAX_LENGTH + 1, max_size=USERNAME_MAX_LENGTH + 44)
        )
        return ClaimMutation(
            kind, claims, _validation(messages.TOO_BIG.format(maximum=USERNAME_MAX_LENGTH), "username")
        )
    if kind == "password_weak":
        claims["password"] = draw(weak_passwords())
        return ClaimMutation(kind, claims, _validation(messages.WEAK_PASSWORD, "password"))
    if kind == "password_null":
        claims["password"] = None
        return ClaimMutation(kind, claims, _validation("Expected string, received null", "password"))
    if kind == "redirect_url_invalid":
        claims["redirectUrl"] = draw(
            st.sampled_from(["not a url", "/relative/path", "http://", "example.com", "https://exa mple.com/"])
        )
        return ClaimMutation(kind, claims, _validation(messages.INVALID_URL, "redirectUrl"))
    if kind == "name_empty":
        claims["name"] = ""
        return ClaimMutation(kind, claims, _validation(messages.TOO_SMALL.format(minimum=1), "name"))
    if kind == "name_too_long":
        claims["name"] = "n" * draw(st.integers(NAME_MAX_LENGTH + 1, NAME_MAX_LENGTH + 88))
        return ClaimMutation(kind, claims, _validation(messages.TOO_BIG.format(maximum=NAME_MAX_LENGTH), "name"))
    claims["customFields"] = draw(
        st.one_of(
            st.dictionaries(st.sampled_from("ab"), st.integers(), max_size=1),
            st.text(min_size=1, max_size=3),
            st.integers(),
        )
    )
    return ClaimMutation(
        kind,
        claims,
        _validation(
            messages.EXPECTED.format(expected="array", received=zod_type(claims["customFields"])), "customFields"
        ),
    )


@dataclass(frozen=True)
class TokenMutation:
    """A create-user token broken in one named way, and Intake24's answer to it."""

    name: str
    token: str
    expected: Expected


TokenBuilder = Callable[[dict[str, Any], str, int], tuple[str, Expected]]


def _forbidden(message: str) -> Expected:
    return Expected(403, message)


_TOKEN_BUILDERS: dict[str, TokenBuilder] = {
    "wrong_secret": lambda c, k, n: (sign_hmac(c, k + "-not-it"), _forbidden(messages.JWT_INVALID_SIGNATURE)),
    "hs384": lambda c, k, n: (sign_hmac(c, k, "HS384"), _forbidden(messages.JWT_INVALID_ALGORITHM)),
    "alg_none_unsigned": lambda c, k, n: (unsigned(c), _forbidden(messages.JWT_SIGNATURE_REQUIRED)),
    "alg_none_with_signature": lambda c, k, n: (unsigned(c) + "c2ln", _forbidden(messages.JWT_INVALID_ALGORITHM)),
    "hs256_signature_stripped": lambda c, k, n: (
        sign_hmac(c, k).rsplit(".", 1)[0] + ".",
        _forbidden(messages.JWT_SIGNATURE_REQUIRED),
    ),
    "expired": lambda c, k, n: (sign_hmac({**c, "exp": n}, k), _forbidden(messages.JWT_EXPIRED)),
    "not_yet_active": lambda c, k, n: (sign_hmac({**c, "nbf": n + 1}, k), _forbidden(messages.JWT_NOT_ACTIVE)),
    "exp_not_numeric": lambda c, k, n: (sign_hmac({**c, "exp": str(n + 60)}, k), _forbidden(messages.JWT_INVALID_EXP)),
    "nbf_not_numeric": lambda c, k, n: (sign_hmac({**c, "nbf": None}, k), _forbidden(messages.JWT_INVALID_NBF)),
    "header_not_json": lambda c, k, n: (
        f"{encode_segment(b'not json')}.{encode_segment(c)}.c2ln",
        _forbidden(messages.JWT_INVALID_TOKEN),
    ),
    "payload_not_object": lambda c, k, n: (
        sign_hmac(json.dumps("just a string").encode(), k, header={"typ": "x"}),
        Expected(400, f"{messages.SUMMARY_PREFIX}: Expected object, received string"),
    ),
    "not_jwt_shaped": lambda c, k, n: ("this-is-not-a-jwt-token", _validation(messages.TOKEN_NOT_JWT, "token")),
}

TOKEN_MUTATION_NAMES = tuple(_TOKEN_BUILDERS)


def token_mutation(name: str, claims: dict[str, Any], secret: str, now: int) -> TokenMutation:
    """The token mutation ``name`` of ``claims``, built at ``now`` (for callers that mint at send time)."""
    token, expected = _TOKEN_BUILDERS[name](claims, secret, now)
    return TokenMutation(name, token, expected)


@st.composite
def token_mutations(draw: st.DrawFn, secret: str, now: int) -> TokenMutation:
    """A broken token for a survey whose JWT secret is ``secret`` at sandbox time ``now``."""
    claims = draw(valid_claims())
    return token_mutation(draw(st.sampled_from(TOKEN_MUTATION_NAMES)), claims, secret, now)


#: Intake24's 400 summary for ``message`` at ``path`` (for callers outside Hypothesis: the token minter).
validation_answer = _validation
