"""A real ``serve``: notes on the state it keeps from before, and ``--fresh``, which keeps none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import requests

from tests.support import SandboxProcess


def signing_keys(database: Path) -> dict[str, str]:
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT name, secret FROM sandbox_signing_keys").fetchall())


def test_a_restart_notes_kept_state_and_fresh_starts_from_none(tmp_path: Path) -> None:
    database = tmp_path / "state" / "sandbox.db"
    url = f"sqlite:///{database}"
    first = SandboxProcess(tmp_path, "--database", url)
    try:
        assert requests.put(f"{first.url}/__sandbox/cirrusmd/clients/runtime", json={"shared_secret": "s"}, timeout=10)
        assert requests.post(f"{first.url}/__sandbox/faults", json={"name": "cirrusmd.token_expired"}, timeout=10)
        clock = f"{first.url}/__sandbox/clock?scope=cirrusmd:demo-client"
        assert requests.put(clock, json={"offset_seconds": 60}, timeout=10)
    finally:
        assert first.terminate() == 0
    keys = signing_keys(database)
    assert keys  # the access-token key was made at the first start

    kept = SandboxProcess(tmp_path, "--database", url)
    assert kept.terminate() == 0
    assert "note: cirrusmd: kept 1 tenant(s) created through the control plane" in kept.output
    assert "note: 1 fault(s) still armed from before: #1 cirrusmd.token_expired" in kept.output
    assert "note: 1 tenant clock(s) set from before: cirrusmd:demo-client offset by 60 s" in kept.output
    assert signing_keys(database) == keys

    fresh = SandboxProcess(tmp_path, "--database", url, "--fresh")
    try:
        clients = requests.get(f"{fresh.url}/__sandbox/cirrusmd/clients", timeout=10).json()["clients"]
        assert [(c["client_id"], c["source"]) for c in clients] == [("demo-client", "config")]
        assert requests.get(f"{fresh.url}/__sandbox/faults", timeout=10).json() == {"faults": []}
        assert requests.get(f"{fresh.url}/__sandbox/clock", timeout=10).json()["tenants"] == []
    finally:
        assert fresh.terminate() == 0
    assert "fresh start: emptied all " in fresh.output
    assert "installing the configured tenants" in fresh.output
    assert "note:" not in fresh.output  # nothing is left from before
    renewed = signing_keys(database)
    assert renewed.keys() == keys.keys()
    assert all(renewed[name] != keys[name] for name in keys)
