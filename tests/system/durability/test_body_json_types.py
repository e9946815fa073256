"""Every body field of every vendor endpoint, and every field of the partner answers Sympto reads,
through every JSON type, over HTTP.

The operations come from the OpenAPI document the sandbox builds from its marshmallow schemas (a test
fails when one has no request builder here), and the fields from each operation's documented body
schema, nested objects and array elements included: a field added to a schema is fuzzed automatically.
Each request is otherwise valid and authenticated, so the value reaches the rules past authentication.
Every answer must be a documented status of the operation, in the vendor's shape, never a 5xx, never a
secret; a value of another JSON type than documented must be refused with a message naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from contracts.cirrusmd import tokens as cirrusmd_tokens
from contracts.json_values import RawJson, dumps, every_json_type, kind_of
from sandbox.core import openapi
from sandbox.testing.live import LiveServer
from tests.conftest import FROZEN_AT
from tests.system.durability.support import (
    CREATE_USER,
    INTAKE24_SECRET,
    SYMPTO_ADMIN,
    SYMPTO_SECRET,
    Findings,
    each_kind,
    fresh_address,
    has_lone_surrogate,
    has_raw_literal,
    has_refused_literal,
    make_sandbox,
    never_broken,
    serial,
    signed,
)
from tests.vendors.cirrusmd.support import SESSIONS, member_body


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = make_sandbox(tmp_path_factory.mktemp("fuzz"))
    yield application
    application.extensions["sandbox.store"].dispose()


@pytest.fixture(scope="module")
def control_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A sandbox of its own for the control plane's cases: they move the clock, arm faults, add tenants."""
    application = make_sandbox(tmp_path_factory.mktemp("control"))
    yield application
    application.extensions["sandbox.store"].dispose()


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
    "notificationType": ["alert", "patient-message"],
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


def intake24_base_claims() -> dict[str, Any]:
    return {"username": f"body{serial()}", "exp": int(FROZEN_AT) + 60}


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
    shared = f"patched{serial()}"
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
    email = f"login{serial()}@example.test"
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
    user = _sympto_patient(client, headers, f"member{serial()}@example.test")
    group = _sympto_group(client, headers, "Managed")
    return lambda n, path=(): ("/sympto/clinicAdmin/groups/manage", headers, {"groupIds": [group], "userId": user})


def prepare_sympto_group_member(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    user = _sympto_patient(client, headers, f"member{serial()}@example.test")
    group = _sympto_group(client, headers, "Member")
    return lambda n, path=(): ("/sympto/clinicAdmin/groups/manage", headers, {"groupId": group, "userId": user})


def _sympto_event_webhook(route: str) -> Callable[[FlaskClient], Prepared]:
    def prepare(client: FlaskClient) -> Prepared:
        headers = _sympto_admin(client)
        return lambda n, path=(): (route, headers, {"url": f"https://partner.example.test/events/{n}"})

    return prepare


def prepare_sympto_patient_update(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    patient = _sympto_patient(client, headers, f"update{serial()}@example.test")
    return lambda n, path=(): (
        f"/sympto/providers/patients/{patient}/update",
        headers,
        {**SYMPTO_PATIENT, "email": f"updated{n}@example.test"},
    )


def _sympto_provider_update(route: str) -> Callable[[FlaskClient], Prepared]:
    def prepare(client: FlaskClient) -> Prepared:
        headers = _sympto_admin(client)
        body = {**SYMPTO_PROVIDER, "email": f"provider{serial()}@example.test"}
        provider = _post_ok(client, "/sympto/providers", body, headers)["Response"]
        return lambda n, path=(): (
            route.format(provider=provider),
            headers,
            {**SYMPTO_PROVIDER, "email": f"provider-updated{n}@example.test"},
        )

    return prepare


def prepare_sympto_group_edit(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    group = _sympto_group(client, headers, "Edited")
    return lambda n, path=(): (f"/sympto/groups/{group}", headers, {"groupName": f"Group {n}"})


def prepare_sympto_message(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    patient = _sympto_patient(client, headers, f"messaged{serial()}@example.test")
    return lambda n, path=(): (f"/sympto/provider/messaging/{patient}", headers, {"message": f"Hello {n}"})


def prepare_sympto_generic_survey(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    patient = _sympto_patient(client, headers, f"surveyed{serial()}@example.test")
    campaigns = client.get("/sympto/providers/campaigns", headers=headers).get_json()["Response"]
    survey = {
        "genericSurveyId": campaigns[0]["campaignItems"][0]["genericSurveyId"],
        "duration": 24,
        "messageData": {"creation": {"text": "Hi", "email": {"subject": "S", "body": "B"}}, "reminder": None},
        "notifications": {"daysBeforeDueDate": [1]},
        "startDatePreference": {
            "type": "recurring",
            "nOccurrences": 2,
            "timeOfDay": {"hours": 9, "minutes": 0},
            "surveyStartDate": "2026-12-01",
            "frequency": {"type": "monthly", "everyN": 1, "day": 15},
        },
    }
    return lambda n, path=(): (f"/sympto/providers/patients/{patient}/genericSurvey", headers, {"survey": survey})


def _sympto_recurring_survey(client: FlaskClient) -> tuple[dict[str, str], str, str]:
    """The admin's headers, a patient and an ad hoc recurring survey of theirs."""
    headers = _sympto_admin(client)
    patient = _sympto_patient(client, headers, f"items{serial()}@example.test")
    campaigns = client.get("/sympto/providers/campaigns", headers=headers).get_json()["Response"]
    survey = {
        "genericSurveyId": campaigns[0]["campaignItems"][0]["genericSurveyId"],
        "duration": 24,
        "startDatePreference": {"type": "adhoc"},
    }
    path = f"/sympto/providers/patients/{patient}/genericSurvey"
    return headers, patient, str(_post_ok(client, path, {"survey": survey}, headers)["Response"])


def prepare_sympto_send_items(client: FlaskClient) -> Prepared:
    headers, patient, recurring = _sympto_recurring_survey(client)
    body = {"type": "dates", "startDates": ["2027-01-01-09-00"]}
    return lambda n, path=(): (f"/sympto/providers/patients/{patient}/recurringSurvey/{recurring}", headers, body)


def prepare_sympto_adhoc_response(client: FlaskClient) -> Prepared:
    headers, patient, recurring = _sympto_recurring_survey(client)
    path = f"/sympto/providers/patients/{patient}/recurringSurvey/{recurring}"
    [response_id] = _post_ok(client, path, {"type": "immediate"}, headers)["Response"]
    body = {"response": {"q1": 1}, "responseId": response_id, "responseCompletion": "Full"}
    return lambda n, path=(): (f"/sympto/patients/responses/adhoc/{recurring}", headers, body)


def prepare_sympto_attribute(client: FlaskClient) -> Prepared:
    headers = _sympto_admin(client)
    patient = _sympto_patient(client, headers, f"attributed{serial()}@example.test")
    body = {"name": "age", "attributeValue": {"type": "number", "value": 23}}
    return lambda n, path=(): (f"/sympto/providers/{patient}/attributes", headers, body)


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
    ("post", "/sympto/responses/webhook"): _sympto_event_webhook("/sympto/responses/webhook"),
    ("post", "/sympto/patients/webhook"): _sympto_event_webhook("/sympto/patients/webhook"),
    # The rest of the current API (issue #14, item 6).
    ("post", "/sympto/providers/patients/{patient_id}/update"): prepare_sympto_patient_update,
    ("post", "/sympto/clinicAdmin/providers/{provider_id}/update"): _sympto_provider_update(
        "/sympto/clinicAdmin/providers/{provider}/update"
    ),
    ("post", "/sympto/providers/{provider_id}"): _sympto_provider_update("/sympto/providers/{provider}"),
    ("post", "/sympto/groups/{group_id}"): prepare_sympto_group_edit,
    ("post", "/sympto/provider/messaging/{patient_id}"): prepare_sympto_message,
    ("post", "/sympto/providers/patients/{patient_id}/genericSurvey"): prepare_sympto_generic_survey,
    ("post", "/sympto/providers/patients/{patient_id}/recurringSurvey/{recurring_survey_id}"): (
        prepare_sympto_send_items
    ),
    ("post", "/sympto/patients/responses/adhoc/{recurring_survey_id}"): prepare_sympto_adhoc_response,
    ("post", "/sympto/providers/{patient_id}/attributes"): prepare_sympto_attribute,
}


def openapi_document(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return openapi.document()


def prepare_control_faults(client: FlaskClient) -> Prepared:
    return lambda n, path=(): ("/__sandbox/faults", {}, {"vendor": "cirrusmd", "status": 503, "times": 1})


def prepare_control_clock(client: FlaskClient) -> Prepared:
    return lambda n, path=(): ("/__sandbox/clock", {}, {"offset_seconds": 60})


def prepare_control_cirrusmd_client(client: FlaskClient) -> Prepared:
    return lambda n, path=(): (f"/__sandbox/cirrusmd/clients/fuzz{n}", {}, {"shared_secret": f"fuzz-secret-{n}"})


def prepare_control_sympto_clinic(client: FlaskClient) -> Prepared:
    def request(n: int, path: FieldPath = ()) -> Request:
        body = {"name": "Fuzz clinic", "admin_email": f"admin{n}@example.test", "api_secret": f"secret-{n}"}
        return f"/__sandbox/sympto/clinics/fuzz{n}", {}, body

    return request


def prepare_control_sympto_page_load(client: FlaskClient) -> Prepared:
    # Port 9 (discard) on loopback refuses at once: the check reports the refusal, quickly.
    body = {"url": "http://127.0.0.1:9/webhook", "endpointQueryParam": "PartnerApp", "authenticationCode": "code"}
    return lambda n, path=(): ("/__sandbox/sympto/page-load", {}, body)


def prepare_control_sympto_responses(client: FlaskClient) -> Prepared:
    patient = _sympto_patient(client, _sympto_admin(client), f"responder{serial()}@example.test")
    body = {"patientTvId": patient, "surveyName": "Fuzz", "responseCompletion": "Full", "answers": {"q1": 1}}
    return lambda n, path=(): ("/__sandbox/sympto/responses", {}, body)


def prepare_control_intake24_survey(client: FlaskClient) -> Prepared:
    settings = {
        "allowGenUsers": True,
        "genUserKey": "fuzz-survey-secret-0123456789",
        "notifications": [{"type": "survey.session.started", "channel": "webhook", "url": "http://127.0.0.1:9/"}],
        "redirectPrompt": {"url": "https://partner.example.test/{identifier}", "identifier": "username", "timer": 5},
    }
    return lambda n, path=(): (f"/__sandbox/intake24/surveys/fuzz{n}", {}, settings)


def prepare_control_intake24_pat(client: FlaskClient) -> Prepared:
    return lambda n, path=(): (
        "/__sandbox/intake24/personal-access-tokens",
        {},
        {"name": "fuzz", "expires_in_seconds": 60},
    )


#: The same for the control plane's operations with a JSON body.
CONTROL_ENDPOINTS: dict[tuple[str, str], Callable[[FlaskClient], Prepared]] = {
    ("post", "/__sandbox/faults"): prepare_control_faults,
    ("put", "/__sandbox/clock"): prepare_control_clock,
    ("put", "/__sandbox/cirrusmd/clients/{client_id}"): prepare_control_cirrusmd_client,
    ("put", "/__sandbox/sympto/clinics/{clinic_id}"): prepare_control_sympto_clinic,
    ("post", "/__sandbox/sympto/page-load"): prepare_control_sympto_page_load,
    ("post", "/__sandbox/sympto/responses"): prepare_control_sympto_responses,
    ("put", "/__sandbox/intake24/surveys/{slug}"): prepare_control_intake24_survey,
    ("post", "/__sandbox/intake24/personal-access-tokens"): prepare_control_intake24_pat,
}


def json_body_operations(app: Flask, prefixes: tuple[str, ...] = VENDOR_PREFIXES) -> dict[tuple[str, str], Any]:
    """Every documented operation under ``prefixes`` taking a JSON body, from the OpenAPI document."""
    document = openapi_document(app)
    found = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if path.startswith(prefixes) and "application/json" in content:
                found[(method, path)] = operation
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any], wanted: Any = None) -> dict[str, Any]:
    """The object schema behind ``$ref``s and ``oneOf``/``anyOf``/``allOf``: of the alternatives with
    properties, the one ``wanted`` fits (a body: its required keys are there; a name: it declares it)."""
    while True:
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            continue
        combined = schema.get("oneOf") or schema.get("anyOf") or schema.get("allOf")
        if "properties" in schema or not combined:
            return schema
        options = [resolve(document, option) for option in combined]
        options = [option for option in options if "properties" in option] or options
        if isinstance(wanted, dict):
            schema = next((o for o in options if set(o.get("required", ())) <= set(wanted)), options[0])
        else:
            schema = next((o for o in options if wanted in o.get("properties", {})), options[0])


def field_paths(document: dict[str, Any], schema: dict[str, Any], body: Any, prefix: FieldPath = ()) -> list[FieldPath]:
    """Every property of the documented body schema, and of its nested objects where ``body`` has one."""
    schema = resolve(document, schema, body)
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
    """The documented schema of the field at ``path`` (its ``anyOf`` alternatives kept)."""
    for step in path:
        schema = resolve(document, schema, step)
        schema = schema["items"] if isinstance(step, int) else schema.get("properties", {}).get(step, {})
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def wrong_type(document: dict[str, Any], declared: dict[str, Any], value: Any) -> bool:
    """The value's JSON type is none the field documents (an integer is a number; null where nullable)."""
    if isinstance(value, RawJson) or (value is None and declared.get("nullable", False)):
        return False
    alternatives = declared.get("anyOf") or declared.get("oneOf")
    if alternatives:
        return all(wrong_type(document, property_schema(document, option, ()), value) for option in alternatives)
    expected = declared.get("type")
    if expected is None:
        return False
    if value is None:
        return True
    kind = kind_of(value)
    return not (kind == expected or (expected == "integer" and kind == "number" and isinstance(value, int)))


def vendor_shape(path: str, response: TestResponse) -> str | None:
    body = response.get_json(silent=True)
    if response.status_code < 400:
        return None
    if path.startswith("/cirrusmd/"):
        ok = isinstance(body, dict) and set(body) == {"error_message"}
    elif path.startswith("/intake24/"):
        ok = isinstance(body, dict) and isinstance(body.get("message"), str)
    elif path.startswith("/__sandbox/"):  # {error}, and Intake24's settings add the field list `errors`
        ok = isinstance(body, dict) and isinstance(body.get("error"), str) and set(body) <= {"error", "errors"}
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
    document = openapi_document(client.application)
    declared = property_schema(document, schema, path)
    field = next(str(step) for step in reversed(path) if isinstance(step, str))
    if wrong_type(document, declared, value):
        if response.status_code < 400:
            found.append(f"accepted ({response.status_code}) a value that is not the documented type")
        # NaN, Infinity, 1e999 and lone surrogates are refused for the whole body (sandbox.core.body)
        # before any field is read; Intake24's JSON.parse names a position instead.
        elif field not in response.get_data(as_text=True) and not (has_raw_literal(value) or has_lone_surrogate(value)):
            found.append(f"the {response.status_code} does not name `{field}`: {response.get_data()[:200]!r}")
    elif has_refused_literal(value) and response.status_code < 400:
        found.append(f"accepted ({response.status_code}) a NaN/Infinity literal")
    return found


def test_every_operation_with_a_json_body_is_fuzzed(fuzz_app: Flask) -> None:
    assert set(json_body_operations(fuzz_app)) == set(ENDPOINTS)
    assert set(json_body_operations(fuzz_app, ("/__sandbox/",))) == set(CONTROL_ENDPOINTS)


@pytest.mark.parametrize(("method", "route"), list(ENDPOINTS), ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_every_body_field_through_every_json_type(fuzz_app: Flask, method: str, route: str) -> None:
    fuzz_operation(fuzz_app, method, route, ENDPOINTS[(method, route)])


@pytest.mark.parametrize(("method", "route"), list(CONTROL_ENDPOINTS), ids=[f"{m} {p}" for m, p in CONTROL_ENDPOINTS])
def test_every_control_plane_body_field_through_every_json_type(control_app: Flask, method: str, route: str) -> None:
    """The control plane too: ``{error}`` answers naming the field."""
    fuzz_operation(control_app, method, route, CONTROL_ENDPOINTS[(method, route)])


def fuzz_operation(app: Flask, method: str, route: str, prepare: Callable[[FlaskClient], Prepared]) -> None:
    """Every documented field of one operation through every kind, failures reported together."""
    client = app.test_client()
    document = openapi_document(app)
    operation = json_body_operations(app, (route,))[(method, route)]
    prepared = prepare(client)
    url, headers, body = prepared(serial())
    # The untouched request is accepted: the fuzzed values reach the rules past authentication.
    first = client.open(url, method=method.upper(), json=body, headers=headers, environ_base=fresh_address())
    assert first.status_code in (200, 201), first.get_data()[:300]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    paths = field_paths(document, schema, body)
    assert paths, "no documented fields"
    findings = Findings([])
    for path in paths:
        for kind, value in each_kind():
            found = body_case(client, operation, method, prepared(serial(), path), path, value)
            findings.check(".".join(map(str, path)), kind, found)
    assert not findings, findings.report()


_prepared: dict[tuple[str, str], Prepared] = {}


@given(data=st.data())
def test_any_body_field_value(fuzz_app: Flask, data: st.DataObject) -> None:
    client = fuzz_app.test_client()
    method, route = data.draw(st.sampled_from(list(ENDPOINTS)), label="operation")
    operation = json_body_operations(fuzz_app)[(method, route)]
    if (method, route) not in _prepared:  # logins and prerequisites once per operation, not per example
        _prepared[(method, route)] = ENDPOINTS[(method, route)](client)
    request = _prepared[(method, route)](serial())
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
