"""``vendor-sandbox serve`` as a real process on a real port: health, a session, restart, SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.cirrusmd.helpers import SESSIONS, member_body, valid_headers

START_TIMEOUT_SECONDS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def executable() -> str:
    return str(Path(sys.executable).with_name("vendor-sandbox"))


@contextmanager
def running_sandbox(workdir: Path, *args: str) -> Iterator[str]:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("VENDOR_SANDBOX_")}
    process = subprocess.Popen(
        [executable(), "serve", "--port", str(port), *args],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                if requests.get(url + "/__sandbox/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            assert time.monotonic() < deadline, "the sandbox did not start"
            time.sleep(0.05)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
            if process.stdout:
                process.stdout.close()


def access_token_subject_and_key_check(url: str) -> tuple[int, str]:
    response = requests.post(url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=10)
    return response.status_code, response.json()["access_token"]


def test_serve_answers_health_and_sessions_and_keeps_state_across_restarts(tmp_path: Path) -> None:
    import jwt

    with running_sandbox(tmp_path) as url:
        health = requests.get(url + "/__sandbox/health", timeout=5)
        assert health.json()["status"] == "ok"
        status, first = access_token_subject_and_key_check(url)
        assert status == 201

    assert (tmp_path / ".vendor-sandbox" / "sandbox.db").exists()

    with running_sandbox(tmp_path) as url:
        status, second = access_token_subject_and_key_check(url)
        assert status == 201

    from sandbox.core.store import Store

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
    with running_sandbox(tmp_path, "--database", f"sqlite:///{database}", "--workers", "2") as url:
        statuses = {access_token_subject_and_key_check(url)[0] for _ in range(6)}
        assert statuses == {201}
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
