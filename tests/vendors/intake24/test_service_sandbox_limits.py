"""Limits of the sandbox only (``password`` and ``passwordConfirm`` 256 UTF-16 units, ``redirectUrl``
2,048, 100 custom fields): the real Intake24 (c93aaa5) has none, so they must never change an answer
the real server gives on its own rules. They are checked last, once every real rule has accepted the
request (zod's whole schema, then a taken username or an unknown respondent), and only then answer
400 with a message that names the limit and what to send instead (journal rule ``sandbox_limit``).

The real answers: zod 3.25.76 with validator 13.15.15 (``isStrongPassword``) from a run on Node
20.20.2 report ``Weak password`` alone for a weak password of any length, ``Invalid url`` alone for
a long invalid URL; the duplicate-username and 404 answers come after zod in the real handlers.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from contracts.intake24 import messages
from contracts.intake24.schemas import MAX_CUSTOM_FIELDS, PASSWORD_MAX_LENGTH, REDIRECT_URL_MAX_LENGTH
from tests.vendors.intake24.support import CREATE_USER, Mint

WEAK_LONG = "a" * (PASSWORD_MAX_LENGTH + 1)  # no upper case, no digit: weak, and over the sandbox's limit
STRONG_LONG = "Aa1" + "b" * PASSWORD_MAX_LENGTH
SANDBOX_PASSWORD = messages.SANDBOX_TOO_LONG.format(maximum=PASSWORD_MAX_LENGTH)


@pytest.fixture
def headers(pat_jwt: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {pat_jwt}"}


def _create_user(client: FlaskClient, mint: Mint, claims: dict[str, Any]) -> tuple[int, Any]:
    answer = client.post(CREATE_USER.format(slug="demo"), json={"token": mint({"username": "lim", **claims})})
    return answer.status_code, answer.get_json()


def _messages(body: Any) -> dict[str, str]:
    return {key: issue["msg"] for key, issue in body["errors"].items()}


def test_a_weak_password_over_256_is_weak_password_alone(client: FlaskClient, mint: Mint) -> None:
    """The case the issue names: the real server answers ``Weak password`` alone (no ``.max()``)."""
    status, body = _create_user(client, mint, {"password": WEAK_LONG})
    assert status == 400
    assert body["message"] == 'Validation error: Weak password at "password"'
    assert _messages(body) == {"password": "Weak password"}


def test_an_invalid_redirect_url_over_2048_is_invalid_url_alone(client: FlaskClient, mint: Mint) -> None:
    status, body = _create_user(client, mint, {"redirectUrl": "https://[1::2::3]/" + "a" * REDIRECT_URL_MAX_LENGTH})
    assert (status, body["message"]) == (400, 'Validation error: Invalid url at "redirectUrl"')
    assert _messages(body) == {"redirectUrl": "Invalid url"}


def test_a_sandbox_limit_is_not_reported_beside_another_fields_real_issue(client: FlaskClient, mint: Mint) -> None:
    """A strong password over the limit and a name over zod's 512: the real server's answer, the name alone."""
    fields = [{"name": f"f{n}", "value": "v"} for n in range(MAX_CUSTOM_FIELDS + 1)]
    status, body = _create_user(client, mint, {"password": STRONG_LONG, "name": "n" * 513, "customFields": fields})
    assert (status, body["message"]) == (
        400,
        'Validation error: String must contain at most 512 character(s) at "name"',
    )
    assert list(body["errors"]) == ["name"]


def test_only_a_sandbox_limit_refuses_with_the_fix_named(client: FlaskClient, mint: Mint) -> None:
    """Everything the real server checks passes: the sandbox's own refusal, saying what to send."""
    status, body = _create_user(client, mint, {"password": STRONG_LONG})
    assert (status, body["message"]) == (400, f'Validation error: {SANDBOX_PASSWORD} at "password"')
    (entry,) = client.get("/__sandbox/journal?vendor=intake24&limit=1").get_json()["entries"]
    assert (entry["verdict"], entry["rule"], entry["status"]) == ("rejected", "sandbox_limit", 400)


def test_admin_create_answers_a_weak_long_password_as_zod_does(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    answer = client.post(
        admin_url, json={"username": "lim", "password": WEAK_LONG, "passwordConfirm": WEAK_LONG}, headers=headers
    )
    assert answer.status_code == 400
    assert (
        answer.get_json()["message"]
        == 'Validation error: Weak password at "password"; Weak password at "passwordConfirm"'
    )


def test_admin_create_a_taken_username_comes_before_a_sandbox_limit(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    assert client.post(admin_url, json={"username": "taken"}, headers=headers).status_code == 201
    again = client.post(admin_url, json={"username": "taken", "password": STRONG_LONG}, headers=headers)
    assert again.status_code == 400
    assert again.get_json()["message"] == messages.VALIDATION_ERROR
    fresh = client.post(admin_url, json={"username": "fresh", "password": STRONG_LONG}, headers=headers)
    assert (fresh.status_code, fresh.get_json()["message"]) == (
        400,
        f'Validation error: {SANDBOX_PASSWORD} at "password"',
    )
    assert client.get(f"{admin_url}/fresh", headers=headers).status_code == 404  # nothing was stored


def test_admin_patch_an_unknown_respondent_is_404_before_a_sandbox_limit(
    client: FlaskClient, headers: dict[str, str], admin_url: str
) -> None:
    assert client.patch(f"{admin_url}/nobody", json={"password": STRONG_LONG}, headers=headers).status_code == 404
    assert client.post(admin_url, json={"username": "known"}, headers=headers).status_code == 201
    answer = client.patch(f"{admin_url}/known", json={"password": STRONG_LONG}, headers=headers)
    assert (answer.status_code, answer.get_json()["message"]) == (
        400,
        f'Validation error: {SANDBOX_PASSWORD} at "password"',
    )
