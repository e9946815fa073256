"""The rate windows that have run out are deleted now and then (every ``prune_every`` hits of a process's
limiter), not on every request, and never a live window nor another limiter's: ``intake24_rate_windows``
holds little more than the clients of the current window however many clients came before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from sandbox.core.store import Store
from sandbox.vendors.intake24 import ratelimit
from sandbox.vendors.intake24.models import rate_windows
from sandbox.vendors.intake24.ratelimit import RateLimiter

NOW = 1_800_000_000.0
WINDOW = 60.0
EVERY = 5


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    made = Store(database_url)
    made.create_tables()
    yield made
    made.dispose()


def _rows(store: Store) -> set[tuple[str, str]]:
    with store.engine.connect() as connection:
        return {(str(a), str(b)) for a, b in connection.execute(select(rate_windows.c.limiter, rate_windows.c.client))}


def test_windows_that_ran_out_go_every_nth_hit_and_live_ones_stay(store: Store) -> None:
    limiter = RateLimiter(store, "generic", 3, WINDOW, "Too many", prune_every=EVERY)
    other = RateLimiter(store, "login", 3, WINDOW, "Too many")
    for client in ("old-1", "old-2"):
        limiter.hit(client, NOW)
    other.hit("old-login", NOW)
    later = NOW + WINDOW  # the old windows end at this very instant
    limiter.hit("live", later - 1)  # hit 3: a window that is still running at `later`
    limiter.hit("new", later)  # hit 4: not the fifth, nothing is deleted yet
    assert ("generic", "old-1") in _rows(store)

    allowed, headers = limiter.hit("new", later)  # hit 5: this limiter's windows that ran out go

    assert _rows(store) == {("generic", "live"), ("generic", "new"), ("login", "old-login")}
    assert (allowed, headers["RateLimit"]) == (True, "limit=3, remaining=1, reset=60")  # the answer is unchanged
    assert limiter.hit("old-1", later)[1]["RateLimit"] == "limit=3, remaining=2, reset=60"  # a new window


def test_the_default_prunes_every_thousand_hits(store: Store) -> None:
    assert ratelimit.PRUNE_EVERY == 1000
    limiter = RateLimiter(store, "generic", 3, WINDOW, "Too many")
    limiter.hit("old", NOW)
    for _ in range(ratelimit.PRUNE_EVERY - 2):
        limiter.hit("busy", NOW + WINDOW)
    assert ("generic", "old") in _rows(store)
    limiter.hit("busy", NOW + WINDOW)
    assert _rows(store) == {("generic", "busy")}
