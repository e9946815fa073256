"""The config is the truth for the tenants it declares; tenants created through the control plane persist.

A restart is a second app built on the same database, as ``serve`` builds one at every start.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import Credentials
from sandbox import config
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.core.tenants import CHANGES_KEY, Reconciled
from sandbox.startup import leftover_notes
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import post_session

OTHER_CONFIG: dict[str, Any] = {
    "cirrusmd": {"clients": [{"client_id": "acme", "shared_secret": "acme-secret"}]},
    "intake24": {"surveys": [{"slug": "other", "allowGenUsers": True, "genUserKey": "other-key"}]},
    "sympto": {"clinics": [{"clinic_id": "north", "admin_email": "north@example.test", "api_secret": "north-secret"}]},
}


@pytest.fixture
def start(database_url: str) -> Iterator[Any]:
    """``start(vendors=None)``: an app on the shared database, as a (re)start of ``serve`` builds it."""
    apps: list[Flask] = []

    def started(vendors: dict[str, Any] | None = None) -> Flask:
        settings: Settings = replace(config.load_file(None), database=database_url)
        if vendors is not None:
            settings = replace(settings, vendors=vendors)
        clock = Clock()
        clock.freeze(FROZEN_AT)
        apps.append(create_app(settings, clock=clock))
        return apps[-1]

    yield started
    for app in apps:
        app.extensions["sandbox.store"].dispose()


def tenants(client: FlaskClient) -> dict[str, list[tuple[str, str]]]:
    return {
        "cirrusmd": [(c["client_id"], c["source"]) for c in client.get("/__sandbox/cirrusmd/clients").json["clients"]],
        "intake24": [(s["slug"], s["source"]) for s in client.get("/__sandbox/intake24/surveys").json["surveys"]],
        "sympto": [(c["clinic_id"], c["source"]) for c in client.get("/__sandbox/sympto/clinics").json["clinics"]],
    }


def create_at_run_time(client: FlaskClient) -> None:
    assert client.put("/__sandbox/cirrusmd/clients/runtime", json={"shared_secret": "rt"}).status_code == 200
    survey = {"allowGenUsers": True, "genUserKey": "rt-key"}
    assert client.put("/__sandbox/intake24/surveys/runtime", json=survey).status_code == 201
    clinic = {"admin_email": "rt@example.test", "api_secret": "rt-secret"}
    assert client.put("/__sandbox/sympto/clinics/runtime", json=clinic).status_code == 200


def test_restarting_with_another_config_serves_exactly_its_tenants_and_keeps_run_time_ones(start: Any) -> None:
    first = start().test_client()
    assert post_session(first, FROZEN_AT).status_code == 201  # a member of demo-client
    create_at_run_time(first)
    assert tenants(first) == {
        "cirrusmd": [("demo-client", "config"), ("runtime", "control")],
        "intake24": [("demo", "config"), ("runtime", "control")],
        "sympto": [("demo-clinic", "config"), ("runtime", "control")],
    }

    restarted = start(OTHER_CONFIG)
    again = restarted.test_client()
    assert tenants(again) == {
        "cirrusmd": [("acme", "config"), ("runtime", "control")],
        "intake24": [("runtime", "control"), ("other", "config")],
        "sympto": [("north", "config"), ("runtime", "control")],
    }
    # The removed client's state went with it: its members, and its secret no longer signs anything.
    assert again.get("/__sandbox/cirrusmd/members?client_id=demo-client").json["total"] == 0
    assert post_session(again, FROZEN_AT).status_code == 401
    assert post_session(again, FROZEN_AT, credentials=Credentials("acme", "acme-secret")).status_code == 201
    assert again.get("/__sandbox/sympto/users?clinic_id=demo-clinic").json["users"] == []
    assert restarted.extensions[CHANGES_KEY] == [
        Reconciled("cirrusmd", removed=("demo-client",), kept=("runtime",)),
        Reconciled("intake24", removed=("demo",), kept=("runtime",)),
        Reconciled("sympto", removed=("demo-clinic",), kept=("runtime",)),
    ]
    notes = leftover_notes(restarted)
    assert "note: cirrusmd: removed 1 tenant(s) of an earlier config, with their state" in notes[0]
    assert notes[0].endswith(": demo-client")
    assert "kept 1 tenant(s) created through the control plane" in notes[1]


def test_a_restart_restores_the_configured_values_of_a_configured_tenant(start: Any) -> None:
    client = start().test_client()
    changed = {"allowGenUsers": False}
    assert client.put("/__sandbox/intake24/surveys/demo", json=changed).status_code == 200
    assert client.put("/__sandbox/cirrusmd/clients/demo-client", json={"shared_secret": "changed"}).status_code == 200
    assert tenants(client)["cirrusmd"] == [("demo-client", "config")]  # changing it does not make it run-time

    again = start().test_client()
    assert again.get("/__sandbox/intake24/surveys/demo").json["settings"]["allowGenUsers"] is True
    assert post_session(again, FROZEN_AT).status_code == 201  # the configured secret again
    assert tenants(again)["intake24"] == [("demo", "config")]


def test_a_run_time_tenant_later_declared_by_the_config_becomes_a_config_tenant(start: Any) -> None:
    client = start({"cirrusmd": {"clients": []}}).test_client()
    assert client.put("/__sandbox/cirrusmd/clients/acme", json={"shared_secret": "rt"}).status_code == 200
    assert tenants(client)["cirrusmd"] == [("acme", "control")]
    declared = start(OTHER_CONFIG).test_client()
    assert tenants(declared)["cirrusmd"] == [("acme", "config")]
    dropped = start({}).test_client()
    assert tenants(dropped)["cirrusmd"] == []  # declared last time, not now: removed


def test_a_deleted_and_recreated_tenant_takes_the_source_of_its_new_creator(start: Any) -> None:
    client = start().test_client()
    assert client.delete("/__sandbox/cirrusmd/clients/demo-client").status_code == 200
    assert client.put("/__sandbox/cirrusmd/clients/demo-client", json={"shared_secret": "s"}).json["source"] == (
        "control"
    )
    again = start({}).test_client()
    assert tenants(again)["cirrusmd"] == [("demo-client", "control")]


def test_notes_name_armed_faults_and_tenant_clocks_left_from_before(start: Any) -> None:
    client = start().test_client()
    assert client.post("/__sandbox/faults", json={"name": "cirrusmd.token_expired"}).status_code == 201
    scope = "/__sandbox/clock?scope=cirrusmd:demo-client"
    assert client.put(scope, json={"frozen_at": "2026-01-01T00:00:00Z"}).status_code == 200
    assert leftover_notes(start()) == [
        "note: 1 fault(s) still armed from before: #1 cirrusmd.token_expired; "
        "DELETE /__sandbox/faults (vendor-sandbox faults clear) disarms them",
        "note: 1 tenant clock(s) set from before: cirrusmd:demo-client frozen at 2026-01-01T00:00:00+00:00; "
        "POST /__sandbox/reset?tenant=... returns a tenant to the sandbox clock",
    ]
