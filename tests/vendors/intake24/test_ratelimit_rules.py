"""Intake24's rate limiter on plain values: the fixed window, its edges, the draft-7 headers and ``forgive``.

``test_ratelimit.py`` drives the limiters through the app; these call :class:`RateLimiter` with chosen instants, so
the window's edge (a window ends exactly at its reset instant), the count's edge (the ``limit``-th request passes,
the next is refused) and each header's arithmetic are pinned exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from sandbox.core.store import Store
from sandbox.vendors.intake24 import ratelimit
from sandbox.vendors.intake24.models import rate_windows
from sandbox.vendors.intake24.ratelimit import RateLimiter

MakeLimiter = Callable[..., RateLimiter]


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """The shared store the limiter counts in (its windows live in ``intake24_rate_windows``)."""
    made = Store(database_url)
    made.create_tables()
    yield made
    made.dispose()


@pytest.fixture
def limiter(store: Store) -> MakeLimiter:
    def make(limit: int = 2, window_seconds: float = 60, *, skip_successful: bool | None = None) -> RateLimiter:
        if skip_successful is None:
            return RateLimiter(store, "test", limit, window_seconds, "Too many")
        return RateLimiter(store, "test", limit, window_seconds, "Too many", skip_successful=skip_successful)

    return make


def windows(store: Store) -> dict[str, int]:
    """Each client's count, as the store holds it."""
    with store.engine.connect() as connection:
        rows = connection.execute(select(rate_windows.c.client, rate_windows.c.hits)).all()
    return {str(client): int(hits) for client, hits in rows}


def test_the_limit_th_request_passes_and_the_next_is_refused_with_retry_after(limiter: MakeLimiter) -> None:
    rate = limiter(limit=2)
    assert rate.hit("a", 100.0) == (
        True,
        {"RateLimit": "limit=2, remaining=1, reset=60", "RateLimit-Policy": "2;w=60"},
    )
    assert rate.hit("a", 110.0) == (
        True,
        {"RateLimit": "limit=2, remaining=0, reset=50", "RateLimit-Policy": "2;w=60"},
    )
    assert rate.hit("a", 120.0) == (
        False,
        {"RateLimit": "limit=2, remaining=0, reset=40", "RateLimit-Policy": "2;w=60", "Retry-After": "40"},
    )
    allowed, headers = rate.hit("a", 121.0)
    assert (allowed, headers["RateLimit"], headers["Retry-After"]) == (False, "limit=2, remaining=0, reset=39", "39")


def test_a_window_ends_exactly_at_its_reset_instant(limiter: MakeLimiter) -> None:
    rate = limiter(limit=1)
    assert rate.hit("a", 100.0)[0] is True
    assert rate.hit("a", 159.999)[0] is False
    allowed, headers = rate.hit("a", 160.0)
    assert allowed is True
    assert headers["RateLimit"] == "limit=1, remaining=0, reset=60"


def test_the_reset_is_rounded_up_to_whole_seconds(limiter: MakeLimiter) -> None:
    rate = limiter(limit=5, window_seconds=60)
    rate.hit("a", 100.0)
    assert rate.hit("a", 100.5)[1]["RateLimit"] == "limit=5, remaining=3, reset=60"
    assert rate.hit("a", 159.01)[1]["RateLimit"] == "limit=5, remaining=2, reset=1"


def test_the_policy_names_the_window_in_whole_seconds(limiter: MakeLimiter) -> None:
    assert limiter(limit=300, window_seconds=900.7).hit("a", 0.0)[1]["RateLimit-Policy"] == "300;w=900"


def test_each_key_has_its_own_window(limiter: MakeLimiter) -> None:
    rate = limiter(limit=1)
    assert rate.hit("a", 100.0)[0] is True
    assert rate.hit("b", 130.0) == (
        True,
        {"RateLimit": "limit=1, remaining=0, reset=60", "RateLimit-Policy": "1;w=60"},
    )
    assert rate.hit("a", 130.0)[0] is False


def test_a_forgiven_request_does_not_count(limiter: MakeLimiter) -> None:
    rate = limiter(limit=1, skip_successful=True)
    assert rate.skip_successful is True
    assert rate.hit("a", 100.0)[0] is True
    rate.forgive("a")
    assert rate.hit("a", 101.0) == (
        True,
        {"RateLimit": "limit=1, remaining=0, reset=59", "RateLimit-Policy": "1;w=60"},
    )


def test_forgiving_never_counts_below_zero_nor_makes_a_window(limiter: MakeLimiter, store: Store) -> None:
    rate = limiter(limit=1, skip_successful=True)
    rate.forgive("nobody")
    assert windows(store) == {}
    rate.hit("a", 100.0)
    rate.forgive("a")
    rate.forgive("a")
    assert windows(store) == {"a": 0}
    assert rate.hit("a", 101.0)[1]["RateLimit"] == "limit=1, remaining=0, reset=59"
    assert rate.hit("a", 102.0)[0] is False


def test_reset_forgets_every_window(limiter: MakeLimiter) -> None:
    rate = limiter(limit=1)
    rate.hit("a", 100.0)
    rate.hit("b", 100.0)
    rate.reset()
    assert rate.hit("a", 101.0)[0] is True
    assert rate.hit("b", 101.0)[1]["RateLimit"] == "limit=1, remaining=0, reset=60"


def test_a_limiter_counts_every_request_unless_told_to_skip_successes(limiter: MakeLimiter, store: Store) -> None:
    """``skipSuccessfulRequests`` defaults to false in express-rate-limit: a success is counted, nothing forgiven."""
    rate = limiter(limit=1)
    assert rate.skip_successful is False
    assert rate.hit("a", 100.0)[0] is True
    rate.forgive("a")
    assert windows(store) == {"a": 1}
    assert rate.hit("a", 101.0)[0] is False


def test_a_window_of_zero_seconds_never_limits_and_resets_at_once(limiter: MakeLimiter) -> None:
    """``window_seconds = 0`` is a valid setting (``[intake24]`` takes any number from 0): every hit opens a window."""
    rate = limiter(limit=1, window_seconds=0)
    for _ in range(3):
        assert rate.hit("a", 100.0) == (
            True,
            {"RateLimit": "limit=1, remaining=0, reset=0", "RateLimit-Policy": "1;w=0"},
        )


def test_windows_that_ran_out_go_every_nth_hit_and_live_ones_stay(store: Store) -> None:
    """Pruning: every ``prune_every`` hits a process's limiter deletes its windows that have run out (not on every
    request), never a live window nor another limiter's, and no answer changes."""
    rate = RateLimiter(store, "test", 3, 60, "Too many", prune_every=5)
    other = RateLimiter(store, "other", 3, 60, "Too many")
    rate.hit("old-1", 100.0)
    rate.hit("old-2", 100.0)
    other.hit("old-other", 100.0)
    rate.hit("live", 159.0)  # hit 3: a window still running at 160
    rate.hit("new", 160.0)  # hit 4: the old windows ended at 160, but nothing is deleted before the fifth
    assert "old-1" in windows(store)

    allowed, headers = rate.hit("new", 160.0)  # hit 5

    assert windows(store) == {"live": 1, "new": 2, "old-other": 1}
    assert (allowed, headers["RateLimit"]) == (True, "limit=3, remaining=1, reset=60")
    assert rate.hit("old-1", 160.0)[1]["RateLimit"] == "limit=3, remaining=2, reset=60"  # a new window


def test_the_default_prunes_every_thousand_hits(limiter: MakeLimiter, store: Store) -> None:
    assert ratelimit.PRUNE_EVERY == 1000
    rate = limiter()
    rate.hit("old", 100.0)
    for _ in range(ratelimit.PRUNE_EVERY - 2):
        rate.hit("busy", 160.0)
    assert "old" in windows(store)
    rate.hit("busy", 160.0)
    assert list(windows(store)) == ["busy"]
