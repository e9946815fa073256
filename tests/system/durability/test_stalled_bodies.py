"""Clients that announce a body and stall: on a real ``serve`` they hold no thread, and get 408 in time.

Each stalled client sends its headers with ``Content-Length: 1000`` and one byte of body, then
holds the connection open. Under Granian's WSGI interface each of them held a server thread with
no timeout: 65 were enough to stop a worker from answering even ``/__sandbox/health``.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from contracts.sympto import messages as sympto_messages
from tests.support import SandboxProcess
from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers

STALLED = 200
TIMEOUT_MESSAGE = (
    "The request body did not arrive within 1 s: send the whole body (as many bytes as Content-Length says) "
    "without pausing."
)


def stall(port: int, path: str, count: int) -> list[socket.socket]:
    """``count`` clients, each with a body announced at 1000 bytes of which one byte is sent."""
    clients = []
    for _ in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=30)
        client.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
            + b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        clients.append(client)
    return clients


def close(clients: list[socket.socket]) -> None:
    for client in clients:
        client.close()


def answer_of(client: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the one answer on ``client``, read until the server closes."""
    data = b""
    while chunk := client.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def still_waiting(client: socket.socket) -> bool:
    """True while the server has neither answered nor closed the connection."""
    client.setblocking(False)
    try:
        client.recv(1)
    except BlockingIOError:
        return True
    finally:
        client.setblocking(True)
    return False


def prompt_session(url: str) -> float:
    started = time.monotonic()
    response = requests.post(url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=10)
    assert response.status_code == 201, response.text
    return time.monotonic() - started


def prompt_health(url: str) -> float:
    started = time.monotonic()
    assert requests.get(url + "/__sandbox/health", timeout=10).json()["status"] == "ok"
    return time.monotonic() - started


@pytest.fixture(scope="module")
def patient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """Defaults: a 10 s body timeout, longer than the tests hold their clients."""
    process = SandboxProcess(Path(tmp_path_factory.mktemp("patient")))
    yield process
    process.terminate()


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A 1 s body timeout, on two workers."""
    process = SandboxProcess(Path(tmp_path_factory.mktemp("strict")), "--body-timeout", "1", "--workers", "2")
    yield process
    process.terminate()


def test_200_stalled_bodies_delay_neither_health_nor_sessions(patient: SandboxProcess) -> None:
    clients = stall(patient.port, SESSIONS, STALLED)
    try:
        time.sleep(0.5)  # every stalled request has reached the worker
        for _ in range(3):
            assert prompt_health(patient.url) < 3
            assert prompt_session(patient.url) < 3
            time.sleep(0.3)
        assert all(still_waiting(client) for client in clients)  # held by the server, not refused
    finally:
        close(clients)


def test_stalled_bodies_get_408_in_cirrusmds_shape_and_a_journal_row_each(strict: SandboxProcess) -> None:
    requests.post(strict.url + "/__sandbox/reset?vendor=cirrusmd", timeout=10).raise_for_status()
    started = time.monotonic()
    clients = stall(strict.port, SESSIONS, STALLED)
    try:
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(answer_of, clients))
    finally:
        close(clients)
    assert time.monotonic() - started < 15
    for status, headers, body in answers:
        assert status == 408
        assert headers["connection"] == "close"
        assert json.loads(body) == {"error_message": TIMEOUT_MESSAGE}
    entries = requests.get(
        strict.url + "/__sandbox/journal", params={"vendor": "cirrusmd", "limit": 1000}, timeout=10
    ).json()["entries"]
    refused = [entry for entry in entries if entry["rule"] == "body_timeout"]
    assert len(refused) == STALLED
    assert {(entry["status"], entry["verdict"], entry["message"]) for entry in refused} == {
        (408, "rejected", TIMEOUT_MESSAGE)
    }


def test_after_the_timeouts_the_server_serves_normally(strict: SandboxProcess) -> None:
    clients = stall(strict.port, SESSIONS, STALLED)
    try:
        assert {answer_of(client)[0] for client in clients} == {408}
    finally:
        close(clients)
    with ThreadPoolExecutor(16) as pool:
        durations = list(pool.map(lambda _: prompt_session(strict.url), range(32)))
    assert max(durations) < 5


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/intake24/api/surveys/demo/create-user", {"message": TIMEOUT_MESSAGE}),
        (
            "/sympto/authorization",
            {
                "Status": sympto_messages.STATUS_ERROR,
                "Response": None,
                "Message": TIMEOUT_MESSAGE,
                "Code": "body_timeout",
            },
        ),
        ("/__sandbox/faults", {"error": TIMEOUT_MESSAGE}),
    ],
)
def test_each_owner_answers_a_stalled_body_in_its_own_shape(
    strict: SandboxProcess, path: str, expected: dict[str, Any]
) -> None:
    (client,) = stall(strict.port, path, 1)
    try:
        status, headers, body = answer_of(client)
    finally:
        client.close()
    assert status == 408
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == expected


def test_beyond_the_configured_bound_bodies_wait_their_turn_then_get_503(tmp_path: Path) -> None:
    server = SandboxProcess(tmp_path, "--max-pending-bodies", "3", "--body-timeout", "3")
    try:
        clients = stall(server.port, SESSIONS, 3)  # all 3 turns taken
        try:
            time.sleep(0.5)
            with ThreadPoolExecutor(1) as pool:
                queued = pool.submit(prompt_session, server.url)  # waits for a turn
                assert prompt_health(server.url) < 2  # requests without a body are not held back
                assert 1 < queued.result(timeout=15) < 6  # served once a turn came, before its deadline
            assert [answer_of(client)[0] for client in clients] == [408] * 3
        finally:
            close(clients)

        clients = stall(server.port, SESSIONS, 6)  # 3 reading, 3 waiting: the queue is full
        try:
            time.sleep(0.5)
            started = time.monotonic()
            refused = requests.post(
                server.url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=10
            )
            assert time.monotonic() - started < 2
            assert refused.status_code == 503
            assert refused.headers["Retry-After"] == "1"
            assert refused.json() == {
                "error_message": "The sandbox is already waiting for 6 request bodies to arrive: retry in a moment."
            }
            assert prompt_health(server.url) < 2
            assert [answer_of(client)[0] for client in clients] == [408] * 6
        finally:
            close(clients)
        assert prompt_session(server.url) < 2
        entries = requests.get(
            server.url + "/__sandbox/journal", params={"vendor": "cirrusmd", "verdict": "rejected"}, timeout=10
        ).json()["entries"]
        assert sorted((entry["status"], entry["rule"]) for entry in entries) == [
            *[(408, "body_timeout")] * 9,
            (503, "too_many_pending_bodies"),
        ]
    finally:
        server.terminate()


#: ``max_pending_bodies``' default (256): as many bodies read at once and as many waiting their turn are held.
DEFAULT_HELD = 2 * 256


def test_by_default_512_stalled_bodies_are_held_and_the_next_gets_503(tmp_path: Path) -> None:
    """``max_pending_bodies`` left out of the config (and of the environment): a real ``serve`` holds 256 bodies
    being read and 256 waiting their turn, so 512 stalled clients are all still waiting (none refused) and the
    513th is refused at once, its message naming the 512 (a default of 255 refuses one of the 512; one of 257 does
    not refuse the 513th, which then waits for a turn that stalled clients hold for 10 s). The workers' connection
    allowance (``serve.connections_per_worker``) must hold them too."""
    (tmp_path / "empty.toml").write_text("")
    server = SandboxProcess(tmp_path, "--config", "empty.toml")
    try:
        clients = stall(server.port, SESSIONS, DEFAULT_HELD)
        try:
            time.sleep(2)  # every stalled request has reached the worker's bridge
            started = time.monotonic()
            refused = requests.post(
                server.url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=5
            )
            assert time.monotonic() - started < 3
            assert refused.status_code == 503
            assert refused.json() == {
                "error_message": "The sandbox is already waiting for 512 request bodies to arrive: retry in a moment."
            }
            assert [index for index, client in enumerate(clients) if not still_waiting(client)] == []
        finally:
            close(clients)
    finally:
        server.terminate()


def test_sigterm_is_not_held_up_by_stalled_clients_beyond_the_body_timeout(tmp_path: Path) -> None:
    server = SandboxProcess(tmp_path, "--body-timeout", "2")
    clients = stall(server.port, SESSIONS, 20)
    try:
        time.sleep(0.5)
        started = time.monotonic()
        assert server.terminate(timeout=20) == 0
        assert time.monotonic() - started < 10
    finally:
        close(clients)


def test_an_armed_drop_still_cuts_the_connection(patient: SandboxProcess) -> None:
    requests.post(
        patient.url + "/__sandbox/faults", json={"vendor": "cirrusmd", "drop": True, "times": 1}, timeout=10
    ).raise_for_status()
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        requests.post(patient.url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=10)
    assert prompt_session(patient.url) < 3


def test_a_body_cut_short_by_the_client_is_journaled_as_far_as_it_arrived(patient: SandboxProcess) -> None:
    requests.post(patient.url + "/__sandbox/reset?vendor=cirrusmd", timeout=10).raise_for_status()
    client = socket.create_connection(("127.0.0.1", patient.port), timeout=10)
    client.sendall(
        f"POST {SESSIONS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n".encode()
        + b'Content-Length: 100\r\nX-Correlation-Id: cut-short\r\n\r\n{"partial'
    )
    time.sleep(0.3)
    client.close()
    deadline = time.monotonic() + 10
    while True:
        entries = requests.get(patient.url + "/__sandbox/journal", params={"vendor": "cirrusmd"}, timeout=10).json()
        found = [entry for entry in entries["entries"] if entry["correlation_id"] == "cut-short"]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [entry["request"]["body"] for entry in found] == ['{"partial']
