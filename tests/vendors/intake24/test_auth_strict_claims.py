"""The survey setting ``strictClaims`` (``auth.strict_claims_problem``), claim by claim at its edges: the
``aud`` it demands is a non-empty string or a non-empty list of non-empty strings, and ``iss`` a non-empty
string. Each refused shape is one that a weakened rule (an ``and`` made ``or``, a missing element check)
would let through; each accepted shape one that a stricter slip would refuse."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from sandbox.vendors.intake24.auth import strict_claims_problem
from tests.vendors.intake24.support import CREATE_USER, NOW, Mint

SECRET = "strict-secret-0123456789-0123456789"
BASE = {"username": "u", "sub": "strict", "aud": "https://api.example.com", "iss": "partner", "exp": NOW + 60}


@pytest.fixture
def strict(client: FlaskClient) -> str:
    settings = {"allowGenUsers": True, "genUserKey": SECRET, "strictClaims": True}
    assert client.put("/__sandbox/intake24/surveys/strict", json=settings).status_code in (200, 201)
    return CREATE_USER.format(slug="strict")


@pytest.mark.parametrize("audience", ["a", ["a"], ["a", "b"]], ids=["string", "one-string-list", "two-string-list"])
def test_an_audience_string_or_list_of_strings_is_accepted(
    client: FlaskClient, mint: Mint, strict: str, audience: Any
) -> None:
    response = client.post(strict, json={"token": mint({**BASE, "aud": audience}, SECRET)})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    "audience",
    ["", [], [""], ["a", ""], ["a", 5], [5], 5, True, {"a": "b"}, None],
    ids=["empty", "empty-list", "list-of-empty", "list-with-empty", "list-with-number", "number-list", "number",
         "true", "object", "null"],
)  # fmt: skip
def test_an_audience_that_is_not_a_non_empty_string_or_list_of_them_is_refused(
    client: FlaskClient, mint: Mint, strict: str, audience: Any
) -> None:
    response = client.post(strict, json={"token": mint({**BASE, "aud": audience}, SECRET)})
    assert (response.status_code, response.get_json()) == (403, {"message": "jwt audience required"})


@pytest.mark.parametrize("issuer", ["", 5, ["partner"], None], ids=["empty", "number", "list", "null"])
def test_an_issuer_that_is_not_a_non_empty_string_is_refused(
    client: FlaskClient, mint: Mint, strict: str, issuer: Any
) -> None:
    response = client.post(strict, json={"token": mint({**BASE, "iss": issuer}, SECRET)})
    assert (response.status_code, response.get_json()) == (403, {"message": "jwt issuer required"})


def test_a_survey_without_strict_claims_takes_a_token_without_them(client: FlaskClient, mint: Mint) -> None:
    """The rule is the setting's: off, the same token without ``aud``/``iss``/``exp`` creates the user."""
    settings = {"allowGenUsers": True, "genUserKey": SECRET}
    assert client.put("/__sandbox/intake24/surveys/lenient", json=settings).status_code in (200, 201)
    response = client.post(CREATE_USER.format(slug="lenient"), json={"token": mint({"username": "u"}, SECRET)})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("subject", ["other", None, 5], ids=["other-slug", "missing", "number"])
def test_a_subject_other_than_the_surveys_slug_is_refused_naming_the_slug(subject: Any) -> None:
    payload = {**BASE, "sub": subject} if subject is not None else {k: v for k, v in BASE.items() if k != "sub"}
    assert strict_claims_problem(payload, "strict") == "jwt subject invalid. expected: strict"
    assert strict_claims_problem(BASE, "strict") is None
