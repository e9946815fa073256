"""The database's location as the store opens it: a directory the user chose with ``--database``,
and ``report --database``. (``serve`` with the default directory: tests/cli/test_state_directory.py.)"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sandbox.cli import main
from sandbox.core.statedir import UnsafeStateDirectory
from sandbox.core.store import Store, prepare_database_location


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(previous)


def open_and_write(database: Path) -> None:
    store = Store(f"sqlite:///{database}")
    try:
        store.create_tables()
        store.signing_key("probe")  # a write: SQLite's companions and the lock file appear
        names = {path.name for path in database.parent.iterdir()}
        assert {database.name + suffix for suffix in ("", "-wal", "-shm", ".lock")} <= names
        for path in database.parent.iterdir():
            assert mode_of(path) == 0o600, path
    finally:
        store.dispose()


@pytest.mark.usefixtures("permissive_umask")
def test_a_chosen_directory_that_is_missing_is_created_private(tmp_path: Path) -> None:
    database = tmp_path / "made" / "for" / "it" / "state.db"
    open_and_write(database)
    assert mode_of(database.parent) == 0o700


@pytest.mark.usefixtures("permissive_umask")
def test_a_chosen_directory_keeps_its_mode_but_the_files_in_it_are_private(tmp_path: Path) -> None:
    chosen = tmp_path / "project"
    chosen.mkdir()
    chosen.chmod(0o755)
    open_and_write(chosen / "state.db")
    assert mode_of(chosen) == 0o755  # the user's directory, not the sandbox's to change


@pytest.mark.usefixtures("permissive_umask")
def test_a_shared_sticky_directory_like_tmp_is_accepted(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    open_and_write(shared / "state.db")


def test_a_chosen_directory_anyone_can_write_to_without_the_sticky_bit_is_refused(tmp_path: Path) -> None:
    open_to_all = tmp_path / "open"
    open_to_all.mkdir()
    open_to_all.chmod(0o777)
    with pytest.raises(UnsafeStateDirectory, match=r"writable by other users \(mode 0777\)"):
        Store(f"sqlite:///{open_to_all / 'state.db'}")
    assert list(open_to_all.iterdir()) == []


def test_a_database_file_that_is_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "somebody-elses-file"
    target.write_text("precious")
    (tmp_path / "state.db").symlink_to(target)
    with pytest.raises(UnsafeStateDirectory, match="is a symbolic link"):
        Store(f"sqlite:///{tmp_path / 'state.db'}")
    assert target.read_text() == "precious"


def test_a_lock_file_that_is_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "somebody-elses-file"
    target.write_text("precious")
    (tmp_path / "state.db.lock").symlink_to(target)
    with pytest.raises(UnsafeStateDirectory, match="is a symbolic link"):
        Store(f"sqlite:///{tmp_path / 'state.db'}")
    assert target.read_text() == "precious"


def test_existing_files_are_tightened_and_the_user_told_once(tmp_path: Path) -> None:
    database = tmp_path / "state.db"
    database.touch()
    database.chmod(0o644)
    [note] = prepare_database_location(f"sqlite:///{database}")
    assert "state.db 0644 -> 0600" in note
    assert mode_of(database) == 0o600
    assert prepare_database_location(f"sqlite:///{database}") == []


def test_other_databases_are_left_alone() -> None:
    assert prepare_database_location("sqlite://") == []
    assert prepare_database_location("sqlite:///:memory:") == []
    assert prepare_database_location("postgresql://user@127.0.0.1/db") == []


def test_report_from_a_planted_state_directory_is_refused_in_one_line(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    planted = elsewhere / "sandbox.db"
    planted.write_bytes(b"")  # a database someone else placed where the link points
    (tmp_path / ".vendor-sandbox").symlink_to(elsewhere)
    database = f"sqlite:///{tmp_path / '.vendor-sandbox' / 'sandbox.db'}"
    result = CliRunner().invoke(main, ["report", "--database", database, "--junit", str(tmp_path / "r.xml")])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(result.output.strip().splitlines()) == 1
    assert "is a symbolic link" in result.output
    assert list(elsewhere.iterdir()) == [planted]  # nothing written beside it


def test_a_location_that_cannot_be_created_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    with pytest.raises(UnsafeStateDirectory, match=r"^cannot prepare .*a-file.*choose a location"):
        Store(f"sqlite:///{tmp_path / 'a-file' / 'inner' / 'state.db'}")
