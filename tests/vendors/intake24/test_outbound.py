"""Survey event notifications delivered to a real HTTP receiver on a loopback port (spec §4)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.core.journal import JOURNAL_KEY
from sandbox.testing.live import LiveServer
from tests.vendors.intake24.support import CREATE_USER, NOW, Mint, Receiver

SECRET = "study-secret-0123456789-0123456789"


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    app = Receiver()
    with LiveServer(app) as server:
        yield app, server.url


def _survey(make_survey: Callable[..., Any], url: str, secret: str | None = SECRET) -> None:
    make_survey(
        "hooks",
        genUserKey=secret,
        allowGenUsers=True,
        notifications=[
            {"type": event, "channel": "webhook", "url": url}
            for event in ("survey.session.started", "survey.session.cancelled", "survey.session.submitted")
        ],
    )


def _signed_in(client: FlaskClient, mint: Mint) -> tuple[dict[str, str], dict[str, Any]]:
    created = client.post(CREATE_USER.format(slug="hooks"), json={"token": mint({"username": "h1"}, SECRET)})
    access = client.post("/intake24/api/auth/login/token", json={"token": created.get_json()["authToken"]})
    return {"Authorization": "Bearer " + access.get_json()["accessToken"]}, created.get_json()


def test_started_cancelled_submitted_with_verified_signature(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], receiver: tuple[Receiver, str]
) -> None:
    partner, base = receiver
    hook_url = f"{base}/hook?x=1"
    _survey(make_survey, hook_url)
    headers, user = _signed_in(client, mint)
    survey_id = client.get("/__sandbox/intake24/surveys/hooks").get_json()["id"]
    session_id = client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers).get_json()["sessionId"]
    client.delete(f"/intake24/api/surveys/hooks/session/{session_id}", headers=headers)
    client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers)
    client.post("/intake24/api/surveys/hooks/submission", json={}, headers=headers)
    assert app.extensions["sandbox.intake24"].notifier.wait_for_deliveries(10)

    assert [json.loads(r["body"])["type"] for r in partner.requests] == [
        "survey.session.started",
        "survey.session.cancelled",
        "survey.session.started",
        "survey.session.submitted",
    ]
    cancelled = partner.requests[1]
    assert (cancelled["path"], cancelled["query"]) == ("/hook", "x=1")
    assert (
        cancelled["body"]
        == json.dumps(
            {
                "type": "survey.session.cancelled",
                "sessionId": session_id,
                "surveyId": survey_id,
                "userId": user["userId"],
            },
            separators=(",", ":"),
        ).encode()
    )
    assert cancelled["headers"]["content-type"] == "application/json"
    assert cancelled["headers"]["user-agent"].startswith("Intake24/")
    scheme, _, token = cancelled["headers"]["authorization"].partition(" ")
    assert scheme == "Bearer"
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(
        token, SECRET, algorithms=["HS256"], audience=hook_url, issuer="intake24", options={"verify_exp": False}
    )
    assert claims["exp"] == claims["iat"] + 60 == NOW + 60
    assert len(claims["jti"]) == 64
    assert {k: claims[k] for k in ("type", "sessionId", "surveyId", "userId")} == json.loads(cancelled["body"])

    submitted = json.loads(partner.requests[3]["body"])
    assert list(submitted) == ["type", "sessionId", "surveyId", "submissionId", "userId", "data"]
    assert submitted["data"]["survey"] == {"id": survey_id, "slug": "hooks"}
    signed = jwt.decode(
        partner.requests[3]["headers"]["authorization"][7:],
        SECRET,
        algorithms=["HS256"],
        audience=hook_url,
        options={"verify_exp": False},
    )
    assert "data" not in signed
    assert signed["submissionId"] == submitted["submissionId"]

    outbound = app.extensions[JOURNAL_KEY].entries(vendor="intake24")
    deliveries = [e for e in outbound if e["direction"] == "outbound"]
    assert len(deliveries) == 4
    assert all(e["status"] == 200 and e["response"]["body"] == "thanks" for e in deliveries)
    assert all(e["latency_ms"] >= 0 for e in deliveries)


def test_no_secret_means_no_authorization_header(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], receiver: tuple[Receiver, str]
) -> None:
    partner, base = receiver
    _survey(make_survey, f"{base}/hook", secret=SECRET)
    headers, _ = _signed_in(client, mint)
    client.put(
        "/__sandbox/intake24/surveys/hooks",
        json={
            "allowGenUsers": True,
            "genUserKey": None,
            "notifications": [{"type": "survey.session.started", "channel": "webhook", "url": f"{base}/hook"}],
        },
    )
    client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers)
    assert app.extensions["sandbox.intake24"].notifier.wait_for_deliveries(10)
    assert len(partner.requests) == 1
    assert "authorization" not in partner.requests[0]["headers"]


def test_axios_default_headers_accept_encoding_and_connection(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], receiver: tuple[Receiver, str]
) -> None:
    """Issue 13 item 12: the real server's notification requests carry axios' and Node's defaults
    (spec §4.2: ``accept-encoding: gzip, compress, deflate, br``, ``connection: keep-alive``)."""
    partner, base = receiver
    _survey(make_survey, f"{base}/hook")
    headers, _ = _signed_in(client, mint)
    client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers)
    assert app.extensions["sandbox.intake24"].notifier.wait_for_deliveries(10)
    received = partner.requests[0]["headers"]
    assert received["accept-encoding"] == "gzip, compress, deflate, br"
    assert received["connection"] == "keep-alive"
    assert received["accept"] == "application/json, text/plain, */*"


def test_one_attempt_by_default_and_failure_journaled(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], receiver: tuple[Receiver, str]
) -> None:
    partner, base = receiver
    partner.status = "500 Internal Server Error"
    _survey(make_survey, f"{base}/hook")
    headers, _ = _signed_in(client, mint)
    client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers)
    notifier = app.extensions["sandbox.intake24"].notifier
    assert notifier.wait_for_deliveries(10)
    assert len(partner.requests) == 1
    assert [(a.attempt, a.status) for a in notifier.attempts] == [(1, 500)]
    entry = next(e for e in app.extensions[JOURNAL_KEY].entries(vendor="intake24") if e["direction"] == "outbound")
    assert (entry["status"], entry["verdict"]) == (500, "rejected")


@pytest.mark.parametrize("status", ["302 Found", "307 Temporary Redirect"])
def test_a_redirect_is_not_followed(
    app: Flask,
    client: FlaskClient,
    mint: Mint,
    make_survey: Callable[..., Any],
    receiver: tuple[Receiver, str],
    status: str,
) -> None:
    """Following redirects is a per-call option of the shared outbound client (Sympto's page load uses it);
    the notifications keep not following them (README: "redirects not followed")."""
    partner, base = receiver
    partner.status = status
    partner.extra_headers = [("Location", f"{base}/followed")]
    _survey(make_survey, f"{base}/hook")
    headers, _ = _signed_in(client, mint)
    client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers)
    notifier = app.extensions["sandbox.intake24"].notifier
    assert notifier.wait_for_deliveries(10)
    assert [r["path"] for r in partner.requests] == ["/hook"]
    assert notifier.attempts[0].status == int(status.split()[0])


def test_retries_are_a_sandbox_setting(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], receiver: tuple[Receiver, str]
) -> None:
    partner, base = receiver
    partner.status = "503 Service Unavailable"
    notifier = app.extensions["sandbox.intake24"].notifier
    notifier.settings.retries = 2
    _survey(make_survey, f"{base}/hook")
    headers, _ = _signed_in(client, mint)
    client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers)
    assert notifier.wait_for_deliveries(10)
    assert len(partner.requests) == 3


def test_unreachable_webhook_is_journaled_not_raised(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]
) -> None:
    with LiveServer(Receiver()) as closed:
        url = f"{closed.url}/gone"
    _survey(make_survey, url)
    headers, _ = _signed_in(client, mint)
    assert client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers).status_code == 200
    notifier = app.extensions["sandbox.intake24"].notifier
    assert notifier.wait_for_deliveries(10)
    assert notifier.attempts[0].error == "connection_refused"
    waited = client.get("/__sandbox/intake24/notifications?wait=1").get_json()
    assert waited["settled"] is True
    assert waited["attempts"][0]["error"] == "connection_refused"


def test_cancel_rules_and_published_schemas(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], receiver: tuple[Receiver, str]
) -> None:
    from contracts.intake24.schemas import NotificationClaimsSchema, NotificationSchema

    partner, base = receiver
    _survey(make_survey, f"{base}/hook")
    headers, _ = _signed_in(client, mint)
    # no stored session and no id: nothing to report; an id from the client: reported with that id
    client.delete("/intake24/api/surveys/hooks/session", headers=headers)
    client.delete("/intake24/api/surveys/hooks/session/client-side-id", headers=headers)
    # a submitted session is not reported as cancelled
    client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers)
    client.post("/intake24/api/surveys/hooks/submission", json={}, headers=headers)
    client.delete("/intake24/api/surveys/hooks/session", headers=headers)
    assert app.extensions["sandbox.intake24"].notifier.wait_for_deliveries(10)
    bodies = [json.loads(r["body"]) for r in partner.requests]
    assert [(b["type"], b["sessionId"] == "client-side-id") for b in bodies] == [
        ("survey.session.cancelled", True),
        ("survey.session.started", False),
        ("survey.session.submitted", False),
    ]
    for request_ in partner.requests:
        assert NotificationSchema().validate(json.loads(request_["body"])) == {}
        claims = jwt.decode(request_["headers"]["authorization"][7:], options={"verify_signature": False})
        assert NotificationClaimsSchema().validate(claims) == {}


def test_a_webhook_host_not_allowed_is_reported_as_such_even_when_it_does_not_resolve(
    app: Flask, client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]
) -> None:
    """The allow-list is checked first: a partner host nobody listed is ``host_not_allowed``, not ``dns_failure``."""
    _survey(make_survey, "https://partner.invalid/hook")
    headers, _ = _signed_in(client, mint)
    assert client.post("/intake24/api/surveys/hooks/session", json={}, headers=headers).status_code == 200
    notifier = app.extensions["sandbox.intake24"].notifier
    assert notifier.wait_for_deliveries(10)
    assert notifier.attempts[0].error == "host_not_allowed"
    entry = next(e for e in app.extensions[JOURNAL_KEY].entries(vendor="intake24") if e["direction"] == "outbound")
    assert (entry["verdict"], entry["rule"]) == ("rejected", "host_not_allowed")
