"""Reset of Intake24 through the control plane (everything, or one survey) and inspection of a
survey's respondents and sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.vendors.intake24.support import CREATE_USER, LOGIN, Mint

SECRET = "demo-intake24-jwt-secret-change-me"


def respondent_with_recall(client: FlaskClient, mint: Mint, slug: str, username: str, *, submit: bool) -> str:
    """Create a respondent, start a recall (and submit it); return the session id."""
    created = client.post(CREATE_USER.format(slug=slug), json={"token": mint({"username": username}, SECRET)})
    assert created.status_code == 200, created.get_json()
    access = client.post(LOGIN, json={"token": created.get_json()["authToken"]}).get_json()["accessToken"]
    headers = {"Authorization": f"Bearer {access}"}
    session_id: str = client.post(f"/intake24/api/surveys/{slug}/session", json={}, headers=headers).get_json()[
        "sessionId"
    ]
    if submit:
        assert client.post(f"/intake24/api/surveys/{slug}/submission", json={}, headers=headers).status_code == 200
    return session_id


def usernames(client: FlaskClient, slug: str) -> list[str]:
    listed = client.get(f"/__sandbox/intake24/surveys/{slug}/respondents").get_json()["respondents"]
    return [r["username"] for r in listed]


def test_respondents_and_sessions_of_a_survey_are_listed(client: FlaskClient, mint: Mint) -> None:
    client.post(
        CREATE_USER.format(slug="demo"),
        json={"token": mint({"username": "alice", "customFields": [{"name": "arm", "value": "b"}]}, SECRET)},
    )
    session_id = respondent_with_recall(client, mint, "demo", "bob", submit=True)

    respondents = client.get("/__sandbox/intake24/surveys/demo/respondents").get_json()["respondents"]
    assert [r["username"] for r in respondents] == ["alice", "bob"]
    alice = respondents[0]["userId"]
    assert respondents[0]["customFields"] == [
        {"id": "1", "userId": alice, "name": "arm", "value": "b", "public": False}
    ]
    assert len(respondents[0]["authToken"]) == 32
    sessions = client.get("/__sandbox/intake24/surveys/demo/sessions").get_json()["sessions"]
    assert len(sessions) == 1
    assert sessions[0]["sessionId"] == session_id
    assert sessions[0]["userId"] == respondents[1]["userId"]
    assert sessions[0]["submitted_at"] is not None
    assert len(sessions[0]["submissionIds"]) == 1


def test_listing_an_unknown_survey_is_a_404_naming_it(client: FlaskClient) -> None:
    for what in ("respondents", "sessions"):
        response = client.get(f"/__sandbox/intake24/surveys/nope/{what}")
        assert (response.status_code, response.get_json()) == (
            404,
            {"error": "no Intake24 survey 'nope': create it with PUT"},
        )


def test_surveys_are_listed(client: FlaskClient, make_survey: Callable[..., Any]) -> None:
    make_survey("study")
    assert [s["slug"] for s in client.get("/__sandbox/intake24/surveys").get_json()["surveys"]] == ["demo", "study"]


def test_reset_everything_restores_the_configured_surveys(
    client: FlaskClient, mint: Mint, make_survey: Callable[..., Any], app: Flask
) -> None:
    demo_id = client.get("/__sandbox/intake24/surveys/demo").get_json()["id"]
    respondent_with_recall(client, mint, "demo", "alice", submit=True)
    make_survey("study")
    client.put("/__sandbox/intake24/surveys/demo", json={"allowGenUsers": False})
    client.post("/__sandbox/intake24/personal-access-tokens", json={"name": "ci-token"})
    client.post("/__sandbox/faults", json={"name": "intake24.jwt_expired"})

    response = client.post("/__sandbox/reset?vendor=intake24")

    assert response.get_json() == {"reset": ["intake24", "journal", "faults"]}
    assert [s["slug"] for s in client.get("/__sandbox/intake24/surveys").get_json()["surveys"]] == ["demo"]
    demo = client.get("/__sandbox/intake24/surveys/demo").get_json()
    assert demo["id"] == demo_id  # ids kept: admin URLs stay valid
    assert demo["settings"]["allowGenUsers"] is True
    assert usernames(client, "demo") == []
    assert client.get("/__sandbox/intake24/surveys/demo/sessions").get_json() == {"sessions": []}
    assert client.get("/__sandbox/faults?vendor=intake24").get_json() == {"faults": []}
    with app.app_context():
        service = app.extensions["sandbox.intake24"]
        with service.store.connect() as connection:
            from sandbox.vendors.intake24.models import personal_access_tokens, submissions

            assert connection.execute(submissions.select()).all() == []
            assert connection.execute(personal_access_tokens.select()).all() == []
    again = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "alice"}, SECRET)})
    assert again.status_code == 200


def test_reset_one_survey_keeps_the_others(client: FlaskClient, mint: Mint, make_survey: Callable[..., Any]) -> None:
    make_survey("study", genUserKey=SECRET)
    respondent_with_recall(client, mint, "demo", "alice", submit=False)
    respondent_with_recall(client, mint, "study", "bob", submit=True)
    client.put("/__sandbox/intake24/surveys/demo", json={"allowGenUsers": False})
    client.post("/__sandbox/faults", json={"name": "intake24.jwt_expired", "tenant": "study"})
    client.post("/__sandbox/faults", json={"name": "intake24.jwt_expired", "tenant": "demo"})

    client.post("/__sandbox/reset?tenant=demo")

    assert usernames(client, "demo") == []
    assert client.get("/__sandbox/intake24/surveys/demo/sessions").get_json() == {"sessions": []}
    assert client.get("/__sandbox/intake24/surveys/demo").get_json()["settings"]["allowGenUsers"] is True
    assert usernames(client, "study") == ["bob"]
    assert len(client.get("/__sandbox/intake24/surveys/study/sessions").get_json()["sessions"]) == 1
    assert [f["tenant"] for f in client.get("/__sandbox/faults").get_json()["faults"]] == ["study"]

    client.post("/__sandbox/reset?vendor=intake24&tenant=study")
    assert usernames(client, "study") == []
    assert client.get("/__sandbox/intake24/surveys/study").status_code == 200  # a tenant reset keeps the survey


def test_reset_clears_the_rate_limit_windows(client: FlaskClient, app: Flask) -> None:
    service = app.extensions["sandbox.intake24"]
    for _ in range(service.settings.rate_limit_max):
        service.limiter.hit("generic:127.0.0.1", service.clock.now())
    assert client.post(LOGIN, json={"token": "x"}).status_code == 429
    client.post("/__sandbox/reset")
    assert client.post(LOGIN, json={"token": "x"}).status_code == 401
