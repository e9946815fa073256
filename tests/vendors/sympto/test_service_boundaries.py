"""Sympto's numbered rules at their edges, through HTTP, on the frozen clock (issue #20).

Each lifetime and the login rate limit is sent at its limit, one second inside and one second outside, with the
numbers read from the running service's settings (whose defaults are ``contracts.sympto.messages``), so a changed
rule fails a test and a changed configuration moves the edge. The defaults themselves are held in
``test_service_defaults.py``.
"""

from __future__ import annotations

from typing import Any

import jwt
from flask import Flask
from flask.testing import FlaskClient

from contracts.fields import URL_MAX_LENGTH
from contracts.sympto import messages
from contracts.sympto.codes import CODE_LIFETIME_SECONDS
from contracts.sympto.control import SymptoClinicUpdateSchema
from contracts.sympto.partner import sympto_authentication_code
from contracts.sympto.schemas import (
    ADMIN_ID_MAX_LENGTH,
    CLINIC_ID_MAX_LENGTH,
    E164_PATTERN,
    MAX_GROUP_IDS,
    PAGE_URL_MAX_LENGTH,
    SECRET_MAX_LENGTH,
    TOKEN_MAX_LENGTH,
)
from sandbox.core.clock import Clock
from sandbox.vendors.sympto.wire import SERVICE_KEY
from tests.vendors.sympto.support import ADMIN, API_SECRET, PARAM, create_provider

DANA = "dana@example.test"
SIGNED_IN = f"Signed in as <strong>{DANA}</strong>"


def test_a_bearer_token_lives_exactly_its_lifetime(
    client: FlaskClient, app: Flask, clock: Clock, headers: dict[str, str]
) -> None:
    lifetime = app.extensions[SERVICE_KEY].settings.bearer_lifetime_seconds
    clock.advance(lifetime - 1)
    assert client.get("/sympto/clinicAdmin/users", headers=headers).status_code == 200
    clock.advance(1)
    expired = client.get("/sympto/clinicAdmin/users", headers=headers)
    assert (expired.status_code, expired.json["Message"]) == (401, messages.EXPIRED_BEARER.format(ago=0))


def issue(client: FlaskClient, headers: dict[str, str]) -> str:
    response = client.post("/sympto/authorization/login/token", json={"email": DANA}, headers=headers)
    assert response.status_code == 200, response.json
    return str(response.json["Response"]["userAuthToken"])


def test_a_user_auth_token_lives_exactly_its_lifetime(
    client: FlaskClient, app: Flask, clock: Clock, headers: dict[str, str]
) -> None:
    lifetime = app.extensions[SERVICE_KEY].settings.user_auth_token_lifetime_seconds
    create_provider(client, headers, DANA)
    first, second = issue(client, headers), issue(client, headers)
    clock.advance(lifetime - 1)
    assert client.get(f"/sympto/?userAuthToken={first}").status_code == 200
    clock.advance(1)
    assert client.get(f"/sympto/?userAuthToken={second}").status_code == 401


def test_a_front_end_session_lives_exactly_its_lifetime(
    client: FlaskClient, app: Flask, clock: Clock, headers: dict[str, str]
) -> None:
    lifetime = app.extensions[SERVICE_KEY].settings.session_lifetime_seconds
    create_provider(client, headers, DANA)
    assert SIGNED_IN in client.get(f"/sympto/?userAuthToken={issue(client, headers)}").get_data(as_text=True)
    clock.advance(lifetime - 1)
    assert SIGNED_IN in client.get("/sympto/").get_data(as_text=True)
    clock.advance(1)
    assert SIGNED_IN not in client.get("/sympto/").get_data(as_text=True)


def test_the_login_limit_allows_exactly_its_failures_per_window(client: FlaskClient, app: Flask, clock: Clock) -> None:
    service_settings = app.extensions[SERVICE_KEY].settings
    allowed, window = service_settings.rate_limit_failures, int(service_settings.rate_limit_window_seconds)
    bad = {"clientId": ADMIN, "clientSecret": "wrong"}
    good = {"clientId": ADMIN, "clientSecret": API_SECRET}

    assert [client.post("/sympto/authorization", json=bad).status_code for _ in range(allowed)] == [401] * allowed
    limited = client.post("/sympto/authorization", json=good)
    assert (limited.status_code, limited.json["Code"]) == (429, "rate_limited")
    clock.advance(window - 1)
    assert client.post("/sympto/authorization", json=good).status_code == 429
    clock.advance(1)
    assert client.post("/sympto/authorization", json=good).status_code == 200


def test_one_failure_fewer_than_the_limit_is_not_limited(client: FlaskClient, app: Flask) -> None:
    allowed = app.extensions[SERVICE_KEY].settings.rate_limit_failures
    bad = {"clientId": ADMIN, "clientSecret": "wrong"}
    for _ in range(allowed - 1):
        client.post("/sympto/authorization", json=bad)
    assert client.post("/sympto/authorization", json={"clientId": ADMIN, "clientSecret": API_SECRET}).status_code == 200


# --- sizes: ids, secrets, lists and the page URL (the sandbox's own limits, ``contracts.sympto.schemas``) ----------


def test_the_size_limits_are_the_documented_numbers() -> None:
    """Sympto publishes none of these; the sandbox's own, as its documents state them (a change must be deliberate:
    the edge tests below read the constants and would move with them)."""
    assert (CLINIC_ID_MAX_LENGTH, ADMIN_ID_MAX_LENGTH, SECRET_MAX_LENGTH) == (64, 320, 500)
    assert (TOKEN_MAX_LENGTH, MAX_GROUP_IDS, PAGE_URL_MAX_LENGTH) == (128, 500, 8192)
    assert SymptoClinicUpdateSchema().fields["name"].max_length == 200  # type: ignore[attr-defined]


def put_clinic(client: FlaskClient, clinic_id: str, **changes: str) -> int:
    body = {"admin_email": f"admin-{len(clinic_id)}@example.test", "api_secret": "clinic-secret", **changes}
    return client.put(f"/__sandbox/sympto/clinics/{clinic_id}", json=body).status_code


def test_a_clinic_id_length(client: FlaskClient) -> None:
    assert put_clinic(client, "c" * (CLINIC_ID_MAX_LENGTH - 1)) in (200, 201)
    assert put_clinic(client, "d" * CLINIC_ID_MAX_LENGTH) in (200, 201)
    too_long = client.put(
        f"/__sandbox/sympto/clinics/{'e' * (CLINIC_ID_MAX_LENGTH + 1)}",
        json={"admin_email": "x@example.test", "api_secret": "s"},
    )
    assert too_long.status_code == 400
    assert f"clinic_id must be 1 to {CLINIC_ID_MAX_LENGTH} characters" in too_long.json["error"]
    assert (
        client.get("/__sandbox/sympto/users", query_string={"clinic_id": "d" * CLINIC_ID_MAX_LENGTH}).status_code == 200
    )
    by_long_id = {"clinic_id": "d" * (CLINIC_ID_MAX_LENGTH + 1)}
    assert client.get("/__sandbox/sympto/users", query_string=by_long_id).status_code == 400


def _email(length: int) -> str:
    return "a" * (length - len("@example.test")) + "@example.test"


def test_a_clinic_admin_id_length(client: FlaskClient) -> None:
    """The admin's email as the control plane stores it and as ``POST /authorization`` reads it as ``clientId``."""
    assert put_clinic(client, "ids", admin_email=_email(ADMIN_ID_MAX_LENGTH - 1)) in (200, 201)
    assert put_clinic(client, "ids", admin_email=_email(ADMIN_ID_MAX_LENGTH)) in (200, 201)
    assert put_clinic(client, "ids", admin_email=_email(ADMIN_ID_MAX_LENGTH + 1)) == 400
    signed_in = {"clientId": _email(ADMIN_ID_MAX_LENGTH), "clientSecret": "clinic-secret"}
    assert client.post("/sympto/authorization", json=signed_in).status_code == 200
    beyond = {"clientId": _email(ADMIN_ID_MAX_LENGTH + 1), "clientSecret": "clinic-secret"}
    assert client.post("/sympto/authorization", json=beyond).status_code == 400


def test_a_clinic_api_secret_length(client: FlaskClient) -> None:
    assert put_clinic(client, "secrets", admin_email="s@example.test", api_secret="s" * (SECRET_MAX_LENGTH - 1)) in (
        200,
        201,
    )
    secret = "s" * SECRET_MAX_LENGTH
    assert put_clinic(client, "secrets", admin_email="s@example.test", api_secret=secret) in (200, 201)
    assert (
        client.post("/sympto/authorization", json={"clientId": "s@example.test", "clientSecret": secret}).status_code
        == 200
    )
    longer = {"clientId": "s@example.test", "clientSecret": secret + "s"}
    assert client.post("/sympto/authorization", json=longer).status_code == 400
    assert put_clinic(client, "secrets", admin_email="s@example.test", api_secret=secret + "s") == 400


def test_a_clinic_name_length(client: FlaskClient) -> None:
    maximum = SymptoClinicUpdateSchema().fields["name"].max_length  # type: ignore[attr-defined]
    assert put_clinic(client, "named", name="n" * (maximum - 1)) in (200, 201)
    assert put_clinic(client, "named", name="n" * maximum) in (200, 201)
    assert put_clinic(client, "named", name="n" * (maximum + 1)) == 400


def test_a_partner_endpoint_secret_length(client: FlaskClient, headers: dict[str, str]) -> None:
    def register(secret: str) -> int:
        body = {
            "endpointURL": "https://partner.example/hook",
            "clientId": "partner",
            "clientSecret": secret,
            "endpointQueryParam": "Partner",
        }
        return client.post("/sympto/clinicAdmin/clinics/endpoint", json=body, headers=headers).status_code

    assert register("s" * (SECRET_MAX_LENGTH - 1)) == 200
    assert register("s" * SECRET_MAX_LENGTH) == 200
    assert register("s" * (SECRET_MAX_LENGTH + 1)) == 400


def test_group_ids_per_request(client: FlaskClient, headers: dict[str, str]) -> None:
    user = create_provider(client, headers, DANA)
    group = client.post("/sympto/providers/groups", json={"groupName": "edge"}, headers=headers).json["Response"]

    def manage(count: int) -> Any:
        body = {"groupIds": [group] * count, "userId": user}
        return client.post("/sympto/clinicAdmin/groups/manage", json=body, headers=headers)

    assert manage(MAX_GROUP_IDS - 1).status_code == 200
    assert manage(MAX_GROUP_IDS).status_code == 200
    beyond = manage(MAX_GROUP_IDS + 1)
    assert beyond.status_code == 400
    assert f"`groupIds` may hold at most {MAX_GROUP_IDS} ids" in beyond.json["Message"]


def test_the_page_load_check_url_length(client: FlaskClient) -> None:
    def check(**body: str) -> int:
        return client.post("/__sandbox/sympto/page-load", json=body).status_code

    def url(length: int) -> str:
        start = f"https://partner.example/?authCode{PARAM}="
        return start + "c" * (length - len(start))

    assert check(url=url(PAGE_URL_MAX_LENGTH - 1)) == 200
    assert check(url=url(PAGE_URL_MAX_LENGTH)) == 200
    assert check(url=url(PAGE_URL_MAX_LENGTH + 1)) == 400
    assert check(endpointQueryParam=PARAM, authenticationCode="c" * PAGE_URL_MAX_LENGTH) == 200
    assert check(endpointQueryParam=PARAM, authenticationCode="c" * (PAGE_URL_MAX_LENGTH + 1)) == 400


def test_a_token_longer_than_the_column_is_unknown_not_an_error(client: FlaskClient, headers: dict[str, str]) -> None:
    """Issued tokens fit ``TOKEN_MAX_LENGTH``; a longer bearer or ``userAuthToken`` is looked up by its first
    ``TOKEN_MAX_LENGTH`` characters (the column's width), so it is unknown: 401, never a database error."""
    issued = headers["Authorization"][len("Bearer ") :]
    assert len(issued) <= TOKEN_MAX_LENGTH
    padded = issued + "0" * (TOKEN_MAX_LENGTH + 1 - len(issued))
    assert client.get("/sympto/clinicAdmin/users", headers={"Authorization": f"Bearer {padded}"}).status_code == 401
    assert client.get(f"/sympto/?userAuthToken={padded}").status_code == 401


# --- the numbers inside Sympto's patterns: E.164's 15 digits, a DNS label's 63, a port's 65535, a URL's 2048 -------


def test_a_phone_number_has_2_to_15_digits(client: FlaskClient, headers: dict[str, str]) -> None:
    """E.164: ``+``, a non-zero digit, then 1 to 14 digits (``E164_PATTERN``)."""
    assert E164_PATTERN == r"^\+[1-9][0-9]{1,14}$"

    def patient(index: int, phone: str) -> int:
        body = {
            "firstName": "Pat",
            "lastName": "Ient",
            "timeZone": "America/Los_Angeles",
            "email": f"pat{index}@example.test",
            "phoneNumber": phone,
            "notificationType": ["email"],
        }
        return client.post("/sympto/providers/patients", json=body, headers=headers).status_code

    assert [patient(1, "+1"), patient(2, "+12"), patient(3, "+13")] == [400, 200, 200]
    assert [patient(4, "+1" + "4" * 13), patient(5, "+1" + "5" * 14), patient(6, "+1" + "6" * 15)] == [200, 200, 400]


def test_an_endpoint_url_host_label_port_and_length(client: FlaskClient, headers: dict[str, str]) -> None:
    def register(url: str) -> int:
        body = {"endpointURL": url, "clientId": "partner", "clientSecret": "s", "endpointQueryParam": "Partner"}
        return client.post("/sympto/clinicAdmin/clinics/endpoint", json=body, headers=headers).status_code

    def long_url(length: int) -> str:
        return "https://partner.example/" + "p" * (length - len("https://partner.example/"))

    assert URL_MAX_LENGTH == 2048
    labels = [f"https://{'a' * length}.example/hook" for length in (62, 63, 64)]
    assert [register(url) for url in labels] == [200, 200, 400]
    ports = [f"https://partner.example:{port}/hook" for port in (65534, 65535, 65536)]
    assert [register(url) for url in ports] == [200, 200, 400]
    lengths = [long_url(length) for length in (URL_MAX_LENGTH - 1, URL_MAX_LENGTH, URL_MAX_LENGTH + 1)]
    assert [register(url) for url in lengths] == [200, 200, 400]


def test_a_partner_code_lives_10_minutes_as_sympto_s_sample_mints_it() -> None:
    """The code the partner kit and the verifier mint (``CODE_LIFETIME_SECONDS``): ``exp`` 600 s after it is minted."""
    assert CODE_LIFETIME_SECONDS == 600
    now = 1_795_262_400
    code = sympto_authentication_code(DANA, "partner-jwt-secret-of-at-least-32-bytes!", now=now)
    assert jwt.decode(code, options={"verify_signature": False})["exp"] == now + CODE_LIFETIME_SECONDS
