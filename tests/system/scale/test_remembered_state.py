"""Rows every request reads (a client's secret, the armed faults, the clocks) are kept in each worker's
memory (``Store.remembered``), yet a change made through the control plane is seen by the very next
request on every worker of a real ``serve --workers 2``.

Each test opens keep-alive connections until both workers hold some (which worker holds a connection is
read from ``/proc``: the server side of the socket), warms every worker's memory with a request on each
connection, makes the change through yet another connection, then sends exactly one request on every
warm connection.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from contracts.cirrusmd.tokens import Credentials
from tests.conftest import FROZEN_AT
from tests.system.scale.support import Sandbox
from tests.vendors.cirrusmd.support import DEMO, SESSIONS, member_body, valid_headers

FROZEN_ISO = "2026-11-21T12:00:00+00:00"
WORKERS = 2
#: Connections opened at most while looking for one held by each worker.
MAX_CONNECTIONS = 64


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(child) for child in (task / "children").read_text().split())
    return found


def _server_socket_inode(server_port: int, client_port: int) -> str:
    """The inode of the server's end of the loopback connection from ``client_port``."""
    wanted_local, wanted_remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted_local and fields[2] == wanted_remote:
            return fields[9]
    raise AssertionError(f"no server socket for the connection from port {client_port}")


def _worker_holding(workers: list[int], inode: str) -> int:
    target = f"socket:[{inode}]"
    for worker in workers:
        for descriptor in Path(f"/proc/{worker}/fd").iterdir():
            try:
                if descriptor.readlink().as_posix() == target:
                    return worker
            except OSError:
                continue
    raise AssertionError(f"no worker holds socket {inode}")


class Connection:
    """One keep-alive connection and the worker that serves it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
        self.worker = 0

    def send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> int:
        data = None if body is None else json.dumps(body)
        sent_headers = {"Content-Type": "application/json", **(headers or {})}
        self.http.request(method, path, body=data, headers=sent_headers)
        response = self.http.getresponse()
        response.read()
        assert response.getheader("Connection", "").lower() != "close"
        return response.status

    def create_session(self, now: float, credentials: Credentials = DEMO, **changes: Any) -> int:
        return self.send("POST", SESSIONS, member_body(**changes), valid_headers(now, credentials))


@contextmanager
def connections_on_every_worker(sandbox: Sandbox) -> Iterator[list[Connection]]:
    """Keep-alive connections, at least one held by each worker, each having made one valid request."""
    assert sandbox.process is not None
    workers = _children(sandbox.process.pid)
    assert len(workers) == WORKERS, workers
    opened: list[Connection] = []
    try:
        while {c.worker for c in opened} != set(workers):
            assert len(opened) < MAX_CONNECTIONS, f"{MAX_CONNECTIONS} connections never reached every worker"
            connection = Connection(sandbox)
            opened.append(connection)
            assert connection.create_session(time.time()) == 201  # warms this worker's memory
            assert connection.http.sock is not None
            client_port = connection.http.sock.getsockname()[1]
            connection.worker = _worker_holding(workers, _server_socket_inode(sandbox.port, client_port))
        for connection in opened:  # every connection warm, not just the first of each worker
            assert connection.create_session(time.time()) == 201
        yield opened
    finally:
        for connection in opened:
            connection.http.close()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(tmp_path, workers=WORKERS) as running:
        yield running


def test_a_new_client_secret_is_used_by_the_next_request_on_every_worker(sandbox: Sandbox) -> None:
    renewed = Credentials(shared_secret="a-secret-set-after-the-workers-remembered-the-old-one")
    with connections_on_every_worker(sandbox) as connections:
        put = requests.put(
            f"{sandbox.url}/__sandbox/cirrusmd/clients/{renewed.client_id}",
            json={"shared_secret": renewed.shared_secret},
            timeout=10,
        )
        assert put.status_code == 200
        assert [c.create_session(time.time()) for c in connections] == [401] * len(connections)
        assert [c.create_session(time.time(), renewed) for c in connections] == [201] * len(connections)


def test_an_armed_fault_fires_on_the_next_request_on_every_worker_and_a_disarmed_one_stops(sandbox: Sandbox) -> None:
    with connections_on_every_worker(sandbox) as connections:
        # Unlimited uses (no "times"): every connection's next request must meet it.
        armed = requests.post(f"{sandbox.url}/__sandbox/faults", json={"name": "cirrusmd.body_too_large"}, timeout=10)
        assert armed.status_code == 201, armed.text
        assert [c.create_session(time.time()) for c in connections] == [413] * len(connections)
        assert requests.delete(f"{sandbox.url}/__sandbox/faults", timeout=10).status_code == 200
        assert [c.create_session(time.time()) for c in connections] == [201] * len(connections)


def test_a_frozen_clock_rules_the_next_request_on_every_worker(sandbox: Sandbox) -> None:
    with connections_on_every_worker(sandbox) as connections:
        frozen = requests.put(f"{sandbox.url}/__sandbox/clock", json={"frozen_at": FROZEN_ISO}, timeout=10)
        assert frozen.status_code == 200
        # A token minted at the real time is from the future on the frozen clock; one minted then is valid.
        assert [c.create_session(time.time()) for c in connections] == [401] * len(connections)
        assert [c.create_session(FROZEN_AT) for c in connections] == [201] * len(connections)
        assert requests.put(f"{sandbox.url}/__sandbox/clock", json={"mode": "system"}, timeout=10).status_code == 200
        assert [c.create_session(time.time()) for c in connections] == [201] * len(connections)
