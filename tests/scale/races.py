"""Race checks any vendor can plug into: N identical create requests at once, exactly one record.

A vendor adds a :class:`RaceCase` to :data:`CASES`: how to send one create request for the shared
identity (to a given base URL) and how to count that identity's records in a database. The race
tests run every case across worker processes (SQLite) and across instances (PostgreSQL).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import requests
from sqlalchemy import Select, func, select

from sandbox.core.store import Store

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
    barrier = threading.Barrier(requests_count)
    statuses: list[int] = []
    lock = threading.Lock()

    def one(index: int) -> None:
        url = urls[index % len(urls)]
        barrier.wait(timeout=30)
        try:
            status = case.send_one(url, index)
        except requests.RequestException as error:
            status = -1
            print(f"request {index} failed: {error!r}")
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(requests_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


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
