"""Sympto's credential rules (:mod:`sandbox.vendors.sympto.auth`) called directly on plain values.

``test_auth.py`` and ``test_auth_rate_limit.py`` go through the app; these state each rule at its edge without
it, in milliseconds, so every mutant of the module is judged by a test that names the rule it breaks.
"""

from __future__ import annotations

import pytest

from contracts.sympto import messages
from sandbox.vendors.sympto.auth import bearer_token, check_bearer, rate_limited, secrets_equal
from sandbox.vendors.sympto.errors import RateLimited, Unauthorized

NOW = 1_795_262_400.0
LIMIT = 10
WINDOW = 300.0


def test_secrets_are_equal_only_when_every_character_is() -> None:
    assert secrets_equal("s3cret", "s3cret")
    assert secrets_equal("é", "é")
    assert not secrets_equal("s3cret", "s3creT")
    assert not secrets_equal("s3cret", "s3cret ")
    assert not secrets_equal("", "s3cret")


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_header_or_a_blank_one_is_a_missing_bearer(header: str | None) -> None:
    with pytest.raises(Unauthorized) as refused:
        bearer_token(header)
    assert refused.value.rule == "missing_bearer"
    assert refused.value.message == messages.MISSING_BEARER
    assert refused.value.status == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "  bearer    "])
def test_the_bearer_word_without_a_token_is_a_missing_bearer(header: str) -> None:
    with pytest.raises(Unauthorized) as refused:
        bearer_token(header)
    assert refused.value.rule == "missing_bearer"
    assert refused.value.message == messages.MISSING_BEARER


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER abc", "abc"), ("  Bearer   abc  ", "abc")],
)
def test_the_token_follows_the_bearer_word_in_any_case_trimmed(header: str, token: str) -> None:
    assert bearer_token(header) == token


def test_another_scheme_is_refused_naming_it() -> None:
    with pytest.raises(Unauthorized) as refused:
        bearer_token("Basic dXNlcjpwYXNz")
    assert refused.value.rule == "not_bearer"
    assert refused.value.message == messages.NOT_BEARER.format(scheme='"Basic"')


def test_an_unknown_token_is_refused_as_unknown() -> None:
    with pytest.raises(Unauthorized) as refused:
        check_bearer(None, NOW)
    assert refused.value.rule == "unknown_bearer"
    assert refused.value.message == messages.UNKNOWN_BEARER


def test_a_token_is_live_until_the_instant_it_expires() -> None:
    check_bearer(NOW + 0.001, NOW)
    with pytest.raises(Unauthorized) as refused:
        check_bearer(NOW, NOW)
    assert refused.value.rule == "expired_bearer"
    assert refused.value.message == messages.EXPIRED_BEARER.format(ago=0)


def test_an_expired_token_says_how_long_ago_in_whole_seconds() -> None:
    with pytest.raises(Unauthorized) as refused:
        check_bearer(NOW - 42.9, NOW)
    assert refused.value.message == messages.EXPIRED_BEARER.format(ago=42)


def test_fewer_failures_than_the_limit_are_not_limited() -> None:
    rate_limited(LIMIT - 1, NOW - 10, NOW, LIMIT, WINDOW)
    rate_limited(0, None, NOW, LIMIT, WINDOW)


def test_without_an_oldest_failure_nothing_is_limited() -> None:
    rate_limited(LIMIT, None, NOW, LIMIT, WINDOW)


def test_the_limit_th_failure_in_the_window_limits_with_retry_after_and_message() -> None:
    with pytest.raises(RateLimited) as limited:
        rate_limited(LIMIT, NOW - 100, NOW, LIMIT, WINDOW)
    assert limited.value.status == 429
    assert limited.value.rule == "rate_limited"
    assert limited.value.headers == {"Retry-After": "201"}
    assert limited.value.message == (
        "Too many invalid authorization requests: more than 10 in 5 minutes from this address. "
        "Wait 201 s, then retry with the right clientId and clientSecret."
    )


@pytest.mark.parametrize(
    ("oldest", "retry_after"),
    [(NOW - 299.5, "1"), (NOW - 300.0, "1"), (NOW - 400.0, "1"), (NOW - 298.5, "2"), (NOW, "301")],
)
def test_retry_after_is_whole_seconds_until_the_oldest_leaves_and_at_least_one(oldest: float, retry_after: str) -> None:
    with pytest.raises(RateLimited) as limited:
        rate_limited(LIMIT + 3, oldest, NOW, LIMIT, WINDOW)
    assert limited.value.headers == {"Retry-After": retry_after}


def test_the_window_is_quoted_in_minutes_as_configured() -> None:
    with pytest.raises(RateLimited) as limited:
        rate_limited(3, NOW, NOW, 3, 90.0)
    assert "more than 3 in 1.5 minutes" in limited.value.message
    assert "Wait 91 s" in limited.value.message
