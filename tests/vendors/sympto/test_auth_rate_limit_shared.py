"""The login limit counts in the shared store in one step: two apps on one database (two workers or instances,
SQLite and PostgreSQL) that receive wrong logins at the same instant at the edge of the limit answer exactly one
of them 401 and the rest 429, and count exactly the limit's failures. (With the count read first and the failure
recorded after, every one of them read "one below the limit" and was answered 401.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import func, select

from sandbox import config
from sandbox.app import create_app
from sandbox.vendors.sympto.models import auth_failures
from tests.vendors.sympto.support import ADMIN, API_SECRET

WRONG = {"clientId": ADMIN, "clientSecret": "wrong"}
AT_ONCE = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def apps(request: pytest.FixtureRequest) -> Iterator[list[Flask]]:
    url = request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url")
    settings = replace(config.load_file(None), database=url)
    built = [create_app(settings, random_seed=1), create_app(settings, random_seed=2)]
    yield built
    for app in built:
        app.extensions["sandbox.store"].dispose()


def _failures(app: Flask) -> int:
    with app.extensions["sandbox.store"].connect() as connection:
        return int(connection.execute(select(func.count()).select_from(auth_failures)).scalar_one())


def test_wrong_logins_at_once_on_two_apps_at_the_edge_get_one_401(apps: list[Flask]) -> None:
    limit = apps[0].extensions["sandbox.sympto"].settings.rate_limit_failures
    clients = [app.test_client() for app in apps]
    for sent in range(limit - 1):  # one failure below the limit, counted through both apps
        assert clients[sent % 2].post("/sympto/authorization", json=WRONG).status_code == 401
    barrier = threading.Barrier(AT_ONCE)
    statuses: list[int] = []
    lock = threading.Lock()

    def one(index: int) -> None:
        client = apps[index % 2].test_client()
        barrier.wait(timeout=30)
        status = client.post("/sympto/authorization", json=WRONG).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [401] + [429] * (AT_ONCE - 1)
    assert _failures(apps[0]) == limit
    for client in clients:  # limited on both, right credentials included (the real clock: a second may pass)
        limited = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET})
        assert (limited.status_code, limited.json["Code"]) == (429, "rate_limited")
        assert limited.headers["Retry-After"] in ("300", "301")
