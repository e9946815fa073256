"""Personal access tokens and the admin respondent endpoints (spec §7)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.vendors.intake24.support import CREATE_USER, Mint

PATS = "/__sandbox/intake24/personal-access-tokens"


@pytest.fixture
def admin(client: FlaskClient) -> dict[str, str]:
    issued = client.post(PATS, json={"name": "ci machine"})
    assert issued.status_code == 201
    return {"Authorization": "Bearer " + issued.get_json()["jwt"]}


@pytest.fixture
def base(client: FlaskClient) -> str:
    survey_id = client.get("/__sandbox/intake24/surveys/demo").get_json()["id"]
    return f"/intake24/api/admin/surveys/{survey_id}/respondents"


def test_create_get_list_patch_delete(client: FlaskClient, admin: dict[str, str], base: str) -> None:
    created = client.post(
        base,
        json={"username": "adminmade01", "name": "N", "customFields": [{"name": "k", "value": "v"}]},
        headers=admin,
    )
    assert created.status_code == 201
    body = created.get_json()
    assert list(body) == [
        "id",
        "userId",
        "surveyId",
        "username",
        "urlAuthToken",
        "name",
        "email",
        "phone",
        "customFields",
        "surveyAuthUrl",
        "feedbackAuthUrl",
    ]
    token = body["urlAuthToken"]
    assert body["surveyAuthUrl"] == f"http://localhost/intake24/survey/a/{token}"
    assert body["feedbackAuthUrl"] == f"http://localhost/intake24/survey/demo/feedback?auth={token}"
    assert body["customFields"][0]["name"] == "k"
    assert body["customFields"][0]["public"] is False

    assert client.get(f"{base}/adminmade01", headers=admin).get_json()["username"] == "adminmade01"
    listing = client.get(f"{base}?limit=1", headers=admin).get_json()
    assert listing["meta"] == {"from": 1, "lastPage": 1, "page": 1, "path": "", "limit": 1, "to": 1, "total": 1}
    assert set(listing["data"][0]) == {
        "id",
        "userId",
        "surveyId",
        "username",
        "urlAuthToken",
        "surveyAuthUrl",
        "feedbackAuthUrl",
    }
    patched = client.patch(f"{base}/adminmade01", json={"name": "New"}, headers=admin)
    assert patched.get_json()["name"] == "New"
    assert client.delete(f"{base}/adminmade01", headers=admin).status_code == 204
    missing = client.get(f"{base}/adminmade01", headers=admin)
    assert (missing.status_code, missing.get_json()) == (404, {"message": "NotFoundError"})


def test_duplicate_username_is_400_validation_error(client: FlaskClient, admin: dict[str, str], base: str) -> None:
    client.post(base, json={"username": "twice"}, headers=admin)
    again = client.post(base, json={"username": "twice"}, headers=admin)
    assert again.status_code == 400
    assert again.get_json() == {
        "errors": {
            "username": {
                "code": None,
                "type": "field",
                "path": "username",
                "msg": 'A record with the same "Username" value already exists.',
                "location": "body",
                "value": None,
            }
        },
        "message": "ValidationError",
    }


def test_email_username_refused(client: FlaskClient, admin: dict[str, str], base: str) -> None:
    response = client.post(base, json={"username": "a@b.example"}, headers=admin)
    assert response.status_code == 400
    assert response.get_json() == {
        "message": 'Validation error: Invalid input at "username"',
        "errors": {
            "username": {
                "type": "field",
                "location": "body",
                "code": "custom",
                "msg": "Invalid input",
                "path": "username",
                "value": None,
            }
        },
    }


def test_respondents_created_by_jwt_are_listed(
    client: FlaskClient, admin: dict[str, str], base: str, mint: Mint
) -> None:
    client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "viajwt"})})
    assert client.get(f"{base}?search=viaj", headers=admin).get_json()["data"][0]["username"] == "viajwt"


def test_authentication_failures(client: FlaskClient, base: str, mint: Mint) -> None:
    none = client.get(base)
    assert (none.status_code, none.get_data(as_text=True)) == (401, "Unauthorized")
    assert client.get(base, headers={"Authorization": "Bearer " + mint({"sub": "1"})}).status_code == 401
    user = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "resp"})}).get_json()
    access = client.post("/intake24/api/auth/login/token", json={"token": user["authToken"]}).get_json()
    respondent = client.get(base, headers={"Authorization": "Bearer " + access["accessToken"]})
    assert (respondent.status_code, respondent.get_json()) == (403, {"message": "Account not verified"})


def test_unknown_numeric_survey_is_404(client: FlaskClient, admin: dict[str, str]) -> None:
    response = client.get("/intake24/api/admin/surveys/999/respondents", headers=admin)
    assert (response.status_code, response.get_json()) == (404, {"message": "NotFoundError"})
    by_slug = client.get("/intake24/api/admin/surveys/demo/respondents", headers=admin)
    assert by_slug.status_code == 400  # bigIntString refuses a slug (issue 19: test_routes_admin_respondents.py)


@pytest.mark.parametrize("body", [{}, {"name": "ab"}, {"name": "ok name", "expires_in_seconds": -1}])
def test_pat_request_validation(client: FlaskClient, body: dict[str, Any]) -> None:
    assert client.post(PATS, json=body).status_code == 400


def test_pat_expires(client: FlaskClient, clock: Any, base: str) -> None:
    issued = client.post(PATS, json={"name": "short", "expires_in_seconds": 60}).get_json()
    headers = {"Authorization": "Bearer " + issued["jwt"]}
    assert client.get(base, headers=headers).status_code == 200
    clock.advance(12 * 3600 - 2)  # the frozen clock is 12:00 UTC; exp is the day's 23:59:59
    assert client.get(base, headers=headers).status_code == 200
    clock.advance(1)
    assert client.get(base, headers=headers).status_code == 401


def test_domain_override_shapes_auth_urls(client: FlaskClient, admin: dict[str, str]) -> None:
    created = client.put(
        "/__sandbox/intake24/surveys/branded",
        json={"allowGenUsers": False, "authUrlDomainOverride": "https://take.example/survey/"},
    ).get_json()
    entry = client.post(
        f"/intake24/api/admin/surveys/{created['id']}/respondents", json={"username": "b1"}, headers=admin
    ).get_json()
    assert entry["surveyAuthUrl"] == f"https://take.example/survey/a/{entry['urlAuthToken']}"
    assert entry["feedbackAuthUrl"] == f"https://take.example/survey/branded/feedback?auth={entry['urlAuthToken']}"


def test_deleted_respondent_ids_are_not_reused(client: FlaskClient, admin: dict[str, str], base: str) -> None:
    first = client.post(base, json={"username": "gone"}, headers=admin).get_json()
    client.delete(f"{base}/gone", headers=admin)
    second = client.post(base, json={"username": "new"}, headers=admin).get_json()
    assert int(second["userId"]) > int(first["userId"])


def test_revoked_pat_is_refused(client: FlaskClient, base: str) -> None:
    issued = client.post(PATS, json={"name": "revocable"}).get_json()
    headers = {"Authorization": "Bearer " + issued["jwt"]}
    assert client.get(base, headers=headers).status_code == 200
    assert client.delete(f"{PATS}/{issued['token']['id']}").status_code == 204
    assert client.get(base, headers=headers).status_code == 401
    assert client.delete(f"{PATS}/999").status_code == 404
