"""Sympto's drift knowledge (``DRIFT``, found by ``vendor-sandbox drift`` through the registry): its corpus,
its normalisation rules, its credentials and how the emulator is given the same clinic admin.

The cases: the admin login (its bearer is each side's own), valid patients, a duplicate, every
named patient and webhook-registration mutation, bearer failures and the current-flow login token.

Only requests that change nothing upstream or create the run's own patients (``drift-<run id>-<n>@
example.test``, a domain that never receives mail) are sent: valid webhook registrations would
replace the clinic's real one, so only invalid ones (refused before anything is stored) are tried.
One wrong-secret login only: Sympto counts failed logins per address.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from contracts.sympto import strategies as sympto
from sandbox.drift import draw
from sandbox.drift.model import Case, RawAnswer, Request, Session
from sandbox.drift.normalise import VendorRules
from sandbox.drift.tenant import Plan, Tenant
from sandbox.drift.vendors import Credential, DriftVendor
from sandbox.vendors.sympto import PREFIXES

BEARER = "bearer"
PATIENT_MUTATIONS = ("unknown_time_zone", "phone_not_e164", "no_email_or_phone", "notification_type_missing")
ENDPOINT_MUTATIONS = ("param_not_latin", "url_not_http", "client_id_missing", "secret_not_string")
_JSON = {"Content-Type": "application/json"}


def _capture_bearer(answer: RawAnswer) -> dict[str, str]:
    try:
        token = json.loads(answer.body).get("Response")
    except (ValueError, AttributeError):
        return {}
    return {BEARER: token} if isinstance(token, str) and token else {}


def _plain(method: str, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return lambda _now, _session: Request(method, path, {**_JSON, **(headers or {})}, json=body)


def _authed(method: str, path: str, body: Any) -> Callable[[int, Session], Request]:
    def build(_now: int, session: Session) -> Request:
        headers = {**_JSON, "Authorization": f"Bearer {session.get(BEARER, '')}"}
        return Request(method, path, headers, json=body)

    return build


def _email(plan: Plan, n: int | str) -> str:
    return f"{plan.identity(n)}@example.test"


def cases(tenant: Tenant, plan: Plan) -> list[Case]:
    login = {"clientId": tenant.identity, "clientSecret": tenant.secret}
    found = [
        Case(
            "sympto:login:valid",
            "sympto",
            "",
            "the clinic admin's API credentials",
            _plain("POST", "/authorization", login),
            200,
            capture=_capture_bearer,
        ),
        Case(
            "sympto:login:wrong_secret",
            "sympto",
            "invalid_credentials",
            "the admin with a wrong API secret",
            _plain("POST", "/authorization", {**login, "clientSecret": plan.identity("not-the-secret")}),
            401,
        ),
        Case(
            "sympto:login:missing_secret",
            "sympto",
            "invalid_body",
            "no `clientSecret`",
            _plain("POST", "/authorization", {"clientId": tenant.identity}),
            400,
        ),
    ]
    patients = draw.examples(sympto.patients(), plan.examples + 1, plan.seed)
    for n, patient in enumerate(patients, start=0):
        mine = {**patient, "email": _email(plan, n)}
        name = "new_patient" if n == 0 else str(n)
        found.append(
            Case(
                f"sympto:patient:{name}",
                "sympto",
                "",
                "a valid patient",
                _authed("POST", "/providers/patients", mine),
                200,
                (f"patient {_email(plan, n)}",),
            )
        )
    first = {**patients[0], "email": _email(plan, 0)}
    found.append(
        Case(
            "sympto:patient:duplicate_email",
            "sympto",
            "duplicate_email",
            "the first patient again",
            _authed("POST", "/providers/patients", first),
            422,
        )
    )
    for k, mutation in enumerate(
        draw.covering(sympto.invalid_patients(), lambda m: m.name, PATIENT_MUTATIONS, plan.seed)
    ):
        body = dict(mutation.body)
        if "email" in body:
            body["email"] = _email(plan, f"m{k}")
        found.append(
            Case(
                f"sympto:patient:{mutation.name}",
                "sympto",
                "invalid_body",
                f"a patient: {mutation.name}",
                _authed("POST", "/providers/patients", body),
                mutation.status,
                (f"patient {_email(plan, f'm{k}')}",),
            )
        )
    for mutation in draw.covering(sympto.invalid_endpoint_configs(), lambda m: m.name, ENDPOINT_MUTATIONS, plan.seed):
        found.append(
            Case(
                f"sympto:endpoint:{mutation.name}",
                "sympto",
                "invalid_body",
                f"a webhook registration: {mutation.name}",
                _authed("POST", "/clinicAdmin/clinics/endpoint", mutation.body),
                mutation.status,
            )
        )
    found += [
        Case(
            "sympto:bearer:missing",
            "sympto",
            "missing_bearer",
            "no Authorization header",
            _plain("POST", "/providers/patients", first),
            401,
        ),
        Case(
            "sympto:bearer:unknown",
            "sympto",
            "unknown_bearer",
            "a bearer token Sympto never issued",
            _plain("POST", "/providers/patients", first, {"Authorization": f"Bearer {plan.identity('no-token')}"}),
            401,
        ),
        Case(
            "sympto:login_token:valid",
            "sympto",
            "",
            "a userAuthToken for the first patient",
            _authed("POST", "/authorization/login/token", {"email": _email(plan, 0)}),
            200,
        ),
        Case(
            "sympto:login_token:unknown_email",
            "sympto",
            "unknown_email",
            "a userAuthToken for nobody",
            _authed("POST", "/authorization/login/token", {"email": _email(plan, "nobody")}),
            404,
        ),
    ]
    return found


def configure(section: Mapping[str, Any], tenant: Tenant) -> dict[str, Any]:
    """The ``[sympto]`` section with one clinic whose admin is the drift tenant."""
    clinic = {"clinic_id": "drift-clinic", "name": "Drift", "admin_email": tenant.identity, "api_secret": tenant.secret}
    return {**section, "clinics": [clinic]}


def file_auth(
    _tenant: Tenant, session: Session, _now: int, request: Request, _payload: Mapping[str, Any] | None, valid: bool
) -> Request:
    """``auth: "valid"``: the bearer of this run's login (each side's own)."""
    if not valid:
        return request
    return replace(request, headers={**request.headers, "Authorization": f"Bearer {session.get(BEARER, '')}"})


DRIFT = DriftVendor(
    name="sympto",
    prefix=PREFIXES[0],
    identity_name="clinic admin",
    identity=Credential("admin", "--admin", "Sympto: the clinic admin's email (API clientId)."),
    secret=Credential("api_secret", "--api-secret", "Sympto: the clinic admin's API secret.", secret=True),
    rules=VendorRules("sympto", id_keys=frozenset({"userId", "groupId", "id", "_id"})),
    cases=cases,
    configure=configure,
    file_auth=file_auth,
    dry_run_session={BEARER: "<the bearer of the login case>"},
)
