"""Self-check: Schemathesis drives the sandbox from its own OpenAPI document, positive and negative
cases, and fails on any server error or any answer the document does not describe."""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import unsupported_method

from contracts.cirrusmd.tokens import VALID, Credentials
from sandbox import config
from sandbox.app import create_app

_DIRECTORY = tempfile.TemporaryDirectory(prefix="sandbox-schemathesis-")
APP = create_app(replace(config.load_file(None), database=f"sqlite:///{_DIRECTORY.name}/sandbox.db"))
#: The one operation left out: a survey's settings include rules JSON Schema cannot state exactly
#: (WHATWG URL parsing, unique token characters), so generated "valid" settings can be refused.
#: Its own tests are tests/intake24/test_intake24_survey_settings.py.
schema = schemathesis.openapi.from_wsgi("/__sandbox/openapi.json", APP).exclude(
    path="/__sandbox/intake24/surveys/{slug}", method="PUT"
)
#: Vendors whose real service answers a method a path does not have with 404, not 405: Intake24's
#: Express app ("Invalid route", documented as its 404) and its survey app (a 404 page).
ANSWER_UNKNOWN_METHODS_WITH_404 = ("/intake24/",)


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
    excluded = [unsupported_method] if case.operation.path.startswith(ANSWER_UNKNOWN_METHODS_WITH_404) else []
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
