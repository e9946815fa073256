"""``vendor-sandbox serve`` as a real process on a real port: health, a session, restart, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import jwt
import requests

from sandbox.core.store import Store
from sandbox.serve import SHUTDOWN_GRACE_SECONDS
from tests.cli.test_serve_port import children_of
from tests.support import SandboxProcess, executable
from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers


def create_session(url: str) -> tuple[int, str]:
    response = requests.post(url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=10)
    return response.status_code, response.json()["access_token"]


def test_serve_answers_health_and_sessions_and_keeps_state_across_restarts(tmp_path: Path) -> None:
    first_server = SandboxProcess(tmp_path)
    try:
        assert requests.get(first_server.url + "/__sandbox/health", timeout=5).json()["status"] == "ok"
        status, first = create_session(first_server.url)
        assert status == 201
    finally:
        assert first_server.terminate() == 0

    assert (tmp_path / ".vendor-sandbox" / "sandbox.db").exists()

    second_server = SandboxProcess(tmp_path)
    try:
        status, second = create_session(second_server.url)
        assert status == 201
    finally:
        assert second_server.terminate() == 0

    store = Store(f"sqlite:///{tmp_path / '.vendor-sandbox' / 'sandbox.db'}")
    key = store.signing_key("cirrusmd.access_token")
    assert store.integrity_ok()
    store.dispose()
    options = {"verify_exp": False, "verify_iat": False}
    claims_first = jwt.decode(first, key, algorithms=["HS256"], audience="cirrusmd-sdk", options=options)
    claims_second = jwt.decode(second, key, algorithms=["HS256"], audience="cirrusmd-sdk", options=options)
    assert claims_first["sub"] == claims_second["sub"]  # the same member, and the same key, after a restart


def test_serve_with_explicit_database_and_two_workers(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / "state.db"
    server = SandboxProcess(tmp_path, "--database", f"sqlite:///{database}", "--workers", "2")
    try:
        assert {create_session(server.url)[0] for _ in range(6)} == {201}
    finally:
        assert server.terminate() == 0
    assert database.exists()


def test_serve_refuses_a_missing_config_file_clearly(tmp_path: Path) -> None:
    result = subprocess.run(
        [executable(), "serve", "--config", str(tmp_path / "nope.toml")],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_sigterm_ends_serve_even_when_a_worker_cannot_stop(tmp_path: Path) -> None:
    """A worker that does not stop (here stopped outright with SIGSTOP, so it cannot even see the SIGTERM) is
    killed once the grace period is over, and ``serve`` ends: without the bound its parent waits for ever."""
    server = SandboxProcess(tmp_path, "--workers", "2")
    try:
        assert create_session(server.url)[0] == 201
        workers = children_of(server.process.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGSTOP)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=SHUTDOWN_GRACE_SECONDS + 30)
        assert time.monotonic() - started >= SHUTDOWN_GRACE_SECONDS - 1  # the others had their grace period
    finally:
        server.kill()
