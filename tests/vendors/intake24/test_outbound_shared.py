"""Survey notifications live in the shared store: two apps on one database (two workers or instances, SQLite
and PostgreSQL) list and await the same attempts, each notification is sent once and in order whichever app
queued it, and a *reorder* fault holds a notification until the next one of any app (the real
``serve --workers 2`` test: ``tests/system/scale/test_notifications.py``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.jws import sign_hmac
from sandbox import config
from sandbox.app import create_app
from sandbox.testing.live import LiveServer
from sandbox.vendors.intake24.outbound import Notifier
from tests.vendors.intake24.support import CREATE_USER, LOGIN, Receiver

SECRET = "study-secret-0123456789-0123456789"
EVENTS = ("survey.session.started", "survey.session.cancelled", "survey.session.submitted")
SUBMISSIONS = 4


@pytest.fixture(params=["sqlite", "postgresql"])
def apps(request: pytest.FixtureRequest) -> Iterator[list[Flask]]:
    url = request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url")
    settings = replace(config.load_file(None), database=url)
    built = [create_app(settings, random_seed=1), create_app(settings, random_seed=2)]
    yield built
    for app in built:
        app.extensions["sandbox.store"].dispose()


@pytest.fixture
def partner() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with LiveServer(receiver) as server:
        yield receiver, server.url


def _notifier(app: Flask) -> Notifier:
    notifier: Notifier = app.extensions["sandbox.intake24"].notifier
    return notifier


def _hooked(client: FlaskClient, url: str) -> dict[str, str]:
    """A survey notifying ``url`` of every event, and a signed-in respondent's headers."""
    body = {
        "allowGenUsers": True,
        "genUserKey": SECRET,
        "notifications": [{"type": event, "channel": "webhook", "url": url} for event in EVENTS],
    }
    assert client.put("/__sandbox/intake24/surveys/hooks", json=body).status_code in (200, 201)
    created = client.post(CREATE_USER.format(slug="hooks"), json={"token": sign_hmac({"username": "r1"}, SECRET)})
    access = client.post(LOGIN, json={"token": created.get_json()["authToken"]})
    return {"Authorization": "Bearer " + access.get_json()["accessToken"]}


def _listed(client: FlaskClient, wait: float | None = None) -> dict[str, Any]:
    answer = client.get("/__sandbox/intake24/notifications" + ("" if wait is None else f"?wait={wait}"))
    assert answer.status_code == 200
    listed: dict[str, Any] = answer.get_json()
    return listed


def _events(receiver: Receiver) -> list[str]:
    return [json.loads(r["body"])["type"] for r in receiver.requests]


def test_a_notification_caused_through_one_app_is_awaited_and_listed_through_the_other(
    apps: list[Flask], partner: tuple[Receiver, str]
) -> None:
    receiver, url = partner
    first, second = apps[0].test_client(), apps[1].test_client()
    headers = _hooked(first, url + "/hook")
    assert first.post("/intake24/api/surveys/hooks/session", json={}, headers=headers).status_code == 200

    listed = _listed(second, wait=10)

    assert listed["settled"] is True
    assert [(a["event"], a["attempt"], a["status"], a["survey"]) for a in listed["attempts"]] == [
        ("survey.session.started", 1, 200, "hooks")
    ]
    assert _events(receiver) == ["survey.session.started"]
    assert _listed(first) == _listed(second)  # the same listing from either app


def test_a_notification_queued_by_an_app_that_does_not_send_it_is_sent_by_the_other(
    apps: list[Flask], partner: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver, url = partner
    first, second = apps[0].test_client(), apps[1].test_client()
    headers = _hooked(first, url + "/hook")
    # The worker that queues it never sends it (it stopped, say): it waits in the store for any other.
    monkeypatch.setattr(_notifier(apps[0]), "kick", lambda: None, raising=False)
    assert first.post("/intake24/api/surveys/hooks/session", json={}, headers=headers).status_code == 200
    assert _listed(first)["attempts"] == []  # queued, not attempted yet

    assert _listed(second, wait=10)["settled"] is True

    assert _events(receiver) == ["survey.session.started"]
    for client in (first, second):
        assert [a["event"] for a in _listed(client)["attempts"]] == ["survey.session.started"]


def test_notifications_queued_through_both_apps_are_each_sent_once_in_order(
    apps: list[Flask], partner: tuple[Receiver, str]
) -> None:
    receiver, url = partner
    clients = [app.test_client() for app in apps]
    headers = _hooked(clients[0], url + "/hook")
    waits: list[bool] = []
    waiter = threading.Thread(target=lambda: waits.append(_notifier(apps[1]).wait_for_deliveries(30)))
    waiter.start()  # the second app's sender looks for work all along, as another worker's would
    for turn in range(SUBMISSIONS):  # each app in turn causes a start and a submission
        client = clients[turn % 2]
        assert client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers).status_code == 200
        assert client.post("/intake24/api/surveys/hooks/submission", json={}, headers=headers).status_code == 200
    assert _notifier(apps[0]).wait_for_deliveries(30)
    waiter.join(30)

    expected = ["survey.session.started", "survey.session.submitted"] * SUBMISSIONS
    assert _events(receiver) == expected  # each once, in the order they were caused
    submitted = [json.loads(r["body"]).get("submissionId") for r in receiver.requests][1::2]
    assert len(set(submitted)) == SUBMISSIONS
    for client in clients:
        listed = _listed(client, wait=5)
        assert [a["event"] for a in listed["attempts"]] == expected
        assert [a["attempt"] for a in listed["attempts"]] == [1] * len(expected)


def test_a_reordered_notification_is_held_until_the_next_one_of_any_app(
    apps: list[Flask], partner: tuple[Receiver, str]
) -> None:
    receiver, url = partner
    first, second = apps[0].test_client(), apps[1].test_client()
    headers = _hooked(first, url + "/hook")
    armed = first.post("/__sandbox/faults", json={"name": "intake24.notification_reordered", "delay_seconds": 20})
    assert armed.status_code == 201

    assert first.post("/intake24/api/surveys/hooks/session", json={}, headers=headers).status_code == 200
    assert not _notifier(apps[1]).wait_for_deliveries(0.5)  # held in the store, seen by the other app
    assert second.post("/intake24/api/surveys/hooks/submission", json={}, headers=headers).status_code == 200
    assert _listed(second, wait=10)["settled"] is True

    assert _events(receiver) == ["survey.session.submitted", "survey.session.started"]
    assert [(a["event"], a["fault"]) for a in _listed(first)["attempts"]] == [
        ("survey.session.submitted", None),
        ("survey.session.started", "intake24.notification_reordered"),
    ]


def test_a_reset_through_one_app_forgets_the_attempts_listed_by_the_other(
    apps: list[Flask], partner: tuple[Receiver, str]
) -> None:
    _, url = partner
    first, second = apps[0].test_client(), apps[1].test_client()
    headers = _hooked(first, url + "/hook")
    assert first.post("/intake24/api/surveys/hooks/session", json={}, headers=headers).status_code == 200
    assert len(_listed(second, wait=10)["attempts"]) == 1
    assert first.post("/__sandbox/reset?tenant=hooks").status_code == 200
    assert _listed(second)["attempts"] == []
