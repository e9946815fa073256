"""``Store.run``: the hot-path execution gives the same rows as SQLAlchemy's, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, bindparam, select

from sandbox.core.store import Store

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
