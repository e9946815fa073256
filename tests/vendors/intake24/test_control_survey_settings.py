"""Survey settings through the control plane (PUT/GET/DELETE) and their validation."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

SURVEYS = "/__sandbox/intake24/surveys/{slug}"


def test_demo_survey_exists_by_default(client: FlaskClient) -> None:
    body = client.get(SURVEYS.format(slug="demo")).get_json()
    assert body["slug"] == "demo"
    assert body["settings"]["allowGenUsers"] is True
    assert body["settings"]["genUserKey"] == "[redacted]"


def test_the_jwt_secret_and_webhook_passwords_are_write_only_in_every_answer(client: FlaskClient) -> None:
    """Issue 12 item 4: ``genUserKey`` never comes back, in the PUT answer, one survey or the list;
    a notification URL keeps its user but not its password. Unset stays ``null`` (nothing to hide)."""
    url = SURVEYS.format(slug="write-only")
    hook = "http://partner:hook-password-marker@127.0.0.1:9/hook"
    settings = {
        "allowGenUsers": True,
        "genUserKey": "jwt-secret-marker-0123456789",
        "notifications": [{"type": "survey.session.started", "channel": "webhook", "url": hook}],
    }
    answers = [client.put(url, json=settings), client.get(url), client.get("/__sandbox/intake24/surveys")]
    for answer in answers:
        text = answer.get_data(as_text=True)
        assert answer.status_code in (200, 201)
        assert "jwt-secret-marker" not in text
        assert "hook-password-marker" not in text
    shown = answers[1].get_json()["settings"]
    assert shown["genUserKey"] == "[redacted]"
    assert shown["notifications"][0]["url"] == "http://partner:[redacted]@127.0.0.1:9/hook"
    assert shown["allowGenUsers"] is True


def test_put_creates_then_replaces_then_delete_removes(client: FlaskClient) -> None:
    url = SURVEYS.format(slug="study-1")
    created = client.put(url, json={"allowGenUsers": True, "genUserKey": "k"})
    assert created.status_code == 201
    settings = created.get_json()["settings"]
    assert settings["notifications"] == []
    assert settings["strictClaims"] is False
    replaced = client.put(url, json={"allowGenUsers": False})
    assert replaced.status_code == 200
    assert replaced.get_json()["settings"]["genUserKey"] is None
    assert replaced.get_json()["id"] == created.get_json()["id"]
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404


@pytest.mark.parametrize(
    ("settings", "key", "message"),
    [
        ({"allowGenUsers": "yes"}, "allowGenUsers", "Expected boolean, received string"),
        ({"genUserKey": "k" * 257}, "genUserKey", "String must contain at most 256 character(s)"),
        ({"authUrlTokenLength": 11}, "authUrlTokenLength", "Number must be greater than or equal to 12"),
        ({"authUrlTokenLength": 129}, "authUrlTokenLength", "Number must be less than or equal to 128"),
        ({"authUrlTokenCharset": "aab"}, "authUrlTokenCharset", "Characters must be unique"),
        ({"authUrlDomainOverride": "not a url"}, "authUrlDomainOverride", "Invalid url"),
        (
            {"notifications": [{"type": "survey.session.paused", "channel": "webhook", "url": "http://x/"}]},
            "notifications.0.type",
            None,
        ),
        (
            {"notifications": [{"type": "survey.session.started", "channel": "webhook"}]},
            "notifications.0.url",
            "Required",
        ),
        ({"redirectPrompt": {"url": "https://x/{identifier}", "target": "_top"}}, "redirectPrompt.target", None),
        ({"surprise": 1}, "surprise", None),
    ],
)
def test_invalid_settings_are_refused_naming_the_field(
    client: FlaskClient, settings: dict[str, Any], key: str, message: str | None
) -> None:
    response = client.put(SURVEYS.format(slug="bad"), json=settings)
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert key in errors
    if message is not None:
        assert errors[key]["msg"] == message
    assert client.get(SURVEYS.format(slug="bad")).status_code == 404


def test_slug_rule(client: FlaskClient) -> None:
    response = client.put(SURVEYS.format(slug="no.dots"), json={})
    assert response.status_code == 400
    assert "slug" in response.get_json()["errors"]


def test_strict_claims_enforces_documented_claims(client: FlaskClient, mint: Any) -> None:
    client.put(SURVEYS.format(slug="strict"), json={"allowGenUsers": True, "genUserKey": "s", "strictClaims": True})
    url = "/intake24/api/surveys/strict/create-user"
    base = {"username": "u", "sub": "strict", "aud": "https://api.example.com", "iss": "partner", "exp": 1_795_262_460}
    assert client.post(url, json={"token": mint(base, "s")}).status_code == 200
    for claim, message in [
        ("sub", "jwt subject invalid. expected: strict"),
        ("aud", "jwt audience required"),
        ("iss", "jwt issuer required"),
        ("exp", "jwt expiration required"),
    ]:
        claims = {k: v for k, v in base.items() if k != claim}
        response = client.post(url, json={"token": mint(claims, "s")})
        assert (response.status_code, response.get_json()) == (403, {"message": message}), claim
