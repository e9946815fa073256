"""Repeat requests and survey flags (spec §1.5), and concurrent first creates (one respondent)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskClient

from sandbox.testing.live import LiveServer
from tests.vendors.intake24.support import CREATE_USER, DEMO_SECRET, Mint

STUDY_SECRET = "study-secret-0123456789-0123456789"


def test_repeat_keeps_ids_ignores_password_and_updates_name_and_fields(
    client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]
) -> None:
    make_survey("pi", userPersonalIdentifiers=True, userCustomFields=True)
    url = CREATE_USER.format(slug="pi")

    def post(claims: dict[str, Any]) -> dict[str, Any]:
        response = client.post(url, json={"token": mint(claims, STUDY_SECRET)})
        assert response.status_code == 200, response.get_json()
        body: dict[str, Any] = response.get_json()
        return body

    new = post(
        {
            "username": "pi01",
            "password": "Passw0rdOne",
            "name": "myName",
            "customFields": [{"name": "f1", "value": 5}, {"name": "f2", "value": "v2", "public": True}],
        }
    )
    assert list(new) == ["userId", "username", "authToken", "name", "customFields"]
    assert new["customFields"] == [{"name": "f1", "value": "5"}, {"name": "f2", "value": "v2", "public": True}]

    repeat = post({"username": "pi01", "password": "Different1Password"})
    assert (repeat["userId"], repeat["authToken"]) == (new["userId"], new["authToken"])
    assert repeat["name"] == "myName"
    assert [(f["name"], f["value"], f["public"]) for f in repeat["customFields"]] == [
        ("f1", "5", False),
        ("f2", "v2", True),
    ]
    assert set(repeat["customFields"][0]) == {"id", "userId", "name", "value", "public"}  # the DB-row shape

    replaced = post({"username": "pi01", "name": None, "customFields": [{"name": "f3", "value": "v3"}]})
    assert replaced["name"] is None
    assert replaced["customFields"] == [{"name": "f3", "value": "v3"}]
    assert [f["name"] for f in post({"username": "pi01"})["customFields"]] == ["f3"]


def test_name_key_only_when_claimed_for_new_users(
    client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]
) -> None:
    make_survey("pi2", userPersonalIdentifiers=True)
    url = CREATE_USER.format(slug="pi2")
    without = client.post(url, json={"token": mint({"username": "a"}, STUDY_SECRET)}).get_json()
    with_null = client.post(url, json={"token": mint({"username": "b", "name": None}, STUDY_SECRET)}).get_json()
    assert "name" not in without
    assert with_null["name"] is None


def test_flags_off_hide_name_and_fields(client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]) -> None:
    make_survey("off")
    body = client.post(
        CREATE_USER.format(slug="off"),
        json={
            "token": mint({"username": "x", "name": "N", "customFields": [{"name": "k", "value": "v"}]}, STUDY_SECRET)
        },
    ).get_json()
    assert list(body) == ["userId", "username", "authToken"]


def test_survey_token_settings_shape_the_auth_token(
    client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]
) -> None:
    make_survey("short", authUrlTokenLength=12, authUrlTokenCharset="abc")
    body = client.post(CREATE_USER.format(slug="short"), json={"token": mint({"username": "x"}, STUDY_SECRET)})
    token = body.get_json()["authToken"]
    assert len(token) == 12
    assert set(token) <= set("abc")


def test_twenty_concurrent_first_creates_make_one_respondent(app: Flask, mint: Mint) -> None:
    token = mint({"username": "racer", "password": "Racing1Password"}, DEMO_SECRET)
    with LiveServer(app) as server, ThreadPoolExecutor(max_workers=20) as pool:
        url = server.url + CREATE_USER.format(slug="demo")
        responses = list(pool.map(lambda _: requests.post(url, json={"token": token}, timeout=30), range(20)))
    assert [r.status_code for r in responses] == [200] * 20
    assert len({r.json()["userId"] for r in responses}) == 1
    assert len({r.json()["authToken"] for r in responses}) == 1
    service = app.extensions["sandbox.intake24"]
    survey = service.find_survey("demo")
    assert service.count_respondents(survey, "racer") == 1


def test_url_token_collision_is_403_validation_error(
    client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]
) -> None:
    make_survey("tiny", authUrlTokenCharset="a", authUrlTokenLength=12)
    url = CREATE_USER.format(slug="tiny")
    assert client.post(url, json={"token": mint({"username": "one"}, STUDY_SECRET)}).status_code == 200
    second = client.post(url, json={"token": mint({"username": "two"}, STUDY_SECRET)})
    assert (second.status_code, second.get_json()) == (403, {"message": "Validation error"})
