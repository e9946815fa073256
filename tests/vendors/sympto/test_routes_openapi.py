"""The OpenAPI document describes every Sympto endpoint (both path generations), its pages and tenants."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from contracts.sympto import schemas

SYMPTO_PATHS = [
    "/sympto/",
    "/sympto/authorization",
    "/sympto/authorization/login/token",
    "/sympto/authorization/rateToken",
    "/sympto/clinicAdmin/careTeam",
    "/sympto/clinicAdmin/clinics/endpoint",
    "/sympto/clinicAdmin/groups",
    "/sympto/clinicAdmin/groups/manage",
    "/sympto/clinicAdmin/providers",
    "/sympto/clinicAdmin/providers/{provider_id}/update",
    "/sympto/clinicAdmin/users",
    "/sympto/clinicAdmin/webhook",
    "/sympto/groups/{group_id}",
    "/sympto/patients/responses/adhoc/{recurring_survey_id}",
    "/sympto/patients/webhook",
    "/sympto/provider/dashboard",
    "/sympto/provider/messaging/{patient_id}",
    "/sympto/providers",
    "/sympto/providers/campaigns",
    "/sympto/providers/clinic/attributes",
    "/sympto/providers/file",
    "/sympto/providers/groups",
    "/sympto/providers/patient",
    "/sympto/providers/patient/create",
    "/sympto/providers/patient/{patient_id}",
    "/sympto/providers/patients",
    "/sympto/providers/patients/{patient_id}",
    "/sympto/providers/patients/{patient_id}/campaigns",
    "/sympto/providers/patients/{patient_id}/genericSurvey",
    "/sympto/providers/patients/{patient_id}/items",
    "/sympto/providers/patients/{patient_id}/recurringSurvey/{recurring_survey_id}",
    "/sympto/providers/patients/{patient_id}/update",
    "/sympto/providers/{patient_id}/attributes",
    "/sympto/providers/{provider_id}",
    "/sympto/responses/webhook",
]
CONTROL_PATHS = [
    "/__sandbox/sympto/clinics",
    "/__sandbox/sympto/clinics/{clinic_id}",
    "/__sandbox/sympto/deliveries",
    "/__sandbox/sympto/page-load",
    "/__sandbox/sympto/responses",
    "/__sandbox/sympto/sessions",
    "/__sandbox/sympto/users",
]


def test_the_document_lists_every_sympto_path(client: FlaskClient) -> None:
    paths = client.get("/__sandbox/openapi.json").json["paths"]
    assert sorted(p for p in paths if p.startswith("/sympto")) == SYMPTO_PATHS
    assert sorted(p for p in paths if p.startswith("/__sandbox/sympto")) == CONTROL_PATHS


def test_every_served_route_and_method_is_documented(app: Flask, client: FlaskClient) -> None:
    paths = client.get("/__sandbox/openapi.json").json["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/sympto", "/__sandbox/sympto")):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            assert method.lower() in paths[path], f"{method} {path}"


def test_pages_are_html_and_api_answers_the_envelope(client: FlaskClient) -> None:
    paths = client.get("/__sandbox/openapi.json").json["paths"]
    page = paths["/sympto/"]["get"]["responses"]
    assert sorted(page) == ["200", "401"]
    assert list(page["401"]["content"]) == ["text/html"]
    login = paths["/sympto/authorization"]["post"]
    assert sorted(login["responses"]) == ["200", "400", "401", "413", "429"]
    assert "Retry-After" in login["responses"]["429"]["headers"]
    envelope = login["responses"]["200"]["content"]["application/json"]["schema"]
    assert envelope["properties"]["Status"]["enum"] == ["OK"]
    assert paths["/sympto/clinicAdmin/users"]["get"]["security"] == [{"symptoBearer": []}]


def test_field_rules_are_the_ones_the_sandbox_applies(client: FlaskClient) -> None:
    components = client.get("/__sandbox/openapi.json").json["components"]["schemas"]
    patient = components["SymptoPatient"]["properties"]
    assert patient["phoneNumber"]["pattern"] == schemas.E164_PATTERN
    assert patient["dob"]["pattern"] == schemas.DOB_PATTERN
    assert patient["timeZone"]["enum"] == list(schemas.TIME_ZONES)
    assert "pattern" not in patient["timeZone"]
    endpoint = components["SymptoEndpointConfig"]["properties"]
    assert endpoint["endpointURL"]["pattern"] == schemas.HTTP_URL_PATTERN
    assert endpoint["endpointQueryParam"]["pattern"] == schemas.LATIN_PATTERN
    assert components["SymptoClinicUpdate"]["properties"]["admin_phone"]["pattern"] == schemas.E164_PATTERN
    assert "allOf" in components["SymptoPatient"]  # email-or-phone and reachable notification channels


@given(st.dates())
def test_every_real_date_is_a_dob_in_both_formats(day: date) -> None:
    iso = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    assert schemas.Dob().check(iso) == iso
    assert schemas.Dob().check(f"{day.month:02d}/{day.day:02d}/{day.year:04d}") == iso


@given(st.one_of(st.text(max_size=12), st.from_regex(schemas.DOB_PATTERN)))
def test_an_accepted_dob_is_a_real_date(text: str) -> None:
    stored = schemas.Dob().check(text)
    assert (stored is not None) == bool(re.search(schemas.DOB_PATTERN, text))
    if stored is not None:
        date.fromisoformat(stored)


@given(st.one_of(st.text(max_size=30), st.from_regex(schemas.HTTP_URL_PATTERN)))
def test_an_accepted_endpoint_url_is_one_the_sandbox_can_call(text: str) -> None:
    stored = schemas.HttpUrl().check(text)
    if stored is not None:
        parts = urlsplit(stored)
        assert parts.scheme.lower() in ("http", "https")
        assert parts.hostname
        assert parts.port is None or 0 <= parts.port <= 65535


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        (schemas.Dob(), "1900-02-29", False),  # not a leap year
        (schemas.Dob(), "2000-02-29", True),
        (schemas.Dob(), "\u0661\u0669\u0660\u0660-01-01", False),  # only ASCII digits
        (schemas.HttpUrl(), "http://localhost:8080/webhook", True),
        (schemas.HttpUrl(), "http://[::1]:8080/webhook", False),  # no IPv6 literal: use a host name
        (schemas.HttpUrl(), "http://a..b/", False),  # empty DNS label
        (schemas.HttpUrl(), "http://127.0.0.1:65536/", False),
        (schemas.HttpUrl(), "http://user@host/", False),  # no credentials in the URL
        (schemas.TimeZone(), "America/New_York", True),
        (schemas.TimeZone(), "EST", False),
        (schemas.Phone(), "+16505550123", True),
        (schemas.Phone(), "+1 650 555 0123", False),
    ],
)
def test_field_rules(field: Any, value: str, accepted: bool) -> None:
    assert (field.check(value) is not None) is accepted


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []


def test_schemas_named_inside_the_envelope_are_components_every_reference_resolves(client: FlaskClient) -> None:
    """The envelope is written inline around a contract schema (users, the userAuthToken): the schema is
    still a component, and no reference in the document dangles."""
    document = client.get("/__sandbox/openapi.json").json
    listing = document["paths"]["/sympto/clinicAdmin/users"]["get"]["responses"]["200"]
    payload = listing["content"]["application/json"]["schema"]["properties"]["Response"]
    assert payload == {"type": "array", "items": {"$ref": "#/components/schemas/SymptoUser"}}
    token = document["paths"]["/sympto/authorization/login/token"]["post"]["responses"]["200"]
    assert token["content"]["application/json"]["schema"]["properties"]["Response"] == {
        "$ref": "#/components/schemas/SymptoUserAuthToken"
    }
    components = document["components"]["schemas"]
    assert {ref.removeprefix("#/components/schemas/") for ref in _references(document)} <= set(components)
    assert document["components"]["securitySchemes"]["symptoBearer"] == {"type": "http", "scheme": "bearer"}
