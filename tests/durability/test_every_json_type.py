"""Every claim, JOSE header field and body field of every vendor, through every JSON type, over HTTP.

Issue 12 item 10: a CirrusMD token whose ``nbf`` was the string ``"soon"`` answered 500, and the route
fuzzing never found it because its tokens never got past the signature. Here every token is correctly
signed, so each value reaches the rule that reads it. The fields come from the contracts, never from a
list in this file: token claims from each vendor's claims schema plus the registered JWT claims
(RFC 7519), header fields from the registered JOSE header parameters (RFC 7515), body fields from the
OpenAPI document the sandbox builds from its marshmallow schemas; a new field is fuzzed automatically.

Each field goes through every named kind of :data:`contracts.json_values.JSON_KINDS` (exhaustive, one
HTTP request each, failures reported together), then Hypothesis draws more values from
:func:`contracts.json_values.every_json_type` (``HYPOTHESIS_PROFILE=thorough`` for many more).
Every answer must be the vendor's documented status in its own shape, never a 5xx, never a secret.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError
from werkzeug.test import TestResponse

from contracts.cirrusmd import tokens as cirrusmd_tokens
from contracts.cirrusmd.schemas import TOKEN_CLAIMS
from contracts.intake24.schemas import CREATE_USER_CLAIMS
from contracts.json_values import JSON_KINDS, RawJson, dumps, every_json_type, kind_of
from contracts.jws import HMAC_ALGORITHMS, JOSE_HEADER_FIELDS, REGISTERED_CLAIMS, encode_segment, hmac_signature
from sandbox.core import openapi
from sandbox.testing.live import LiveServer
from sandbox.vendors.intake24.auth import CREATE_USER_POLICY
from tests.cirrusmd.helpers import SESSIONS, member_body
from tests.conftest import FROZEN_AT

CIRRUSMD_SECRET = cirrusmd_tokens.DEMO_SHARED_SECRET
INTAKE24_SECRET = "demo-intake24-jwt-secret-change-me"
SYMPTO_ADMIN = "demo-admin@example.test"
SYMPTO_SECRET = "demo-sympto-api-secret"
SECRETS = (CIRRUSMD_SECRET, INTAKE24_SECRET, SYMPTO_SECRET)
CREATE_USER = "/intake24/api/surveys/demo/create-user"
#: Literals a strict JSON parser refuses (``1e999`` parses, as infinity).
REFUSED_LITERALS = frozenset({"NaN", "Infinity", "-Infinity"})

_addresses = itertools.count(1)
#: Serial numbers for values a vendor wants unique (usernames, emails), shared by every endpoint.
_serials = itertools.count(1)


def fresh_address() -> dict[str, str]:
    """A new client address per request, so per-address rate limits never mask a rule."""
    n = next(_addresses)
    return {"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}


def has_raw_literal(value: Any, texts: frozenset[str] | None = None) -> bool:
    """A :class:`RawJson` literal (one of ``texts``, default any) anywhere in ``value``."""
    if isinstance(value, RawJson):
        return texts is None or value.text in texts
    if isinstance(value, list):
        return any(has_raw_literal(item, texts) for item in value)
    if isinstance(value, dict):
        return any(has_raw_literal(item, texts) for item in value.values())
    return False


def has_refused_literal(value: Any) -> bool:
    """A ``NaN``/``Infinity`` literal anywhere in ``value``: JSON text no strict parser reads."""
    return has_raw_literal(value, REFUSED_LITERALS)


def has_lone_surrogate(value: Any) -> bool:
    """Text no UTF-8 store can keep, anywhere in ``value`` (keys included)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list):
        return any(has_lone_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(has_lone_surrogate(key) or has_lone_surrogate(item) for key, item in value.items())
    return False


def unsendable(value: Any) -> bool:
    """What the sandbox's strict token decoder refuses as malformed, naming the field: a NaN/Infinity
    literal or a lone surrogate (the same rule as for request bodies, :mod:`sandbox.core.body`)."""
    return has_refused_literal(value) or has_lone_surrogate(value)


def signed(claims: dict[str, Any], key: str, header: dict[str, Any] | None = None) -> str:
    """A compact JWS over exactly these (possibly raw) values, signed with the algorithm it names.

    A header ``alg`` that is an HMAC name signs with that algorithm; any other ``alg`` value is signed
    HS256, so the signature is never what fails.
    """
    full = {"alg": "HS256", "typ": "JWT", **(header or {})}
    algorithm = full["alg"] if isinstance(full["alg"], str) and full["alg"] in HMAC_ALGORITHMS else "HS256"
    signing_input = f"{encode_segment(dumps(full))}.{encode_segment(dumps(claims))}"
    signature = encode_segment(hmac_signature(signing_input.encode("ascii"), key, algorithm))
    return f"{signing_input}.{signature}"


def accepted_by(schema: Schema, name: str, value: Any) -> bool:
    """Whether the contract's own field takes ``value`` (raw literals are never taken)."""
    if isinstance(value, RawJson) or unsendable(value):
        return False
    try:
        schema.fields[name].deserialize(value)
    except ValidationError:
        return False
    return True


def never_broken(response: TestResponse) -> list[str]:
    """What no answer may ever do: a 5xx, a stack trace, a secret."""
    text = response.get_data(as_text=True)
    problems = []
    if response.status_code >= 500:
        problems.append(f"answered {response.status_code}: {text[:200]}")
    if "Traceback" in text:
        problems.append("a stack trace in the answer")
    problems += [f"echoed the secret {secret[:8]}…" for secret in SECRETS if secret in text]
    return problems


def names(message: str, field: str) -> bool:
    """The message names the field: `nbf`, or a path inside it (`sub[0]`, `aud.x`), or "alg"."""
    return re.search(rf"`{re.escape(field)}[`.\[]", message) is not None or f'"{field}"' in message


@dataclass
class Findings:
    """Every (field, kind) that broke a rule, collected so one run shows them all."""

    problems: list[str]

    def check(self, field: str, kind: str, found: list[str]) -> None:
        self.problems += [f"{field} = {kind}: {problem}" for problem in found]

    def __bool__(self) -> bool:
        return bool(self.problems)

    def report(self) -> str:
        return f"{len(self.problems)} problems:\n" + "\n".join(self.problems[:60])


def each_kind() -> Iterator[tuple[str, Any]]:
    yield from JSON_KINDS.items()


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
    # Only alg (must be exactly HS256) and crit (never supported) are read; every other field is ignored.
    must_reject = unsendable(value) or field == "crit" or (field == "alg" and value != "HS256")
    return cirrusmd_judge(response, field, must_reject, must_accept=not must_reject)


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
INTAKE24_TYPED_CLAIMS = CREATE_USER_POLICY.numeric_claims
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


# --- every body field of every vendor endpoint ------------------------------------------------------

VENDOR_PREFIXES = ("/cirrusmd/", "/intake24/api/", "/sympto/")
SYMPTO_PATIENT = {
    "firstName": "Pat",
    "lastName": "Ient",
    "timeZone": "America/Los_Angeles",
    "notificationType": ["email"],
    "sex": "F",
    "dob": "1980-01-31",
    "language": "English",
    "mrn": "MRN-1",
}
SYMPTO_PROVIDER = {
    "firstName": "Dana",
    "lastName": "Doctor",
    "timeZone": "America/New_York",
    "notificationPreferences": ["email"],
    "notificationType": ["email"],
}

Request = tuple[str, dict[str, str], dict[str, Any]]
"""A request to send: its path, headers and a valid JSON body."""
FieldPath = tuple[str | int, ...]
"""Where a field sits in a body: ``("webhookData", "url")``, ``("customFields", 0, "name")``."""
Prepared = Callable[..., Request]
"""``prepared(n)`` or ``prepared(n, path)``: the ``n``-th valid request of an endpoint (unique where the
vendor wants unique values), ready for the field at ``path`` to be replaced."""


def _post_ok(client: FlaskClient, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    response = client.post(path, json=body, headers=headers or {}, environ_base=fresh_address())
    assert response.status_code in (200, 201), (path, response.status_code, response.get_data()[:300])
    return response.get_json()


def _sympto_admin(client: FlaskClient) -> dict[str, str]:
    token = _post_ok(client, "/sympto/authorization", {"clientId": SYMPTO_ADMIN, "clientSecret": SYMPTO_SECRET})
    return {"Authorization": f"Bearer {token['Response']}"}


def _sympto_patient(client: FlaskClient, headers: dict[str, str], email: str) -> str:
    body = {**SYMPTO_PATIENT, "email": email}
    return str(_post_ok(client, "/sympto/providers/patients", body, headers)["Response"])


def _sympto_group(client: FlaskClient, headers: dict[str, str], name: str) -> str:
    return str(_post_ok(client, "/sympto/providers/groups", {"groupName": name}, headers)["Response"])


def _intake24_admin(client: FlaskClient) -> tuple[dict[str, str], str]:
    issued = _post_ok(client, "/__sandbox/intake24/personal-access-tokens", {"name": "fuzz"})
    survey_id = client.get("/__sandbox/intake24/surveys/demo").get_json()["id"]
    return {"Authorization": f"Bearer {issued['jwt']}"}, f"/intake24/api/admin/surveys/{survey_id}/respondents"


def prepare_cirrusmd_session(client: FlaskClient) -> Prepared:
    authorization = cirrusmd_tokens.VALID.authorization(cirrusmd_tokens.Credentials(), FROZEN_AT)
    assert authorization is not None
    headers = {"Authorization": authorization, "Accept": "application/json"}
    return lambda n, path=(): (SESSIONS, headers, member_body(external_user_id=f"fuzz-{n}", member_id=f"M-{n}"))


def prepare_intake24_create_user(client: FlaskClient) -> Prepared:
    return lambda n, path=(): (
        CREATE_USER,
        {},
        {"token": signed({**intake24_base_claims(), "username": f"u{n}"}, INTAKE24_SECRET)},
    )


def prepare_intake24_token_login(client: FlaskClient) -> Prepared:
    created = _post_ok(client, CREATE_USER, {"token": signed(intake24_base_claims(), INTAKE24_SECRET)})
    return lambda n, path=(): ("/intake24/api/auth/login/token", {}, {"token": created["authToken"], "captcha": None})


def prepare_intake24_admin_create(client: FlaskClient) -> Prepared:
    headers, base = _intake24_admin(client)
    custom = [{"name": "team", "value": "blue", "public": True}]
    return lambda n, path=(): (
        base,
        headers,
        {"username": f"admin{n}", "name": "N", "email": "n@example.test", "phone": "+1", "customFields": custom},
    )


def prepare_intake24_admin_patch(client: FlaskClient) -> Prepared:
    """PATCHes one respondent; a fuzzed ``username`` may rename it, so those cases each get a new one."""
    headers, base = _intake24_admin(client)
    custom = [{"name": "team", "value": "blue", "public": True}]
    shared = f"patched{next(_serials)}"
    _post_ok(client, base, {"username": shared}, headers)

    def request(n: int, path: FieldPath = ()) -> Request:
        username = shared
        if path[:1] == ("username",):
            username = f"patched{n}"
            _post_ok(client, base, {"username": username}, headers)
        return f"{base}/{username}", headers, {"name": "M", "email": "m@example.test", "customFields": custom}

    return request


def prepare_sympto_authorization(client: FlaskClient) -> Prepared:
    return lambda n, path=(): ("/sympto/authorization", {}, {"clientId": SYMPTO_ADMIN, "clientSecret": SYMPTO_SECRET})


def prepare_sympto_login_token(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    email = f"login{next(_serials)}@example.test"
    _sympto_patient(client, headers, email)
    return lambda n, path=(): ("/sympto/authorization/login/token", headers, {"email": email})


def prepare_sympto_endpoint(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    body = {
        "endpointURL": "https://partner.example.test/sympto",
        "clientId": "partner-client-id",
        "clientSecret": "partner-client-secret",
        "endpointQueryParam": "PartnerApp",
    }
    return lambda n, path=(): ("/sympto/clinicAdmin/clinics/endpoint", headers, body)


def prepare_sympto_webhook(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    body = {"webhookData": {"url": "https://partner.example.test/patient/webhook", "secret": "s"}}
    return lambda n, path=(): ("/sympto/clinicAdmin/webhook", headers, body)


def _sympto_users(route: str, template: dict[str, Any]) -> Callable[[FlaskClient], Prepared]:
    def prepare(client: FlaskClient) -> Prepared:
        headers = _sympto_admin(client)
        return lambda n, path=(): (
            route,
            headers,
            {**template, "email": f"user{n}@example.test", "phoneNumber": f"+1650555{n % 10000:04d}"},
        )

    return prepare


def _sympto_groups(route: str) -> Callable[[FlaskClient], Prepared]:
    def prepare(client: FlaskClient) -> Prepared:
        headers = _sympto_admin(client)
        return lambda n, path=(): (route, headers, {"groupName": f"Group {n}"})

    return prepare


def prepare_sympto_manage_groups(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    user = _sympto_patient(client, headers, f"member{next(_serials)}@example.test")
    group = _sympto_group(client, headers, "Managed")
    return lambda n, path=(): ("/sympto/clinicAdmin/groups/manage", headers, {"groupIds": [group], "userId": user})


def prepare_sympto_group_member(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    user = _sympto_patient(client, headers, f"member{next(_serials)}@example.test")
    group = _sympto_group(client, headers, "Member")
    return lambda n, path=(): ("/sympto/clinicAdmin/groups/manage", headers, {"groupId": group, "userId": user})


#: How to build a valid, authenticated request for each documented vendor operation with a JSON body.
#: The operations themselves come from the OpenAPI document; a test fails if one is missing here.
ENDPOINTS: dict[tuple[str, str], Callable[[FlaskClient], Prepared]] = {
    ("post", "/cirrusmd/sdk/v2/public/sessions"): prepare_cirrusmd_session,
    ("post", "/intake24/api/surveys/{slug}/create-user"): prepare_intake24_create_user,
    ("post", "/intake24/api/auth/login/token"): prepare_intake24_token_login,
    ("post", "/intake24/api/admin/surveys/{survey_id}/respondents"): prepare_intake24_admin_create,
    ("patch", "/intake24/api/admin/surveys/{survey_id}/respondents/{username}"): prepare_intake24_admin_patch,
    ("post", "/sympto/authorization"): prepare_sympto_authorization,
    ("post", "/sympto/authorization/login/token"): prepare_sympto_login_token,
    ("post", "/sympto/clinicAdmin/clinics/endpoint"): prepare_sympto_endpoint,
    ("post", "/sympto/clinicAdmin/webhook"): prepare_sympto_webhook,
    ("post", "/sympto/providers/patients"): _sympto_users("/sympto/providers/patients", SYMPTO_PATIENT),
    ("post", "/sympto/providers/patient/create"): _sympto_users("/sympto/providers/patient/create", SYMPTO_PATIENT),
    ("post", "/sympto/clinicAdmin/providers"): _sympto_users("/sympto/clinicAdmin/providers", SYMPTO_PROVIDER),
    ("post", "/sympto/providers"): _sympto_users("/sympto/providers", SYMPTO_PROVIDER),
    ("post", "/sympto/clinicAdmin/groups"): _sympto_groups("/sympto/clinicAdmin/groups"),
    ("post", "/sympto/providers/groups"): _sympto_groups("/sympto/providers/groups"),
    ("post", "/sympto/clinicAdmin/groups/manage"): prepare_sympto_manage_groups,
    ("put", "/sympto/clinicAdmin/groups/manage"): prepare_sympto_group_member,
    ("delete", "/sympto/clinicAdmin/groups/manage"): prepare_sympto_group_member,
}


def openapi_document(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return openapi.document()


def json_body_operations(app: Flask) -> dict[tuple[str, str], dict[str, Any]]:
    """Every documented vendor operation taking a JSON body, from the OpenAPI document."""
    document = openapi_document(app)
    found = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if path.startswith(VENDOR_PREFIXES) and "application/json" in content:
                found[(method, path)] = operation
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def field_paths(document: dict[str, Any], schema: dict[str, Any], body: Any, prefix: FieldPath = ()) -> list[FieldPath]:
    """Every property of the documented body schema, and of its nested objects where ``body`` has one."""
    schema = resolve(document, schema)
    paths: list[FieldPath] = []
    for name, child in schema.get("properties", {}).items():
        paths.append((*prefix, name))
        value = body.get(name) if isinstance(body, dict) else None
        child = resolve(document, child)
        if isinstance(value, dict):
            paths += field_paths(document, child, value, (*prefix, name))
        elif isinstance(value, list) and value and "items" in child:
            paths.append((*prefix, name, 0))
            if isinstance(value[0], dict):
                paths += field_paths(document, child["items"], value[0], (*prefix, name, 0))
    return paths


def replaced(body: Any, path: FieldPath, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, list):
        copy = list(body)
        copy[int(head)] = replaced(copy[int(head)], rest, value)
        return copy
    return {**body, str(head): replaced(body.get(str(head)), rest, value)}


def property_schema(document: dict[str, Any], schema: dict[str, Any], path: FieldPath) -> dict[str, Any]:
    for step in path:
        schema = resolve(document, schema)
        schema = schema["items"] if isinstance(step, int) else schema.get("properties", {}).get(step, {})
    return resolve(document, schema)


def wrong_type(declared: dict[str, Any], value: Any) -> bool:
    """The value's JSON type is not the documented one (an integer is a number; null where nullable)."""
    kind = kind_of(value)
    expected = declared.get("type")
    if expected is None or isinstance(value, RawJson):
        return False
    if value is None:
        return not declared.get("nullable", False)
    return not (kind == expected or (expected == "integer" and kind == "number" and isinstance(value, int)))


def vendor_shape(path: str, response: TestResponse) -> str | None:
    body = response.get_json(silent=True)
    if response.status_code < 400:
        return None
    if path.startswith("/cirrusmd/"):
        ok = isinstance(body, dict) and set(body) == {"error_message"}
    elif path.startswith("/intake24/"):
        ok = isinstance(body, dict) and isinstance(body.get("message"), str)
    else:
        ok = isinstance(body, dict) and body.get("Status") == "ERROR" and isinstance(body.get("Message"), str)
    return None if ok else f"{response.status_code} not in the vendor's shape: {response.get_data()[:200]!r}"


def body_case(
    client: FlaskClient, operation: dict[str, Any], method: str, request: Request, path: FieldPath, value: Any
) -> list[str]:
    """Send ``request`` with the field at ``path`` replaced by ``value`` and judge the answer."""
    url, headers, body = request
    response = client.open(
        url,
        method=method.upper(),
        data=dumps(replaced(body, path, value)),
        headers={**headers, "Content-Type": "application/json"},
        environ_base=fresh_address(),
    )
    found = never_broken(response)
    documented = {int(status) for status in operation["responses"] if status.isdigit()}
    if response.status_code not in documented:
        found.append(f"answered {response.status_code}, not one of the documented {sorted(documented)}")
    shape = vendor_shape(url, response)
    if shape:
        found.append(shape)
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    declared = property_schema(openapi_document(client.application), schema, path)
    field = next(str(step) for step in reversed(path) if isinstance(step, str))
    if wrong_type(declared, value):
        if response.status_code < 400:
            found.append(f"accepted ({response.status_code}) a value that is not the documented {declared['type']}")
        # NaN, Infinity, 1e999 and lone surrogates are refused for the whole body (sandbox.core.body)
        # before any field is read; Intake24's JSON.parse names a position instead.
        elif field not in response.get_data(as_text=True) and not (has_raw_literal(value) or has_lone_surrogate(value)):
            found.append(f"the {response.status_code} does not name `{field}`: {response.get_data()[:200]!r}")
    elif has_refused_literal(value) and response.status_code < 400:
        found.append(f"accepted ({response.status_code}) a NaN/Infinity literal")
    return found


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One sandbox for every body case (frozen at FROZEN_AT): fresh addresses and unique values keep cases apart."""
    from dataclasses import replace

    from sandbox import config
    from sandbox.app import create_app
    from sandbox.core.clock import Clock

    clock = Clock()
    clock.freeze(FROZEN_AT)
    database = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'sandbox.db'}"
    application = create_app(replace(config.load_file(None), database=database), clock=clock, random_seed=7)
    yield application
    application.extensions["sandbox.store"].dispose()


@pytest.fixture
def client(fuzz_app: Flask) -> FlaskClient:
    """Every test here shares the module's sandbox: one app per test would dominate the run time."""
    return fuzz_app.test_client()


def test_every_vendor_operation_with_a_json_body_is_fuzzed(fuzz_app: Flask) -> None:
    assert set(json_body_operations(fuzz_app)) == set(ENDPOINTS)


@pytest.mark.parametrize(("method", "route"), list(ENDPOINTS), ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_every_body_field_through_every_json_type(fuzz_app: Flask, method: str, route: str) -> None:
    client = fuzz_app.test_client()
    document = openapi_document(fuzz_app)
    operation = json_body_operations(fuzz_app)[(method, route)]
    prepared = ENDPOINTS[(method, route)](client)
    url, headers, body = prepared(next(_serials))
    # The untouched request is accepted: the fuzzed values reach the rules past authentication.
    first = client.open(url, method=method.upper(), json=body, headers=headers, environ_base=fresh_address())
    assert first.status_code in (200, 201), first.get_data()[:300]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    paths = field_paths(document, schema, body)
    assert paths, "no documented fields"
    findings = Findings([])
    for path in paths:
        for kind, value in each_kind():
            found = body_case(client, operation, method, prepared(next(_serials), path), path, value)
            findings.check(".".join(map(str, path)), kind, found)
    assert not findings, findings.report()


@given(data=st.data())
def test_any_body_field_value(fuzz_app: Flask, data: st.DataObject) -> None:
    client = fuzz_app.test_client()
    method, route = data.draw(st.sampled_from(list(ENDPOINTS)), label="operation")
    operation = json_body_operations(fuzz_app)[(method, route)]
    prepared = ENDPOINTS[(method, route)](client)
    request = prepared(next(_serials))
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    path = data.draw(st.sampled_from(field_paths(openapi_document(fuzz_app), schema, request[2])), label="field")
    value = data.draw(every_json_type(), label="value")
    assert body_case(client, operation, method, request, path, value) == []


# --- Sympto's page load reads the partner's webhook answer: every field through every JSON type -----

#: The fields Sympto reads from a partner's webhook answer (``{"email": ...}``), with a known user's email.
WEBHOOK_ANSWER = {"email": "page-load@example.test"}
SYMPTO_PARAM = "PartnerApp"


@pytest.fixture(scope="module")
def partner_answers() -> Iterator[tuple[LiveServer, dict[str, bytes]]]:
    """A partner webhook on loopback that answers whatever body the test sets."""
    answers = {"body": dumps(WEBHOOK_ANSWER)}
    partner = Flask("fuzzed-partner")

    @partner.post("/webhook")
    def webhook() -> Response:
        return Response(answers["body"], mimetype="application/json")

    with LiveServer(partner) as server:
        yield server, answers


def test_sympto_page_load_every_answer_field_through_every_json_type(
    fuzz_app: Flask, partner_answers: tuple[LiveServer, dict[str, bytes]]
) -> None:
    server, answers = partner_answers
    client = fuzz_app.test_client()
    headers = _sympto_admin(client)
    _sympto_patient(client, headers, WEBHOOK_ANSWER["email"])
    body = {
        "endpointURL": server.url + "/webhook",
        "clientId": "partner-client-id",
        "clientSecret": "partner-client-secret",
        "endpointQueryParam": SYMPTO_PARAM,
    }
    _post_ok(client, "/sympto/clinicAdmin/clinics/endpoint", body, headers)
    assert client.get(f"/sympto/?authCode{SYMPTO_PARAM}=code").status_code == 200  # the untouched answer signs in
    findings = Findings([])
    for field in WEBHOOK_ANSWER:
        for kind, value in each_kind():
            answers["body"] = dumps({**WEBHOOK_ANSWER, field: value})
            page = client.get(f"/sympto/?authCode{SYMPTO_PARAM}=code", environ_base=fresh_address())
            found = never_broken(page)
            if page.status_code not in (200, 401) or not page.content_type.startswith("text/html"):
                found.append(f"answered {page.status_code} {page.content_type}, not Sympto's 200/401 page")
            if not isinstance(value, str) and page.status_code != 401:
                found.append(f"signed in with an email that is not a string ({page.status_code})")
            findings.check(field, kind, found)
    answers["body"] = dumps(WEBHOOK_ANSWER)
    assert not findings, findings.report()


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
