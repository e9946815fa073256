"""The sandbox clock decides expiry (no sleeping), and every exchange lands in the journal."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from sandbox.core.journal import journal
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import SESSIONS, member_body, post_session, valid_headers


def test_moving_the_clock_turns_a_valid_token_into_an_expired_one(client: FlaskClient) -> None:
    headers = valid_headers(FROZEN_AT)  # exp = now + 110
    assert post_session(client, FROZEN_AT, headers=headers).status_code == 201

    moved = client.put("/__sandbox/clock", json={"frozen_at": "2026-11-21T12:01:55Z"})  # exp + 5 s of leeway
    assert moved.status_code == 200
    assert moved.json["now_unix"] == FROZEN_AT + 115
    late = post_session(client, FROZEN_AT, headers=headers)
    assert late.status_code == 401
    assert late.json["error_message"].startswith(
        "The JWT has expired: `exp` is 1795262510, 5 s before the server time 1795262515."
    )


def test_leeway_forgives_a_few_seconds_of_skew_and_no_more(client: FlaskClient) -> None:
    client.put("/__sandbox/clock", json={"frozen_at": "2026-11-21T12:01:54Z"})  # exp - 4 s leeway side
    headers = valid_headers(FROZEN_AT)
    assert post_session(client, FROZEN_AT, headers=headers).status_code == 201
    client.put("/__sandbox/clock", json={"frozen_at": "2026-11-21T12:01:56Z"})
    assert post_session(client, FROZEN_AT, headers=headers).status_code == 401


def test_clock_rejects_nonsense(client: FlaskClient) -> None:
    assert client.put("/__sandbox/clock", json={"frozen_at": "yesterday"}).status_code == 400
    assert client.put("/__sandbox/clock", json={"offset_seconds": "10"}).status_code == 400
    assert client.put("/__sandbox/clock", data=b"[", content_type="application/json").status_code == 400


def test_journal_records_verdicts_and_redacts_credentials(client: FlaskClient, app: Flask) -> None:
    post_session(client, FROZEN_AT)
    post_session(client, FROZEN_AT, headers={"Authorization": valid_headers(FROZEN_AT)["Authorization"]})
    post_session(client, FROZEN_AT, member_body(gender="F"))
    with app.app_context():
        entries = journal().entries(vendor="cirrusmd")
    verdicts = [(e["verdict"], e["rule"], e["status"]) for e in reversed(entries)]
    assert verdicts == [
        ("accepted", None, 201),
        ("accepted_with_warnings", None, 201),
        ("rejected", "invalid_body", 422),
    ]
    accepted = entries[-1]
    assert accepted["tenant"] == "demo-client"
    assert accepted["request"]["headers"]["Authorization"] == "Bearer [redacted]"
    assert accepted["response"]["body"] == {"access_token": "[redacted]"}
    assert accepted["request"]["body"]["email"] == "jane@jones.com"
    assert accepted["request"]["body"]["zipcode"] is None  # a zip code is no secret (the old guess said "code")
    assert entries[1]["warnings"][0]["rule"] == "accept_header_missing"


def test_journal_retention_is_bounded(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        log = journal()
        log.max_entries = 5
        for _ in range(12):
            client.post(SESSIONS, json=member_body())
        log.prune()
        assert len(log.entries(limit=100)) == 5
        log.max_age_seconds = 0
        app.extensions["sandbox.clock"].advance(1)
        log.prune()
        assert log.entries(limit=100) == []


def test_unknown_paths_and_methods_answer_in_cirrusmd_shape(client: FlaskClient) -> None:
    missing = client.post("/cirrusmd/sdk/v1/sessions", json={})
    assert missing.status_code == 404
    assert missing.json == {
        "error_message": "No route matches /sdk/v1/sessions: the session endpoint is POST /sdk/v2/public/sessions."
    }
    wrong = client.get(SESSIONS)
    assert wrong.status_code == 405
    assert wrong.json == {"error_message": "GET is not allowed on /sdk/v2/public/sessions: use POST."}
    assert "POST" in wrong.headers["Allow"]
    assert client.open(SESSIONS, method="BREW").status_code == 405
