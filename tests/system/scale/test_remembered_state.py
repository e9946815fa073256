"""Rows every request reads (a client's secret, the armed faults, the clocks) are kept in each worker's
memory (``Store.remembered``), yet a change made through the control plane is seen by the very next
request on every worker of a real ``serve --workers 2``.

Each test opens keep-alive connections until both workers hold some (which worker holds a connection is
read from ``/proc``: the server side of the socket), warms every worker's memory with a request on each
connection, makes the change through yet another connection, then sends exactly one request on every
warm connection.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from contracts.cirrusmd.tokens import Credentials
from tests.conftest import FROZEN_AT
from tests.system.scale.support import WORKERS, Sandbox, connections_on_every_worker

FROZEN_ISO = "2026-11-21T12:00:00+00:00"


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
