"""Issue 19: Intake24's routes matched as its stack matches them. The API's routes are ts-rest
endpoints registered with ``app.get``/``app.post``/… (``@ts-rest/express`` 3.52.1) on an
``express.Router()`` (Express 4.21.2: ``caseSensitive: false``, ``strict: false``), which
path-to-regexp 0.1.12 compiles with the ``i`` flag and an optional trailing slash; the survey app is
Vue Router 4 (``sensitive: false``, ``strict: false``) behind Express's catch-all. Versions from
c93aaa5's ``pnpm-lock.yaml``. Expected answers marked "run" are from a run of Node 20.20.2 with
express 4.21.2 mounting such a router at ``/api``: ``POST /api/Surveys/Demo/Create-User`` matched
with ``slug: "Demo"``, ``/api/SURVEYS/demo/CREATE-USER/`` and ``/api//surveys/demo/create-user``
matched, ``/api/surveys/demo/create-user//`` and ``/api/surveys/demo//create-user`` answered 404
``"Invalid route"``, ``GET /api/Admin/Surveys/7/Respondents/MixedCase`` matched with
``username: "MixedCase"``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.core.journal import journal
from tests.vendors.intake24.support import CREATE_USER, Mint

API = "/intake24/api"
APP = "/intake24/survey"
PASSWORD = "Sandbox-Password-1234"


def _access_token(client: FlaskClient, mint: Mint, username: str) -> str:
    created = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": username})})
    login = client.post(f"{API}/auth/login/token", json={"token": created.get_json()["authToken"]})
    access: str = login.get_json()["accessToken"]
    return access


@pytest.mark.parametrize(
    "path",
    [
        "/Surveys/demo/Create-User",
        "/SURVEYS/demo/CREATE-USER/",  # non-strict: one trailing slash
        "//surveys/demo/create-user",  # the /api mount absorbs one slash (run)
    ],
)
def test_create_user_matches_without_regard_to_case(client: FlaskClient, mint: Mint, path: str) -> None:
    answer = client.post(API + path, json={"token": mint({"username": "CaseUser"})})
    assert answer.status_code == 200
    assert answer.get_json()["username"] == "CaseUser"


@pytest.mark.parametrize(
    "path", ["/surveys/demo/create-user//", "/surveys/demo//create-user", "/Surveys/demo/Create-Users"]
)
def test_what_express_does_not_match_is_invalid_route(client: FlaskClient, mint: Mint, path: str) -> None:
    """No slash merging (werkzeug would redirect 308), no second trailing slash (run)."""
    answer = client.post(API + path, json={"token": mint({"username": "NoRoute"})})
    assert (answer.status_code, answer.get_json()) == (404, "Invalid route")


def test_login_session_and_submission_routes_match_without_regard_to_case(client: FlaskClient, mint: Mint) -> None:
    refused = client.post(f"{API}/Auth/Login/TOKEN", json={"token": "no-such-token"})
    assert refused.status_code == 401  # the login route's answer, not the catch-all's 404
    headers = {"Authorization": f"Bearer {_access_token(client, mint, 'SessionUser')}"}
    started = client.post(f"{API}/Surveys/demo/Session", headers=headers)
    assert started.status_code == 200
    session_id = started.get_json()["sessionId"]
    assert client.delete(f"{API}/SURVEYS/demo/SESSION/{session_id}/", headers=headers).status_code == 204
    assert client.delete(f"{API}/surveys/demo/Session", headers=headers).status_code == 204
    submitted = client.post(f"{API}/Surveys/Demo/Submission", headers=headers, json={})
    assert submitted.status_code == 200


def test_admin_respondent_routes_match_without_regard_to_case_and_keep_the_username(
    client: FlaskClient, pat_jwt: str
) -> None:
    """``:username`` keeps its case (run: ``username: "MixedCase"``); the static parts do not matter."""
    survey_id = client.get("/__sandbox/intake24/surveys/demo").get_json()["id"]
    headers = {"Authorization": f"Bearer {pat_jwt}"}
    body = {"username": "MixedCase", "password": PASSWORD, "passwordConfirm": PASSWORD}
    created = client.post(f"{API}/Admin/Surveys/{survey_id}/Respondents", json=body, headers=headers)
    assert created.status_code == 201
    listed = client.get(f"{API}/ADMIN/SURVEYS/{survey_id}/RESPONDENTS/", headers=headers)
    assert [entry["username"] for entry in listed.get_json()["data"]] == ["MixedCase"]
    found = client.get(f"{API}/admin/Surveys/{survey_id}/respondents/MixedCase", headers=headers)
    assert (found.status_code, found.get_json()["username"]) == (200, "MixedCase")
    other = client.get(f"{API}/admin/surveys/{survey_id}/respondents/mixedcase", headers=headers)
    assert other.status_code == 404  # the parameter is not folded
    patched = client.patch(
        f"{API}/Admin/surveys/{survey_id}/Respondents/MixedCase", json={"name": "N"}, headers=headers
    )
    assert (patched.status_code, patched.get_json()["name"]) == (200, "N")
    deleted = client.delete(f"{API}/admin/SURVEYS/{survey_id}/respondents/MixedCase/", headers=headers)
    assert deleted.status_code == 204


def test_a_wrong_method_on_a_case_varied_route_is_still_invalid_route(client: FlaskClient) -> None:
    wrong = client.get(f"{API}/Surveys/demo/Create-User")
    assert (wrong.status_code, wrong.get_json()) == (404, "Invalid route")
    assert client.put(f"{API}/Admin/surveys/1/respondents").status_code == 401  # the admin mount authenticates first


def test_survey_app_routes_match_without_regard_to_case(client: FlaskClient, mint: Mint) -> None:
    """Vue Router 4 (``sensitive: false``): ``/:surveyId/create-user/:token``, ``/a/:token`` and
    ``/:surveyId/home`` match in any case; ``:surveyId`` keeps its case in the redirect."""
    token = mint({"username": "AppCaseUser"})
    created = client.get(f"{APP}/Demo/Create-User/{token}?redirect=recall")
    assert (created.status_code, created.headers["Location"]) == (302, f"{APP}/Demo/recall")
    page = client.get(f"{APP}/Demo/RECALL/")
    assert page.status_code == 200
    assert "AppCaseUser" in page.get_data(as_text=True)
    url_token = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "ShortUrl"})})
    short = client.get(f"{APP}/A/{url_token.get_json()['authToken']}")
    assert (short.status_code, short.headers["Location"]) == (302, f"{APP}/demo/home")
    assert "ShortUrl" in client.get(f"{APP}/demo/Home").get_data(as_text=True)


def test_secret_path_segments_are_redacted_in_any_case(client: FlaskClient, app: Flask, mint: Mint) -> None:
    """The tokens of case-varied survey-app paths reach their routes, so they are redacted as well."""
    page_token = mint({"username": "RedactCase", "password": PASSWORD})
    client.get(f"{APP}/demo/CREATE-USER/{page_token}")
    url_token = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "R2"})})
    auth_token = url_token.get_json()["authToken"]
    client.get(f"{APP}/A/{auth_token}")
    with app.app_context():
        entries: list[dict[str, Any]] = journal().entries(vendor="intake24", limit=1000)
    text = json.dumps(entries)
    assert page_token not in text
    assert auth_token not in text
    paths = [entry["path"] for entry in entries]
    assert f"{APP}/demo/CREATE-USER/[redacted]" in paths
    assert f"{APP}/A/[redacted]" in paths


def test_other_vendors_still_route_with_regard_to_case(client: FlaskClient) -> None:
    """Only Intake24's prefixes are routed as Express does: CirrusMD's and Sympto's paths are exact."""
    for exact, varied in (
        ("/cirrusmd/sdk/v2/public/sessions", "/cirrusmd/sdk/v2/public/Sessions"),
        ("/sympto/authorization", "/sympto/Authorization"),
    ):
        assert client.post(exact, json={}).status_code != 404
        answer = client.post(varied, json={})
        assert answer.status_code == 404
        assert answer.get_json().keys() == client.post(exact + "-nope", json={}).get_json().keys()  # their 404 shape
