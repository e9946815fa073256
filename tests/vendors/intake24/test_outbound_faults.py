"""Partner-facing faults: Intake24 notifications delayed, duplicated or reordered, armed through
``POST /__sandbox/faults`` and observed by a real webhook receiver on a loopback port."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.testing.live import LiveServer
from tests.vendors.intake24.support import CREATE_USER, Mint, Receiver

SECRET = "study-secret-0123456789-0123456789"


class TimedReceiver(Receiver):
    """Also notes when each request arrived (monotonic seconds)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        self.arrived.append(time.monotonic())
        return super().__call__(environ, start_response)


@pytest.fixture
def partner() -> Iterator[tuple[TimedReceiver, str]]:
    app = TimedReceiver()
    with LiveServer(app) as server:
        yield app, server.url


def hooked_survey(make_survey: Callable[..., Any], slug: str, url: str) -> None:
    make_survey(
        slug,
        genUserKey=SECRET,
        notifications=[
            {"type": event, "channel": "webhook", "url": url}
            for event in ("survey.session.started", "survey.session.cancelled", "survey.session.submitted")
        ],
    )


def signed_in(client: FlaskClient, mint: Mint, slug: str) -> dict[str, str]:
    created = client.post(CREATE_USER.format(slug=slug), json={"token": mint({"username": "r1"}, SECRET)})
    access = client.post("/intake24/api/auth/login/token", json={"token": created.get_json()["authToken"]})
    return {"Authorization": "Bearer " + access.get_json()["accessToken"]}


def start_and_submit(client: FlaskClient, headers: dict[str, str], slug: str) -> None:
    assert client.post(f"/intake24/api/surveys/{slug}/session", json={}, headers=headers).status_code == 200
    assert client.post(f"/intake24/api/surveys/{slug}/submission", json={}, headers=headers).status_code == 200


def events(receiver: Receiver) -> list[str]:
    return [json.loads(r["body"])["type"] for r in receiver.requests]


def settle(app: Flask) -> None:
    assert app.extensions["sandbox.intake24"].notifier.wait_for_deliveries(10)


def arm(client: FlaskClient, **body: Any) -> dict[str, Any]:
    response = client.post("/__sandbox/faults", json=body)
    assert response.status_code == 201, response.get_json()
    armed: dict[str, Any] = response.get_json()
    return armed


def test_a_duplicated_notification_arrives_twice_byte_for_byte(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], partner: tuple[TimedReceiver, str]
) -> None:
    receiver, url = partner
    hooked_survey(make_survey, "hooks", url + "/hook")
    headers = signed_in(client, mint, "hooks")
    armed = arm(client, name="intake24.notification_duplicated", route="survey.session.started", times=1)
    assert armed["kind"] == "duplicate"

    start_and_submit(client, headers, "hooks")
    settle(app)

    assert events(receiver) == ["survey.session.started", "survey.session.started", "survey.session.submitted"]
    first, second = receiver.requests[0], receiver.requests[1]
    assert first["body"] == second["body"]
    assert first["headers"]["authorization"] == second["headers"]["authorization"]
    attempts = client.get("/__sandbox/intake24/notifications").get_json()["attempts"]
    assert [a["fault"] for a in attempts] == [
        "intake24.notification_duplicated",
        "intake24.notification_duplicated",
        None,
    ]
    assert client.get("/__sandbox/faults").get_json() == {"faults": []}  # used up


def test_a_reordered_notification_arrives_after_the_next_one(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], partner: tuple[TimedReceiver, str]
) -> None:
    receiver, url = partner
    hooked_survey(make_survey, "hooks", url + "/hook")
    headers = signed_in(client, mint, "hooks")
    arm(client, name="intake24.notification_reordered", times=1)

    start_and_submit(client, headers, "hooks")
    settle(app)

    assert events(receiver) == ["survey.session.submitted", "survey.session.started"]
    attempts = client.get("/__sandbox/intake24/notifications").get_json()["attempts"]
    assert [(a["event"], a["fault"]) for a in attempts] == [
        ("survey.session.submitted", None),
        ("survey.session.started", "intake24.notification_reordered"),
    ]


def test_a_held_notification_is_released_when_no_other_follows(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], partner: tuple[TimedReceiver, str]
) -> None:
    receiver, url = partner
    hooked_survey(make_survey, "hooks", url + "/hook")
    headers = signed_in(client, mint, "hooks")
    arm(client, name="intake24.notification_reordered", times=1, delay_seconds=0.2)

    client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers)
    settle(app)  # waits for the held delivery too

    assert events(receiver) == ["survey.session.started"]


def test_a_delayed_notification_arrives_later(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], partner: tuple[TimedReceiver, str]
) -> None:
    receiver, url = partner
    hooked_survey(make_survey, "hooks", url + "/hook")
    headers = signed_in(client, mint, "hooks")
    arm(client, name="intake24.notification_delayed", delay_seconds=0.3, times=1)

    sent = time.monotonic()
    client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers)
    settle(app)

    assert events(receiver) == ["survey.session.started"]
    assert receiver.arrived[0] - sent >= 0.3
    attempt = client.get("/__sandbox/intake24/notifications").get_json()["attempts"][0]
    assert attempt["fault"] == "intake24.notification_delayed"


def test_partner_faults_are_scoped_by_survey(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], partner: tuple[TimedReceiver, str]
) -> None:
    receiver, url = partner
    hooked_survey(make_survey, "hooks", url + "/hook")
    hooked_survey(make_survey, "other", url + "/other")
    arm(client, name="intake24.notification_duplicated", tenant="other")
    headers = signed_in(client, mint, "hooks")

    start_and_submit(client, headers, "hooks")
    settle(app)

    assert events(receiver) == ["survey.session.started", "survey.session.submitted"]
    assert client.get("/__sandbox/faults").get_json()["faults"][0]["fired"] == 0


def test_reset_forgets_the_delivery_records(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], partner: tuple[TimedReceiver, str]
) -> None:
    _, url = partner
    hooked_survey(make_survey, "hooks", url + "/hook")
    start_and_submit(client, signed_in(client, mint, "hooks"), "hooks")
    settle(app)
    assert len(client.get("/__sandbox/intake24/notifications").get_json()["attempts"]) == 2
    client.post("/__sandbox/reset?tenant=demo")
    assert len(client.get("/__sandbox/intake24/notifications").get_json()["attempts"]) == 2
    client.post("/__sandbox/reset?tenant=hooks")
    assert client.get("/__sandbox/intake24/notifications").get_json()["attempts"] == []


def test_the_wait_parameter_is_validated(client: FlaskClient) -> None:
    response = client.get("/__sandbox/intake24/notifications?wait=soon")
    assert (response.status_code, response.get_json()) == (400, {"error": "wait: Not a valid number."})
