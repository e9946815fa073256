"""``serve``'s state directory on a real process: private whatever the umask, never a planted or shared one."""

from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.support import SandboxProcess, executable
from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers

#: A user id that owns nothing here ("someone else").
STRANGER_UID = 4242


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def refused(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``serve`` that is expected to refuse (it exits before binding, so the port is never taken)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("VENDOR_SANDBOX_")}
    return subprocess.run(
        [executable(), "serve", "--port", "0", *args],  # should it bind after all, it takes a port of its own
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], words: str) -> None:
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    assert output.startswith("error: ")
    assert words in output


def test_a_fresh_state_directory_is_private_under_a_permissive_umask(tmp_path: Path) -> None:
    server = SandboxProcess(tmp_path, umask=0o000)
    try:
        response = requests.post(
            server.url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=10
        )
        assert response.status_code == 201  # a write: the write-ahead log and the lock file now exist
        state = tmp_path / ".vendor-sandbox"
        files = {entry.name: mode_of(entry) for entry in state.iterdir()}
        assert mode_of(state) == 0o700
        assert {"sandbox.db", "sandbox.db-wal", "sandbox.db-shm", "sandbox.db.lock"} <= set(files)
        assert files == dict.fromkeys(files, 0o600)
    finally:
        assert server.terminate() == 0


def test_a_symlinked_state_directory_is_refused_and_nothing_is_written_where_it_points(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / ".vendor-sandbox").symlink_to(elsewhere)
    result = refused(workdir)
    assert_one_line_refusal(result, "is a symbolic link")
    assert list(elsewhere.iterdir()) == []


def test_a_state_directory_others_can_write_to_is_refused(tmp_path: Path) -> None:
    state = tmp_path / ".vendor-sandbox"
    state.mkdir()
    state.chmod(0o775)
    result = refused(tmp_path)
    assert_one_line_refusal(result, "is writable by other users (mode 0775)")
    assert list(state.iterdir()) == []
    assert mode_of(state) == 0o775  # left for the user to check, not silently "fixed"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
def test_a_state_directory_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    state = tmp_path / ".vendor-sandbox"
    state.mkdir(mode=0o700)
    os.chown(state, STRANGER_UID, STRANGER_UID)
    result = refused(tmp_path)
    assert_one_line_refusal(result, f"belongs to another user (uid {STRANGER_UID})")
    assert list(state.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_database_file_planted_by_another_user_is_refused(tmp_path: Path) -> None:
    state = tmp_path / ".vendor-sandbox"
    state.mkdir(mode=0o700)
    planted = state / "sandbox.db"
    planted.touch(mode=0o666)
    os.chown(planted, STRANGER_UID, STRANGER_UID)
    result = refused(tmp_path)
    assert_one_line_refusal(result, f"belongs to another user (uid {STRANGER_UID})")
    assert planted.stat().st_size == 0


def test_a_state_directory_from_an_older_version_is_tightened_and_its_state_kept(tmp_path: Path) -> None:
    state = tmp_path / ".vendor-sandbox"
    state.mkdir()
    state.chmod(0o755)
    database = state / "sandbox.db"
    database.touch()
    database.chmod(0o644)
    server = SandboxProcess(tmp_path)
    try:
        assert requests.get(server.url + "/__sandbox/health", timeout=5).status_code == 200
        assert mode_of(state) == 0o700
        assert mode_of(database) == 0o600
    finally:
        assert server.terminate() == 0
    assert "note: tightened permissions" in server.output
    assert "0755 -> 0700" in server.output
    assert "sandbox.db 0644 -> 0600" in server.output
