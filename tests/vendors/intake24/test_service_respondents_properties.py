"""Properties: valid claims → 200 and idempotent; each named mutation → its documented answer."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from hypothesis import given

from contracts.intake24.strategies import (
    ClaimMutation,
    TokenMutation,
    claim_mutations,
    token_mutations,
    valid_claims,
)
from tests.vendors.intake24.support import CREATE_USER, DEMO_SECRET, NOW, Mint

URL = CREATE_USER.format(slug="demo")


@given(claims=valid_claims())
def test_valid_claims_create_then_repeat_idempotently(client: FlaskClient, mint: Mint, claims: dict[str, Any]) -> None:
    client.application.extensions["sandbox.intake24"].limiter.reset()  # examples share one client
    first = client.post(URL, json={"token": mint(claims)})
    assert first.status_code == 200, first.get_json()
    again = client.post(URL, json={"token": mint({**claims, "password": "An0therPassword"})})
    assert again.status_code == 200
    one, two = first.get_json(), again.get_json()
    assert (one["userId"], one["authToken"]) == (two["userId"], two["authToken"])
    assert one["username"] == claims["username"]
    assert ("redirectUrl" in one) == ("redirectUrl" in claims)


@given(mutation=claim_mutations())
def test_each_claim_mutation_gets_its_400(client: FlaskClient, mint: Mint, mutation: ClaimMutation) -> None:
    client.application.extensions["sandbox.intake24"].limiter.reset()  # examples share one client
    response = client.post(URL, json={"token": mint(mutation.claims)})
    assert response.status_code == mutation.expected.status, (mutation.name, response.get_json())
    assert response.get_json()["message"] == mutation.expected.message, mutation.name


@given(mutation=token_mutations(DEMO_SECRET, NOW))
def test_each_token_mutation_gets_its_answer(client: FlaskClient, mutation: TokenMutation) -> None:
    client.application.extensions["sandbox.intake24"].limiter.reset()  # examples share one client
    response = client.post(URL, json={"token": mutation.token})
    assert response.status_code == mutation.expected.status, (mutation.name, response.get_json())
    assert response.get_json()["message"] == mutation.expected.message, mutation.name
