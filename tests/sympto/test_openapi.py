"""The OpenAPI document describes every Sympto endpoint (both path generations), its pages and tenants."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from contracts.sympto import schemas

SYMPTO_PATHS = [
    "/sympto/",
    "/sympto/authorization",
    "/sympto/authorization/login/token",
    "/sympto/clinicAdmin/careTeam",
    "/sympto/clinicAdmin/clinics/endpoint",
    "/sympto/clinicAdmin/groups",
    "/sympto/clinicAdmin/groups/manage",
    "/sympto/clinicAdmin/providers",
    "/sympto/clinicAdmin/users",
    "/sympto/clinicAdmin/webhook",
    "/sympto/provider/dashboard",
    "/sympto/providers",
    "/sympto/providers/groups",
    "/sympto/providers/patient",
    "/sympto/providers/patient/create",
    "/sympto/providers/patients",
]
CONTROL_PATHS = [
    "/__sandbox/sympto/clinics",
    "/__sandbox/sympto/clinics/{clinic_id}",
    "/__sandbox/sympto/page-load",
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
