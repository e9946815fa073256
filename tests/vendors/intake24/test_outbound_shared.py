"""Survey notifications live in the shared store: two apps on one database (two workers or instances, SQLite
and PostgreSQL) list and await the same attempts, each notification is sent once and in order whichever app
queued it, and a *reorder* fault holds a notification until the next one of any app (the real
``serve --workers 2`` test: ``tests/system/scale/test_notifications.py``)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.jws import sign_hmac
from sandbox.testing.live import LiveServer
from sandbox.vendors.intake24.outbound import Notifier
from tests.vendors.intake24.support import CREATE_USER, LOGIN, Receiver, receiving

SECRET = "study-secret-0123456789-0123456789"
EVENTS = ("survey.session.started", "survey.session.cancelled", "survey.session.submitted")
SUBMISSIONS = 4
SLOW_SECONDS = 1.0


@dataclass
class Hooked:
    """A partner receiving the notifications of survey ``hooks``; a client of each app; a respondent's headers."""

    receiver: Receiver
    first: FlaskClient
    second: FlaskClient
    headers: dict[str, str]


@pytest.fixture
def hooked(apps_on_one_database: list[Flask]) -> Iterator[Hooked]:
    first, second = (app.test_client() for app in apps_on_one_database)
    with receiving() as (receiver, url):
        yield Hooked(receiver, first, second, _hooked(first, url + "/hook"))


def _notifier(client: FlaskClient) -> Notifier:
    """The notifier of the app behind ``client``."""
    notifier: Notifier = client.application.extensions["sandbox.intake24"].notifier
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


def _start(client: FlaskClient, hooked: Hooked) -> None:
    assert client.post("/intake24/api/surveys/hooks/session", json={}, headers=hooked.headers).status_code == 200


def _submit(client: FlaskClient, hooked: Hooked) -> None:
    assert client.post("/intake24/api/surveys/hooks/submission", json={}, headers=hooked.headers).status_code == 200


def _events(receiver: Receiver) -> list[str]:
    return [json.loads(r["body"])["type"] for r in receiver.requests]


def test_a_notification_caused_through_one_app_is_awaited_and_listed_through_the_other(hooked: Hooked) -> None:
    _start(hooked.first, hooked)

    listed = _listed(hooked.second, wait=10)

    assert listed["settled"] is True
    assert [(a["event"], a["attempt"], a["status"], a["survey"]) for a in listed["attempts"]] == [
        ("survey.session.started", 1, 200, "hooks")
    ]
    assert _events(hooked.receiver) == ["survey.session.started"]
    assert _listed(hooked.first) == _listed(hooked.second)  # the same listing from either app


def test_a_notification_queued_by_an_app_that_does_not_send_it_is_sent_by_the_other(
    hooked: Hooked, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker that queues it never sends it (it stopped, say): it waits in the store for any other.
    monkeypatch.setattr(_notifier(hooked.first), "kick", lambda: None, raising=False)
    _start(hooked.first, hooked)
    assert _listed(hooked.first)["attempts"] == []  # queued, not attempted yet

    assert _listed(hooked.second, wait=10)["settled"] is True

    assert _events(hooked.receiver) == ["survey.session.started"]
    for client in (hooked.first, hooked.second):
        assert [a["event"] for a in _listed(client)["attempts"]] == ["survey.session.started"]


def test_notifications_queued_through_both_apps_are_each_sent_once_in_order(hooked: Hooked) -> None:
    clients = (hooked.first, hooked.second)
    waits: list[bool] = []
    waiter = threading.Thread(target=lambda: waits.append(_notifier(hooked.second).wait_for_deliveries(30)))
    waiter.start()  # the second app's sender looks for work all along, as another worker's would
    for turn in range(SUBMISSIONS):  # each app in turn causes a start and a submission
        _start(clients[turn % 2], hooked)
        _submit(clients[turn % 2], hooked)
    assert _notifier(hooked.first).wait_for_deliveries(30)
    waiter.join(30)

    expected = ["survey.session.started", "survey.session.submitted"] * SUBMISSIONS
    assert _events(hooked.receiver) == expected  # each once, in the order they were caused
    submitted = [json.loads(r["body"]).get("submissionId") for r in hooked.receiver.requests][1::2]
    assert len(set(submitted)) == SUBMISSIONS
    for client in clients:
        listed = _listed(client, wait=5)
        assert [a["event"] for a in listed["attempts"]] == expected
        assert [a["attempt"] for a in listed["attempts"]] == [1] * len(expected)


def test_a_reordered_notification_is_held_until_the_next_one_of_any_app(hooked: Hooked) -> None:
    armed = {"name": "intake24.notification_reordered", "delay_seconds": 20}
    assert hooked.first.post("/__sandbox/faults", json=armed).status_code == 201

    _start(hooked.first, hooked)
    assert not _notifier(hooked.second).wait_for_deliveries(0.5)  # held in the store, seen by the other app
    _submit(hooked.second, hooked)
    assert _listed(hooked.second, wait=10)["settled"] is True

    assert _events(hooked.receiver) == ["survey.session.submitted", "survey.session.started"]
    assert [(a["event"], a["fault"]) for a in _listed(hooked.first)["attempts"]] == [
        ("survey.session.submitted", None),
        ("survey.session.started", "intake24.notification_reordered"),
    ]


def test_a_reset_through_one_app_forgets_the_attempts_listed_by_the_other(hooked: Hooked) -> None:
    _start(hooked.first, hooked)
    assert len(_listed(hooked.second, wait=10)["attempts"]) == 1
    assert hooked.first.post("/__sandbox/reset?tenant=hooks").status_code == 200
    assert _listed(hooked.second)["attempts"] == []


class SlowOnce(Receiver):
    """Notes when each request arrived, and takes a second to answer the first."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        self.arrived.append(time.monotonic())
        answer = super().__call__(environ, start_response)
        if len(self.arrived) == 1:
            time.sleep(SLOW_SECONDS)
        return answer


def test_a_held_notification_whose_time_runs_out_waits_for_the_one_being_sent(
    apps_on_one_database: list[Flask],
) -> None:
    """One at a time across processes: a notification held by a *reorder* fault whose time runs out while the next
    one is being sent (by another app) is not sent beside it, but after it."""
    first, second = (app.test_client() for app in apps_on_one_database)
    receiver = SlowOnce()
    with LiveServer(receiver) as server:
        hooked = Hooked(receiver, first, second, _hooked(first, server.url + "/hook"))
        armed = {"name": "intake24.notification_reordered", "delay_seconds": SLOW_SECONDS / 4}
        assert first.post("/__sandbox/faults", json=armed).status_code == 201
        _start(first, hooked)  # held for a quarter of the slow answer
        waiter = threading.Thread(target=_notifier(second).wait_for_deliveries, args=(10,))
        waiter.start()  # the other app's sender looks for work all along
        _submit(first, hooked)  # overtakes the held one, and takes a second to be answered
        assert _listed(first, wait=10)["settled"] is True
        waiter.join(10)

    assert _events(receiver) == ["survey.session.submitted", "survey.session.started"]
    assert receiver.arrived[1] - receiver.arrived[0] >= SLOW_SECONDS
