"""The core's sending machinery on a table of its own: a row is claimed by exactly one of two processes (two stores
on one database, SQLite and PostgreSQL) until its lease runs out, a fault holds a row and the next send releases
it, and a history keeps its newest rows. (The thread and its wait are tested through the vendors:
``tests/vendors/sympto/test_deliveries_*.py``, ``tests/vendors/intake24/test_outbound*.py``.)"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, insert, select

from sandbox.core.sender import claim, hold, keep_newest, release_reordered
from sandbox.core.store import Store
from tests.support import at_once

rows = Table(
    "test_sender_rows",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(12), nullable=False),
    Column("held_until", Float),
    Column("claimed_until", Float),
    Column("fault", String(100)),
    Column("fault_kind", String(10)),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request: pytest.FixtureRequest) -> Iterator[list[Store]]:
    url = request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url")
    first, second = Store(url), Store(url)
    with first.engine.begin() as connection:
        rows.metadata.create_all(connection)
    yield [first, second]
    first.dispose()
    second.dispose()


def _add(store: Store, count: int = 1) -> None:
    with store.begin() as connection:
        connection.execute(insert(rows), [{"state": "pending"}] * count)


def _column(store: Store, column: str) -> list[object]:
    with store.connect() as connection:
        return list(connection.execute(select(rows.c[column]).order_by(rows.c.id)).scalars())


def test_of_two_processes_claiming_one_row_at_once_exactly_one_gets_it(stores: list[Store]) -> None:
    _add(stores[0])
    taken = at_once(lambda index: claim(stores[index % 2], rows, 1, time.time() + 60), 8)
    assert sorted(taken) == [False] * 7 + [True]


def test_a_row_whose_lease_ran_out_is_claimed_again(stores: list[Store]) -> None:
    _add(stores[0])
    assert claim(stores[0], rows, 1, time.time() - 1)  # a sender that died: its lease is over
    assert claim(stores[1], rows, 1, time.time() + 60)
    assert not claim(stores[0], rows, 1, time.time() + 60)


def test_a_claim_needs_a_pending_row_and_its_conditions(stores: list[Store]) -> None:
    _add(stores[0], 2)
    assert not claim(stores[0], rows, 2, time.time() + 60, rows.c.id == 1)
    with stores[0].begin() as connection:
        connection.execute(rows.update().where(rows.c.id == 1).values(state="delivered"))
    assert not claim(stores[1], rows, 1, time.time() + 60)


def test_a_held_row_gives_up_its_lease_until_a_send_releases_it(stores: list[Store]) -> None:
    _add(stores[0], 2)
    assert claim(stores[0], rows, 1, time.time() + 60)
    hold(stores[0], rows, 1, {"name": "x.reordered", "kind": "reorder", "delay_seconds": 0.0})
    assert _column(stores[1], "fault") == ["x.reordered", None]
    assert _column(stores[1], "claimed_until") == [None, None]
    held_until = _column(stores[1], "held_until")[0]
    assert isinstance(held_until, float)
    assert held_until > time.time() + 4  # the default: 5 s
    with stores[1].begin() as connection:
        release_reordered(connection, rows, rows.c.id != 2)
    assert _column(stores[0], "held_until") == [None, None]


def test_a_history_keeps_its_newest_rows(stores: list[Store]) -> None:
    _add(stores[0], 5)
    with stores[0].begin() as connection:
        keep_newest(connection, rows, rows.c.state == "pending", 2)
    assert _column(stores[1], "id") == [4, 5]
