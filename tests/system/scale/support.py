"""Support for the scale tests: ``vendor-sandbox serve`` as real processes, and race checks any vendor can plug into.

Processes: :class:`Sandbox` starts one ``serve`` instance, stops it with SIGTERM and restarts it on the same port.

Races: N identical create requests at once must make exactly one record. A vendor adds a :class:`RaceCase` to
:data:`CASES`: how to send one create request for the shared identity (to a given base URL) and how to count that
identity's records in a database. The race tests run every case across worker processes (SQLite) and across
instances (PostgreSQL).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
from sqlalchemy import Select, func, select

from contracts.cirrusmd.tokens import Credentials
from sandbox.core.store import Store
from tests.support import at_once
from tests.vendors.cirrusmd.support import DEMO, SESSIONS, member_body, valid_headers

START_TIMEOUT_SECONDS = 30
#: The banner's first line names the address ``serve`` listens on: ``… on http://127.0.0.1:<port> (…``.
BANNER_PORT = re.compile(rb" on https?://127\.0\.0\.1:(\d+) ")


class Sandbox:
    """One ``vendor-sandbox serve`` instance: ``with Sandbox(workdir, "--database", url) as sandbox:``.

    Every start is ``serve --port 0``: the server claims its own port and the test reads it back from the
    banner, so no port is ever picked here and released for another test to take first (the flaky "Address
    already in use" of issue #20). A restart gets a port of its own too (:attr:`url` follows it): asking for the
    port of the instance just stopped would bind again a port released meanwhile, the same window.
    """

    _instances = itertools.count(1)

    def __init__(self, workdir: Path, *args: str, workers: int = 1) -> None:
        self.workdir = workdir
        self.args = args
        self.workers = workers
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.log = workdir / f"sandbox-{next(self._instances)}.log"

    @property
    def url(self) -> str:
        assert self.port, "not started yet"
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Sandbox:
        """Start (or restart) on a port of the server's own choosing."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("VENDOR_SANDBOX_")}
        self.port = 0
        command = [str(Path(sys.executable).with_name("vendor-sandbox")), "serve", "--port", "0"]
        command += ["--workers", str(self.workers), *self.args]
        log_start = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if not self.port:
                found = BANNER_PORT.search(self.log.read_bytes()[log_start:])
                self.port = int(found.group(1)) if found else 0
            if self.port and self._healthy():
                self.starts += 1
                return self
            if self.process.poll() is not None:
                self.process = None
                raise AssertionError(self.log.read_text())
            assert time.monotonic() < deadline, f"the sandbox did not start:\n{self.log.read_text()}"
            time.sleep(0.02)

    def _healthy(self) -> bool:
        try:
            return requests.get(self.url + "/__sandbox/health", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    def stop(self) -> int:
        """SIGTERM, then wait: the exit code (0 for a graceful stop)."""
        process = self.process
        assert process is not None
        self.process = None
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None:
            self.stop()


# -- races -----------------------------------------------------------------------------------------

#: (base URL, index of this request) -> the HTTP status the sandbox answered.
SendOne = Callable[[str, int], int]
#: (database URL) -> how many records exist for the raced identity.
CountRecords = Callable[[str], int]


@dataclass(frozen=True)
class RaceCase:
    name: str
    send_one: SendOne
    count_records: CountRecords
    created_status: int
    #: Optional: (database URL) -> how many requests the one record has seen, where the vendor counts them.
    requests_seen: CountRecords | None = None
    #: Where only the first create succeeds (a duplicate is refused), the status every other request gets.
    duplicate_status: int | None = None


def race(case: RaceCase, urls: Sequence[str], requests_count: int = 50) -> list[int]:
    """Send ``requests_count`` requests released together by a barrier, spread round-robin over ``urls``."""

    def one(index: int) -> int:
        try:
            return case.send_one(urls[index % len(urls)], index)
        except requests.RequestException as error:
            print(f"request {index} failed: {error!r}")
            return -1

    return at_once(one, requests_count)


def assert_one_record(case: RaceCase, urls: Sequence[str], database_url: str, requests_count: int = 50) -> None:
    statuses = race(case, urls, requests_count)
    if case.duplicate_status is None:
        assert statuses == [case.created_status] * requests_count
    else:
        assert sorted(statuses) == sorted([case.created_status] + [case.duplicate_status] * (requests_count - 1))
    assert case.count_records(database_url) == 1
    if case.requests_seen is not None:
        assert case.requests_seen(database_url) == requests_count


# -- CirrusMD ---------------------------------------------------------------------------------------

CIRRUSMD_IDENTITY = "race-user"


def cirrusmd_send_one(url: str, index: int) -> int:
    from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers

    body = member_body(external_user_id=CIRRUSMD_IDENTITY, first_name=f"Jane-{index}")
    return requests.post(url + SESSIONS, json=body, headers=valid_headers(time.time()), timeout=60).status_code


def scalar(database_url: str, query: Select[tuple[int]]) -> int:
    store = Store(database_url)
    try:
        with store.connect() as connection:
            return int(connection.execute(query).scalar() or 0)
    finally:
        store.dispose()


def _cirrusmd_where(query: Select[tuple[int]]) -> Select[tuple[int]]:
    from sandbox.vendors.cirrusmd.models import members

    return query.where(members.c.client_id == "demo-client", members.c.external_user_id == CIRRUSMD_IDENTITY)


def cirrusmd_count_records(database_url: str) -> int:
    from sandbox.vendors.cirrusmd.models import members

    return scalar(database_url, _cirrusmd_where(select(func.count()).select_from(members)))


def cirrusmd_requests_seen(database_url: str) -> int:
    from sandbox.vendors.cirrusmd.models import members

    return scalar(database_url, _cirrusmd_where(select(func.sum(members.c.sessions_created))))


# -- Intake24: concurrent first create-user calls for one username ------------------------------------

INTAKE24_USERNAME = "race-respondent"


def intake24_send_one(url: str, index: int) -> int:
    from contracts.jws import sign_hmac

    token = sign_hmac({"username": INTAKE24_USERNAME, "name": f"Name {index}"}, "demo-intake24-jwt-secret-change-me")
    return requests.post(url + "/intake24/api/surveys/demo/create-user", json={"token": token}, timeout=60).status_code


def intake24_count_records(database_url: str) -> int:
    from sandbox.vendors.intake24.models import respondents

    return scalar(
        database_url, select(func.count()).select_from(respondents).where(respondents.c.username == INTAKE24_USERNAME)
    )


# -- Sympto: concurrent creates of one patient (email); the first wins, the rest are duplicates (422) ---

SYMPTO_EMAIL = "race-patient@example.test"
_sympto_tokens: dict[str, str] = {}
_sympto_lock = threading.Lock()


def _sympto_bearer(url: str) -> str:
    with _sympto_lock:
        if url not in _sympto_tokens:
            answer = requests.post(
                url + "/sympto/authorization",
                json={"clientId": "demo-admin@example.test", "clientSecret": "demo-sympto-api-secret"},
                timeout=60,
            )
            _sympto_tokens[url] = answer.json()["Response"]
        return _sympto_tokens[url]


def sympto_send_one(url: str, index: int) -> int:
    body = {
        "firstName": "Pat",
        "lastName": f"Race{index}",
        "timeZone": "America/Los_Angeles",
        "email": SYMPTO_EMAIL,
        "notificationType": ["email"],
    }
    return requests.post(
        url + "/sympto/providers/patients",
        json=body,
        headers={"Authorization": f"Bearer {_sympto_bearer(url)}"},
        timeout=60,
    ).status_code


def sympto_count_records(database_url: str) -> int:
    from sandbox.vendors.sympto.models import users

    return scalar(database_url, select(func.count()).select_from(users).where(users.c.email == SYMPTO_EMAIL))


CASES = [
    RaceCase(
        "cirrusmd",
        cirrusmd_send_one,
        cirrusmd_count_records,
        created_status=201,
        requests_seen=cirrusmd_requests_seen,
    ),
    RaceCase("intake24", intake24_send_one, intake24_count_records, created_status=200),
    RaceCase("sympto", sympto_send_one, sympto_count_records, created_status=200, duplicate_status=422),
]


# Keep-alive connections pinned to each worker of a real ``serve --workers 2`` (which worker holds a
# connection is read from ``/proc``: the server side of the socket), for tests of what every worker sees.

WORKERS = 2
#: Connections opened at most while looking for one held by each worker.
MAX_CONNECTIONS = 64


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(child) for child in (task / "children").read_text().split())
    return found


def _server_socket_inode(server_port: int, client_port: int) -> str:
    """The inode of the server's end of the loopback connection from ``client_port``."""
    wanted_local, wanted_remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == wanted_local and fields[2] == wanted_remote:
            return fields[9]
    raise AssertionError(f"no server socket for the connection from port {client_port}")


def _worker_holding(workers: list[int], inode: str) -> int:
    target = f"socket:[{inode}]"
    for worker in workers:
        for descriptor in Path(f"/proc/{worker}/fd").iterdir():
            try:
                if descriptor.readlink().as_posix() == target:
                    return worker
            except OSError:
                continue
    raise AssertionError(f"no worker holds socket {inode}")


class Connection:
    """One keep-alive connection and the worker that serves it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
        self.worker = 0

    def send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> int:
        data = None if body is None else json.dumps(body)
        sent_headers = {"Content-Type": "application/json", **(headers or {})}
        self.http.request(method, path, body=data, headers=sent_headers)
        response = self.http.getresponse()
        response.read()
        assert response.getheader("Connection", "").lower() != "close"
        return response.status

    def create_session(self, now: float, credentials: Credentials = DEMO, **changes: Any) -> int:
        return self.send("POST", SESSIONS, member_body(**changes), valid_headers(now, credentials))


@contextmanager
def connections_on_every_worker(sandbox: Sandbox) -> Iterator[list[Connection]]:
    """Keep-alive connections, at least one held by each worker, each having made one valid request."""
    assert sandbox.process is not None
    workers = _children(sandbox.process.pid)
    assert len(workers) == WORKERS, workers
    opened: list[Connection] = []
    try:
        while {c.worker for c in opened} != set(workers):
            assert len(opened) < MAX_CONNECTIONS, f"{MAX_CONNECTIONS} connections never reached every worker"
            connection = Connection(sandbox)
            opened.append(connection)
            assert connection.create_session(time.time()) == 201  # warms this worker's memory
            assert connection.http.sock is not None
            client_port = connection.http.sock.getsockname()[1]
            connection.worker = _worker_holding(workers, _server_socket_inode(sandbox.port, client_port))
        for connection in opened:  # every connection warm, not just the first of each worker
            assert connection.create_session(time.time()) == 201
        yield opened
    finally:
        for connection in opened:
            connection.http.close()


def exchange(
    connection: Connection, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """One JSON request on this keep-alive connection: the status and the decoded JSON answer (``None`` if empty)."""
    data = None if body is None else json.dumps(body)
    connection.http.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.http.getresponse()
    raw = response.read()
    return response.status, json.loads(raw) if raw else None
