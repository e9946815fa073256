"""Disposing the store ends Sympto's event worker first: no look runs on a store being closed, so no connection
is left open for the garbage collector (the ResourceWarning "connection ... was deleted while still open" that a
clean-clone CI run raised in an unrelated test)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from tests.vendors.sympto.support import login
from tests.vendors.sympto.test_routes_items import scheduled


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_disposing_the_store_stops_the_event_worker_before_the_pool_closes(
    database: str, sandbox_settings: Settings, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """A scheduled item keeps the worker looking (a frozen clock: for up to ``IDLE_EXIT_SECONDS``); ``dispose``
    must not return while it still looks, and a later request starts a fresh one."""
    url = request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url")
    app = create_app(replace(sandbox_settings, database=url), clock=clock, random_seed=7)
    store = app.extensions["sandbox.store"]
    deliverer = app.extensions["sandbox.sympto"].deliverer
    client = app.test_client()
    try:
        scheduled(client, login(client))  # an item due in ten days: pending work, the worker keeps looking
        worker = deliverer._worker
        assert worker is not None
        assert worker.is_alive()
        store.dispose()
        assert not worker.is_alive()  # ended before the pool was closed, not left looking on a closed store
        assert deliverer._worker is None
        deliverer.kick()  # as a request does: the app is usable again, with a fresh worker
        assert deliverer._worker is not None
        assert deliverer._worker is not worker
    finally:
        store.dispose()
    assert deliverer._worker is None
