"""``Store.remembered``: values read from watched tables stay in memory until any change to those tables,
made by any process or any statement, moves the generation (a trigger in the database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, insert, text

from sandbox.core.clock import clock_state
from sandbox.core.store import REMEMBERED_LIMIT, Store, generations


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest) -> str:
    name = "database_url" if request.param == "sqlite" else "postgres_url"
    found: str = request.getfixturevalue(name)
    return found


@pytest.fixture
def stores(url: str) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database: two processes, as far as the database can tell."""
    first, second = Store(url), Store(url)
    first.create_tables()
    yield first, second
    first.dispose()
    second.dispose()


class Loads:
    """A loader that counts how often it ran."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        self.count += 1
        return self.count


def _row(scope: str) -> dict[str, object]:
    return {"scope": scope, "mode": "system", "offset_seconds": 0.0, "frozen_at": None, "version": 1}


def test_a_value_is_loaded_once_until_another_process_changes_a_watched_table(stores: tuple[Store, Store]) -> None:
    first, second = stores
    loads = Loads()
    assert [first.remembered("key", loads) for _ in range(3)] == [1, 1, 1]
    with second.begin() as connection:
        connection.execute(insert(clock_state).values(_row("other:tenant")))
    assert first.remembered("key", loads) == 2
    assert first.remembered("key", loads) == 2


@pytest.mark.parametrize("change", ["insert", "update", "delete"])
def test_every_kind_of_statement_moves_the_generation_even_plain_sql(stores: tuple[Store, Store], change: str) -> None:
    first, second = stores
    with second.begin() as connection:
        connection.execute(insert(clock_state).values(_row("vendor:a")))
    before = first.generation()
    statement = {
        "insert": "INSERT INTO sandbox_clock (scope, mode, offset_seconds, version) "
        "VALUES ('vendor:b', 'system', 0, 1)",
        "update": "UPDATE sandbox_clock SET offset_seconds = 5 WHERE scope = 'vendor:a'",
        "delete": "DELETE FROM sandbox_clock WHERE scope = 'vendor:a'",
    }[change]
    with second.engine.begin() as connection:  # not through the store: no code path can forget the bump
        connection.execute(text(statement))
    assert first.generation() != before


def test_a_rolled_back_change_leaves_the_generation(stores: tuple[Store, Store]) -> None:
    first, second = stores
    before = first.generation()
    with second.engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(insert(clock_state).values(_row("vendor:gone")))
        transaction.rollback()
    assert first.generation() == before


def test_inside_a_request_the_generation_is_read_once_and_again_after_its_own_writes(
    stores: tuple[Store, Store],
) -> None:
    first, second = stores
    loads = Loads()
    first.begin_request()
    try:
        assert first.remembered("key", loads) == 1
        with second.begin() as connection:  # another process, during this request
            connection.execute(insert(clock_state).values(_row("vendor:during")))
        assert first.remembered("key", loads) == 1  # this request keeps what it read
        with first.begin() as connection:  # its own write ...
            connection.execute(delete(clock_state).where(clock_state.c.scope == "vendor:during"))
        assert first.remembered("key", loads) == 2  # ... is seen by its next read
    finally:
        first.end_request()
    assert first.remembered("key", loads) == 2  # nothing changed since


def test_an_emptied_database_never_meets_a_generation_seen_before(stores: tuple[Store, Store]) -> None:
    """``serve --fresh`` empties every table, the generation's too: the next bump starts at random."""
    first, second = stores
    seen = set()
    for index in range(5):
        with second.begin() as connection:
            connection.execute(delete(generations))
        assert first.generation() == -1
        with second.begin() as connection:
            connection.execute(insert(clock_state).values(_row(f"vendor:{index}")))
        seen.add(first.generation())
    assert len(seen) == 5
    assert -1 not in seen


def test_a_database_made_before_its_tables_were_watched_gets_the_triggers_at_the_next_start(url: str) -> None:
    store = Store(url)
    store.create_tables()
    with store.engine.begin() as connection:
        if store.dialect == "sqlite":
            names = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
            for name in list(names):
                connection.execute(text(f"DROP TRIGGER {name}"))
        else:
            connection.execute(text("DROP FUNCTION sandbox_bump_generation() CASCADE"))
    before = store.generation()
    with store.begin() as connection:
        connection.execute(insert(clock_state).values(_row("vendor:untriggered")))
    assert store.generation() == before  # no trigger: no bump
    store.create_tables()  # the next start
    with store.begin() as connection:
        connection.execute(delete(clock_state))
    assert store.generation() != before
    store.dispose()


def test_values_beyond_the_limit_are_loaded_but_not_kept(database_url: str) -> None:
    """A client naming a new unknown tenant on every request cannot grow a worker's memory."""
    store = Store(database_url)
    store.create_tables()
    for index in range(REMEMBERED_LIMIT):
        store.remembered(index, Loads())
    extra = Loads()
    store.remembered("one more", extra)
    store.remembered("one more", extra)
    assert extra.count == 2
    store.dispose()
