"""``Store.run``: the hot-path execution gives the same rows as SQLAlchemy's, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, bindparam, event, select, text

from sandbox.core.store import POOL_SIZE, Store

local = MetaData()
things = Table(
    "things",
    local,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("data", JSON, nullable=False),
    Column("count", Integer, nullable=False, default=7),
)
BY_NAME = select(things.c.id, things.c.count).where(things.c.name == bindparam("name"))


def check(url: str) -> None:
    store = Store(url)
    local.create_all(store.engine)
    assert store.run(things.insert(), {"name": "a", "data": {"k": [1, "x"]}}, write=True) == []
    upsert = store.upsert_statement(things, keys=("name",), update=("data",), also_set=(("count", things.c.count + 1),))
    returning = upsert.returning(things.c.count)
    assert store.run(returning, {"name": "a", "data": {"k": 2}, "count": 1}, write=True) == [(8,)]
    assert store.run(returning, {"name": "b", "data": [], "count": 1}, write=True) == [(1,)]
    assert store.run(BY_NAME, {"name": "a"}) == [(1, 8)]
    assert store.run(BY_NAME, {"name": "zz"}) == []
    with store.connect() as connection:  # what was written reads back through SQLAlchemy unchanged
        assert connection.execute(select(things.c.name, things.c.data).order_by(things.c.id)).all() == [
            ("a", {"k": 2}),
            ("b", []),
        ]
    with pytest.raises(Exception, match=r"UNIQUE|unique|duplicate"):
        store.run(things.insert(), {"name": "a", "data": {}}, write=True)
    assert store.run(BY_NAME, {"name": "a"}) == [(1, 8)]  # the failed write was rolled back
    store.dispose()


def test_run_on_sqlite(database_url: str) -> None:
    check(database_url)


def test_run_on_postgresql(postgres_url: str) -> None:
    check(postgres_url)


def test_plain_postgresql_urls_use_psycopg() -> None:
    from sandbox.core.store import normalise_url

    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_threads_taking_turns_share_one_kept_sqlite_connection(tmp_path: Path) -> None:
    """One request at a time per worker (admission) means one warm connection, whichever thread runs it."""
    store = Store(f"sqlite:///{tmp_path / 'kept.db'}")
    local.create_all(store.engine)
    store.engine.dispose()  # count every connection from here on
    opened: list[object] = []
    event.listen(store.engine, "connect", lambda connection, _record: opened.append(connection))
    for index in range(10):
        thread = threading.Thread(target=store.run, args=(BY_NAME, {"name": f"n{index}"}))
        thread.start()
        thread.join()
    assert len(opened) == 1
    store.dispose()


def test_a_burst_opens_more_connections_and_keeps_them_bounded(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'burst.db'}")
    local.create_all(store.engine)
    store.engine.dispose()
    opened: list[object] = []
    event.listen(store.engine, "connect", lambda connection, _record: opened.append(connection))
    barrier = threading.Barrier(POOL_SIZE + 4)
    slow = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT count(*) FROM n"
    )

    def query() -> None:
        barrier.wait()
        assert store.run(slow) == [(20000,)]

    threads = [threading.Thread(target=query) for _ in range(POOL_SIZE + 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) > 1
    assert len(store._kept.idle) <= POOL_SIZE
    store.dispose()
    assert store._kept.idle == []


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_dispose_lets_the_stores_background_users_stop_before_it_closes_the_pool(
    database: str, request: pytest.FixtureRequest
) -> None:
    """A thread that uses the store (Sympto's event worker) is told first and returns its connection to the pool
    that is about to be closed; a connection checked out across the dispose would be left open for the garbage
    collector (psycopg's ResourceWarning in some later test)."""
    store = Store(request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url"))
    seen: list[tuple[object, int]] = []

    def stop_using_it() -> None:
        with store.connect() as connection:  # the pool still works here: nothing is closed yet
            connection.execute(text("SELECT 1"))
        seen.append((store.engine.pool, store.engine.pool.checkedout()))

    store.before_dispose(stop_using_it)
    pool = store.engine.pool
    store.dispose()
    assert seen == [(pool, 0)]  # ran once, before the pool was replaced, with every connection back
    assert store.engine.pool is not pool
