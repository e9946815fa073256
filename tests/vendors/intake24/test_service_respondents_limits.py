"""Intake24 size limits (in UTF-16 units, as Intake24 counts) and the per-survey respondent quota.

Intake24's own limits (username 256, name 512, custom field name 128 / value 512) were already
enforced; the sandbox adds its own where Intake24 has none: at most 100 custom fields per
respondent, passwords of at most 256 units, ``redirectUrl`` of at most 2048.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.intake24.schemas import MAX_CUSTOM_FIELDS, PASSWORD_MAX_LENGTH, js_length
from contracts.jws import sign_hmac
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.core.limits import Limits
from tests.vendors.intake24.support import DEMO_SECRET

CREATE_USER = "/intake24/api/surveys/demo/create-user"
PATS = "/__sandbox/intake24/personal-access-tokens"


def _create(client: FlaskClient, claims: dict[str, Any]) -> Any:
    return client.post(CREATE_USER, json={"token": sign_hmac(claims, DEMO_SECRET, "HS256")})


def _fields(count: int) -> list[dict[str, str]]:
    return [{"name": f"f{n}", "value": "v"} for n in range(count)]


def test_100_custom_fields_are_stored_and_101_are_refused(client: FlaskClient) -> None:
    assert _create(client, {"username": "u1", "customFields": _fields(MAX_CUSTOM_FIELDS)}).status_code == 200
    beyond = _create(client, {"username": "u2", "customFields": _fields(MAX_CUSTOM_FIELDS + 1)})
    assert beyond.status_code == 400
    assert beyond.get_json()["errors"]["customFields"] == {
        "type": "field",
        "location": "body",
        "code": "too_big",
        "msg": "Send at most 100 items here: a limit of the sandbox only, the real Intake24 has none",
        "path": "customFields",
        "value": None,
    }


def test_a_password_of_256_utf16_units_is_accepted_and_257_refused(client: FlaskClient) -> None:
    strong = "aA1" + "😀" * ((PASSWORD_MAX_LENGTH - 3) // 2)  # each emoji is two UTF-16 units
    assert js_length(strong) == PASSWORD_MAX_LENGTH - 1
    at_limit = strong + "b"
    assert _create(client, {"username": "u1", "password": at_limit}).status_code == 200
    beyond = strong + "😀"
    assert js_length(beyond) == PASSWORD_MAX_LENGTH + 1
    assert len(beyond) < PASSWORD_MAX_LENGTH
    response = _create(client, {"username": "u2", "password": beyond})
    assert response.status_code == 400
    assert response.get_json()["errors"]["password"]["msg"] == (
        "Send at most 256 characters (UTF-16 units) here: a limit of the sandbox only, the real Intake24 has none"
    )


def test_a_redirect_url_over_2048_units_is_refused(client: FlaskClient) -> None:
    url = "https://partner.example/" + "p" * (2048 - len("https://partner.example/"))
    assert _create(client, {"username": "u1", "redirectUrl": url}).status_code == 200
    assert _create(client, {"username": "u2", "redirectUrl": url + "p"}).status_code == 400


def test_the_openapi_document_states_the_custom_field_cap(client: FlaskClient) -> None:
    schemas = client.get("/__sandbox/openapi.json").get_json()["components"]["schemas"]
    respondent = next(s for name, s in schemas.items() if name.startswith("Intake24AdminRespondentRequest"))
    assert respondent["properties"]["customFields"]["maxItems"] == MAX_CUSTOM_FIELDS


@pytest.fixture
def small_app(sandbox_settings: Settings, clock: Clock) -> Iterator[Flask]:
    """A sandbox whose Intake24 surveys may keep 2 respondents each."""
    application = create_app(replace(sandbox_settings, limits=Limits(respondents=2)), clock=clock, random_seed=3)
    yield application
    application.extensions["sandbox.store"].dispose()


@pytest.fixture
def small(small_app: Flask) -> FlaskClient:
    return small_app.test_client()


def test_create_user_beyond_the_quota_is_refused_and_journaled(small: FlaskClient) -> None:
    for name in ("u1", "u2"):
        assert _create(small, {"username": name}).status_code == 200
    beyond = _create(small, {"username": "u3"})
    assert beyond.status_code == 403
    message = beyond.get_json()["message"]
    assert list(beyond.get_json()) == ["message"]
    assert "Survey 'demo' already has 2 respondents" in message
    assert "[limits] respondents" in message
    assert small.get("/__sandbox/intake24/surveys/demo/respondents").get_json()["respondents"][-1]["username"] == "u2"
    (entry,) = small.get("/__sandbox/journal?vendor=intake24&limit=1").get_json()["entries"]
    assert (entry["verdict"], entry["rule"], entry["status"]) == ("rejected", "quota_respondents", 403)


def test_a_repeat_create_user_still_works_at_the_quota(small: FlaskClient) -> None:
    first = _create(small, {"username": "u1"}).get_json()
    assert _create(small, {"username": "u2"}).status_code == 200
    assert _create(small, {"username": "u3"}).status_code == 403
    again = _create(small, {"username": "u1"})
    assert again.status_code == 200
    assert again.get_json()["userId"] == first["userId"]


def test_admin_create_beyond_the_quota_is_refused(small: FlaskClient) -> None:
    admin = {"Authorization": "Bearer " + small.post(PATS, json={"name": "ci machine"}).get_json()["jwt"]}
    survey_id = small.get("/__sandbox/intake24/surveys/demo").get_json()["id"]
    base = f"/intake24/api/admin/surveys/{survey_id}/respondents"
    for name in ("adminmade1", "adminmade2"):
        assert small.post(base, json={"username": name}, headers=admin).status_code == 201
    beyond = small.post(base, json={"username": "adminmade3"}, headers=admin)
    assert beyond.status_code == 403
    assert "already has 2 respondents" in beyond.get_json()["message"]
    assert small.get(f"{base}?limit=10", headers=admin).get_json()["meta"]["total"] == 2


def test_the_quota_is_per_survey(small: FlaskClient) -> None:
    for name in ("u1", "u2"):
        assert _create(small, {"username": name}).status_code == 200
    assert _create(small, {"username": "u3"}).status_code == 403
    small.put("/__sandbox/intake24/surveys/other", json={"allowGenUsers": True, "genUserKey": "other-secret-0123"})
    token = sign_hmac({"username": "u3"}, "other-secret-0123", "HS256")
    assert small.post("/intake24/api/surveys/other/create-user", json={"token": token}).status_code == 200


def test_survey_settings_hold_at_most_50_notifications(client: FlaskClient) -> None:
    hook = {"type": "survey.session.submitted", "channel": "webhook", "url": "http://127.0.0.1:9/hook"}
    body = {"allowGenUsers": True, "genUserKey": "study-secret-0123456789", "notifications": [hook] * 50}
    assert client.put("/__sandbox/intake24/surveys/study", json=body).status_code in (200, 201)
    beyond = client.put("/__sandbox/intake24/surveys/study", json={**body, "notifications": [hook] * 51})
    assert beyond.status_code == 400
    assert "Array must contain at most 50 element(s)" in str(beyond.get_json())
