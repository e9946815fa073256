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
from tests.support import SQUATTING, SandboxProcess, bind_error, executable, squatting

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


def listeners_on(port: int) -> set[str]:
    """The socket inodes of every TCP socket listening on ``port`` (any address), from ``/proc/net``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(fields[9])
    return inodes


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has just ended
            continue
        if int(fields[1]) == pid:  # the field after the state: the parent's pid
            found.append(int(stat.parent.name))
    return found


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def test_port_0_on_two_workers_serves_on_the_port_the_banner_names(tmp_path: Path) -> None:
    """Each worker binds its own listener (Granian on Linux): both must be on the banner's port, not each on a
    port of its own (what Granian does when handed port 0), and every fresh connection to it is answered."""
    server = SandboxProcess(tmp_path, "--workers", "2")
    try:
        assert server.port > 0
        deadline = time.monotonic() + REFUSAL_SECONDS
        while True:
            listening = listeners_on(server.port)
            owners = [pid for pid in children_of(server.process.pid) if socket_inodes(pid) & listening]
            if len(owners) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert len(owners) == 2, f"workers listening on {server.port}: {owners}"
        assert len(listening) == 2  # one listener per worker, nothing else
        assert [client_ids(server.url) for _ in range(CONNECTIONS)] == [["demo-client"]] * CONNECTIONS
    finally:
        assert server.terminate() == 0


def test_the_port_of_port_0_is_never_free_while_serve_starts(tmp_path: Path) -> None:
    """``serve --port 0`` with an adversary in its own process: any bound socket it closes has its port taken
    at once by a plain socket, as another program would take a released port (:func:`tests.support.squatting`).
    A port picked by binding port 0, released, and bound again later (by the listening check or by Granian) is
    then in use, and ``serve`` fails; the port claimed and held from the kernel's choice to the end is served."""
    server = SandboxProcess(tmp_path, "--workers", "2", launcher=SQUATTING)
    try:
        assert requests.get(server.url + "/__sandbox/health", timeout=10).json()["status"] == "ok"
        assert bind_error("127.0.0.1", server.port) == errno.EADDRINUSE
    finally:
        assert server.terminate() == 0


def test_the_squatter_takes_every_port_released_in_its_process() -> None:
    """The adversary above is real: a port picked and released inside the block cannot be bound again."""
    with squatting() as squatters:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        assert [squatter.getsockname()[1] for squatter in squatters] == [port]
        assert bind_error("127.0.0.1", port, reuse_address=True) == errno.EADDRINUSE
