"""A real server keeps answering others while clients dawdle, and refuses oversized headers cleanly."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support import SandboxProcess
from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = SandboxProcess(Path(tmp_path_factory.mktemp("slow")))
    yield process
    process.terminate()


def test_half_sent_requests_do_not_block_other_clients(server: SandboxProcess) -> None:
    stalled = []
    for index in range(20):
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        if index % 2:  # headers that never end
            connection.sendall(b"POST /cirrusmd/sdk/v2/public/sessions HTTP/1.1\r\nHost: x\r\n")
        else:  # a body announced and never sent
            connection.sendall(
                b"POST /cirrusmd/sdk/v2/public/sessions HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
            )
        stalled.append(connection)
    try:
        started = time.monotonic()
        response = requests.post(
            server.url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=10
        )
        assert response.status_code == 201
        assert time.monotonic() - started < 5
    finally:
        for connection in stalled:
            connection.close()


def test_oversized_headers_are_refused_with_a_4xx(server: SandboxProcess) -> None:
    try:
        response = requests.post(
            server.url + SESSIONS, json=member_body(), headers={"X-Padding": "a" * 200_000}, timeout=10
        )
    except requests.ConnectionError:
        return  # closing the connection is an acceptable refusal too
    assert 400 <= response.status_code < 500


def test_a_body_over_one_mebibyte_is_refused_before_it_is_read(server: SandboxProcess) -> None:
    response = requests.post(
        server.url + SESSIONS,
        data=b"{" + b" " * (2 << 20) + b"}",
        headers=valid_headers(time.time()) | {"Content-Type": "application/json"},
        timeout=20,
    )
    assert response.status_code == 413
    assert response.json() == {
        "error_message": "The request body is larger than 1048576 bytes: send a smaller JSON object."
    }


def test_an_armed_delay_holds_up_only_its_own_request(server: SandboxProcess) -> None:
    """One worker runs one request at a time; a request sleeping on an armed delay lends its turn."""
    armed = requests.post(
        server.url + "/__sandbox/faults",
        json={"vendor": "cirrusmd", "delay_seconds": 4, "times": 1},
        timeout=10,
    )
    assert armed.status_code == 201, armed.text
    delayed: list[float] = []

    def send_delayed() -> None:
        started = time.monotonic()
        requests.post(server.url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=20)
        delayed.append(time.monotonic() - started)

    sleeper = threading.Thread(target=send_delayed)
    sleeper.start()
    try:
        deadline = time.monotonic() + 10
        while True:  # until the delayed request has taken the fault and is sleeping on it
            started = time.monotonic()
            faults = requests.get(server.url + "/__sandbox/faults", timeout=10).json()["faults"]
            assert time.monotonic() - started < 2, "the control plane waited for the delayed request"
            if not faults:
                break
            assert time.monotonic() < deadline, "the armed delay never fired"
            time.sleep(0.05)
        started = time.monotonic()
        response = requests.post(
            server.url + SESSIONS, json=member_body(), headers=valid_headers(time.time()), timeout=10
        )
        assert response.status_code == 201
        assert time.monotonic() - started < 2
        assert delayed == []  # answered while the delayed request still sleeps
    finally:
        sleeper.join(timeout=20)
    assert len(delayed) == 1
    assert delayed[0] >= 4
