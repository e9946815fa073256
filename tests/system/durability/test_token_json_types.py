"""Every claim and JOSE header field of every vendor's tokens, through every JSON type, over HTTP.

Issue 12 item 10: a CirrusMD token whose ``nbf`` was the string ``"soon"`` answered 500, and the route
fuzzing never found it because its tokens never got past the signature. Here every token is correctly
signed, so each value reaches the rule that reads it. The claims come from each vendor's claims schema
plus the registered JWT claims (RFC 7519), the header fields from the registered JOSE header parameters
(RFC 7515): a claim added to a contract is fuzzed automatically.

Each field goes through every named kind of :data:`contracts.json_values.JSON_KINDS` (exhaustive, failures
reported together), then Hypothesis draws more from :func:`contracts.json_values.every_json_type`
(``HYPOTHESIS_PROFILE=thorough`` for many more). CirrusMD must answer 201 or 401 ``{error_message}`` naming
the field; Intake24 403 with jsonwebtoken's exact message (``invalid nbf value``: auth0/node-jsonwebtoken
``verify.js``, ``typeof payload.nbf !== 'number'``), or 400 for the claims. Never a 5xx, never a secret.
Sympto's tokens are opaque (never decoded); its fields are fuzzed in ``test_body_json_types``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from contracts.cirrusmd import tokens as cirrusmd_tokens
from contracts.cirrusmd.schemas import TOKEN_CLAIMS
from contracts.intake24.constants import CREATE_USER_TYPED_CLAIMS
from contracts.intake24.schemas import CREATE_USER_CLAIMS
from contracts.json_values import RawJson, dumps, every_json_type
from contracts.jws import JOSE_HEADER_FIELDS, REGISTERED_CLAIMS
from sandbox.core.jwt import READ_HEADER_FIELDS
from tests.conftest import FROZEN_AT
from tests.system.durability.support import (
    CIRRUSMD_SECRET,
    CREATE_USER,
    INTAKE24_SECRET,
    REFUSED_LITERALS,
    Findings,
    accepted_by,
    each_kind,
    fresh_address,
    has_refused_literal,
    make_sandbox,
    names,
    never_broken,
    signed,
    unsendable,
)
from tests.vendors.cirrusmd.support import SESSIONS, member_body


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = make_sandbox(tmp_path_factory.mktemp("fuzz"))
    yield application
    application.extensions["sandbox.store"].dispose()


@pytest.fixture
def client(fuzz_app: Flask) -> FlaskClient:
    """Every test here shares the module's sandbox: one app per test would dominate the run time."""
    return fuzz_app.test_client()


# --- CirrusMD: 401 {error_message} naming the claim or header field --------------------------------

#: The claims CirrusMD's contract lists (sub, scope, exp, iat, nbf), then the other registered ones.
CIRRUSMD_CLAIMS = tuple(dict.fromkeys((*TOKEN_CLAIMS.fields, *REGISTERED_CLAIMS)))


def cirrusmd_send(client: FlaskClient, token: str) -> TestResponse:
    return client.post(
        SESSIONS,
        json=member_body(),
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        environ_base=fresh_address(),
    )


def cirrusmd_judge(response: TestResponse, field: str, must_reject: bool, must_accept: bool) -> list[str]:
    found = never_broken(response)
    status = response.status_code
    if status == 201:
        if must_reject:
            found.append("accepted (201) a value of the wrong type")
    elif status == 401:
        body = response.get_json(silent=True)
        if not (isinstance(body, dict) and set(body) == {"error_message"} and isinstance(body["error_message"], str)):
            found.append(f"401 not in CirrusMD's shape: {response.get_data()[:200]!r}")
        elif not names(body["error_message"], field):
            found.append(f"401 does not name `{field}`: {body['error_message']}")
        if must_accept:
            found.append(f"refused a field CirrusMD ignores: {response.get_data()[:200]!r}")
    elif status < 500:
        found.append(f"answered {status}, not 201 or 401")
    return found


def cirrusmd_claim_case(client: FlaskClient, claim: str, value: Any) -> list[str]:
    payload = {**cirrusmd_tokens.claims(cirrusmd_tokens.Credentials(), FROZEN_AT), claim: value}
    response = cirrusmd_send(client, signed(payload, CIRRUSMD_SECRET))
    contracted = claim in TOKEN_CLAIMS.fields
    must_reject = unsendable(value) or (contracted and not accepted_by(TOKEN_CLAIMS, claim, value))
    return cirrusmd_judge(response, claim, must_reject, must_accept=not contracted and not unsendable(value))


def cirrusmd_header_case(client: FlaskClient, field: str, value: Any) -> list[str]:
    payload = cirrusmd_tokens.claims(cirrusmd_tokens.Credentials(), FROZEN_AT)
    response = cirrusmd_send(client, signed(payload, CIRRUSMD_SECRET, {field: value}))
    # The verifier reads alg (exactly HS256) and crit (never supported); every other field is ignored.
    read = field in READ_HEADER_FIELDS
    must_reject = unsendable(value) or field == "crit" or (field == "alg" and value != "HS256")
    return cirrusmd_judge(response, field, must_reject, must_accept=not read and not unsendable(value))


def test_the_claim_list_is_the_contract_plus_the_registered_claims() -> None:
    assert set(CIRRUSMD_CLAIMS) >= {"sub", "scope", "exp", "iat", "nbf", "iss", "aud", "jti"}


@pytest.mark.parametrize("claim", CIRRUSMD_CLAIMS)
def test_cirrusmd_every_claim_through_every_json_type(client: FlaskClient, claim: str) -> None:
    findings = Findings([])
    for kind, value in each_kind():
        findings.check(claim, kind, cirrusmd_claim_case(client, claim, value))
    assert not findings, findings.report()


@pytest.mark.parametrize("field", JOSE_HEADER_FIELDS)
def test_cirrusmd_every_header_field_through_every_json_type(client: FlaskClient, field: str) -> None:
    findings = Findings([])
    for kind, value in each_kind():
        findings.check(field, kind, cirrusmd_header_case(client, field, value))
    assert not findings, findings.report()


def test_cirrusmd_a_string_nbf_is_401_naming_nbf(client: FlaskClient) -> None:
    """The reported case, pinned: 401 with a message naming `nbf` and what to send."""
    payload = {**cirrusmd_tokens.claims(cirrusmd_tokens.Credentials(), FROZEN_AT), "nbf": "soon"}
    response = cirrusmd_send(client, signed(payload, CIRRUSMD_SECRET))
    assert response.status_code == 401
    assert response.get_json() == {
        "error_message": 'The JWT `nbf` claim must be a number (seconds since the Unix epoch); got "soon".'
    }


@given(claim=st.sampled_from(CIRRUSMD_CLAIMS), value=every_json_type())
def test_cirrusmd_any_claim_value(client: FlaskClient, claim: str, value: Any) -> None:
    assert cirrusmd_claim_case(client, claim, value) == []


@given(field=st.sampled_from(JOSE_HEADER_FIELDS), value=every_json_type())
def test_cirrusmd_any_header_value(client: FlaskClient, field: str, value: Any) -> None:
    assert cirrusmd_header_case(client, field, value) == []


# --- Intake24 create-user: 403 with jsonwebtoken's message, 400 for the claims ----------------------

#: The claims Intake24 reads from a create-user token (its zod schema), then the registered ones.
INTAKE24_CLAIMS = tuple(dict.fromkeys((*CREATE_USER_CLAIMS.fields, *REGISTERED_CLAIMS)))
#: The claims jsonwebtoken 9 type-checks in ``verify`` (``typeof payload.nbf !== 'number'`` →
#: ``invalid nbf value``, the same for ``exp``; auth0/node-jsonwebtoken verify.js). ``iat`` only with
#: ``maxAge``, which Intake24 does not pass.
INTAKE24_TYPED_CLAIMS = CREATE_USER_TYPED_CLAIMS
INTAKE24_TIME_MESSAGES = {"nbf": "jwt not active", "exp": "jwt expired"}


def intake24_base_claims() -> dict[str, Any]:
    return {"username": "fuzz-respondent", "exp": int(FROZEN_AT) + 60}


def js_number(value: Any) -> bool:
    """``typeof value === 'number'`` after ``JSON.parse`` (``1e999`` and 400-digit integers are Infinity)."""
    if isinstance(value, RawJson):
        return value.text not in REFUSED_LITERALS
    return isinstance(value, int | float) and not isinstance(value, bool)


def intake24_send(client: FlaskClient, token: str) -> TestResponse:
    return client.post(CREATE_USER, json={"token": token}, environ_base=fresh_address())


def intake24_message(response: TestResponse) -> str | None:
    body = response.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return None


def intake24_judge(response: TestResponse, expected: Callable[[int, dict[str, Any]], str | None]) -> list[str]:
    found = never_broken(response)
    body = response.get_json(silent=True)
    if response.status_code >= 400 and not (isinstance(body, dict) and isinstance(body.get("message"), str)):
        found.append(f"{response.status_code} not in Intake24's {{message}} shape: {response.get_data()[:200]!r}")
        return found
    problem = expected(response.status_code, body if isinstance(body, dict) else {})
    return found + ([problem] if problem else [])


def intake24_claim_case(client: FlaskClient, claim: str, value: Any) -> list[str]:
    payload = {**intake24_base_claims(), claim: value}
    response = intake24_send(client, signed(payload, INTAKE24_SECRET))

    def expected(status: int, body: dict[str, Any]) -> str | None:
        message = body.get("message")
        if has_refused_literal(value):  # JSON.parse throws inside jws.decode: 403 with its SyntaxError text
            return None if status == 403 else f"a NaN/Infinity literal answered {status}, not 403"
        if claim in INTAKE24_TYPED_CLAIMS:
            if not js_number(value):
                want = f"invalid {claim} value"
                return None if (status, message) == (403, want) else f"answered {status} {message!r}, not 403 {want!r}"
            if status == 403 and message == INTAKE24_TIME_MESSAGES[claim]:
                return None
        if claim in CREATE_USER_CLAIMS.fields:
            if CREATE_USER_CLAIMS.validate(json.loads(dumps(payload))):
                errors = body.get("errors")
                if status != 400 or not isinstance(errors, dict) or not any(k.startswith(claim) for k in errors):
                    return f"answered {status} {body}, not 400 with errors at {claim!r}"
                return None
            # A value the claims schema takes may still meet a later documented refusal (a 403 from the
            # database, for instance): any documented status, in shape.
            return None if status in (200, 400, 403) else f"answered {status} {message!r}"
        return None if status == 200 else f"answered {status} {message!r}, not 200 (a claim Intake24 ignores)"

    return intake24_judge(response, expected)


def intake24_header_case(client: FlaskClient, field: str, value: Any) -> list[str]:
    response = intake24_send(client, signed(intake24_base_claims(), INTAKE24_SECRET, {field: value}))

    def expected(status: int, body: dict[str, Any]) -> str | None:
        message = body.get("message")
        if has_refused_literal(value):  # jws cannot parse the header: decode returns null
            want: tuple[int, str | None] = (403, "invalid token")
        elif field == "alg" and value not in ("HS256", "HS512"):
            want = (403, "invalid algorithm")
        else:  # jsonwebtoken reads no other header field (not even crit)
            return None if status == 200 else f"answered {status} {message!r}, not 200"
        return None if (status, message) == want else f"answered {status} {message!r}, not {want}"

    return intake24_judge(response, expected)


@pytest.mark.parametrize("claim", INTAKE24_CLAIMS)
def test_intake24_every_create_user_claim_through_every_json_type(client: FlaskClient, claim: str) -> None:
    findings = Findings([])
    for kind, value in each_kind():
        findings.check(claim, kind, intake24_claim_case(client, claim, value))
    assert not findings, findings.report()


@pytest.mark.parametrize("field", JOSE_HEADER_FIELDS)
def test_intake24_every_header_field_through_every_json_type(client: FlaskClient, field: str) -> None:
    findings = Findings([])
    for kind, value in each_kind():
        findings.check(field, kind, intake24_header_case(client, field, value))
    assert not findings, findings.report()


@pytest.mark.parametrize(("claim", "message"), [("nbf", "invalid nbf value"), ("exp", "invalid exp value")])
def test_intake24_a_string_time_claim_gets_jsonwebtokens_message(client: FlaskClient, claim: str, message: str) -> None:
    response = intake24_send(client, signed({**intake24_base_claims(), claim: "soon"}, INTAKE24_SECRET))
    assert (response.status_code, response.get_json()) == (403, {"message": message})


@given(claim=st.sampled_from(INTAKE24_CLAIMS), value=every_json_type())
def test_intake24_any_claim_value(client: FlaskClient, claim: str, value: Any) -> None:
    assert intake24_claim_case(client, claim, value) == []


@given(field=st.sampled_from(JOSE_HEADER_FIELDS), value=every_json_type())
def test_intake24_any_header_value(client: FlaskClient, field: str, value: Any) -> None:
    assert intake24_header_case(client, field, value) == []


#: A survey with the strict checks Intake24's docs recommend (``sub`` = slug, ``aud``, ``iss``, ``exp``).
STRICT_SLUG = "strict-fuzz"
STRICT_SECRET = "strict-fuzz-secret-0123456789-0123456789"
STRICT_MESSAGES = {"sub": "jwt subject invalid", "aud": "jwt audience required", "iss": "jwt issuer required"}


def test_intake24_strict_survey_every_claim_through_every_json_type(fuzz_app: Flask) -> None:
    """With ``strictClaims`` on, ``sub``/``aud``/``iss`` are read too: a wrong type is a 403 naming it."""
    client = fuzz_app.test_client()
    settings = {"allowGenUsers": True, "genUserKey": STRICT_SECRET, "strictClaims": True}
    assert client.put(f"/__sandbox/intake24/surveys/{STRICT_SLUG}", json=settings).status_code in (200, 201)
    base = {**intake24_base_claims(), "sub": STRICT_SLUG, "aud": "intake24-fuzz", "iss": "partner"}
    url = f"/intake24/api/surveys/{STRICT_SLUG}/create-user"
    first = client.post(url, json={"token": signed(base, STRICT_SECRET)}, environ_base=fresh_address())
    assert first.status_code == 200, first.get_json()
    findings = Findings([])
    for claim in INTAKE24_CLAIMS:
        for kind, value in each_kind():
            token = signed({**base, claim: value}, STRICT_SECRET)
            response = client.post(url, json={"token": token}, environ_base=fresh_address())
            found = never_broken(response)
            message = intake24_message(response)
            if response.status_code not in (200, 400, 403):
                found.append(f"answered {response.status_code}, not 200, 400 or 403")
            elif response.status_code != 200 and message is None:
                found.append(f"{response.status_code} not in Intake24's {{message}} shape")
            wrong = claim in ("sub", "iss") and not isinstance(value, str) and not has_refused_literal(value)
            if wrong and (response.status_code != 403 or STRICT_MESSAGES[claim] not in (message or "")):
                found.append(f"answered {response.status_code} {message!r}, not 403 {STRICT_MESSAGES[claim]!r}")
            findings.check(claim, kind, found)
    assert not findings, findings.report()
