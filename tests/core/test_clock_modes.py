"""The clock (:mod:`sandbox.core.clock`) tested by its effect on ``now()``: each mode, each scope, the sign of an
offset, and the same answers from a clock kept in a store as from a private one.

Each assertion names a value a rule would read, so a flipped sign, a lost scope or a frozen clock that keeps
running fails here, not only somewhere far downstream.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sandbox.core.clock import GLOBAL, SYSTEM, Clock, ClockState, _state_from_row, clock_state, scope_of
from sandbox.core.store import Store

FROZEN_AT = 1_795_262_400.0
TENANT = scope_of("cirrusmd", "demo-client")
OTHER = scope_of("cirrusmd", "other-client")
HOUR_AHEAD = 3600.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    shared = Store(f"sqlite:///{tmp_path / 'clock.db'}")
    shared.create_tables()
    yield shared
    shared.dispose()


@pytest.fixture(params=["private", "stored"])
def clock(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Clock]:
    """The same tests on a clock of its own and on one kept in a store."""
    if request.param == "private":
        yield Clock()
        return
    shared = Store(f"sqlite:///{tmp_path / 'clock.db'}")
    shared.create_tables()
    yield Clock(shared)
    shared.dispose()


def near(value: float, expected: float) -> bool:
    return abs(value - expected) < 5.0


def test_scope_names_vendor_then_tenant() -> None:
    assert scope_of("sympto", "acme") == "sympto:acme"


def test_a_new_clock_is_the_system_clock(clock: Clock) -> None:
    assert clock.state == SYSTEM
    assert clock.state.mode == "system"
    assert clock.state.offset_seconds == 0.0
    assert clock.state.frozen_at is None
    assert near(clock.now(), time.time())
    assert clock.tenant_scopes() == {}


def test_a_positive_offset_runs_ahead_and_a_negative_one_behind(clock: Clock) -> None:
    clock.shift(3600)
    assert clock.state == ClockState(mode="offset", offset_seconds=3600.0)
    assert near(clock.now(), time.time() + 3600)
    assert near(clock.now_for(GLOBAL), time.time() + 3600)
    clock.shift(-3600)
    assert near(clock.now(), time.time() - 3600)


def test_a_frozen_clock_stands_still(clock: Clock) -> None:
    clock.freeze(FROZEN_AT)
    assert clock.state == ClockState(mode="frozen", frozen_at=FROZEN_AT)
    assert clock.now() == FROZEN_AT
    assert clock.now_for() == FROZEN_AT
    assert clock.now_datetime() == datetime.fromtimestamp(FROZEN_AT, tz=UTC)
    assert clock.now() == FROZEN_AT


def test_advance_keeps_a_frozen_clock_frozen(clock: Clock) -> None:
    clock.freeze(FROZEN_AT)
    clock.advance(90)
    assert clock.state == ClockState(mode="frozen", frozen_at=FROZEN_AT + 90)
    assert clock.now() == FROZEN_AT + 90


def test_advance_adds_to_an_offset(clock: Clock) -> None:
    clock.shift(100)
    clock.advance(50)
    assert clock.state == ClockState(mode="offset", offset_seconds=150.0)
    assert near(clock.now(), time.time() + 150)


def test_advance_of_the_system_clock_becomes_an_offset(clock: Clock) -> None:
    clock.advance(600)
    assert clock.state == ClockState(mode="offset", offset_seconds=600.0)
    assert near(clock.now(), time.time() + 600)


def test_back_to_system_time(clock: Clock) -> None:
    clock.shift(-7200)
    clock.use_system()
    assert clock.state == SYSTEM
    assert near(clock.now(), time.time())


def test_a_tenant_clock_moves_only_its_tenant(clock: Clock) -> None:
    clock.shift(3600, scope=TENANT)
    assert clock.state_for(TENANT) == ClockState(mode="offset", offset_seconds=3600.0)
    assert near(clock.now_for(TENANT), time.time() + 3600)
    assert clock.state_for(OTHER) == SYSTEM
    assert near(clock.now_for(OTHER), time.time())
    assert clock.state_for(GLOBAL) == SYSTEM
    assert clock.tenant_scopes() == {TENANT: ClockState(mode="offset", offset_seconds=3600.0)}


def test_a_request_reads_its_tenants_clock(clock: Clock) -> None:
    clock.freeze(FROZEN_AT)
    clock.freeze(FROZEN_AT + 1000, scope=TENANT)
    clock.begin_request(TENANT)
    try:
        assert clock.now() == FROZEN_AT + 1000
    finally:
        clock.end_request()
    clock.begin_request(OTHER)
    try:
        assert clock.now() == FROZEN_AT
    finally:
        clock.end_request()
    assert clock.now() == FROZEN_AT


def test_end_request_returns_to_the_global_clock(clock: Clock) -> None:
    clock.freeze(FROZEN_AT + 1000, scope=TENANT)
    clock.begin_request(TENANT)
    assert clock.now() == FROZEN_AT + 1000
    clock.end_request()
    assert near(clock.now(), time.time())


def test_a_change_inside_a_request_is_seen_by_that_request(clock: Clock) -> None:
    clock.begin_request()
    try:
        assert near(clock.now(), time.time())
        clock.freeze(FROZEN_AT)
        assert clock.now() == FROZEN_AT
    finally:
        clock.end_request()


def test_advance_of_a_tenant_follows_what_it_followed(clock: Clock) -> None:
    clock.freeze(FROZEN_AT)
    clock.advance(30, scope=TENANT)
    assert clock.state_for(TENANT) == ClockState(mode="frozen", frozen_at=FROZEN_AT + 30)
    assert clock.state_for(GLOBAL) == ClockState(mode="frozen", frozen_at=FROZEN_AT)
    clock.shift(10)
    clock.advance(5, scope=OTHER)
    assert clock.state_for(OTHER) == ClockState(mode="offset", offset_seconds=15.0)


def test_use_system_on_a_tenant_releases_it(clock: Clock) -> None:
    clock.freeze(FROZEN_AT)
    clock.shift(60, scope=TENANT)
    clock.shift(90, scope=OTHER)
    clock.use_system(TENANT)
    assert clock.state_for(TENANT) == ClockState(mode="frozen", frozen_at=FROZEN_AT)
    assert clock.now_for(TENANT) == FROZEN_AT
    assert list(clock.tenant_scopes()) == [OTHER]
    assert clock.state_for(GLOBAL) == ClockState(mode="frozen", frozen_at=FROZEN_AT)


def test_release_all_tenants(clock: Clock) -> None:
    clock.shift(60, scope=TENANT)
    clock.shift(90, scope=OTHER)
    clock.freeze(FROZEN_AT)
    clock.release_all_tenants()
    assert clock.tenant_scopes() == {}
    assert clock.now_for(TENANT) == FROZEN_AT
    assert clock.now_for(OTHER) == FROZEN_AT
    assert clock.state == ClockState(mode="frozen", frozen_at=FROZEN_AT)


def test_two_clocks_on_one_store_share_the_state(store: Store) -> None:
    first, second = Clock(store), Clock(store)
    assert first.shared
    assert not Clock().shared
    first.shift(-300, scope=TENANT)
    first.freeze(FROZEN_AT)
    assert second.state_for(GLOBAL) == ClockState(mode="frozen", frozen_at=FROZEN_AT)
    assert second.state_for(TENANT) == ClockState(mode="offset", offset_seconds=-300.0)
    assert second.tenant_scopes() == {TENANT: ClockState(mode="offset", offset_seconds=-300.0)}
    second.begin_request(TENANT)
    try:
        assert near(second.now(), time.time() - 300)
        assert near(second.now(), time.time() - 300)  # read once, kept for the request
    finally:
        second.end_request()
    second.advance(10)
    second.advance(10)
    assert first.state_for(GLOBAL) == ClockState(mode="frozen", frozen_at=FROZEN_AT + 20)
    second.release_all_tenants()
    assert first.tenant_scopes() == {}
    first.use_system()
    assert second.state_for(TENANT) == SYSTEM


def test_a_request_reads_the_shared_state_once(store: Store) -> None:
    mine, theirs = Clock(store), Clock(store)
    mine.freeze(FROZEN_AT)
    mine.begin_request()
    try:
        assert mine.now() == FROZEN_AT
        theirs.freeze(FROZEN_AT + 500)
        assert mine.now() == FROZEN_AT  # the request keeps the state it read
    finally:
        mine.end_request()
    mine.begin_request()
    try:
        assert mine.now() == FROZEN_AT + 500
    finally:
        mine.end_request()
    assert mine.state == ClockState(mode="frozen", frozen_at=FROZEN_AT + 500)


def test_attach_publishes_what_was_set_before(store: Store) -> None:
    early = Clock()
    early.freeze(FROZEN_AT)
    early.shift(42, scope=TENANT)
    early.attach(store)
    late = Clock(store)
    assert late.state_for(GLOBAL) == ClockState(mode="frozen", frozen_at=FROZEN_AT)
    assert late.state_for(TENANT) == ClockState(mode="offset", offset_seconds=42.0)
    assert late.now() == FROZEN_AT
    assert late.state_for(OTHER) == ClockState(mode="frozen", frozen_at=FROZEN_AT)


def test_attach_adopts_the_shared_state(store: Store) -> None:
    Clock(store).shift(77, scope=TENANT)
    joining = Clock()
    joining.attach(store)
    assert joining.state_for(TENANT) == ClockState(mode="offset", offset_seconds=77.0)
    assert joining.tenant_scopes() == {TENANT: ClockState(mode="offset", offset_seconds=77.0)}


def test_the_version_counts_every_change(store: Store) -> None:
    shared = Clock(store)
    shared.shift(1)
    shared.shift(2)
    shared.advance(3)
    assert store.run(clock_state.select().with_only_columns(clock_state.c.version)) == [(3,)]


def test_a_row_in_an_unknown_mode_reads_as_the_system_clock() -> None:
    assert _state_from_row(None) == SYSTEM
    assert _state_from_row(("sideways", 5.0, None)) == SYSTEM
    assert _state_from_row(("offset", 5, None)) == ClockState(mode="offset", offset_seconds=5.0)
    assert _state_from_row(("frozen", 0, FROZEN_AT)) == ClockState(mode="frozen", frozen_at=FROZEN_AT)


def test_advance_of_a_tenant_with_its_own_clock_moves_that_clock(clock: Clock) -> None:
    clock.freeze(FROZEN_AT, scope=TENANT)
    clock.advance(30, scope=TENANT)
    assert clock.state_for(TENANT) == ClockState(mode="frozen", frozen_at=FROZEN_AT + 30)
    assert clock.state_for(GLOBAL) == SYSTEM


def test_releasing_a_tenant_that_has_no_clock_is_harmless(clock: Clock) -> None:
    clock.use_system(TENANT)
    assert clock.tenant_scopes() == {}
    assert clock.state_for(TENANT) == SYSTEM


def test_a_released_tenant_is_not_published_on_attach(store: Store) -> None:
    early = Clock()
    early.shift(42, scope=TENANT)
    early.use_system(TENANT)
    early.attach(store)
    assert Clock(store).tenant_scopes() == {}
    assert early.state_for(TENANT) == SYSTEM


def test_outside_a_request_the_state_last_read_is_used(store: Store) -> None:
    """The docstring's promise: only a request reads the shared state; after it, nothing is read until the next."""
    mine, theirs = Clock(store), Clock(store)
    mine.begin_request()
    assert near(mine.now(), time.time())
    mine.end_request()
    theirs.freeze(FROZEN_AT)
    assert near(mine.now(), time.time())
    assert mine.state_for(GLOBAL) == ClockState(mode="frozen", frozen_at=FROZEN_AT)


def test_a_request_keeps_its_state_while_another_thread_of_the_process_changes_the_clock(store: Store) -> None:
    """The state a request read is its own (thread-local), not the process's memory that another request updates."""
    clock = Clock(store)
    clock.freeze(FROZEN_AT)
    clock.begin_request()
    try:
        assert clock.now() == FROZEN_AT
        other = threading.Thread(target=clock.freeze, args=(FROZEN_AT + 500,))
        other.start()
        other.join()
        assert clock.now() == FROZEN_AT
    finally:
        clock.end_request()
    assert clock.now() == FROZEN_AT + 500


def test_a_thread_that_never_served_a_request_reads_nothing_from_the_store(store: Store) -> None:
    """Outside a request, even on a thread that never began one, the state this process last read is used."""
    mine, theirs = Clock(store), Clock(store)
    theirs.freeze(FROZEN_AT)
    seen: list[float] = []
    worker = threading.Thread(target=lambda: seen.append(mine.now()))
    worker.start()
    worker.join()
    assert near(seen[0], time.time())
    assert mine.state_for(GLOBAL) == ClockState(mode="frozen", frozen_at=FROZEN_AT)


def test_a_clock_kept_in_postgresql_is_changed_in_place(postgres_url: str) -> None:
    """Each change is one upsert on the scope's row: on PostgreSQL its conflict target must name that column."""
    shared = Store(postgres_url)
    shared.create_tables()
    try:
        mine, theirs = Clock(shared), Clock(shared)
        mine.freeze(FROZEN_AT)
        mine.freeze(FROZEN_AT + 60, TENANT)
        mine.shift(HOUR_AHEAD, TENANT)
        mine.advance(5)
        assert theirs.state_for(GLOBAL) == ClockState(mode="frozen", frozen_at=FROZEN_AT + 5)
        assert theirs.state_for(TENANT) == ClockState(mode="offset", offset_seconds=HOUR_AHEAD)
    finally:
        shared.dispose()


def test_after_its_own_change_a_request_reads_the_shared_state_afresh(store: Store) -> None:
    """A change inside a request ends the request's one read: its next ``now()`` reads the store again, so a
    change another instance made meanwhile is seen too, not only this instance's own."""
    mine, theirs = Clock(store), Clock(store)
    mine.begin_request()
    try:
        assert near(mine.now(), time.time())
        mine.freeze(FROZEN_AT)
        theirs.freeze(FROZEN_AT + 500)
        assert mine.now() == FROZEN_AT + 500
    finally:
        mine.end_request()
