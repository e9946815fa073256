"""Find then update or create: one member per (client, external_user_id), a fresh token each time."""

from __future__ import annotations

import threading
from typing import Any

import jwt
import requests
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import Credentials
from sandbox.testing.live import LiveServer
from sandbox.vendors.cirrusmd.service import CirrusmdService
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import SESSIONS, member_body, post_session, valid_headers


def cirrusmd(app: Flask) -> CirrusmdService:
    service: CirrusmdService = app.extensions["sandbox.cirrusmd"]
    return service


def test_a_repeat_updates_the_one_member_and_returns_a_new_token(client: FlaskClient, app: Flask) -> None:
    first = post_session(client, FROZEN_AT, member_body(email="old@example.com", zipcode="80202"))
    second = post_session(
        client,
        FROZEN_AT,
        member_body(email="new@example.com", last_name="Smith", zipcode=None, metadata={"plan": "gold"}),
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json["access_token"] != second.json["access_token"]
    service = cirrusmd(app)
    assert service.count_members() == 1
    stored = service.member("demo-client", "partner-user-1")
    assert stored is not None
    assert (stored["email"], stored["last_name"], stored["zipcode"], stored["metadata"]) == (
        "new@example.com",
        "Smith",
        None,
        {"plan": "gold"},
    )
    assert stored["sessions_created"] == 2


def test_both_tokens_name_the_same_member(client: FlaskClient, app: Flask) -> None:
    key = cirrusmd(app).access_token_key
    subjects = {
        jwt.decode(
            post_session(client, FROZEN_AT).json["access_token"],
            key,
            algorithms=["HS256"],
            audience="cirrusmd-sdk",
            options={"verify_exp": False, "verify_iat": False},
        )["sub"]
        for _ in range(3)
    }
    assert len(subjects) == 1


def test_a_new_external_user_id_creates_a_second_member(client: FlaskClient, app: Flask) -> None:
    post_session(client, FROZEN_AT, member_body(external_user_id="a"))
    post_session(client, FROZEN_AT, member_body(external_user_id="b"))
    assert cirrusmd(app).count_members() == 2


def test_the_same_external_user_id_under_two_clients_is_two_members(client: FlaskClient, app: Flask) -> None:
    other = Credentials("second-client", "second-client-secret-0123456789abcdef")
    cirrusmd(app).put_client(other.client_id, other.shared_secret)
    post_session(client, FROZEN_AT, member_body())
    response = post_session(client, FROZEN_AT, member_body(), credentials=other)
    assert response.status_code == 201
    assert cirrusmd(app).count_members("demo-client") == 1
    assert cirrusmd(app).count_members("second-client") == 1


def test_twenty_concurrent_requests_for_one_identity_make_one_member(app: Flask) -> None:
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    tokens: list[str] = []
    lock = threading.Lock()

    def one(index: int, url: str) -> None:
        body: dict[str, Any] = member_body(first_name=f"Jane-{index}")
        barrier.wait()
        response = requests.post(url + SESSIONS, json=body, headers=valid_headers(FROZEN_AT), timeout=30)
        with lock:
            statuses.append(response.status_code)
            tokens.append(response.json()["access_token"])

    with LiveServer(app) as server:
        threads = [threading.Thread(target=one, args=(i, server.url)) for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert statuses == [201] * 20
    assert len(set(tokens)) == 20
    assert cirrusmd(app).count_members() == 1
    stored = cirrusmd(app).member("demo-client", "partner-user-1")
    assert stored is not None
    assert stored["sessions_created"] == 20
