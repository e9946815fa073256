"""A database made by an older vendor-sandbox is brought up to date at start, or refused in one line.

The older database is made here from today's tables with a part taken away (a column, a unique rule), as an
earlier version would have made it; the start must add that part and keep every row, or refuse what it cannot
add without losing rows, before any request meets the difference as a 500.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.schema import CreateTable

from sandbox import config
from sandbox.app import create_app
from sandbox.core.clock import Clock
from sandbox.core.store import Store, metadata
from sandbox.startup import leftover_notes
from sandbox.vendors.cirrusmd.models import members
from tests.support import executable
from tests.vendors.cirrusmd.support import member_body, post_session

FROZEN_AT = 1_780_000_000.0


def _start(database_url: str) -> Flask:
    clock = Clock()
    clock.freeze(FROZEN_AT)
    return create_app(replace(config.load_file(None), database=database_url), clock=clock, random_seed=1)


def _older_members_table(path: Path, *, keep_unique: bool = True, drop: str = "origin_label") -> None:
    """Today's database, except that ``cirrusmd_members`` lacks column ``drop`` (and its unique rule unless
    ``keep_unique``), as a version before them made it."""
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as connection:
        metadata.create_all(connection)
        ddl = str(CreateTable(members).compile(dialect=connection.dialect))
        lines = [line for line in ddl.splitlines() if not line.strip().startswith(drop + " ")]
        if not keep_unique:
            lines = [line for line in lines if "UNIQUE (client_id, external_user_id)" not in line]
        older = re.sub(r",\s*\)\s*$", "\n)", "\n".join(lines).rstrip())
        connection.execute(text("DROP TABLE cirrusmd_members"))
        connection.execute(text(older))
    engine.dispose()
    columns = {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(cirrusmd_members)")}
    assert drop not in columns


@pytest.fixture
def started() -> Iterator[Callable[[str], Flask]]:
    apps: list[Flask] = []

    def start(url: str) -> Flask:
        apps.append(_start(url))
        return apps[-1]

    yield start
    for app in apps:
        app.extensions["sandbox.store"].dispose()


def test_a_new_database_needs_no_upgrade_and_a_second_start_none_either(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert store.create_tables() == []
        assert store.create_tables() == []
    finally:
        store.dispose()


def test_a_new_postgresql_database_needs_no_upgrade(postgres_url: str) -> None:
    store = Store(postgres_url)
    try:
        assert store.create_tables() == []
        assert store.create_tables() == []
    finally:
        store.dispose()


def test_a_missing_column_and_unique_rule_are_added_and_the_rows_kept(
    tmp_path: Path, started: Callable[[str], Flask]
) -> None:
    path = tmp_path / "older.db"
    _older_members_table(path, keep_unique=False)
    first = started(f"sqlite:///{path}")
    created = post_session(
        first.test_client(), FROZEN_AT, member_body(origin_label="clinic-a", external_plan_id="plan-1")
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    stored = sqlite3.connect(path).execute("SELECT origin_label FROM cirrusmd_members").fetchall()
    assert stored == [("clinic-a",)]  # the added column is written
    first.extensions["sandbox.store"].dispose()

    again = started(f"sqlite:///{path}")  # the upgraded file starts like a new one: nothing left to do
    assert again.extensions["sandbox.schema_upgrades"] == []
    repeated = post_session(again.test_client(), FROZEN_AT, member_body(email="new@jones.com"))
    assert repeated.status_code == 201, repeated.get_data(as_text=True)
    rows = sqlite3.connect(path).execute("SELECT email FROM cirrusmd_members").fetchall()
    assert rows == [("new@jones.com",)]  # one member per external_user_id: the added unique rule holds


def test_serve_names_the_upgrades_it_made(tmp_path: Path, started: Callable[[str], Flask]) -> None:
    path = tmp_path / "older.db"
    _older_members_table(path, keep_unique=False)
    app = started(f"sqlite:///{path}")
    notes = [note for note in leftover_notes(app) if "older vendor-sandbox" in note]
    assert len(notes) == 1
    assert "added column cirrusmd_members.origin_label" in notes[0]
    assert "(client_id, external_user_id)" in notes[0]


def test_a_column_existing_rows_cannot_go_without_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "older.db"
    _older_members_table(path, drop="member_id")
    with pytest.raises(config.ConfigError, match=r"table cirrusmd_members lacks column member_id.*start with a new"):
        _start(f"sqlite:///{path}")


def test_rows_that_a_new_unique_rule_refuses_are_refused_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "older.db"
    _older_members_table(path, keep_unique=False, drop="origin_label")
    connection = sqlite3.connect(path)
    for uuid in ("u-1", "u-2"):
        connection.execute(
            "INSERT INTO cirrusmd_members (member_uuid, client_id, external_user_id, email, first_name, last_name, dob,"
            " gender, member_id, metadata, created_at, updated_at, sessions_created)"
            " VALUES (?, 'c', 'same', 'e', 'f', 'l', '1977-01-11', 'female', 'm', '{}', 0, 0, 1)",
            (uuid,),
        )
    connection.commit()
    connection.close()
    with pytest.raises(config.ConfigError, match=r"cirrusmd_members holds rows that its new unique rule"):
        _start(f"sqlite:///{path}")
    kept = sqlite3.connect(path).execute("SELECT count(*) FROM cirrusmd_members").fetchone()
    assert kept == (2,)


def test_serve_refuses_such_a_database_in_one_line_before_listening(tmp_path: Path) -> None:
    path = tmp_path / "older.db"
    _older_members_table(path, drop="member_id")
    finished = subprocess.run(
        [executable(), "serve", "--port", "0", "--database", f"sqlite:///{path}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode != 0
    assert "table cirrusmd_members lacks column member_id" in finished.stderr
    assert "Traceback" not in finished.stdout + finished.stderr
    assert " on http://" not in finished.stdout  # refused before the banner: nothing listened
