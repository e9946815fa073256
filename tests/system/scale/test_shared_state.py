"""State shared through the database: the clock, the journal, members and signing keys.

In-process: two apps on one SQLite file. Real processes: two ``serve`` instances on PostgreSQL,
one of them restarted while the other keeps serving.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import jwt
import pytest
import requests

from sandbox import config
from sandbox.app import create_app
from sandbox.core.clock import Clock
from sandbox.core.journal import Journal
from sandbox.core.store import Store
from tests.conftest import FROZEN_AT
from tests.system.scale.support import Sandbox
from tests.vendors.cirrusmd.support import SESSIONS, member_body, post_session, valid_headers

FROZEN_ISO = "2026-11-21T12:00:00+00:00"


def test_a_clock_set_through_one_app_rules_another_on_the_same_database(database_url: str) -> None:
    settings = replace(config.load_file(None), database=database_url)
    apps = [create_app(settings), create_app(settings)]
    first, second = apps[0].test_client(), apps[1].test_client()
    assert second.get("/__sandbox/clock").json["mode"] == "system"

    assert first.put("/__sandbox/clock", json={"frozen_at": FROZEN_ISO}).status_code == 200
    seen = second.get("/__sandbox/clock").json
    assert (seen["mode"], seen["now_unix"]) == ("frozen", FROZEN_AT)
    # The second app's rules use that time: a token minted "now" for real is from the future there.
    assert post_session(second, time.time()).status_code == 401
    assert post_session(second, FROZEN_AT).status_code == 201

    assert second.put("/__sandbox/clock", json={"offset_seconds": -3600}).status_code == 200
    seen = first.get("/__sandbox/clock").json
    assert (seen["mode"], seen["offset_seconds"]) == ("offset", -3600)
    assert first.put("/__sandbox/clock", json={"mode": "system"}).status_code == 200
    assert second.get("/__sandbox/clock").json["mode"] == "system"
    for app in apps:
        app.extensions["sandbox.store"].dispose()


def test_a_clock_frozen_before_the_app_is_built_becomes_the_shared_clock(database_url: str) -> None:
    frozen = Clock()
    frozen.freeze(FROZEN_AT)
    settings = replace(config.load_file(None), database=database_url)
    apps = [create_app(settings, clock=frozen)]
    joining = Clock(apps[0].extensions["sandbox.store"])  # a clock never set adopts the shared state
    assert joining.now() == FROZEN_AT
    frozen.advance(10)
    apps.append(create_app(settings))
    assert apps[1].test_client().get("/__sandbox/clock").json["now_unix"] == FROZEN_AT + 10
    for app in apps:
        app.extensions["sandbox.store"].dispose()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_advancing_from_two_apps_counts_both(database: str, request: pytest.FixtureRequest) -> None:
    database_url = request.getfixturevalue("database_url" if database == "sqlite" else "postgres_url")
    store, other = Store(database_url), Store(database_url)
    try:
        store.create_tables()
        first, second = Clock(store), Clock(other)
        first.freeze(FROZEN_AT)
        first.advance(5)
        second.advance(7)
        assert Clock(store).now() == FROZEN_AT + 12
        second.use_system()
        assert abs(Clock(store).now() - time.time()) < 5
    finally:
        store.dispose()
        other.dispose()


def test_a_clock_set_once_is_seen_by_every_worker(tmp_path: Path) -> None:
    with Sandbox(tmp_path, workers=2) as sandbox:
        assert requests.put(sandbox.url + "/__sandbox/clock", json={"frozen_at": FROZEN_ISO}, timeout=10).ok
        # Many fresh connections: the kernel hands them to both workers.
        seen = {requests.get(sandbox.url + "/__sandbox/clock", timeout=10).json()["now_unix"] for _ in range(30)}
        assert seen == {FROZEN_AT}
        statuses = {
            requests.post(
                sandbox.url + SESSIONS, json=member_body(), headers=valid_headers(FROZEN_AT), timeout=10
            ).status_code
            for _ in range(10)
        }
        assert statuses == {201}


@pytest.mark.slow
def test_two_instances_on_postgresql_share_clock_journal_members_and_keys(tmp_path: Path, postgres_url: str) -> None:
    with (
        Sandbox(tmp_path, "--database", postgres_url) as first,
        Sandbox(tmp_path, "--database", postgres_url) as second,
    ):
        assert requests.put(first.url + "/__sandbox/clock", json={"frozen_at": FROZEN_ISO}, timeout=10).ok
        assert requests.get(second.url + "/__sandbox/clock", timeout=10).json()["now_unix"] == FROZEN_AT
        late = requests.post(second.url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=10)
        assert late.status_code == 401  # minted at the real time: from the future on the shared clock

        tokens = []
        for index, sandbox in enumerate((first, second)):
            response = requests.post(
                sandbox.url + SESSIONS,
                json=member_body(),
                headers={**valid_headers(FROZEN_AT), "X-Correlation-Id": f"shared-{index}"},
                timeout=10,
            )
            assert response.status_code == 201
            tokens.append(response.json()["access_token"])

        store = Store(postgres_url)
        key = store.signing_key("cirrusmd.access_token")
        options = {"verify_exp": False, "verify_iat": False}
        subjects = {
            jwt.decode(t, key, algorithms=["HS256"], audience="cirrusmd-sdk", options=options)["sub"] for t in tokens
        }
        assert len(subjects) == 1  # one member, one signing key, whichever instance answered

        entries = Journal(store, Clock(store), 1000, 3600).entries(vendor="cirrusmd")
        store.dispose()
        by_correlation = {entry["correlation_id"]: entry for entry in entries}
        assert {"shared-0", "shared-1"} <= set(by_correlation)
        assert all(by_correlation[f"shared-{i}"]["verdict"] == "accepted" for i in range(2))
        rejected = [entry for entry in entries if entry["verdict"] == "rejected"]
        assert [(entry["status"], entry["at"]) for entry in rejected] == [(401, FROZEN_AT)]


@pytest.mark.slow
def test_restarting_one_instance_while_the_other_serves(tmp_path: Path, postgres_url: str) -> None:
    statuses: list[int] = []
    stop = threading.Event()

    def load(url: str) -> None:
        index = 0
        while not stop.is_set() and index < 2000:
            body = member_body(external_user_id=f"steady-{index}")
            statuses.append(
                requests.post(url + SESSIONS, json=body, headers=valid_headers(time.time()), timeout=10).status_code
            )
            index += 1

    with (
        Sandbox(tmp_path, "--database", postgres_url) as first,
        Sandbox(tmp_path, "--database", postgres_url) as steady,
    ):
        created = requests.post(
            first.url + SESSIONS,
            json=member_body(external_user_id="before"),
            headers=valid_headers(time.time()),
            timeout=10,
        )
        assert created.status_code == 201
        worker = threading.Thread(target=load, args=(steady.url,))
        worker.start()
        try:
            assert first.stop() == 0
            first.start()  # same database (a port of its own: never one released meanwhile)
        finally:
            stop.set()
            worker.join(timeout=60)
        repeat = requests.post(
            first.url + SESSIONS,
            json=member_body(external_user_id="before"),
            headers=valid_headers(time.time()),
            timeout=10,
        )
        assert repeat.status_code == 201
        count = requests.post(
            first.url + SESSIONS,
            json=member_body(external_user_id="steady-0"),
            headers=valid_headers(time.time()),
            timeout=10,
        )
        assert count.status_code == 201

    assert len(statuses) > 0
    assert set(statuses) == {201}
    from sqlalchemy import select

    from sandbox.vendors.cirrusmd.models import members

    store = Store(postgres_url)
    with store.connect() as connection:
        rows = dict(connection.execute(select(members.c.external_user_id, members.c.sessions_created)).all())
    store.dispose()
    assert rows["before"] == 2  # the restarted instance found the member it had made before
    assert rows["steady-0"] == 2  # and the one the other instance made while it was down
    assert len(rows) == len(statuses) + 1


def test_serve_says_when_it_starts_with_a_clock_kept_from_before(tmp_path: Path) -> None:
    with Sandbox(tmp_path) as sandbox:
        assert requests.put(sandbox.url + "/__sandbox/clock", json={"frozen_at": FROZEN_ISO}, timeout=10).ok
        sandbox.stop()
        sandbox.start()
        assert requests.get(sandbox.url + "/__sandbox/clock", timeout=10).json()["now_unix"] == FROZEN_AT
    assert f"the sandbox clock is frozen at {FROZEN_AT}" in sandbox.log.read_text()
