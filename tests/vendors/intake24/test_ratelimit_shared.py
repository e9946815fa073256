"""The rate limiters' windows live in the shared store: two processes' limiters (two stores on one database,
SQLite and PostgreSQL) count one window, concurrent hits are each counted once, and ``forgive`` and
``reset`` act on that shared window (the multi-worker ``serve`` test: ``tests/system/scale/test_rate_limits.py``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from sandbox.core.store import Store
from sandbox.vendors.intake24.ratelimit import RateLimiter

NOW = 1_800_000_000.0
LIMIT = 5
HITS_PER_THREAD = 4
THREADS = 4


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request: pytest.FixtureRequest) -> Iterator[list[Store]]:
    url = request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url")
    first, second = Store(url), Store(url)
    first.create_tables()
    yield [first, second]
    first.dispose()
    second.dispose()


def _limiters(stores: list[Store], name: str = "generic", *, skip_successful: bool = False) -> list[RateLimiter]:
    return [
        RateLimiter(store, name, LIMIT, 60, "Too many requests", skip_successful=skip_successful) for store in stores
    ]


def test_two_processes_count_one_window(stores: list[Store]) -> None:
    limiters = _limiters(stores)
    answers = [limiters[sent % 2].hit("generic:10.0.0.1", NOW + sent) for sent in range(LIMIT + 1)]
    assert [allowed for allowed, _ in answers] == [True] * LIMIT + [False]
    assert [headers["RateLimit"] for _, headers in answers[:2]] == [
        "limit=5, remaining=4, reset=60",
        "limit=5, remaining=3, reset=59",
    ]
    assert answers[-1][1]["Retry-After"] == "55"
    assert limiters[1].hit("generic:10.0.0.2", NOW)[0]  # another client has its own window
    allowed, headers = limiters[0].hit("generic:10.0.0.1", NOW + 60)  # the window ran out: a new one
    assert (allowed, headers["RateLimit"]) == (True, "limit=5, remaining=4, reset=60")


def test_concurrent_hits_from_two_processes_are_each_counted_once(stores: list[Store]) -> None:
    limiters = _limiters(stores)
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer(limiter: RateLimiter) -> None:
        for _ in range(HITS_PER_THREAD):
            verdict, _ = limiter.hit("generic:10.0.0.1", NOW)
            with lock:
                allowed.append(verdict)

    threads = [threading.Thread(target=hammer, args=(limiters[index % 2],)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == LIMIT
    assert limiters[0].hit("generic:10.0.0.1", NOW)[1]["RateLimit"] == "limit=5, remaining=0, reset=60"


def test_forgive_and_reset_act_on_the_shared_window(stores: list[Store]) -> None:
    first, second = _limiters(stores, "login", skip_successful=True)  # as the app's login limiter
    other = RateLimiter(stores[0], "generic", LIMIT, 60, "Too many requests")
    first.hit("login:10.0.0.1", NOW)
    second.forgive("login:10.0.0.1")
    assert first.hit("login:10.0.0.1", NOW)[1]["RateLimit"] == "limit=5, remaining=4, reset=60"
    other.hit("generic:10.0.0.1", NOW)
    second.reset()  # this limiter's windows only
    assert first.hit("login:10.0.0.1", NOW)[1]["RateLimit"] == "limit=5, remaining=4, reset=60"
    assert other.hit("generic:10.0.0.1", NOW)[1]["RateLimit"] == "limit=5, remaining=3, reset=60"
