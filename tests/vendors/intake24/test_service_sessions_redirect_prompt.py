"""Redirect prompt ``followUpUrl`` substitutions (spec §5, the observed table)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.vendors.intake24.support import CREATE_USER, Mint

SECRET = "study-secret-0123456789-0123456789"


def _follow_up(client: FlaskClient, mint: Mint, prompt: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
    client.put(
        "/__sandbox/intake24/surveys/fu",
        json={"allowGenUsers": True, "genUserKey": SECRET, "userCustomFields": True, "redirectPrompt": prompt},
    )
    user = client.post(
        CREATE_USER.format(slug="fu"),
        json={
            "token": mint({"username": "fu user&x=1#h", "customFields": [{"name": "extId", "value": "ab c/é"}]}, SECRET)
        },
    ).get_json()
    access = client.post("/intake24/api/auth/login/token", json={"token": user["authToken"]}).get_json()
    response = client.post(
        "/intake24/api/surveys/fu/submission", json={}, headers={"Authorization": "Bearer " + access["accessToken"]}
    )
    assert response.status_code == 200
    return response.get_json()["followUpUrl"], user


@pytest.mark.parametrize(
    ("url", "identifier", "expected"),
    [
        (
            "https://example.com/done?u={identifier}&again={identifier}",
            "username",
            "https://example.com/done?u=fu%20user&x=1#h&again={identifier}",
        ),
        ("https://example.com/done?uid={identifier}", "userId", "https://example.com/done?uid={userId}"),
        ("https://example.com/t/{identifier}", "urlAuthToken", "https://example.com/t/{authToken}"),
        ("https://example.com/?ext={identifier}", "extId", "https://example.com/?ext=ab%20c/%C3%A9"),
        ("https://example.com/?ext={identifier}", "nope", None),
        (None, "username", None),
        ("https://example.com/static", "username", "https://example.com/static"),
        ("not a url {identifier}", "username", None),
    ],
)
def test_follow_up_url(client: FlaskClient, mint: Mint, url: str | None, identifier: str, expected: str | None) -> None:
    found, user = _follow_up(client, mint, {"url": url, "identifier": identifier})
    assert found == (None if expected is None else expected.format(identifier="{identifier}", **user))


def test_no_redirect_prompt_means_null(client: FlaskClient, mint: Mint) -> None:
    assert _follow_up(client, mint, None)[0] is None
