"""Issue 19, item 5: bearer tokens as passport-jwt extracts them, access tokens as jsonwebtoken
verifies them, and the admin router authenticating before it routes (Intake24 ``c93aaa5``)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.intake24.constants import ISSUER, SIGNING_ALGORITHM
from contracts.jws import sign_hmac
from tests.vendors.intake24.support import NOW

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _non_canonical(jwt: str) -> str:
    """The same signature bytes, spelled with other unused low bits in the last base64url character
    (an HS256 signature is 32 bytes: 43 characters, the last carrying 4 bits and 2 unused ones)."""
    head, _, signature = jwt.rpartition(".")
    last = B64URL.index(signature[-1])
    return f"{head}.{signature[:-1]}{B64URL[last ^ 1]}"


def test_a_non_canonical_signature_spelling_is_refused(client: FlaskClient, pat_jwt: str, admin_url: str) -> None:
    """jsonwebtoken@9.0.2 → jws@3.2.2 → jwa@1.4.2 ``createHmacVerifier`` re-signs and compares the
    base64url *strings*; a signature decoding to the right bytes but spelled differently is refused.
    (Before issue 19 the sandbox decoded and compared bytes, and accepted it: a security difference.)"""
    assert client.get(admin_url, headers={"Authorization": f"Bearer {pat_jwt}"}).status_code == 200
    forged = _non_canonical(pat_jwt)
    assert forged != pat_jwt
    answer = client.get(admin_url, headers={"Authorization": f"Bearer {forged}"})
    assert (answer.status_code, answer.data, answer.headers.get("Content-Type")) == (401, b"Unauthorized", None)


def test_a_non_canonical_respondent_access_token_is_refused(client: FlaskClient) -> None:
    """The ``survey`` strategy verifies the same way (jwa@1.4.2 string comparison): a respondent's
    access token with a re-spelled signature cannot start a session."""
    created = client.post(
        "/intake24/api/surveys/demo/create-user",
        json={"token": sign_hmac({"username": "canon-1"}, "demo-intake24-jwt-secret-change-me")},
    )
    login = client.post("/intake24/api/auth/login/token", json={"token": created.get_json()["authToken"]})
    access = login.get_json()["accessToken"]
    forged = _non_canonical(access)
    refused = client.post("/intake24/api/surveys/demo/session", headers={"Authorization": f"Bearer {forged}"})
    assert (refused.status_code, refused.data) == (401, b"Unauthorized")
    accepted = client.post("/intake24/api/surveys/demo/session", headers={"Authorization": f"Bearer {access}"})
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer\t{jwt}",  # a tab is \s
        "Bearer {jwt} and some words after it",  # the pattern is unanchored: the rest is ignored
        "bEaReR   {jwt}",  # the scheme is compared lower-cased; several spaces
        "Bearer\xa0{jwt}",  # U+00A0 is JavaScript whitespace (Node reads header values as latin-1)
    ],
)
def test_bearer_extracted_as_passport_jwt_does(client: FlaskClient, pat_jwt: str, admin_url: str, header: str) -> None:
    """passport-jwt@4.0.1 ``lib/auth_header.js``: ``/(\\S+)\\s+(\\S+)/`` (unanchored) on the header,
    ``fromAuthHeaderAsBearerToken`` takes the second group when the first lower-cases to ``bearer``."""
    answer = client.get(admin_url, headers={"Authorization": header.format(jwt=pat_jwt)})
    assert answer.status_code == 200, answer.data


@pytest.mark.parametrize("header", ["Bearer", "Bearer{jwt}", "Token {jwt}", "Bearer\x85{jwt}"])
def test_bearer_not_extracted(client: FlaskClient, pat_jwt: str, admin_url: str, header: str) -> None:
    """passport-jwt@4.0.1: no second run of non-space characters, another scheme, or U+0085 (not
    JavaScript whitespace, so ``Bearer\\x85<jwt>`` is one word) → no token → 401 ``Unauthorized``."""
    answer = client.get(admin_url, headers={"Authorization": header.format(jwt=pat_jwt)})
    assert (answer.status_code, answer.data) == (401, b"Unauthorized")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/intake24/api/admin"),
        ("GET", "/intake24/api/admin/"),
        ("GET", "/intake24/api/admin/no/such/thing"),
        ("POST", "/intake24/api/admin/users"),
        ("GET", "/intake24/api/ADMIN/surveys"),
        ("PUT", "/intake24/api/admin/surveys/1/respondents"),  # a known path, a method it has no route for
    ],
)
def test_unknown_admin_paths_answer_401_without_credentials(client: FlaskClient, method: str, path: str) -> None:
    """Intake24 ``apps/api/src/routes/api/index.ts`` mounts ``router.use('/admin', admin())`` and that
    router runs ``authenticate(router, 'admin')`` (passport) before any route: an unknown path or
    method under ``/api/admin`` answers passport's 401 ``Unauthorized`` (no Content-Type), not 404."""
    answer = client.open(path, method=method)
    assert (answer.status_code, answer.data, answer.headers.get("Content-Type")) == (401, b"Unauthorized", None)


def test_unknown_admin_path_with_a_valid_token_is_the_invalid_route(client: FlaskClient, pat_jwt: str) -> None:
    """Authenticated and verified, nothing in the admin router matches: the API's catch-all
    ``router.all('*')`` answers 404 ``"Invalid route"``. Outside ``/admin`` no credentials are needed."""
    answer = client.get("/intake24/api/admin/no/such/thing", headers={"Authorization": f"Bearer {pat_jwt}"})
    assert (answer.status_code, answer.get_json()) == (404, "Invalid route")
    elsewhere = client.get("/intake24/api/administrator")
    assert (elsewhere.status_code, elsewhere.get_json()) == (404, "Invalid route")


def test_unknown_admin_path_with_a_respondent_token_is_not_verified(client: FlaskClient) -> None:
    """``isAccountVerified`` runs after passport on the admin router: a respondent's access token
    (``verified: false``) answers 403 ``Account not verified`` on an unknown admin path."""
    created = client.post(
        "/intake24/api/surveys/demo/create-user",
        json={"token": sign_hmac({"username": "canon-2"}, "demo-intake24-jwt-secret-change-me")},
    )
    login = client.post("/intake24/api/auth/login/token", json={"token": created.get_json()["authToken"]})
    headers = {"Authorization": "Bearer " + login.get_json()["accessToken"]}
    answer = client.get("/intake24/api/admin/no/such/thing", headers=headers)
    assert (answer.status_code, answer.get_json()) == (403, {"message": "Account not verified"})


def _sandbox_signed(app: Flask, **changes: Any) -> str:
    """An admin access token signed with the sandbox's own key (as a leaked key would let anyone sign),
    ``aud`` without ``personal`` so no token row is looked up; ``changes`` override its claims."""
    claims = {"verified": True, "userId": "1", "iat": NOW, "exp": NOW + 3600, "aud": ["access", "admin"], "iss": ISSUER}
    claims.update(changes)
    return sign_hmac(claims, app.extensions["sandbox.intake24"].access_key, SIGNING_ALGORITHM)


@pytest.mark.parametrize("issuer", ["intake25", "", None, "Intake24"])
def test_an_access_token_of_another_issuer_is_refused(
    app: Flask, client: FlaskClient, admin_url: str, issuer: str | None
) -> None:
    """jsonwebtoken's ``issuer`` option (``strategies.ts``): the right key and audience do not make up for
    the wrong ``iss`` (the token with the right one is accepted: the forgery is otherwise sound)."""
    good = client.get(admin_url, headers={"Authorization": f"Bearer {_sandbox_signed(app)}"})
    assert good.status_code == 200
    answer = client.get(admin_url, headers={"Authorization": f"Bearer {_sandbox_signed(app, iss=issuer)}"})
    assert (answer.status_code, answer.data) == (401, b"Unauthorized")


@pytest.mark.parametrize(
    ("audience", "status"),
    [("access", 200), (["admin", "access"], 200), ("accessible", 401), ("no-access", 401), (["accessible"], 401)],
)
def test_a_single_audience_must_equal_the_expected_one(
    app: Flask, client: FlaskClient, admin_url: str, audience: str | list[str], status: int
) -> None:
    """jsonwebtoken compares a string ``aud`` whole, as the only audience: a string that merely contains
    ``access`` is another audience."""
    answer = client.get(admin_url, headers={"Authorization": f"Bearer {_sandbox_signed(app, aud=audience)}"})
    assert answer.status_code == status
