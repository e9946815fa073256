"""Intake24 fixtures: a token minter for the demo survey and a survey factory via the control plane."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from contracts.jws import sign_hmac
from tests.vendors.intake24.support import CREATE_USER, DEMO_SECRET, Mint


@pytest.fixture
def mint() -> Mint:
    def _mint(
        claims: dict[str, Any] | bytes,
        secret: str = DEMO_SECRET,
        algorithm: str = "HS256",
        header: dict[str, Any] | None = None,
    ) -> str:
        return sign_hmac(claims, secret, algorithm, header=header)

    return _mint


@pytest.fixture
def make_survey(client: FlaskClient) -> Callable[..., dict[str, Any]]:
    """PUT a survey through the control plane; user generation on with a secret unless told otherwise."""

    def _make(slug: str = "study", **settings: Any) -> dict[str, Any]:
        body = {"allowGenUsers": True, "genUserKey": "study-secret-0123456789-0123456789", **settings}
        response = client.put(f"/__sandbox/intake24/surveys/{slug}", json=body)
        assert response.status_code in (200, 201), response.get_json()
        found: dict[str, Any] = response.get_json()
        return found

    return _make


@pytest.fixture
def create_user(client: FlaskClient, mint: Mint) -> Callable[..., Any]:
    def _create(claims: dict[str, Any], slug: str = "demo", secret: str = DEMO_SECRET) -> Any:
        return client.post(CREATE_USER.format(slug=slug), json={"token": mint(claims, secret)})

    return _create


@pytest.fixture
def pat_jwt(client: FlaskClient) -> str:
    """A personal access token's JWT, issued through the control plane."""
    issued = client.post("/__sandbox/intake24/personal-access-tokens", json={"name": "node layers"})
    assert issued.status_code == 201
    jwt: str = issued.get_json()["jwt"]
    return jwt


@pytest.fixture
def admin_url(client: FlaskClient) -> str:
    """The demo survey's admin respondents collection."""
    survey_id = client.get("/__sandbox/intake24/surveys/demo").get_json()["id"]
    return f"/intake24/api/admin/surveys/{survey_id}/respondents"
