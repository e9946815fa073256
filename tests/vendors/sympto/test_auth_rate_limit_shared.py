"""The login limit counts in the shared store in one step: two apps on one database (two workers or instances,
SQLite and PostgreSQL) that receive wrong logins at the same instant at the edge of the limit answer exactly one
of them 401 and the rest 429, and count exactly the limit's failures. (With the count read first and the failure
recorded after, every one of them read "one below the limit" and was answered 401.)"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from sandbox.vendors.sympto.models import auth_failures
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
