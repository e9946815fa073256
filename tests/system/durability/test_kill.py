"""SIGKILL at a random moment under concurrent writes loses no acknowledged write and duplicates nothing.

Writers create CirrusMD members (each id once) and hammer one shared identity; the server (two
workers) is killed with SIGKILL mid-flight; then the database must pass its integrity check, hold
every member whose 201 reached a writer, and hold the shared identity exactly once. The ``ci``
Hypothesis profile runs one round, ``thorough`` five.
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from sandbox.core.store import Store
from sandbox.vendors.cirrusmd.models import members
from tests.support import SandboxProcess
from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers

ROUNDS = 5 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1
WRITERS = 6


def write_until_stopped(
    url: str, writer: int, acknowledged: set[str], stop: threading.Event, lock: threading.Lock
) -> None:
    session = requests.Session()
    sequence = 0
    while not stop.is_set():
        sequence += 1
        identity = "shared" if sequence % 3 == 0 else f"w{writer}-{sequence}"
        try:
            response = session.post(
                url + SESSIONS,
                json=member_body(external_user_id=identity),
                headers=valid_headers(time.time()),
                timeout=5,
            )
        except requests.RequestException:
            continue  # the server is gone; nothing was acknowledged
        if response.status_code == 201:
            with lock:
                acknowledged.add(identity)


def test_sigkill_under_concurrent_writes_loses_no_acknowledged_write(tmp_path: Path) -> None:
    chooser = random.Random(20261121)
    database = tmp_path / "state.db"
    for round_number in range(ROUNDS):
        server = SandboxProcess(tmp_path, "--database", f"sqlite:///{database}", "--workers", "2")
        acknowledged: set[str] = set()
        stop, lock = threading.Event(), threading.Lock()
        writers = [
            threading.Thread(target=write_until_stopped, args=(server.url, n, acknowledged, stop, lock))
            for n in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        time.sleep(chooser.uniform(0.5, 2.0))
        server.kill()
        stop.set()
        for writer in writers:
            writer.join(timeout=30)

        assert acknowledged, f"round {round_number}: no write was acknowledged before the kill"
        store = Store(f"sqlite:///{database}")
        try:
            assert store.integrity_ok(), f"round {round_number}: the database fails its integrity check"
            with store.connect() as connection:
                stored = [row.external_user_id for row in connection.execute(select(members.c.external_user_id))]
                shared = connection.execute(
                    select(func.count()).select_from(members).where(members.c.external_user_id == "shared")
                ).scalar_one()
        finally:
            store.dispose()
        missing = acknowledged - set(stored)
        assert not missing, f"round {round_number}: acknowledged but lost after SIGKILL: {sorted(missing)[:10]}"
        assert len(stored) == len(set(stored)), f"round {round_number}: a natural key is duplicated"
        assert shared <= 1

    restarted = SandboxProcess(tmp_path, "--database", f"sqlite:///{database}")
    try:
        response = requests.post(
            restarted.url + SESSIONS,
            json=member_body(external_user_id="shared"),
            headers=valid_headers(time.time()),
            timeout=10,
        )
        assert response.status_code == 201  # the restarted sandbox serves from the same, intact state
    finally:
        assert restarted.terminate() == 0
