"""Self-check: Schemathesis drives the sandbox from its own OpenAPI document, positive and negative
cases, and fails on any server error or any answer the document does not describe."""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import allow_header_conformance, unsupported_method

from contracts.cirrusmd.tokens import VALID, Credentials
from sandbox import config
from sandbox.app import create_app

_DIRECTORY = tempfile.TemporaryDirectory(prefix="sandbox-schemathesis-")
APP = create_app(replace(config.load_file(None), database=f"sqlite:///{_DIRECTORY.name}/sandbox.db"))
#: Operations left out, whose bodies have rules the document cannot state exactly, so generated "valid"
#: bodies can be refused: a survey's settings (WHATWG URL parsing, unique token characters; its own tests are
#: tests/vendors/intake24/test_control_survey_settings.py) and a Sympto patient attribute (the value's JSON type
#: must be the one ``attributeValue.type`` names, and the attribute must exist; its own tests are
#: tests/vendors/sympto/test_routes_remaining_api.py).
schema = (
    schemathesis.openapi.from_wsgi("/__sandbox/openapi.json", APP)
    .exclude(path="/__sandbox/intake24/surveys/{slug}", method="PUT")
    .exclude(path="/sympto/providers/{patient_id}/attributes", method="POST")
)
#: Vendors whose real service answers a method a path does not have with 404, not 405: Intake24's
#: Express app ("Invalid route", documented as its 404) and its survey app (a 404 page).
ANSWER_UNKNOWN_METHODS_WITH_404 = ("/intake24/",)
#: Literal paths that a templated route of another method also matches, as in the vendor's router: Sympto's
#: 2022-04 ``DELETE /providers/patient/{patientTvId}`` matches ``/providers/patient/create`` (Express would route
#: ``DELETE /providers/patient/create`` there too, as a patient "create" not found), so ``Allow`` rightly lists
#: DELETE where the document, path by path, does not; likewise ``POST /providers/{patientTvId}/attributes`` matches
#: ``/providers/clinic/attributes``.
SHARED_WITH_A_TEMPLATED_ROUTE = ("/sympto/providers/patient/create", "/sympto/providers/clinic/attributes")


@schema.auth(refresh_interval=None)
class VendorCredentials:
    """Fresh valid credentials for the vendor a case calls, so positive cases get past the 401.

    CirrusMD: a request-signing JWT for the demo client. Sympto: a bearer token of the demo clinic
    admin (asked for every case: the reset after each case forgets issued tokens).
    """

    def get(self, case: Any, context: Any) -> str:
        if case.path.startswith("/sympto"):
            response = APP.test_client().post(
                "/sympto/authorization",
                json={"clientId": "demo-admin@example.test", "clientSecret": "demo-sympto-api-secret"},
            )
            return f"Bearer {response.json['Response']}"
        authorization = VALID.authorization(Credentials(), time.time())
        assert authorization is not None
        return authorization

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_sandbox_conforms_to_its_own_openapi_document(case: Any) -> None:
    path = case.operation.path
    excluded = [unsupported_method] if path.startswith(ANSWER_UNKNOWN_METHODS_WITH_404) else []
    if path in SHARED_WITH_A_TEMPLATED_ROUTE:
        excluded = [unsupported_method, allow_header_conformance]
    try:
        case.call_and_validate(excluded_checks=excluded)
    finally:
        APP.test_client().post("/__sandbox/reset")  # armed faults and clock moves must not leak between cases


ADMIN_TOKEN = "schemathesis-admin-token"
_GUARDED_DIRECTORY = tempfile.TemporaryDirectory(prefix="sandbox-schemathesis-token-")
GUARDED_APP = create_app(
    replace(
        config.load_file(None),
        database=f"sqlite:///{_GUARDED_DIRECTORY.name}/sandbox.db",
        admin_token=ADMIN_TOKEN,
    )
)
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
#: The control plane of a token-protected sandbox (the document itself needs the token too).
guarded_schema = (
    schemathesis.openapi.from_wsgi("/__sandbox/openapi.json", GUARDED_APP, headers=ADMIN)
    .include(path_regex="^/__sandbox/")
    .exclude(path="/__sandbox/intake24/surveys/{slug}", method="PUT")
)


@guarded_schema.auth(refresh_interval=None)
class AdminToken:
    """The admin token on every control-plane case, so positive cases get past the guard's 401."""

    def get(self, case: Any, context: Any) -> str:
        return ADMIN["Authorization"]

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


@guarded_schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_token_protected_control_plane_conforms_to_the_document(case: Any) -> None:
    try:
        case.call_and_validate()
    finally:
        GUARDED_APP.test_client().post("/__sandbox/reset", headers=ADMIN)
