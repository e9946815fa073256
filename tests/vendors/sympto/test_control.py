"""Sympto through the control plane: fault catalogue, tenant scoping, partner-facing faults, reset, clinics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask, jsonify, request
from flask.testing import FlaskClient

from contracts.sympto import messages
from sandbox.testing.live import LiveServer
from tests.vendors.sympto.support import ADMIN, API_SECRET, PARAM, create_provider, login, register_endpoint

DANA = "dana@example.test"
OTHER = {"admin_email": "admin-b@example.test", "api_secret": "clinic-b-api-secret"}

SYMPTO_FAULTS = [
    "sympto.duplicate_phone",
    "sympto.duplicate_user",
    "sympto.event_delayed",
    "sympto.event_duplicated",
    "sympto.event_redelivered",
    "sympto.event_reordered",
    "sympto.invalid_auth_code",
    "sympto.invalid_body",
    "sympto.invalid_credentials",
    "sympto.missing_bearer",
    "sympto.no_endpoint",
    "sympto.not_found",
    "sympto.rate_limited",
    "sympto.token_expired",
    "sympto.unknown_bearer",
    "sympto.unknown_email",
    "sympto.unknown_group",
    "sympto.webhook_delayed",
    "sympto.webhook_timeout",
]
PARTNER_FAULTS = {
    "sympto.webhook_delayed",
    "sympto.webhook_timeout",
    "sympto.event_delayed",
    "sympto.event_duplicated",
    "sympto.event_redelivered",
    "sympto.event_reordered",
}
ANSWER_FAULTS = [name for name in SYMPTO_FAULTS if name not in PARTNER_FAULTS]


def catalogue(client: FlaskClient) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in client.get("/__sandbox/faults/catalogue").json["faults"] if f["vendor"] == "sympto"}


def arm(client: FlaskClient, **body: Any) -> dict[str, Any]:
    response = client.post("/__sandbox/faults", json=body)
    assert response.status_code == 201, response.json
    armed: dict[str, Any] = response.json
    return armed


def add_clinic_b(client: FlaskClient) -> dict[str, str]:
    assert client.put("/__sandbox/sympto/clinics/clinic-b", json=OTHER).status_code == 200
    response = client.post(
        "/sympto/authorization", json={"clientId": OTHER["admin_email"], "clientSecret": OTHER["api_secret"]}
    )
    return {"Authorization": f"Bearer {response.json['Response']}"}


def request_for(client: FlaskClient, route: str | None, headers: dict[str, str]) -> Any:
    """A normally successful request on the route the catalogue entry is for."""
    if route == "/":
        return client.get("/sympto/")
    if route == "/authorization":
        return client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET})
    if route == "/authorization/login/token":
        return client.post("/sympto/authorization/login/token", json={"email": ADMIN}, headers=headers)
    if route == "/clinicAdmin/clinics/endpoint":
        return client.post(
            "/sympto/clinicAdmin/clinics/endpoint",
            headers=headers,
            json={
                "endpointURL": "http://127.0.0.1:9/",
                "clientId": "a",
                "clientSecret": "b",
                "endpointQueryParam": "X",
            },
        )
    assert route is None
    return client.get("/sympto/clinicAdmin/users", headers=headers)


def test_the_catalogue_lists_every_sympto_error(client: FlaskClient) -> None:
    listed = catalogue(client)
    assert sorted(listed) == SYMPTO_FAULTS
    assert listed["sympto.rate_limited"]["headers"] == {"Content-Type": "application/json", "Retry-After": "300"}
    assert listed["sympto.duplicate_user"]["status"] == 422
    page = listed["sympto.invalid_auth_code"]
    assert (page["status"], page["route"]) == (401, "/")
    assert messages.INVALID_AUTH_CODE_PAGE in page["body"]
    assert listed["sympto.webhook_timeout"]["route"] == "partner:webhook"
    assert listed["sympto.webhook_timeout"]["kind"] == "delay"


@pytest.mark.parametrize("name", ANSWER_FAULTS)
def test_each_catalogue_entry_is_answered_exactly_then_disarms(
    client: FlaskClient, headers: dict[str, str], name: str
) -> None:
    spec = catalogue(client)[name]
    arm(client, name=name, times=1)

    faulted = request_for(client, spec["route"], headers)
    assert faulted.status_code == spec["status"]
    for header, value in spec["headers"].items():
        assert faulted.headers[header] == value
    if spec["headers"]["Content-Type"].startswith("application/json"):
        assert faulted.json == spec["body"]
    else:
        assert faulted.get_data(as_text=True) == spec["body"]
    assert request_for(client, spec["route"], headers).status_code == 200  # used up

    entries = client.get("/__sandbox/journal?vendor=sympto&limit=2").json["entries"]
    assert entries[1]["rule"] == f"fault:{name}"
    assert entries[1]["verdict"] == "rejected"


def test_the_invalid_auth_code_fault_is_the_real_failure_page(client: FlaskClient) -> None:
    real = client.get("/sympto/?userAuthToken=never-issued")
    arm(client, name="sympto.invalid_auth_code", times=1)
    faulted = client.get("/sympto/")
    assert faulted.get_data() == real.get_data()
    assert faulted.headers["Content-Security-Policy"] == real.headers["Content-Security-Policy"]


def test_a_fault_for_one_clinic_never_touches_another(client: FlaskClient, headers: dict[str, str]) -> None:
    other = add_clinic_b(client)
    arm(client, name="sympto.token_expired", tenant="demo-clinic")
    for _ in range(3):
        assert client.get("/sympto/clinicAdmin/users", headers=other).status_code == 200
    assert client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 401
    assert client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 401  # until disarmed


def test_a_page_load_fault_scopes_by_the_endpoint_query_parameter(client: FlaskClient, headers: dict[str, str]) -> None:
    other = add_clinic_b(client)
    register_endpoint(client, headers, "http://127.0.0.1:9/webhook", param="DemoApp")
    register_endpoint(client, other, "http://127.0.0.1:9/webhook", param="ClinicB")
    arm(client, name="sympto.invalid_auth_code", tenant="clinic-b", route="/")
    demo = client.get("/sympto/?authCodeDemoApp=x").get_data(as_text=True)
    assert "connection_refused" in demo  # the real page load ran: nothing listens on port 9
    faulted = client.get("/sympto/?authCodeClinicB=x").get_data(as_text=True)
    assert "connection_refused" not in faulted
    assert "unknown_user_auth_token" in faulted  # the catalogued page, not a real page load


# --- faults toward the partner: the page load's call to the partner's webhook ----------------------


class Receiver:
    """A loopback partner whose webhook answers Dana's email and records every call."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.app = Flask("receiver")

        @self.app.post("/webhook")
        def webhook() -> Any:
            self.calls.append(json.loads(request.get_data(as_text=True)))
            return jsonify(email=DANA)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, LiveServer]]:
    partner = Receiver()
    with LiveServer(partner.app) as server:
        yield partner, server


@pytest.fixture
def fast_timeout_client(make_app: Callable[..., Flask]) -> FlaskClient:
    """A sandbox that gives the partner's webhook 0.3 s."""
    return make_app(webhook_timeout_seconds=0.3).test_client()


def page_verdict(page: str) -> dict[str, Any]:
    marker = '<script type="application/json" id="sandbox-verdict">'
    start = page.index(marker) + len(marker)
    return dict(json.loads(page[start : page.index("</script>", start)]))


def test_webhook_timeout_makes_the_page_load_time_out_then_disarms(
    fast_timeout_client: FlaskClient, receiver: tuple[Receiver, LiveServer]
) -> None:
    client, (partner, server) = fast_timeout_client, receiver
    headers = login(client)
    create_provider(client, headers, DANA)
    register_endpoint(client, headers, server.url + "/webhook")
    armed = arm(client, name="sympto.webhook_timeout", times=1)
    assert (armed["kind"], armed["route"], armed["delay_seconds"]) == ("delay", "partner:webhook", 30.0)

    page = client.get(f"/sympto/?authCode{PARAM}=code-1")

    assert page.status_code == 401
    found = page_verdict(page.get_data(as_text=True))
    assert (found["rule"], found["partner"]["transport_error"]) == ("timeout", "timeout")
    assert found["message"].startswith("Your webhook did not answer in time: the partner did not answer within 0.3 s")
    assert 300 <= found["partner"]["latency_ms"] < 5000
    assert any(w["rule"] == "sandbox_fault" for w in found["warnings"])
    assert partner.calls == [{"authenticationCode": "code-1"}]  # the partner was called; its answer came too late
    outbound = [
        e for e in client.get("/__sandbox/journal?vendor=sympto").json["entries"] if e["direction"] == "outbound"
    ]
    assert outbound[0]["rule"] == "timeout"

    again = client.get(f"/sympto/?authCode{PARAM}=code-2")
    assert again.status_code == 200  # used up: the next page load signs Dana in
    assert partner.calls[-1] == {"authenticationCode": "code-2"}


def test_webhook_delayed_slows_the_page_load_but_it_succeeds(
    client: FlaskClient, headers: dict[str, str], receiver: tuple[Receiver, LiveServer]
) -> None:
    partner, server = receiver
    create_provider(client, headers, DANA)
    register_endpoint(client, headers, server.url + "/webhook")
    arm(client, name="sympto.webhook_delayed", delay_seconds=0.2, times=1)

    check = client.post("/__sandbox/sympto/page-load", json={"endpointQueryParam": PARAM, "authenticationCode": "c"})

    result = check.json
    assert (result["ok"], result["user"]["email"]) == (True, DANA)
    assert result["partner"]["latency_ms"] >= 200
    assert result["warnings"][-1]["message"].startswith("armed fault sympto.webhook_delayed")
    assert partner.calls == [{"authenticationCode": "c"}]
    fast = client.post("/__sandbox/sympto/page-load", json={"endpointQueryParam": PARAM, "authenticationCode": "c"})
    assert fast.json["warnings"] == []


def test_partner_faults_scope_by_clinic_and_never_fire_on_inbound_requests(
    fast_timeout_client: FlaskClient, receiver: tuple[Receiver, LiveServer]
) -> None:
    client, (_partner, server) = fast_timeout_client, receiver
    headers = login(client)
    create_provider(client, headers, DANA)
    register_endpoint(client, headers, server.url + "/webhook")
    arm(client, name="sympto.webhook_timeout", tenant="clinic-b")
    arm(client, name="sympto.webhook_delayed", delay_seconds=0.01)

    assert client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 200
    assert client.get(f"/sympto/?authCode{PARAM}=code").status_code == 200  # demo-clinic: only the delay applies
    listed = {f["name"]: f for f in client.get("/__sandbox/faults").json["faults"]}
    assert listed["sympto.webhook_timeout"]["fired"] == 0
    assert listed["sympto.webhook_delayed"]["fired"] == 1


def test_a_routeless_custom_fault_never_reaches_the_partner_call(
    client: FlaskClient, headers: dict[str, str], receiver: tuple[Receiver, LiveServer]
) -> None:
    _partner, server = receiver
    create_provider(client, headers, DANA)
    register_endpoint(client, headers, server.url + "/webhook")
    arm(client, vendor="sympto", status=503, body={"Status": "ERROR"})
    check = client.post("/__sandbox/sympto/page-load", json={"endpointQueryParam": PARAM, "authenticationCode": "c"})
    assert check.json["ok"] is True  # the control plane's page-load check is not a Sympto request
    assert client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 503


def test_a_custom_partner_answer(
    client: FlaskClient, headers: dict[str, str], receiver: tuple[Receiver, LiveServer]
) -> None:
    partner, server = receiver
    create_provider(client, headers, DANA)
    register_endpoint(client, headers, server.url + "/webhook")
    arm(client, vendor="sympto", route="partner:webhook", status=500, body={"oops": True}, times=1)
    page = client.get(f"/sympto/?authCode{PARAM}={quote('c')}")
    found = page_verdict(page.get_data(as_text=True))
    assert (page.status_code, found["rule"], found["partner"]["status"]) == (401, "not_200", 500)
    assert len(partner.calls) == 1


# --- reset ---------------------------------------------------------------------------------------------


def populate(client: FlaskClient, headers: dict[str, str], param: str) -> None:
    """Users, a group, a webhook, a session and a user-auth token in the clinic of ``headers``."""
    user_id = create_provider(client, headers, f"user-{headers['Authorization'][-6:]}@example.test")
    group = client.post("/sympto/providers/groups", json={"groupName": "Nurses"}, headers=headers).json["Response"]
    client.put("/sympto/clinicAdmin/groups/manage", json={"userId": user_id, "groupId": group}, headers=headers)
    register_endpoint(client, headers, "http://127.0.0.1:9/webhook", param=param)
    email = client.get("/sympto/clinicAdmin/users", headers=headers).json["Response"][0]["email"]
    token = client.post("/sympto/authorization/login/token", json={"email": email}, headers=headers).json
    assert client.get(f"/sympto/?userAuthToken={token['Response']['userAuthToken']}").status_code == 200


def test_reset_everything_returns_sympto_to_the_configured_clinics(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    other = add_clinic_b(client)
    populate(client, headers, "DemoApp")
    populate(client, other, "ClinicB")
    client.put("/__sandbox/sympto/clinics/demo-clinic", json={"admin_email": ADMIN, "api_secret": "changed-secret"})

    assert client.post("/__sandbox/reset").status_code == 200

    clinics = client.get("/__sandbox/sympto/clinics").json["clinics"]
    assert [(c["clinic_id"], c["endpoint"]) for c in clinics] == [("demo-clinic", None)]
    users = client.get("/__sandbox/sympto/users").json["users"]
    assert [(u["clinic_id"], u["email"], u["role"]) for u in users] == [("demo-clinic", ADMIN, "clinicAdmin")]
    assert client.get("/__sandbox/sympto/sessions").json == {"sessions": []}
    assert client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 401  # tokens forgotten
    assert login(client)  # the configured secret is back


def test_reset_one_clinic_keeps_the_others(client: FlaskClient, headers: dict[str, str]) -> None:
    other = add_clinic_b(client)
    populate(client, headers, "DemoApp")
    populate(client, other, "ClinicB")
    arm(client, name="sympto.token_expired", tenant="clinic-b")
    arm(client, name="sympto.token_expired", tenant="demo-clinic", route="/nowhere")

    assert client.post("/__sandbox/reset?vendor=sympto&tenant=clinic-b").status_code == 200

    b = client.get("/__sandbox/sympto/clinics/clinic-b").json
    assert (b["admin_email"], b["endpoint"]) == (OTHER["admin_email"], None)  # kept, its webhook forgotten
    users = client.get("/__sandbox/sympto/users").json["users"]
    assert sorted((u["clinic_id"], u["role"]) for u in users) == [
        ("clinic-b", "clinicAdmin"),
        ("demo-clinic", "clinicAdmin"),
        ("demo-clinic", "provider"),
    ]
    assert {s["clinic_id"] for s in client.get("/__sandbox/sympto/sessions").json["sessions"]} == {"demo-clinic"}
    assert client.get("/sympto/clinicAdmin/users", headers=other).status_code == 401  # its tokens are gone
    assert client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 200
    assert [f["tenant"] for f in client.get("/__sandbox/faults").json["faults"]] == ["demo-clinic"]
    assert client.get("/sympto/clinicAdmin/clinics/endpoint", headers=headers).status_code == 200


# --- clinics, users and sessions through the control plane ------------------------------------------


def test_clinic_crud_never_shows_a_secret(client: FlaskClient) -> None:
    put = client.put(
        "/__sandbox/sympto/clinics/acme",
        json={
            "admin_email": "boss@acme.test",
            "api_secret": "acme-top-secret",
            "name": "Acme",
            "admin_phone": "+15550001111",
        },
    )
    assert put.status_code == 200
    assert put.json == {
        "clinic_id": "acme",
        "name": "Acme",
        "admin_email": "boss@acme.test",
        "admin_phone": "+15550001111",
        "api_secret": "[redacted]",
        "endpoint": None,
        "patient_webhook": None,
        "source": "control",
    }
    token = client.post("/sympto/authorization", json={"clientId": "+15550001111", "clientSecret": "acme-top-secret"})
    acme = {"Authorization": f"Bearer {token.json['Response']}"}
    register_endpoint(client, acme, "http://127.0.0.1:9/hook", param="Acme")
    client.post(
        "/sympto/clinicAdmin/webhook", json={"webhookData": {"url": "http://x.test/", "secret": "pw-1"}}, headers=acme
    )
    shown = client.get("/__sandbox/sympto/clinics").get_data(as_text=True)
    for secret in ("acme-top-secret", "partner-client-secret", "pw-1"):
        assert secret not in shown
    assert client.get("/__sandbox/sympto/clinics/acme").json["endpoint"]["clientSecret"] == "[redacted]"

    moved = client.put("/__sandbox/sympto/clinics/acme", json={"admin_email": "new@acme.test", "api_secret": "s2"})
    assert moved.json["admin_email"] == "new@acme.test"
    assert [u["email"] for u in client.get("/__sandbox/sympto/users?clinic_id=acme").json["users"]] == ["new@acme.test"]

    assert client.delete("/__sandbox/sympto/clinics/acme").status_code == 200
    assert client.get("/__sandbox/sympto/clinics/acme").status_code == 404
    assert client.get("/__sandbox/sympto/users?clinic_id=acme").json == {"users": []}
    assert client.get("/sympto/clinicAdmin/users", headers=acme).status_code == 401


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/clinics/x", {}, 400, "admin_email: `admin_email` is required; api_secret: `api_secret` is required"),
        ("/clinics/x", {"admin_email": "a@b.test", "api_secret": "s", "colour": 1}, 400, "colour: Unknown field."),
        (
            "/clinics/x",
            {"admin_email": "a@b.test", "api_secret": "s", "admin_phone": "555"},
            400,
            'admin_phone: `admin_phone` must be an E.164 phone number such as +16505550123, got "555"',
        ),
        (
            "/clinics/x",
            {"admin_email": ADMIN, "api_secret": "s"},
            409,
            "cannot use this admin: clinic 'demo-clinic' already has this admin email or phone",
        ),
        (
            "/clinics/%20",
            {"admin_email": "a@b.test", "api_secret": "s"},
            400,
            "clinic_id must be 1 to 64 characters, not blank, without NUL",
        ),
    ],
)
def test_bad_clinic_requests_say_what_to_fix(
    client: FlaskClient, path: str, body: dict[str, Any], status: int, message: str
) -> None:
    response = client.put("/__sandbox/sympto" + path, json=body)
    assert (response.status_code, response.json) == (status, {"error": message})


def test_an_admin_email_used_by_a_user_of_another_clinic_is_refused(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    create_provider(client, headers, DANA)
    response = client.put("/__sandbox/sympto/clinics/other", json={"admin_email": DANA, "api_secret": "s"})
    assert (response.status_code, response.json["error"]) == (
        409,
        "cannot use this admin: a user of clinic 'demo-clinic' already has this email or phone",
    )


def test_sessions_are_listed_without_their_ids(client: FlaskClient, headers: dict[str, str]) -> None:
    token = client.post("/sympto/authorization/login/token", json={"email": ADMIN}, headers=headers).json
    client.get(f"/sympto/?userAuthToken={token['Response']['userAuthToken']}")
    listed = client.get("/__sandbox/sympto/sessions?clinic_id=demo-clinic").json["sessions"]
    assert [(s["email"], s["via"], s["active"]) for s in listed] == [(ADMIN, "userAuthToken", True)]
    cookie = client.get_cookie("sympto_session", path="/sympto")
    assert cookie is not None
    assert cookie.value not in json.dumps(listed)
    assert client.get("/__sandbox/sympto/sessions?bogus=1").json == {"error": "bogus: Unknown field."}


def test_a_page_load_fault_scopes_by_the_clinic_of_the_user_auth_token(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    other = add_clinic_b(client)

    def token(for_headers: dict[str, str], email: str) -> str:
        answer = client.post("/sympto/authorization/login/token", json={"email": email}, headers=for_headers)
        return str(answer.json["Response"]["userAuthToken"])

    arm(client, name="sympto.invalid_auth_code", tenant="demo-clinic")
    assert client.get(f"/sympto/?userAuthToken={token(other, OTHER['admin_email'])}").status_code == 200
    faulted = client.get(f"/sympto/?userAuthToken={token(headers, ADMIN)}")
    assert faulted.status_code == 401
    assert client.get("/__sandbox/journal?limit=1").json["entries"][0]["rule"] == "fault:sympto.invalid_auth_code"
