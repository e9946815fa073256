"""Rate tokens on plain values (``service.rate_tokens``): a token lives 15 minutes, is "expired" (not "unknown")
until the next issue after its end, a new one never forgets the live ones, and beyond the sandbox's cap the
soonest to expire goes first. (The ``RATE-TOKEN`` header through HTTP is ``test_routes_current_api.py``'s.)"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from sandbox.core.clock import Clock
from sandbox.vendors.sympto.service import ratetokens
from sandbox.vendors.sympto.service.ratetokens import EXPIRED_RATE_TOKEN, UNKNOWN_RATE_TOKEN, RateTokens

T0 = 1_800_000_000.0
LIFETIME = ratetokens.RATE_TOKEN_LIFETIME_SECONDS


def tokens_of(app: Flask) -> RateTokens:
    tokens: RateTokens = app.extensions["sandbox.sympto"].rate_tokens
    return tokens


def issued_at(tokens: RateTokens, clock: Clock, at: float) -> str:
    clock.freeze(at)
    return tokens.issue()


def test_a_new_rate_token_keeps_the_live_ones(app: Flask, clock: Clock) -> None:
    tokens = tokens_of(app)
    first = issued_at(tokens, clock, T0)
    second = issued_at(tokens, clock, T0 + 1)
    assert first != second
    assert (tokens.judge(first), tokens.judge(second)) == (None, None)


def test_a_token_is_live_for_15_minutes_then_expired_with_its_age(app: Flask, clock: Clock) -> None:
    tokens = tokens_of(app)
    token = issued_at(tokens, clock, T0)
    clock.freeze(T0 + LIFETIME - 0.5)
    assert tokens.judge(token) is None
    clock.freeze(T0 + LIFETIME)
    assert tokens.judge(token) == ("expired_rate_token", EXPIRED_RATE_TOKEN.format(ago="0"))
    clock.freeze(T0 + LIFETIME + 2.5)
    assert tokens.judge(token) == ("expired_rate_token", EXPIRED_RATE_TOKEN.format(ago="2.5"))
    assert tokens.judge("forged") == ("unknown_rate_token", UNKNOWN_RATE_TOKEN)


def test_an_issue_forgets_only_tokens_expired_before_it(app: Flask, clock: Clock) -> None:
    """At its expiry instant a token is still remembered as expired; an issue after that forgets it."""
    tokens = tokens_of(app)
    token = issued_at(tokens, clock, T0)
    issued_at(tokens, clock, T0 + LIFETIME)
    assert tokens.judge(token) == ("expired_rate_token", EXPIRED_RATE_TOKEN.format(ago="0"))
    issued_at(tokens, clock, T0 + LIFETIME + 0.5)
    assert tokens.judge(token) == ("unknown_rate_token", UNKNOWN_RATE_TOKEN)


def test_beyond_the_cap_the_soonest_to_expire_is_forgotten_first(
    app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue times are not in issue order, so "the soonest to expire" is neither the first issued nor
    (for this seed) the first in any other order."""
    monkeypatch.setattr(ratetokens, "MAX_RATE_TOKENS", 3)
    tokens = tokens_of(app)
    at = {issued_at(tokens, clock, T0 + offset): offset for offset in (300, 200, 400)}
    assert all(tokens.judge(token) is None for token in at)
    at[issued_at(tokens, clock, T0 + 100)] = 100
    at[issued_at(tokens, clock, T0 + 150)] = 150
    clock.freeze(T0 + 150)
    kept = {offset for token, offset in at.items() if tokens.judge(token) is None}
    assert kept == {300, 400, 150}


def test_a_rate_token_is_64_hexadecimal_digits_of_randomness(app: Flask, clock: Clock) -> None:
    """256 bits, like every credential the sandbox issues (the bearer token's ``token_hex(32)``)."""
    token = issued_at(tokens_of(app), clock, T0)
    assert re.fullmatch(r"[0-9a-f]{64}", token), token
