"""The server's settings when the config file leaves them out (issue #20: defaults tested as defaults).

The shipped file writes most keys out, so the values the sandbox falls back to were seen only by reading the
constants. Here the app is built from an empty config and each default is observed where it acts: the body limit
through HTTP, the journal's bounds and the per-tenant quotas on the services that enforce them. The documented numbers
are typed here on purpose: a changed default must fail a test.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, func, insert, select

from contracts.cirrusmd.tokens import Credentials
from contracts.jws import sign_hmac
from sandbox import config, serve
from sandbox.core.clock import Clock
from sandbox.core.faults import armed_faults
from sandbox.core.journal import JOURNAL_KEY, Journal, journal_entries
from sandbox.vendors.cirrusmd.models import members as cirrusmd_members
from sandbox.vendors.cirrusmd.wire import SERVICE_KEY as CIRRUSMD
from sandbox.vendors.intake24.models import respondents as intake24_respondents
from sandbox.vendors.intake24.wire import SERVICE_KEY as INTAKE24
from sandbox.vendors.sympto.models import groups as sympto_groups
from sandbox.vendors.sympto.models import users as sympto_users
from sandbox.vendors.sympto.wire import SERVICE_KEY as SYMPTO
from tests.vendors.cirrusmd.support import member_body, post_session

MEBIBYTE = 1 << 20
WEEK = 7 * 24 * 3600


@pytest.fixture
def empty(app_from_config: Callable[[str], Flask]) -> Flask:
    return app_from_config("")


def test_the_default_body_limit_is_one_mebibyte(empty: Flask) -> None:
    client = empty.test_client()

    def put_clock(size: int) -> int:
        data = b'{"mode": "system", "p": "' + b"x" * (size - len(b'{"mode": "system", "p": ""}')) + b'"}'
        return client.put("/__sandbox/clock", data=data, headers={"Content-Type": "application/json"}).status_code

    assert put_clock(MEBIBYTE) == 400  # read whole (and refused for its unknown key)
    assert put_clock(MEBIBYTE + 1) == 413


def _rows(journal: Journal, count: int, tenant: str | None) -> None:
    """``count`` journal rows in one statement (ten thousand requests through HTTP would take seconds)."""
    row = {
        "at": journal.clock.now(),
        "vendor": "cirrusmd",
        "tenant": tenant,
        "direction": "inbound",
        "method": "GET",
        "path": "/cirrusmd/edge",
        "status": 404,
        "verdict": "rejected",
        "warnings": [],
        "request": {},
        "response": {},
        "latency_ms": 0.0,
        "correlation_id": "edge",
    }
    with journal.store.begin() as connection:
        connection.execute(insert(journal_entries), [row] * count)


def _kept(journal: Journal) -> tuple[int, int]:
    """How many rows the journal kept after pruning, and the oldest row's id."""
    journal.prune()
    with journal.store.begin() as connection:
        count, oldest = connection.execute(select(func.count(), func.min(journal_entries.c.id))).one()
    return int(count), int(oldest)


def test_the_default_journal_keeps_10000_entries(empty: Flask) -> None:
    journal = empty.extensions[JOURNAL_KEY]
    _rows(journal, 10_000, None)
    assert _kept(journal) == (10_000, 1)
    _rows(journal, 1, None)
    assert _kept(journal) == (10_000, 2)


def test_the_default_journal_keeps_10000_entries_per_tenant(app_from_config: Callable[[str], Flask]) -> None:
    """``[limits] journal_rows`` left out; the global bound raised so that only the per-tenant one can prune."""
    journal = app_from_config("[journal]\nmax_entries = 20000\n").extensions[JOURNAL_KEY]
    _rows(journal, 10_000, "demo")
    assert _kept(journal) == (10_000, 1)
    _rows(journal, 1, "demo")
    assert _kept(journal) == (10_000, 2)


def test_the_default_journal_keeps_a_week(empty: Flask, clock: Clock) -> None:
    journal = empty.extensions[JOURNAL_KEY]
    _rows(journal, 1, None)
    clock.advance(WEEK - 1)
    assert _kept(journal)[0] == 1
    clock.advance(1)
    assert _kept(journal)[0] == 1  # exactly a week old: kept
    clock.advance(1)
    journal.prune()
    assert empty.test_client().get("/__sandbox/journal").json["entries"] == []


def test_the_default_journal_bounds(empty: Flask) -> None:
    """As the journal holds them; each is also observed by its effect above."""
    journal = empty.extensions[JOURNAL_KEY]
    assert (journal.max_entries, journal.max_age_seconds, journal.max_per_tenant) == (10_000, WEEK, 10_000)


# The quotas by their effect: the table is filled to one short of the default in one statement (ten thousand creations
# through HTTP would take seconds), then the last one allowed and the first one refused are sent through HTTP.

QUOTA = 10_000


def _fill(app: Flask, table: Table, count: int, row: Callable[[int], dict[str, Any]]) -> None:
    with app.extensions["sandbox.store"].begin() as connection:
        connection.execute(insert(table), [row(index) for index in range(count)])


def _rows_of(app: Flask, table: Table) -> int:
    with app.extensions["sandbox.store"].begin() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_default_member_quota_is_10000(empty: Flask, clock: Clock) -> None:
    client = empty.test_client()
    credentials = Credentials(client_id="quota", shared_secret="quota-shared-secret-0123456789")
    assert client.put(
        "/__sandbox/cirrusmd/clients/quota", json={"shared_secret": credentials.shared_secret}
    ).status_code in (200, 201)
    now = clock.now()
    member = member_body()
    _fill(
        empty,
        cirrusmd_members,
        QUOTA - 1,
        lambda n: {
            **{k: v for k, v in member.items() if k in cirrusmd_members.c},
            "member_uuid": f"00000000-0000-0000-0000-{n:012d}",
            "client_id": "quota",
            "external_user_id": f"filled-{n}",
            "dob": "1977-01-11",
            "created_at": now,
            "updated_at": now,
        },
    )
    last = post_session(client, now, member_body(external_user_id="last"), credentials=credentials)
    assert last.status_code == 201, last.json
    beyond = post_session(client, now, member_body(external_user_id="beyond"), credentials=credentials)
    assert beyond.status_code == 422
    assert f"already has {QUOTA} members" in beyond.json["error_message"]


def test_the_default_respondent_quota_is_10000(empty: Flask, clock: Clock) -> None:
    client = empty.test_client()
    secret = "study-secret-0123456789-0123456789"
    survey = client.put("/__sandbox/intake24/surveys/quota", json={"allowGenUsers": True, "genUserKey": secret})
    assert survey.status_code in (200, 201)
    now = clock.now()
    survey_id = int(survey.json["id"])
    _fill(
        empty,
        intake24_respondents,
        QUOTA - 1,
        lambda n: {
            "survey_id": survey_id,
            "username": f"filled-{n}",
            "url_auth_token": f"filled-token-{n}",
            "password_hash": "-",
            "disabled": False,
            "created_at": now,
            "updated_at": now,
        },
    )

    def create(username: str) -> int:
        token = sign_hmac({"username": username}, secret)
        return client.post("/intake24/api/surveys/quota/create-user", json={"token": token}).status_code

    assert create("last") == 200
    assert create("beyond") == 403
    assert _rows_of(empty, intake24_respondents) == QUOTA


def test_the_default_user_and_group_quotas_are_10000(empty: Flask, clock: Clock) -> None:
    client = empty.test_client()
    clinic = {"admin_email": "quota@example.test", "api_secret": "quota-api-secret"}
    assert client.put("/__sandbox/sympto/clinics/quota", json=clinic).status_code in (200, 201)
    signed_in = client.post(
        "/sympto/authorization", json={"clientId": clinic["admin_email"], "clientSecret": clinic["api_secret"]}
    )
    headers = {"Authorization": f"Bearer {signed_in.json['Response']}"}
    _fill(
        empty,
        sympto_users,
        QUOTA - 1 - _rows_of(empty, sympto_users),
        lambda n: {
            "user_id": f"filled-{n}",
            "clinic_id": "quota",
            "kind": "patient",
            "first_name": "F",
            "last_name": "L",
            "time_zone": "UTC",
            "details": {},
            "created_at": clock.now(),
        },
    )

    def provider(email: str) -> int:
        body = {
            "firstName": "Dana",
            "lastName": "Doctor",
            "timeZone": "America/New_York",
            "email": email,
            "notificationPreferences": ["email"],
            "notificationType": ["alert", "patient-message"],
        }
        return client.post("/sympto/providers", json=body, headers=headers).status_code

    def group(name: str) -> int:
        return client.post("/sympto/providers/groups", json={"groupName": name}, headers=headers).status_code

    assert provider("last@example.test") == 200
    assert provider("beyond@example.test") == 422
    filled = _rows_of(empty, sympto_groups)  # a provider's own group came with it
    _fill(empty, sympto_groups, QUOTA - 1 - filled, lambda n: {"group_id": f"g-{n}", "clinic_id": "quota", "name": "g"})
    assert group("last") == 200
    assert group("beyond") == 422
    assert (_rows_of(empty, sympto_users), _rows_of(empty, sympto_groups)) == (QUOTA, QUOTA)


def test_the_default_armed_fault_cap_is_1000(empty: Flask, clock: Clock) -> None:
    """``[limits] armed_faults`` left out: 999 live faults (filled in one statement), the 1000th armed through the
    control plane, the 1001st refused 409; a spent fault (``remaining`` 0) does not count."""
    row = {
        "name": "filled",
        "vendor": "sympto",
        "kind": "status",
        "status": 503,
        "headers": {},
        "body": None,
        "delay_seconds": 0.0,
        "probability": 1.0,
        "fired": 0,
        "created_at": clock.now(),
    }
    _fill(empty, armed_faults, 1, lambda n: {**row, "remaining": 0})  # spent
    _fill(empty, armed_faults, 1000 - 1, lambda n: {**row, "remaining": None})
    client = empty.test_client()
    assert client.post("/__sandbox/faults", json={"vendor": "sympto", "status": 503}).status_code == 201
    beyond = client.post("/__sandbox/faults", json={"vendor": "sympto", "status": 503})
    assert beyond.status_code == 409
    assert "1000 faults are armed already" in beyond.json["error"]
    assert _rows_of(empty, armed_faults) == 1001


def test_the_default_quotas(empty: Flask) -> None:
    """As the services hold them; each is also observed by its effect above."""
    assert empty.extensions[CIRRUSMD].settings.max_members == 10_000
    assert empty.extensions[INTAKE24].settings.max_respondents == 10_000
    sympto = empty.extensions[SYMPTO].settings
    assert (sympto.max_users, sympto.max_groups) == (10_000, 10_000)


class ManualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock moves only when the test moves it. The bridge's body deadline is
    ``asyncio.timeout`` on this clock, so it is observed to the millisecond without waiting for it."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 1_000.0

    def time(self) -> float:
        return self.now


class StalledClient:
    """Granian's RSGI protocol for a client that sends one byte of its announced body, then nothing."""

    def __init__(self) -> None:
        self.reading = False
        self.answers: list[tuple[int, bytes]] = []
        self.answered = threading.Event()

    def __aiter__(self) -> AsyncIterator[bytes]:
        self.reading = True  # the bridge has set its deadline and begun to read
        return self._body()

    async def _body(self) -> AsyncIterator[bytes]:
        yield b"{"
        await asyncio.get_running_loop().create_future()  # never resolved: the rest never comes

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answers.append((status, body))
        self.answered.set()


def test_the_default_body_timeout_is_10_seconds(empty: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``body_timeout_seconds`` left out of the config: a stalled body is still awaited 9.999 s after its headers
    and answered 408 at 10 s, by the bridge a ``serve`` worker builds (:func:`sandbox.rsgi.app_for_rsgi_worker`,
    from the settings its parent hands down) in front of the app.

    Why not a real ``serve``: the deadline is ``asyncio.timeout`` on the worker's event-loop clock, so a real
    process can only be watched for 10 real seconds, and on a loaded machine with a tolerance too wide to tell 10 s
    from 11. Here the same bridge runs on an event loop whose clock the test moves, so the edge is exact and costs
    no waiting: the default changed by a millisecond either way fails. That the bridge answers stalled bodies in a
    real ``serve`` (Granian's protocol, a configured timeout) is ``tests/system/durability/test_stalled_bodies.py``.
    """
    empty_config = tmp_path / "empty.toml"
    empty_config.write_text("")
    for name in [name for name in os.environ if name.startswith(config.ENV_PREFIX)]:
        monkeypatch.delenv(name)
    parent = config.load(str(empty_config), environ={})  # what ``serve`` loads, then hands to its workers
    monkeypatch.setenv(config.ENV_SETTINGS_JSON, config.to_environment(parent)[config.ENV_SETTINGS_JSON])
    monkeypatch.setattr(serve, "_prepared", empty)  # the app a worker inherits from its parent
    from sandbox import rsgi

    bridge = rsgi.app_for_rsgi_worker()
    headers = [("host", "127.0.0.1:8000"), ("content-type", "application/json"), ("content-length", "1000")]
    scope = SimpleNamespace(
        proto="http",
        http_version="1.1",
        server="127.0.0.1:8000",
        client="127.0.0.1:50000",
        scheme="http",
        method="POST",
        path="/cirrusmd/sdk/v2/public/sessions",
        query_string="",
        authority=None,
        headers=SimpleNamespace(items=lambda: headers),
    )
    client = StalledClient()

    async def stall() -> None:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, ManualClockLoop)
        request = asyncio.ensure_future(bridge.__rsgi__(scope, client))
        while not client.reading:
            await asyncio.sleep(0)
        started = loop.now
        loop.now = started + 9.999
        for _ in range(10):
            await asyncio.sleep(0)  # the loop runs whatever timer is due
        assert not request.done()
        assert client.answers == []
        loop.now = started + 10.0
        await asyncio.sleep(0)
        assert await loop.run_in_executor(None, client.answered.wait, 10)  # the app answers in a runner thread
        await request

    loop = ManualClockLoop()
    try:
        loop.run_until_complete(stall())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
        bridge.runners.shutdown()
    [(status, body)] = client.answers
    assert status == 408
    assert json.loads(body)["error_message"].startswith("The request body did not arrive within 10 s:")


def test_the_default_server_settings() -> None:
    """What ``serve`` uses with no config and no environment, as held. The body timeout, the pending bodies and
    the armed-fault cap are also observed by their effect (above, and in
    ``tests/system/durability/test_stalled_bodies.py``)."""
    settings = config.load(None, environ={})
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert (settings.body_timeout_seconds, settings.max_pending_bodies) == (10.0, 256)
    assert (settings.admin_token, settings.allowed_hosts, settings.limits.armed_faults) == (None, (), 1000)
