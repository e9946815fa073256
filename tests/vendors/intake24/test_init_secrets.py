"""Intake24's secrets in the journal: tokens in survey-app paths and queries, cookies, auth URLs,
webhook URL passwords (issue 12 item 3). The real ``serve`` scan is ``tests/durability/test_secret_scan.py``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.core.journal import journal
from sandbox.testing.live import LiveServer
from tests.vendors.intake24.support import CREATE_USER, DEMO_SECRET, Mint

PASSWORD = "Sandbox-Password-1234"


def stored(app: Flask) -> str:
    with app.app_context():
        return json.dumps(journal().entries(vendor="intake24", limit=1000))


def test_tokens_in_survey_app_paths_queries_and_cookies_are_not_journaled(
    client: FlaskClient, app: Flask, mint: Mint
) -> None:
    page_token = mint({"username": "pageuser", "password": PASSWORD})
    page = client.get(f"/intake24/survey/demo/create-user/{page_token}?redirect=recall")
    assert page.status_code == 302
    created = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "apiuser"})}).get_json()
    url_token = created["authToken"]
    short = client.get(f"/intake24/survey/a/{url_token}")
    cookie = short.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    client.get(f"/intake24/survey/demo/home?auth={url_token}")
    text = stored(app)
    for secret in (page_token, PASSWORD, url_token, cookie):
        assert secret not in text
    with app.app_context():
        paths = [entry["path"] for entry in journal().entries(vendor="intake24", limit=1000)]
    assert "/intake24/survey/demo/create-user/[redacted]?redirect=recall" in paths
    assert "/intake24/survey/a/[redacted]" in paths
    assert "/intake24/survey/demo/home?auth=[redacted]" in paths


def test_admin_answers_keep_their_auth_urls_out_of_the_journal(client: FlaskClient, app: Flask) -> None:
    pat = client.post("/__sandbox/intake24/personal-access-tokens", json={"name": "redaction"}).get_json()["jwt"]
    survey_id = client.get("/__sandbox/intake24/surveys/demo").get_json()["id"]
    made = client.post(
        f"/intake24/api/admin/surveys/{survey_id}/respondents",
        json={"username": "adminmade9", "password": PASSWORD, "passwordConfirm": PASSWORD},
        headers={"Authorization": f"Bearer {pat}"},
    ).get_json()
    assert made["surveyAuthUrl"].endswith(made["urlAuthToken"])  # the partner gets it
    text = stored(app)
    for secret in (pat, PASSWORD, made["urlAuthToken"], made["surveyAuthUrl"], made["feedbackAuthUrl"]):
        assert secret not in text
    assert '"username": "adminmade9"' in text


class Partner:
    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"thanks"]


@pytest.fixture
def partner_url() -> Iterator[str]:
    with LiveServer(Partner()) as server:
        yield server.url


def test_a_webhook_url_password_is_in_no_journal_entry_or_delivery_record(
    client: FlaskClient, app: Flask, mint: Mint, partner_url: str
) -> None:
    hook = partner_url.replace("http://", "http://partner:webhook-url-password@") + "/hook"
    client.put(
        "/__sandbox/intake24/surveys/hooked",
        json={
            "allowGenUsers": True,
            "genUserKey": DEMO_SECRET,
            "notifications": [{"type": "survey.session.started", "channel": "webhook", "url": hook}],
        },
    )
    created = client.post(CREATE_USER.format(slug="hooked"), json={"token": mint({"username": "h"})}).get_json()
    access = client.post("/intake24/api/auth/login/token", json={"token": created["authToken"]}).get_json()
    headers = {"Authorization": f"Bearer {access['accessToken']}"}
    assert client.post("/intake24/api/surveys/hooked/session", json={}, headers=headers).status_code == 200
    attempts = client.get("/__sandbox/intake24/notifications?wait=10").get_json()["attempts"]
    assert attempts[0]["status"] == 200
    assert attempts[0]["url"] == partner_url.replace("http://", "http://partner:[redacted]@") + "/hook"
    text = stored(app)
    assert "webhook-url-password" not in text
    assert "http://partner:[redacted]@" in text
