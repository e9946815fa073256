"""``serve`` on an address it cannot have alone: refused in one line, and a running sandbox keeps its port."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.listening import refusal
from tests.support import SandboxProcess, executable

#: Fresh connections sent to a shared port: with two listeners, the kernel spreads connections
#: between them by address hash, so all of them reaching one is a 1-in-2**20 chance.
CONNECTIONS = 20
#: How long a refused ``serve`` may take to exit (it refuses before preparing the app).
REFUSAL_SECONDS = 30

ACME = '[[cirrusmd.clients]]\nclient_id = "acme"\nshared_secret = "acme-shared-secret-of-the-second-sandbox"\n'


def environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("VENDOR_SANDBOX_")}


def serve(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [executable(), "serve", *args],
        cwd=workdir,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=REFUSAL_SECONDS,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert "backtrace" not in output
    assert len(output.splitlines()) == 1, output
    return output


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port another program listens on (a plain socket, no SO_REUSEPORT), held for the whole test."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def client_ids(url: str) -> list[str]:
    """The CirrusMD clients of whichever sandbox answers, on a fresh connection."""
    response = requests.get(url + "/__sandbox/cirrusmd/clients", headers={"Connection": "close"}, timeout=10)
    return sorted(client["client_id"] for client in response.json()["clients"])


def test_a_second_sandbox_on_a_busy_port_is_refused_and_the_first_keeps_all_traffic(tmp_path: Path) -> None:
    first_directory, second_directory = tmp_path / "first", tmp_path / "second"
    first_directory.mkdir()
    second_directory.mkdir()
    (second_directory / "acme.toml").write_text(ACME)
    first = SandboxProcess(first_directory)
    second = subprocess.Popen(
        [executable(), "serve", "--port", str(first.port), "--config", "acme.toml"],
        cwd=second_directory,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + REFUSAL_SECONDS
        while second.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        seen = [client_ids(first.url) for _ in range(CONNECTIONS)]
        assert seen == [["demo-client"]] * CONNECTIONS  # never the second sandbox's tenant
        output, _ = second.communicate(timeout=REFUSAL_SECONDS)
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait(timeout=30)
        assert first.terminate() == 0
    assert second.returncode == 1
    assert output.strip() == (
        f"error: 127.0.0.1:{first.port} is already in use (another vendor-sandbox or another program); "
        "choose another --port"
    )


def test_a_port_held_by_another_program_is_refused_in_one_line(tmp_path: Path, held_port: int) -> None:
    output = one_line(serve(tmp_path, "--port", str(held_port)))
    assert output == (
        f"error: 127.0.0.1:{held_port} is already in use (another vendor-sandbox or another program); "
        "choose another --port"
    )


def test_an_address_not_on_this_machine_is_refused_in_one_line(tmp_path: Path) -> None:
    # 192.0.2.0/24 is reserved for documentation (RFC 5737): no machine has it.
    output = one_line(serve(tmp_path, "--host", "192.0.2.1", "--port", "8000"))
    assert output == "error: 192.0.2.1 is not an address of this machine; choose another --host"


def test_a_host_name_instead_of_an_address_is_refused_in_one_line(tmp_path: Path) -> None:
    output = one_line(serve(tmp_path, "--host", "localhost", "--port", "8000"))
    assert output == "error: --host must be an IP address, such as 127.0.0.1 or ::1, not 'localhost'"


def test_a_bind_failure_inside_granian_is_one_line_too(tmp_path: Path, held_port: int) -> None:
    """Should the address be taken after the check (or the check be bypassed), Granian's own bind
    error (a Python and a Rust backtrace) still ends as one line and exit status 1."""
    script = (
        "import sys; from sandbox import listening; from sandbox.cli import main; "
        "listening.claim = lambda host, port: None; "
        f"main(['serve', '--port', '{held_port}'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "backtrace" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: 127.0.0.1:{held_port} is already in use (another vendor-sandbox or another program); "
        "choose another --port"
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.EADDRINUSE, "127.0.0.1:80 is already in use"),
        (errno.EACCES, "not allowed to listen on 127.0.0.1:80 (ports below 1024 need privileges)"),
        (errno.EADDRNOTAVAIL, "127.0.0.1 is not an address of this machine"),
        (errno.EINVAL, "cannot listen on 127.0.0.1:80: Invalid argument"),
    ],
)
def test_each_bind_failure_is_explained(code: int, expected: str) -> None:
    assert expected in str(refusal("127.0.0.1", 80, code, os.strerror(code)))
