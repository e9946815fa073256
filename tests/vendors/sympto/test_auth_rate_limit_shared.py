"""The login limit counts in the shared store in one step: two apps on one database (two workers or instances,
SQLite and PostgreSQL) that receive wrong logins at the same instant at the edge of the limit answer exactly one
of them 401 and the rest 429, and count exactly the limit's failures. (With the count read first and the failure
recorded after, every one of them read "one below the limit" and was answered 401.)"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from flask import Flask
from sqlalchemy import event, func, select, text

from sandbox import config
from sandbox.app import create_app
from sandbox.core.clock import Clock
from sandbox.vendors.sympto.errors import RateLimited, Unauthorized
from sandbox.vendors.sympto.models import auth_failures
from sandbox.vendors.sympto.service import SymptoService
from tests.support import at_once
from tests.vendors.sympto.support import ADMIN, API_SECRET

WRONG = {"clientId": ADMIN, "clientSecret": "wrong"}
AT_ONCE = 8


def _failures(app: Flask) -> int:
    with app.extensions["sandbox.store"].connect() as connection:
        return int(connection.execute(select(func.count()).select_from(auth_failures)).scalar_one())


def test_wrong_logins_at_once_on_two_apps_at_the_edge_get_one_401(apps_on_one_database: list[Flask]) -> None:
    apps = apps_on_one_database
    limit = apps[0].extensions["sandbox.sympto"].settings.rate_limit_failures
    clients = [app.test_client() for app in apps]
    for sent in range(limit - 1):  # one failure below the limit, counted through both apps
        assert clients[sent % 2].post("/sympto/authorization", json=WRONG).status_code == 401

    def one(index: int) -> int:
        return int(apps[index % 2].test_client().post("/sympto/authorization", json=WRONG).status_code)

    statuses = at_once(one, AT_ONCE)

    assert sorted(statuses) == [401] + [429] * (AT_ONCE - 1)
    assert _failures(apps[0]) == limit
    for client in clients:  # limited on both, right credentials included (the real clock: a second may pass)
        limited = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET})
        assert (limited.status_code, limited.json["Code"]) == (429, "rate_limited")
        assert limited.headers["Retry-After"] in ("300", "301")


def _waiting_on_an_advisory_lock(app: Flask) -> bool:
    with app.extensions["sandbox.store"].engine.connect() as connection:
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        return bool(connection.execute(text(query)).scalar_one())


def test_on_postgresql_a_sources_failure_waits_for_the_one_before_it_to_commit(postgres_url: str, clock: Clock) -> None:
    """Deterministic (no race to win): the first of two wrong logins at the edge is held just before its commit;
    the second must wait for that commit (on the source's advisory lock) and then see the limit reached: 429, not
    counted. Counted without waiting, it would read the count before the first's failure and answer 401 too."""
    app = create_app(replace(config.load_file(None), database=postgres_url), clock=clock, random_seed=1)
    try:
        service: SymptoService = app.extensions["sandbox.sympto"]
        service.access.settings = replace(service.access.settings, rate_limit_failures=2)
        held, release = threading.Event(), threading.Event()
        outcomes: dict[str, str] = {}

        def hold_the_first_commit(_connection: Any) -> None:
            if threading.current_thread().name == "first" and not held.is_set():
                held.set()
                release.wait(timeout=30)

        def wrong_login() -> None:
            try:
                service.access.login(ADMIN, "wrong", "one source")
            except (Unauthorized, RateLimited) as refused:
                outcomes[threading.current_thread().name] = type(refused).__name__

        wrong_login()  # one failure below the limit
        event.listen(app.extensions["sandbox.store"].engine, "commit", hold_the_first_commit)
        first = threading.Thread(target=wrong_login, name="first")
        first.start()
        assert held.wait(timeout=30)
        second = threading.Thread(target=wrong_login, name="second")
        second.start()
        deadline = time.monotonic() + 30
        while second.is_alive() and not _waiting_on_an_advisory_lock(app) and time.monotonic() < deadline:
            time.sleep(0.01)
        release.set()
        first.join(timeout=30)
        second.join(timeout=30)
        assert outcomes == {"MainThread": "Unauthorized", "first": "Unauthorized", "second": "RateLimited"}
        assert _failures(app) == 2
    finally:
        app.extensions["sandbox.store"].dispose()
