"""The survey app: create-user URL, authentication URLs, and the recall buttons (spec §2, §3.2)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.vendors.intake24.support import CREATE_USER, Mint

APP = "/intake24/survey"


@pytest.mark.parametrize(
    ("query", "view"),
    [
        ("", "home"),
        ("?redirect=home", "home"),
        ("?redirect=recall", "recall"),
        ("?redirect=feedback", "feedback"),
        ("?redirect=elsewhere", "home"),
        ("?redirect=recall&redirect=feedback", "home"),
    ],
)
def test_create_user_url_signs_in_and_redirects(client: FlaskClient, mint: Mint, query: str, view: str) -> None:
    token = mint({"username": f"app-{view}-{len(query)}"})
    response = client.get(f"{APP}/demo/create-user/{token}{query}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{APP}/demo/{view}"
    page = client.get(f"{APP}/demo/{view}")
    assert page.status_code == 200
    assert f"app-{view}-{len(query)}" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "claims_or_token",
    [
        "not-a-jwt",
        {"username": "x", "exp": 1},
        {"name": "no username"},
    ],
)
def test_create_user_url_failure_goes_silently_to_landing(
    client: FlaskClient, mint: Mint, claims_or_token: Any
) -> None:
    token = claims_or_token if isinstance(claims_or_token, str) else mint(claims_or_token)
    response = client.get(f"{APP}/demo/create-user/{token}?redirect=recall")
    assert (response.status_code, response.headers["Location"]) == (302, f"{APP}/")
    assert "Set-Cookie" not in response.headers
    landing = client.get(f"{APP}/").get_data(as_text=True)
    assert "Not signed in." in landing
    assert "error" not in landing.lower()


def test_create_user_url_unknown_survey_goes_to_landing(client: FlaskClient, mint: Mint) -> None:
    response = client.get(f"{APP}/nope/create-user/{mint({'username': 'x'})}")
    assert response.headers["Location"] == f"{APP}/"


def _respondent(client: FlaskClient, mint: Mint, username: str = "urlauth") -> dict[str, Any]:
    body: dict[str, Any] = client.post(
        CREATE_USER.format(slug="demo"), json={"token": mint({"username": username})}
    ).get_json()
    return body


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/a/{token}", "/demo/home"),
        ("/demo?auth={token}", "/demo/home"),
        ("/demo/feedback?auth={token}", "/demo/feedback"),
        ("/demo/recall?auth={token}", "/demo/recall"),
    ],
)
def test_authentication_urls(client: FlaskClient, mint: Mint, path: str, target: str) -> None:
    token = _respondent(client, mint)["authToken"]
    response = client.get(APP + path.format(token=token))
    assert (response.status_code, response.headers["Location"]) == (302, APP + target)
    assert "urlauth" in client.get(APP + target).get_data(as_text=True)


def test_bad_authentication_urls(client: FlaskClient) -> None:
    assert client.get(f"{APP}/a/wrong").headers["Location"] == f"{APP}/"
    assert client.get(f"{APP}/demo?auth=wrong").headers["Location"] == f"{APP}/demo"
    assert client.get(f"{APP}/demo/home").headers["Location"] == f"{APP}/demo"  # not signed in


def test_feedback_off_for_respondent_goes_home(client: FlaskClient, mint: Mint) -> None:
    token = mint({"username": "nofb", "customFields": [{"name": "it24:feedback", "value": False}]})
    client.get(f"{APP}/demo/create-user/{token}?redirect=feedback")
    assert client.get(f"{APP}/demo/feedback").headers["Location"] == f"{APP}/demo/home"


def test_start_cancel_submit_buttons_and_redirect_button(client: FlaskClient, mint: Mint) -> None:
    client.get(f"{APP}/demo/create-user/{mint({'username': 'clicker'})}?redirect=recall")
    page = client.get(f"{APP}/demo/recall").get_data(as_text=True)
    assert "No recall in progress." in page
    assert "id='start'" in page
    client.post(f"{APP}/demo/recall/start")
    page = client.get(f"{APP}/demo/recall").get_data(as_text=True)
    assert "in progress" in page
    assert "id='cancel'" in page
    assert "id='submit'" in page
    client.post(f"{APP}/demo/recall/cancel")
    assert "No recall in progress." in client.get(f"{APP}/demo/recall").get_data(as_text=True)
    client.post(f"{APP}/demo/recall/start")
    submitted = client.post(f"{APP}/demo/recall/submit")
    assert submitted.status_code == 302
    done = client.get(submitted.headers["Location"]).get_data(as_text=True)
    assert "submitted" in done
    assert "href='https://example.com/intake24/done?user=clicker'" in done
    assert "data-timer='0'" in done
    assert "id='timer'" not in done


def test_redirect_timer_shown_when_set(client: FlaskClient, mint: Mint, make_survey: Any) -> None:
    make_survey(
        "timed",
        redirectPrompt={
            "url": "https://partner.example/back/{identifier}",
            "identifier": "userId",
            "target": "_blank",
            "timer": 5,
        },
    )
    token = mint({"username": "t"}, "study-secret-0123456789-0123456789")
    client.get(f"{APP}/timed/create-user/{token}")
    location = client.post(f"{APP}/timed/recall/submit").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "target='_blank'" in page
    assert "id='timer'" in page
    assert "5000" in page
    assert "https://partner.example/back/" in page


def test_switching_user_replaces_the_session(client: FlaskClient, mint: Mint) -> None:
    client.get(f"{APP}/demo/create-user/{mint({'username': 'first'})}")
    client.get(f"{APP}/demo/create-user/{mint({'username': 'second'})}")
    page = client.get(f"{APP}/demo/home").get_data(as_text=True)
    assert "second" in page
    assert "first" not in page


def test_captcha_survey_create_user_url_lands_on_login_page(client: FlaskClient, mint: Mint, make_survey: Any) -> None:
    make_survey("captcha", authCaptcha=True)
    token = mint({"username": "cap"}, "study-secret-0123456789-0123456789")
    response = client.get(f"{APP}/captcha/create-user/{token}?redirect=recall")
    assert response.headers["Location"] == f"{APP}/captcha/recall"
    assert client.get(f"{APP}/captcha/recall").headers["Location"] == f"{APP}/captcha"
    assert "Not signed in." in client.get(f"{APP}/captcha").get_data(as_text=True)


def test_unknown_survey_pages_go_to_landing(client: FlaskClient) -> None:
    assert client.get(f"{APP}/nope").headers["Location"] == f"{APP}/"
    assert client.get(f"{APP}/nope/home").headers["Location"] == f"{APP}/"
    assert client.get(f"{APP}/demo/elsewhere").headers["Location"] == f"{APP}/"


def test_a_redirect_for_a_slug_with_control_characters_is_url_encoded(client: FlaskClient) -> None:
    """Found by the Schemathesis self-check: a newline in the slug made an invalid Location header (500)."""
    response = client.post("/intake24/survey/a%0Ab%20c/recall/start")
    assert (response.status_code, response.headers["Location"]) == (302, "/intake24/survey/a%0Ab%20c")


@pytest.mark.parametrize("view", ["recall", "home"])
def test_after_a_submission_the_page_says_submitted_not_in_progress(client: FlaskClient, mint: Mint, view: str) -> None:
    """Coming back to the recall (or home) page after submitting: the recall is shown as submitted,
    with no Submit or Cancel button for it, and a new recall can be started."""
    client.get(f"{APP}/demo/create-user/{mint({'username': f'back-{view}'})}?redirect=recall")
    client.post(f"{APP}/demo/recall/start")
    session_id = client.get(f"{APP}/demo/recall").get_data(as_text=True).split("id='session-id'>")[1].split("<")[0]
    client.post(f"{APP}/demo/recall/submit")
    page = client.get(f"{APP}/demo/{view}").get_data(as_text=True)
    assert f"Recall <span id='session-id'>{session_id}</span> submitted." in page
    assert "in progress" not in page
    assert "id='submit'" not in page
    assert "id='cancel'" not in page
    assert "id='start'" in page
    client.post(f"{APP}/demo/recall/start")
    assert "in progress" in client.get(f"{APP}/demo/recall").get_data(as_text=True)
