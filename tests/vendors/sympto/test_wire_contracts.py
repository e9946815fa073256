"""The Sympto contract: envelope and webhook schemas, and the strategies the verifier draws from."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from contracts.sympto import strategies
from contracts.sympto.schemas import (
    WEBHOOK_REQUEST,
    WEBHOOK_RESPONSE,
    EnvelopeSchema,
    ErrorEnvelopeSchema,
)
from contracts.sympto.strategies import CodeMutation, Credentials, jwt_claims
from sandbox.vendors.sympto.outbound import basic_authorization, webhook_request
from tests.vendors.sympto.support import ADMIN, API_SECRET


def test_success_and_error_envelopes_match_their_schemas(client: FlaskClient) -> None:
    good = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET}).json
    bad = client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": "no"}).json
    assert EnvelopeSchema().validate(good) == {}
    assert ErrorEnvelopeSchema().validate(bad) == {}


@given(code=st.text(max_size=200))
def test_webhook_request_body_matches_its_schema(code: str) -> None:
    body = json.loads(webhook_request(code))
    assert WEBHOOK_REQUEST.load(body) == {"authenticationCode": code}


def test_webhook_response_schema_ignores_extra_fields() -> None:
    assert WEBHOOK_RESPONSE.load({"email": "a@b.test", "name": "A"}) == {"email": "a@b.test"}


def test_basic_authorization_is_colon_joined_base64() -> None:
    assert basic_authorization("SampleAppClientId", "SampleAppClientSecret") == (
        "Basic U2FtcGxlQXBwQ2xpZW50SWQ6U2FtcGxlQXBwQ2xpZW50U2VjcmV0"
    )


@given(email=strategies.emails())
def test_generated_emails_have_one_at_and_a_dotted_domain(email: str) -> None:
    local, _, domain = email.rpartition("@")
    assert local
    assert "." in domain


@given(credentials=strategies.bad_credentials())
def test_bad_credentials_never_equal_the_right_header(credentials: Credentials) -> None:
    right = Credentials("right").header("id", "secret")
    assert credentials.header("id", "secret") != right


@given(mutation=strategies.invalid_codes(), email=strategies.emails())
def test_invalid_codes_differ_from_the_valid_code(mutation: CodeMutation, email: str) -> None:
    from contracts.jws import sign_hmac

    valid = sign_hmac({"email": email, "iat": 1, "exp": 2}, "k" * 32)
    mutated = mutation.apply(valid)
    assert mutated != valid
    if mutation.kind in ("resigned", "alg_none"):
        assert jwt_claims(mutated) == jwt_claims(valid)


@given(mutation=strategies.invalid_codes(), code=st.text(alphabet="abcdefAB.-_", min_size=2, max_size=50))
def test_opaque_codes_are_mutated_too(mutation: CodeMutation, code: str) -> None:
    assert mutation.apply(code) != code
