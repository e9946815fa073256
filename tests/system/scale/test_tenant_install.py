"""Installing the configured tenants stays race-free when several instances start at once on one database,
including the removal of an earlier config's tenants."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask

from sandbox import config
from sandbox.app import create_app

NEW_CONFIG: dict[str, Any] = {
    "cirrusmd": {"clients": [{"client_id": "acme", "shared_secret": "acme-secret"}]},
    "intake24": {"surveys": [{"slug": "other", "allowGenUsers": True, "genUserKey": "other-key"}]},
    "sympto": {"clinics": [{"clinic_id": "north", "admin_email": "north@example.test", "api_secret": "north-secret"}]},
}
INSTANCES = 4


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_instances_starting_together_with_a_new_config_agree_on_its_tenants(
    database: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url")
    demo = replace(config.load_file(None), database=url)
    first = create_app(demo)
    created = first.test_client().put("/__sandbox/cirrusmd/clients/runtime", json={"shared_secret": "s"})
    assert created.status_code == 200
    first.extensions["sandbox.store"].dispose()

    settings = replace(demo, vendors=NEW_CONFIG)
    apps: list[Flask] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(INSTANCES)

    def start() -> None:
        barrier.wait()
        try:
            apps.append(create_app(settings))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(INSTANCES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert len(apps) == INSTANCES
        for app in apps:
            client = app.test_client()
            clients = client.get("/__sandbox/cirrusmd/clients").json["clients"]
            assert [(c["client_id"], c["source"]) for c in clients] == [("acme", "config"), ("runtime", "control")]
            surveys = client.get("/__sandbox/intake24/surveys").json["surveys"]
            assert [(s["slug"], s["source"]) for s in surveys] == [("other", "config")]
            clinics = client.get("/__sandbox/sympto/clinics").json["clinics"]
            assert [(c["clinic_id"], c["source"]) for c in clinics] == [("north", "config")]
    finally:
        for app in apps:
            app.extensions["sandbox.store"].dispose()
