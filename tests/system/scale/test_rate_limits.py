"""Intake24's rate limiters count in the shared store: on a real ``serve --workers 2`` the limit trips at
exactly the configured count whichever worker answers, and a control-plane reset clears it on every worker.

Requests alternate between keep-alive connections held by different workers (which worker holds a
connection is read from ``/proc``, as in :mod:`tests.system.scale.test_remembered_state`). With a count
kept in each process, the generic limit would let ``2 × limit`` requests through and the draft-7
``RateLimit`` header would count down twice as slowly.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox import config
from tests.system.scale.support import WORKERS, Connection, Sandbox, connections_on_every_worker

GENERIC_LIMIT = 6
LOGIN_LIMIT = 3
WINDOW_SECONDS = 300
UNKNOWN = "/intake24/api/nothing/here"
LOGIN = "/intake24/api/auth/login/token"


def _send(connection: Connection, method: str, path: str, body: Any = None) -> http.client.HTTPResponse:
    """One request on this keep-alive connection; the answer's body is in its ``body`` attribute."""
    data = None if body is None else json.dumps(body)
    connection.http.request(method, path, body=data, headers={"Content-Type": "application/json"})
    response = connection.http.getresponse()
    response.body = json.loads(response.read())  # type: ignore[attr-defined]
    return response


def _alternating(opened: list[Connection]) -> Iterator[Connection]:
    """One connection of each worker in turn, forever."""
    by_worker: dict[int, Connection] = {}
    for connection in opened:
        by_worker.setdefault(connection.worker, connection)
    assert len(by_worker) == WORKERS
    while True:
        yield from by_worker.values()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    workdir = tmp_path_factory.mktemp("rate-limits")
    text = config.default_config_text()
    assert "rate_limit_max = 300\n" in text
    text = text.replace(
        "rate_limit_max = 300\n", f"rate_limit_max = {GENERIC_LIMIT}\nlogin_rate_limit_max = {LOGIN_LIMIT}\n"
    )
    (workdir / "sandbox.toml").write_text(text, encoding="utf-8")
    with Sandbox(workdir, "--config", str(workdir / "sandbox.toml"), workers=WORKERS) as running:
        yield running


@pytest.fixture
def opened(sandbox: Sandbox) -> Iterator[list[Connection]]:
    assert requests.post(f"{sandbox.url}/__sandbox/reset", timeout=10).status_code == 200
    with connections_on_every_worker(sandbox) as connections:
        yield connections


def test_the_generic_limit_trips_at_exactly_its_count_whichever_worker_answers(opened: list[Connection]) -> None:
    turns = _alternating(opened)
    for sent in range(1, GENERIC_LIMIT + 1):
        answer = _send(next(turns), "GET", UNKNOWN)
        assert answer.status == 404
        remaining = GENERIC_LIMIT - sent
        assert answer.getheader("RateLimit") == f"limit={GENERIC_LIMIT}, remaining={remaining}, reset={WINDOW_SECONDS}"
    for _ in range(WORKERS):  # refused on every worker, with the same headers
        blocked = _send(next(turns), "GET", UNKNOWN)
        assert blocked.status == 429
        assert blocked.body == {"message": "Too many requests, try again later."}  # type: ignore[attr-defined]
        assert blocked.getheader("RateLimit") == f"limit={GENERIC_LIMIT}, remaining=0, reset={WINDOW_SECONDS}"
        assert blocked.getheader("RateLimit-Policy") == f"{GENERIC_LIMIT};w={WINDOW_SECONDS}"
        assert blocked.getheader("Retry-After") == str(WINDOW_SECONDS)


def test_the_login_limit_counts_failures_from_every_worker(opened: list[Connection]) -> None:
    turns = _alternating(opened)
    for _ in range(LOGIN_LIMIT):
        assert _send(next(turns), "POST", LOGIN, {"token": "unknown"}).status == 401
    for _ in range(WORKERS):
        blocked = _send(next(turns), "POST", LOGIN, {"token": "unknown"})
        assert blocked.status == 429
        assert blocked.body == {"message": "Too many failed login attempts, try again later."}  # type: ignore[attr-defined]
        assert blocked.getheader("RateLimit") == f"limit={LOGIN_LIMIT}, remaining=0, reset=900"
        assert blocked.getheader("Retry-After") == "900"


def test_a_reset_through_the_control_plane_clears_the_count_on_every_worker(
    sandbox: Sandbox, opened: list[Connection]
) -> None:
    turns = _alternating(opened)
    for _ in range(GENERIC_LIMIT):
        assert _send(next(turns), "GET", UNKNOWN).status == 404
    assert _send(next(turns), "GET", UNKNOWN).status == 429
    assert requests.post(f"{sandbox.url}/__sandbox/reset", timeout=10).status_code == 200
    for sent in range(1, WORKERS + 1):  # every worker starts the window afresh, and counts on from the other
        answer = _send(next(turns), "GET", UNKNOWN)
        assert answer.status == 404
        remaining = GENERIC_LIMIT - sent
        assert answer.getheader("RateLimit") == f"limit={GENERIC_LIMIT}, remaining={remaining}, reset={WINDOW_SECONDS}"
