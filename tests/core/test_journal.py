"""``Journal`` retention: automatic prunes every ``PRUNE_EVERY`` writes, the age limit every ``AGE_PRUNE_EVERY``-th."""

from __future__ import annotations

from sandbox.core.clock import Clock
from sandbox.core.journal import Exchange, Journal
from sandbox.core.store import Store

AT = 1_795_262_400.0


def _write(log: Journal, index: int) -> None:
    log.record(
        path="/cirrusmd/x",
        request=Exchange({}),
        response=Exchange({}),
        vendor="cirrusmd",
        tenant="t",
        direction="inbound",
        method="POST",
        status=201,
        verdict="accepted",
        latency_ms=1.0,
        correlation_id=str(index),
    )


def test_automatic_prunes_apply_the_count_limit_each_time_and_the_age_limit_every_few(database_url: str) -> None:
    store = Store(database_url)
    store.create_tables()
    clock = Clock(store)
    clock.freeze(AT)
    log = Journal(store, clock, max_entries=1000, max_age_seconds=60, max_per_tenant=1000)
    log.PRUNE_EVERY, log.AGE_PRUNE_EVERY = 2, 3
    _write(log, 0)  # an entry that will be old
    clock.advance(3600)
    for index in range(1, 4):  # two automatic prunes, neither by age
        _write(log, index)
    assert "0" in {entry["correlation_id"] for entry in log.entries()}
    for index in range(4, 6):  # the third automatic prune: by age too
        _write(log, index)
    assert {entry["correlation_id"] for entry in log.entries()} == {"1", "2", "3", "4", "5"}
    log.max_entries = 2
    _write(log, 6)  # 7 writes: no prune
    assert len(log.entries()) == 6
    _write(log, 7)  # the fourth prune: the count limit
    assert {entry["correlation_id"] for entry in log.entries()} == {"6", "7"}
    store.dispose()
