"""Intake24 localises a contract's zod ``invalid_type`` issues and its admin ``ValidationError``s
through its i18n files (``packages/i18n/src/api/{en,fr}/validation.json`` at c93aaa5, read by
``i18nStore``): every template the served routes can reach, in the language ``Accept-Language``
picks (issue 19: "which real behaviours remain out of reach" no longer lists these).

Expected values are derived by hand from that source: ``formatZodIssueMessage`` translates
``validation.types.<expected>._`` with ``attribute`` = ``validation.attributes.<path>``;
``resolvePath`` stops at the first string on the way (``customFields.0.name`` → "Custom fields") and
answers the key itself for a missing segment; the language is ``negotiator.languages()[0]`` (negotiator
0.6), used as a store key as is (``fr``; ``fr-FR`` falls back to ``en``)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.vendors.intake24.support import CREATE_USER


@pytest.fixture
def headers(pat_jwt: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {pat_jwt}"}


def _errors(answer: Any) -> dict[str, str]:
    assert answer.status_code == 400, answer.data
    return {key: entry["msg"] for key, entry in answer.get_json()["errors"].items()}


@pytest.mark.parametrize(
    ("body", "key", "msg"),
    [
        ({"username": "i1", "customFields": "x"}, "customFields", '"Custom fields" must be an array.'),
        ({"username": "i2", "customFields": [7]}, "customFields.0", '"Custom fields" must be an object.'),
        (
            {"username": "i3", "customFields": [{"name": 5, "value": "v"}]},
            "customFields.0.name",
            '"Custom fields" must be filled in.',
        ),
        (
            {"username": "i4", "customFields": [{"name": "n", "value": "v", "public": "yes"}]},
            "customFields.0.public",
            '"Custom fields" must be a boolean (true/false).',
        ),
        ({"username": 5}, "username", '"Username" must be filled in.'),
        ({"username": "i5", "passwordConfirm": 5}, "passwordConfirm", '"Password confirmation" must be filled in.'),
    ],
)
def test_admin_body_type_issues_use_every_reachable_template(
    client: FlaskClient, headers: dict[str, str], admin_url: str, body: dict[str, Any], key: str, msg: str
) -> None:
    """``array``, ``object``, ``string``, ``boolean`` templates; attributes resolved as ``resolvePath``
    does (a path under ``customFields`` stops at its string)."""
    assert _errors(client.post(admin_url, json=body, headers=headers))[key] == msg


@pytest.mark.parametrize(
    ("query", "msg"), [("page=abc", '"Page" must be a number.'), ("limit=1.5", '"Limit" must be an integer.')]
)
def test_query_type_issues_use_the_number_and_integer_templates(
    client: FlaskClient, headers: dict[str, str], admin_url: str, query: str, msg: str
) -> None:
    key = query.split("=")[0]
    assert _errors(client.get(f"{admin_url}?{query}", headers=headers))[key] == msg


@pytest.mark.parametrize(
    ("language", "msg"),
    [
        ("fr", '"Token" doit être rempli.'),
        ("en;q=0.1, fr", '"Token" doit être rempli.'),  # by quality
        ("fr; q=0.1, en", '"Token" doit être rempli.'),  # negotiator 0.6 reads no `q` after a space: quality 1
        ("fr-FR", '"Token" must be filled in.'),  # not a store key: English
        ("de, fr;q=0.5", '"Token" must be filled in.'),  # the first preference only
        ("", '"Token" must be filled in.'),
    ],
)
def test_accept_language_picks_the_translation(client: FlaskClient, language: str, msg: str) -> None:
    answer = client.post(CREATE_USER.format(slug="demo"), json={"token": 5}, headers={"Accept-Language": language})
    assert _errors(answer)["token"] == msg


def test_a_taken_username_is_localised_too(client: FlaskClient, headers: dict[str, str], admin_url: str) -> None:
    """``ValidationError.from({path: 'username', i18n: {type: 'unique._'}})`` through ``getErrors``."""
    assert client.post(admin_url, json={"username": "taken"}, headers=headers).status_code == 201
    french = {**headers, "Accept-Language": "fr"}
    assert _errors(client.post(admin_url, json={"username": "taken"}, headers=french)) == {
        "username": 'Une entrée avec la même valeur de "Username" existe déjà.'
    }
    assert _errors(client.post(admin_url, json={"username": "taken"}, headers=headers)) == {
        "username": 'A record with the same "Username" value already exists.'
    }
