"""Intake24's survey notifications live in the shared store: on a real ``serve --workers 2`` the control plane's
listing (and its ``?wait=``) is the same whichever worker answers, and each notification reaches the partner
once, in the order the submissions caused them, whichever worker served them.

Requests alternate between keep-alive connections held by different workers (which worker holds a connection is
read from ``/proc``: :func:`tests.system.scale.support.connections_on_every_worker`). With the attempts kept in
each worker's memory, a worker listed only its own and its ``?wait=`` returned before the other's were sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from contracts.jws import sign_hmac
from tests.system.scale.support import WORKERS, Connection, Sandbox, connections_on_every_worker, exchange
from tests.vendors.intake24.support import CREATE_USER, LOGIN, Receiver, receiving

SECRET = "study-secret-0123456789-0123456789"
EVENTS = ("survey.session.started", "survey.session.submitted")
NOTIFICATIONS = "/__sandbox/intake24/notifications"
ROUNDS = 3


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("notifications"), workers=WORKERS) as running:
        yield running


@pytest.fixture
def partner() -> Iterator[tuple[Receiver, str]]:
    with receiving() as served:
        yield served


def _one_per_worker(sandbox: Sandbox) -> Iterator[list[Connection]]:
    with connections_on_every_worker(sandbox) as opened:
        by_worker: dict[int, Connection] = {}
        for connection in opened:
            by_worker.setdefault(connection.worker, connection)
        assert len(by_worker) == WORKERS
        yield list(by_worker.values())


@pytest.fixture
def workers(sandbox: Sandbox) -> Iterator[list[Connection]]:
    """One keep-alive connection held by each worker, on a sandbox just reset."""
    assert requests.post(f"{sandbox.url}/__sandbox/reset", timeout=10).status_code == 200
    yield from _one_per_worker(sandbox)


def _signed_in(connection: Connection, url: str) -> dict[str, str]:
    body = {
        "allowGenUsers": True,
        "genUserKey": SECRET,
        "notifications": [{"type": event, "channel": "webhook", "url": url} for event in EVENTS],
    }
    assert exchange(connection, "PUT", "/__sandbox/intake24/surveys/hooks", body)[0] in (200, 201)
    token = sign_hmac({"username": "r1"}, SECRET)
    status, created = exchange(connection, "POST", CREATE_USER.format(slug="hooks"), {"token": token})
    assert status == 200, created
    status, access = exchange(connection, "POST", LOGIN, {"token": created["authToken"]})
    assert status == 200, access
    return {"Authorization": "Bearer " + access["accessToken"]}


def _listing(connection: Connection, wait: float | None = None) -> dict[str, Any]:
    status, listed = exchange(connection, "GET", NOTIFICATIONS + ("" if wait is None else f"?wait={wait}"))
    assert status == 200
    answer: dict[str, Any] = listed
    return answer


def test_every_worker_lists_and_awaits_the_notifications_of_every_worker(
    workers: list[Connection], partner: tuple[Receiver, str]
) -> None:
    receiver, url = partner
    headers = _signed_in(workers[0], url + "/hook")
    for turn in range(ROUNDS):  # the submissions alternate between the workers
        connection = workers[turn % WORKERS]
        assert exchange(connection, "POST", "/intake24/api/surveys/hooks/session", {}, headers)[0] == 200
        assert exchange(connection, "POST", "/intake24/api/surveys/hooks/submission", {}, headers)[0] == 200

    awaited = _listing(workers[-1], wait=20)  # a worker that did not cause the last submission waits for it

    assert awaited["settled"] is True
    expected = list(EVENTS) * ROUNDS
    assert [a["event"] for a in awaited["attempts"]] == expected
    assert [(a["attempt"], a["status"], a["survey"]) for a in awaited["attempts"]] == [(1, 200, "hooks")] * 6
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == expected  # each once, in order
    for connection in workers:  # the same listing whichever worker answers
        assert _listing(connection) == awaited


def test_a_reset_on_one_worker_clears_the_listing_of_every_worker(
    workers: list[Connection], partner: tuple[Receiver, str]
) -> None:
    _, url = partner
    headers = _signed_in(workers[0], url + "/hook")
    assert exchange(workers[0], "POST", "/intake24/api/surveys/hooks/session", {}, headers)[0] == 200
    assert len(_listing(workers[1], wait=20)["attempts"]) == 1
    assert exchange(workers[1], "POST", "/__sandbox/reset?tenant=hooks")[0] == 200
    for connection in workers:
        assert _listing(connection)["attempts"] == []
