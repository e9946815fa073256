"""The ``survey.session.*`` notifications a respondent's recall session queues, read as queued (the
service's notifier replaced by a list): which events, to which webhooks, with which body, signature
claims and secret (spec §4.1, §4.2). Delivery itself is ``test_outbound.py``'s."""

from __future__ import annotations

from typing import Any, cast

import pytest
from flask import Flask

from sandbox.vendors.intake24.models import Respondent, Survey
from sandbox.vendors.intake24.outbound import Delivery
from sandbox.vendors.intake24.service import Intake24Service

SECRET = "hooks-secret-0123456789-0123456789"
EVENTS = ("survey.session.started", "survey.session.cancelled", "survey.session.submitted")


class Queued(list[Delivery]):
    """Stands in for the notifier: keeps what would be queued, sends nothing."""

    def enqueue(self, delivery: Delivery) -> None:
        self.append(delivery)


@pytest.fixture
def service(app: Flask) -> Intake24Service:
    return cast(Intake24Service, app.extensions["sandbox.intake24"])


@pytest.fixture
def queued(service: Intake24Service, monkeypatch: pytest.MonkeyPatch) -> Queued:
    recorder = Queued()
    monkeypatch.setattr(service, "notifier", recorder)
    return recorder


def hooked(service: Intake24Service, slug: str = "hooks", **settings: Any) -> Survey:
    """A survey with a webhook for each event, and a second one for ``started``."""
    hooks = [{"type": event, "channel": "webhook", "url": f"https://partner.example/{event}"} for event in EVENTS]
    hooks.append({"type": "survey.session.started", "channel": "webhook", "url": "https://second.example/x?y=1"})
    body = {"allowGenUsers": True, "genUserKey": SECRET, "notifications": hooks, **settings}
    return service.put_survey(slug, body)[0]


def respondent(service: Intake24Service, survey: Survey, username: str) -> Respondent:
    created = service.admin_create(survey, {"username": username}, "https://sandbox.example")
    found = service.respondent_by_id(int(created["id"]))
    assert found is not None
    return found


def events(queued: Queued) -> list[tuple[str, str, str | None]]:
    return [(d.body["type"], d.body["sessionId"], d.url) for d in queued]


def test_each_session_event_goes_to_each_of_its_webhooks_with_intake24s_body_and_claims(
    service: Intake24Service, queued: Queued
) -> None:
    survey = hooked(service)
    ann = respondent(service, survey, "ann")
    ids = {"surveyId": str(survey.id), "userId": str(ann.id)}
    session_id = service.start_session(survey, ann, "corr-start", "s-1")
    assert service.notify(survey, "survey.session.started", "s-x", ann, "c") == 2  # one per webhook
    del queued[2:]
    service.cancel_session(survey, ann, "corr-cancel")
    service.start_session(survey, ann, "corr-again", "s-2")
    answer = service.submit(survey, ann, {}, None, "corr-submit")
    started = {"type": "survey.session.started", "sessionId": session_id, **ids}
    assert [(d.url, d.body, d.claims, d.correlation_id) for d in queued[:3]] == [
        ("https://partner.example/survey.session.started", started, started, "corr-start"),
        ("https://second.example/x?y=1", started, started, "corr-start"),
        (
            "https://partner.example/survey.session.cancelled",
            {**started, "type": "survey.session.cancelled"},
            {**started, "type": "survey.session.cancelled"},
            "corr-cancel",
        ),
    ]
    assert list(queued[0].body) == ["type", "sessionId", "surveyId", "userId"]  # the order Intake24 sends
    submitted = queued[-1]
    claims = {"type": "survey.session.submitted", "sessionId": "s-2", **ids, "submissionId": answer["submissionId"]}
    assert (submitted.url, submitted.claims, submitted.correlation_id) == (
        "https://partner.example/survey.session.submitted",
        claims,
        "corr-submit",
    )
    assert list(submitted.claims) == ["type", "sessionId", "surveyId", "submissionId", "userId"]
    assert list(submitted.body) == [*submitted.claims, "data"]
    assert submitted.body["data"]["id"] == answer["submissionId"]
    assert submitted.body["data"]["sessionId"] == "s-2"
    assert len(queued) == 6  # the second start went to both of its webhooks too
    assert {(d.secret, d.survey_slug) for d in queued} == {(SECRET, "hooks")}


def test_notifications_are_signed_only_with_a_secret_and_unconfigured_events_queue_nothing(
    service: Intake24Service, queued: Queued
) -> None:
    survey = service.put_survey(
        "quiet",
        {
            "allowGenUsers": True,
            "genUserKey": None,
            "notifications": [{"type": "survey.session.cancelled", "channel": "webhook", "url": "https://p.example/"}],
        },
    )[0]
    bob = respondent(service, survey, "bob")
    assert service.notify(survey, "survey.session.started", service.start_session(survey, bob, "c1"), bob, "c") == 0
    service.cancel_session(survey, bob, "c2")
    assert [(d.body["type"], d.secret) for d in queued] == [("survey.session.cancelled", None)]


def test_a_cancel_names_the_stored_session_else_the_clients_and_skips_a_submitted_or_unknown_one(
    service: Intake24Service, queued: Queued
) -> None:
    survey = hooked(service)
    cy = respondent(service, survey, "cy")
    service.start_session(survey, cy, "c", "stored-id")
    queued.clear()
    service.cancel_session(survey, cy, "c", "the-clients-id")  # the stored session wins
    service.cancel_session(survey, cy, "c", "the-clients-id")  # none stored: the client's id
    service.cancel_session(survey, cy, "c")  # neither: nothing to name, no notification
    cancelled = events(queued)
    service.start_session(survey, cy, "c", "submitted-id")
    service.submit(survey, cy, {}, None, "c")
    queued.clear()
    service.cancel_session(survey, cy, "c", "the-clients-id")  # already submitted: no notification
    assert service.active_session(survey, cy) is None  # but the session is gone
    service.cancel_session(survey, cy, "c", "after")
    assert [*cancelled, *events(queued)] == [
        ("survey.session.cancelled", "stored-id", "https://partner.example/survey.session.cancelled"),
        ("survey.session.cancelled", "the-clients-id", "https://partner.example/survey.session.cancelled"),
        ("survey.session.cancelled", "after", "https://partner.example/survey.session.cancelled"),
    ]


def test_a_respondents_session_is_its_own_another_respondent_of_the_survey_neither_sees_nor_cancels_it(
    service: Intake24Service, queued: Queued
) -> None:
    survey = hooked(service)
    ann, bob = respondent(service, survey, "ann"), respondent(service, survey, "bob")
    service.start_session(survey, ann, "c", "anns")
    assert service.active_session(survey, bob) is None
    answer = service.submit(survey, bob, {}, None, "c")  # bob has no session: a new id, not ann's
    assert queued[-1].body["sessionId"] not in ("anns", answer["submissionId"])
    service.start_session(survey, bob, "c", "bobs")
    service.cancel_session(survey, bob, "c")
    assert service.active_session(survey, bob) is None
    found = service.active_session(survey, ann)
    assert found is not None
    assert (found["id"], found["user_id"], found["submitted_at"]) == ("anns", ann.id, None)
