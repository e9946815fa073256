"""SIGTERM stops ``serve`` gracefully: every write the sandbox acknowledged is in the database."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from sandbox.core.journal import journal_entries
from sandbox.core.store import Store
from sandbox.vendors.cirrusmd.models import members
from tests.system.scale.support import Sandbox
from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers

CLIENTS = 8


@pytest.mark.slow
def test_sigterm_under_load_loses_no_acknowledged_write(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'shutdown.db'}"
    acknowledged: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    def client(number: int) -> None:
        session = requests.Session()
        for index in range(5000):
            identity = f"c{number}-{index}"
            try:
                response = session.post(
                    sandbox.url + SESSIONS,
                    json=member_body(external_user_id=identity),
                    headers={**valid_headers(time.time()), "X-Correlation-Id": identity},
                    timeout=10,
                )
            except requests.RequestException:
                return  # the server has gone: what it acknowledged before must be kept
            if response.status_code != 201:
                return
            with lock:
                acknowledged.append(identity)
                if len(acknowledged) >= 200:
                    enough.set()

    with Sandbox(tmp_path, "--database", database, workers=2) as sandbox:
        threads = [threading.Thread(target=client, args=(number,)) for number in range(CLIENTS)]
        for thread in threads:
            thread.start()
        assert enough.wait(timeout=60)
        assert sandbox.stop() == 0  # SIGTERM while requests are in flight
        for thread in threads:
            thread.join(timeout=60)

    store = Store(database)
    with store.connect() as connection:
        stored = set(connection.execute(select(members.c.external_user_id)).scalars())
        journaled = set(
            connection.execute(
                select(journal_entries.c.correlation_id).where(journal_entries.c.status == 201)
            ).scalars()
        )
    assert store.integrity_ok()
    store.dispose()
    assert len(acknowledged) >= 200
    assert set(acknowledged) <= stored
    assert set(acknowledged) <= journaled
