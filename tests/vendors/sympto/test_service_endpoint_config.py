"""Webhook configuration: POST/GET /clinicAdmin/clinics/endpoint and POST /clinicAdmin/webhook."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given

from contracts.sympto import messages, strategies
from contracts.sympto.strategies import Mutation
from tests.vendors.sympto.support import login

VALID = {
    "endpointURL": "https://partner.example.test/webhook",
    "clientId": "SampleAppClientId",
    "clientSecret": "SampleAppClientSecret",
    "endpointQueryParam": "FoxApp",
}


def test_configure_then_read_back_without_the_secret(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post("/sympto/clinicAdmin/clinics/endpoint", json=VALID, headers=headers)
    assert response.status_code == 200
    read = client.get("/sympto/clinicAdmin/clinics/endpoint", headers=headers)
    assert read.json == {"Status": "OK", "Response": {**VALID, "clientSecret": "[redacted]"}}
    assert "SampleAppClientSecret" not in read.get_data(as_text=True)


def test_reading_before_configuring_is_404(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/sympto/clinicAdmin/clinics/endpoint", headers=headers)
    assert (response.status_code, response.json["Message"]) == (404, messages.NO_ENDPOINT_CONFIGURED)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"endpointQueryParam": "Fox1"}, messages.ENDPOINT_QUERY_PARAM_LETTERS.format(input='"Fox1"')),
        ({"endpointQueryParam": "Fox_App"}, messages.ENDPOINT_QUERY_PARAM_LETTERS.format(input='"Fox_App"')),
        ({"endpointQueryParam": "Föx"}, messages.ENDPOINT_QUERY_PARAM_LETTERS.format(input='"Föx"')),
        ({"endpointQueryParam": ""}, "`endpointQueryParam` must not be blank"),
        (
            {"endpointURL": "partner.example.test/webhook"},
            messages.URL_NOT_HTTP.format(name="endpointURL", input='"partner.example.test/webhook"'),
        ),
        (
            {"clientId": "a:b"},
            "`clientId` must not contain a colon: Sympto sends it as HTTP Basic credentials, which "
            "split on the first colon",
        ),
        ({"clientSecret": None}, "`clientSecret` must not be null"),
    ],
)
def test_invalid_configurations_are_400(
    client: FlaskClient, headers: dict[str, str], change: dict[str, Any], message: str
) -> None:
    response = client.post("/sympto/clinicAdmin/clinics/endpoint", json={**VALID, **change}, headers=headers)
    assert response.status_code == 400
    assert response.json["Message"] == messages.INVALID_BODY.format(problems=message)


@given(mutation=strategies.invalid_endpoint_configs())
def test_named_mutations_get_their_documented_answer(
    client: FlaskClient, headers: dict[str, str], mutation: Mutation
) -> None:
    response = client.post("/sympto/clinicAdmin/clinics/endpoint", json=mutation.body, headers=headers)
    assert (response.status_code, response.json["Message"]) == (mutation.status, mutation.message)


@given(config=strategies.endpoint_configs())
def test_any_valid_configuration_is_stored(
    client: FlaskClient, headers: dict[str, str], config: dict[str, Any]
) -> None:
    assert client.post("/sympto/clinicAdmin/clinics/endpoint", json=config, headers=headers).status_code == 200
    stored = client.get("/sympto/clinicAdmin/clinics/endpoint", headers=headers).json["Response"]
    assert stored == {**config, "clientSecret": "[redacted]"}


def test_query_param_belongs_to_one_clinic(make_app: Any) -> None:
    app = make_app(
        clinics=[
            {"clinic_id": "a", "admin_email": "a@example.test", "api_secret": "secret-a"},
            {"clinic_id": "b", "admin_email": "b@example.test", "api_secret": "secret-b"},
        ]
    )
    client = app.test_client()
    first = {
        "Authorization": "Bearer "
        + client.post("/sympto/authorization", json={"clientId": "a@example.test", "clientSecret": "secret-a"}).json[
            "Response"
        ]
    }
    second = {
        "Authorization": "Bearer "
        + client.post("/sympto/authorization", json={"clientId": "b@example.test", "clientSecret": "secret-b"}).json[
            "Response"
        ]
    }
    assert client.post("/sympto/clinicAdmin/clinics/endpoint", json=VALID, headers=first).status_code == 200
    taken = client.post("/sympto/clinicAdmin/clinics/endpoint", json=VALID, headers=second)
    assert (taken.status_code, taken.json["Code"]) == (400, "endpoint_query_param_taken")


def test_patient_webhook_configuration(client: FlaskClient) -> None:
    headers = login(client)
    ok = client.post(
        "/sympto/clinicAdmin/webhook",
        headers=headers,
        json={"webhookData": {"url": "https://partner.example.test/patient/webhook", "secret": "s"}},
    )
    assert ok.json == {"Status": "OK", "Response": True}
    not_http = client.post(
        "/sympto/clinicAdmin/webhook",
        headers=headers,
        json={"webhookData": {"url": "ftp://x.test/hook", "secret": "s"}},
    )
    assert not_http.status_code == 400
    # The message names the field sent, `url` inside `webhookData`, not the endpoint configuration's `endpointURL`.
    assert not_http.json["Message"] == messages.INVALID_BODY.format(
        problems=messages.URL_NOT_HTTP.format(name="url", input='"ftp://x.test/hook"')
    )
    missing = client.post("/sympto/clinicAdmin/webhook", headers=headers, json={"url": "https://x.test/"})
    assert missing.status_code == 400
    assert missing.json["Message"] == messages.INVALID_BODY.format(
        problems='`webhookData` is required: send {"webhookData": {"url", "secret"}}'
    )
