"""The contract's self-consistency check: every valid example is accepted by the sandbox, and every named
mutation gets exactly its declared answer and journal rule (through the plugin, over real HTTP)."""

from __future__ import annotations

from typing import Any

import requests
from hypothesis import assume, given
from hypothesis import strategies as st

from contracts import strategies as cs
from sandbox.testing.sandbox import VendorSandbox

FROZEN_AT = 1_795_262_400.0
SESSIONS = "/sdk/v2/public/sessions"


def _post_session(sandbox: VendorSandbox, body: dict[str, Any], authorization: str | None) -> requests.Response:
    headers = {"Accept": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return requests.post(sandbox.url("cirrusmd") + SESSIONS, json=body, headers=headers, timeout=10)


@given(body=cs.cirrusmd_members())
def test_every_valid_cirrusmd_member_is_accepted(vendor_sandbox: VendorSandbox, body: dict[str, Any]) -> None:
    now = vendor_sandbox.clock.freeze(FROZEN_AT)
    response = _post_session(vendor_sandbox, body, cs.cirrusmd_authorization(now=now))
    assert response.status_code == 201, response.text
    assert vendor_sandbox.journal.last("cirrusmd")["verdict"] == "accepted"


@given(data=st.data())
def test_every_cirrusmd_mutation_gets_its_declared_answer(vendor_sandbox: VendorSandbox, data: st.DataObject) -> None:
    now = vendor_sandbox.clock.freeze(FROZEN_AT)
    example = data.draw(cs.cirrusmd_invalid_requests(now=now))
    response = _post_session(vendor_sandbox, example.value.body, example.value.authorization)
    assert (response.status_code, response.json()) == (example.answer.status, {"error_message": example.answer.message})
    last = vendor_sandbox.journal.last("cirrusmd")
    assert (last["verdict"], last["rule"]) == ("rejected", example.rule)


def _create_user(sandbox: VendorSandbox, token: str) -> requests.Response:
    url = sandbox.url("intake24") + "/api/surveys/demo/create-user"
    return requests.post(url, json={"token": token}, timeout=10)


@given(claims=cs.intake24_respondent_claims())
def test_every_valid_intake24_respondent_is_accepted(vendor_sandbox: VendorSandbox, claims: dict[str, Any]) -> None:
    now = vendor_sandbox.clock.freeze(FROZEN_AT)
    response = _create_user(vendor_sandbox, cs.intake24_token(claims, now=now))
    assert response.status_code == 200, response.text
    assert response.json()["username"] == claims["username"]


@given(example=cs.intake24_invalid_claims())
def test_every_intake24_claim_mutation_gets_its_declared_answer(
    vendor_sandbox: VendorSandbox, example: cs.Invalid[dict[str, Any]]
) -> None:
    now = vendor_sandbox.clock.freeze(FROZEN_AT)
    response = _create_user(vendor_sandbox, cs.intake24_token(example.value, now=now))
    assert (response.status_code, response.json()["message"]) == (example.answer.status, example.answer.message)
    assert vendor_sandbox.journal.last("intake24")["rule"] == example.rule


@given(data=st.data())
def test_every_intake24_token_mutation_gets_its_declared_answer(
    vendor_sandbox: VendorSandbox, data: st.DataObject
) -> None:
    now = int(vendor_sandbox.clock.freeze(FROZEN_AT))
    example = data.draw(cs.intake24_invalid_tokens(now=now))
    response = _create_user(vendor_sandbox, example.value)
    assert (response.status_code, response.json()["message"]) == (example.answer.status, example.answer.message)
    assert vendor_sandbox.journal.last("intake24")["rule"] == example.rule


def test_every_intake24_token_mutation_names_its_rule() -> None:
    from contracts.intake24.strategies import TOKEN_MUTATION_NAMES

    assert set(cs.INTAKE24_TOKEN_RULES) == set(TOKEN_MUTATION_NAMES)


def _sympto_headers(sandbox: VendorSandbox) -> dict[str, str]:
    body = {"clientId": "demo-admin@example.test", "clientSecret": "demo-sympto-api-secret"}
    response = requests.post(sandbox.url("sympto") + "/authorization", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['Response']}"}


_SYMPTO_EMAILS: set[str] = set()


@given(user=cs.sympto_users())
def test_every_valid_sympto_user_is_accepted(vendor_sandbox: VendorSandbox, user: dict[str, Any]) -> None:
    # Sympto state is not reset between examples (no Sympto resetter yet): each email may be created once.
    assume(user["email"].casefold() not in _SYMPTO_EMAILS)
    _SYMPTO_EMAILS.add(user["email"].casefold())
    url = vendor_sandbox.url("sympto") + "/providers/patients"
    response = requests.post(url, json=user, headers=_sympto_headers(vendor_sandbox), timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["Status"] == "OK"


@given(example=st.one_of(cs.sympto_invalid_users(), cs.sympto_invalid_endpoint_configs()))
def test_every_sympto_mutation_gets_its_declared_answer(
    vendor_sandbox: VendorSandbox, example: cs.Invalid[dict[str, Any]]
) -> None:
    path = "/providers/patients" if "firstName" in example.value else "/clinicAdmin/clinics/endpoint"
    url = vendor_sandbox.url("sympto") + path
    response = requests.post(url, json=example.value, headers=_sympto_headers(vendor_sandbox), timeout=10)
    assert (response.status_code, response.json()["Message"]) == (example.answer.status, example.answer.message)
    assert vendor_sandbox.journal.last("sympto")["rule"] == example.rule


@given(case=st.from_type(cs.WebhookCase))
def test_webhook_cases_are_registered_and_name_their_rule(case: cs.WebhookCase) -> None:
    assert case.must_accept == (case.credentials.kind == "right" and case.code is None)
    assert case.authentication_code("a.b.c") == "a.b.c" or not case.must_accept


SYMPTO_PARTNER = ("partner-client-id", "partner-client-secret", "partner-jwt-secret-of-at-least-32-bytes!")


@given(case=cs.sympto_webhook_cases(), email=cs.sympto_emails())
def test_sympto_webhook_cases_declare_what_the_correct_reference_webhook_answers(
    case: cs.WebhookCase, email: str
) -> None:
    from contracts.sympto.strategies import body
    from sandbox.fixtures.partners.sympto.correct import create_app

    client_id, client_secret, jwt_secret = SYMPTO_PARTNER
    webhook = create_app(client_id, client_secret, jwt_secret).test_client()
    code = case.authentication_code(cs.sympto_authentication_code(email, jwt_secret))
    content_type, data = body(case.body_kind, code)
    headers = {"Content-Type": content_type or ""}
    authorization = case.credentials.header(client_id, client_secret)
    if authorization is not None:
        headers["Authorization"] = authorization
    response = webhook.post("/webhook", data=data, headers=headers)
    if case.must_accept:
        assert (response.status_code, response.json) == (200, {"email": email})
    else:
        assert 400 <= response.status_code < 500, (case.rule, response.status_code)
