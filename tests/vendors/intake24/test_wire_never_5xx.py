"""Hostile input of every kind gets an Intake24-shaped 4xx, never a 5xx."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from contracts.jws import sign_hmac
from tests.vendors.intake24.support import DEMO_SECRET

ENDPOINTS = [
    ("POST", "/intake24/api/surveys/demo/create-user"),
    ("POST", "/intake24/api/auth/login/token"),
    ("POST", "/intake24/api/surveys/demo/session"),
    ("POST", "/intake24/api/admin/surveys/1/respondents"),
    ("PATCH", "/intake24/api/admin/surveys/²/respondents/x"),
]
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain", None]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def seg(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@given(
    endpoint=st.sampled_from(ENDPOINTS),
    content_type=st.sampled_from(CONTENT_TYPES),
    body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
)
def test_random_bodies(client: FlaskClient, endpoint: tuple[str, str], content_type: str | None, body: bytes) -> None:
    method, path = endpoint
    client.application.extensions["sandbox.intake24"].limiter.reset()  # examples share one client
    response = client.open(path, method=method, data=body, content_type=content_type)
    assert response.status_code < 500, response.get_data(as_text=True)


@given(value=JSON_VALUES)
def test_random_json_bodies(client: FlaskClient, value: Any) -> None:
    client.application.extensions["sandbox.intake24"].limiter.reset()  # examples share one client
    for method, path in ENDPOINTS:
        response = client.open(path, method=method, json=value)
        assert response.status_code < 500, (path, response.get_data(as_text=True))


@given(
    header=JSON_VALUES,
    payload=JSON_VALUES,
    signed=st.booleans(),
    signature=st.text(alphabet="abcXYZ0189-_", max_size=6),
)
def test_random_tokens(client: FlaskClient, header: Any, payload: Any, signed: bool, signature: str) -> None:
    client.application.extensions["sandbox.intake24"].limiter.reset()  # examples share one client
    raw_payload = json.dumps(payload).encode()
    if signed and isinstance(header, dict):
        token = sign_hmac(raw_payload, DEMO_SECRET, "HS256", header=header)
    else:
        token = f"{seg(json.dumps(header).encode())}.{seg(raw_payload)}.{signature}"
    response = client.post("/intake24/api/surveys/demo/create-user", json={"token": token})
    assert response.status_code in (200, 400, 403), response.get_data(as_text=True)
    assert isinstance(response.get_json()["message"] if response.status_code != 200 else "", str)


def test_lone_surrogates_and_deep_nesting(client: FlaskClient) -> None:
    token = sign_hmac(b'{"username": "a\\ud800b", "name": "\\udfff"}', DEMO_SECRET)
    created = client.post("/intake24/api/surveys/demo/create-user", json={"token": token})
    assert created.status_code == 200
    assert b'"username":"a\\ud800b"' in created.data  # JSON.stringify's escape (issue 19)
    deep = "[" * 5000 + "]" * 5000
    response = client.post("/intake24/api/surveys/demo/create-user", data=deep, content_type="application/json")
    assert response.status_code == 400
    nested_token = sign_hmac(("[" * 3000 + "]" * 3000).encode(), DEMO_SECRET, header={"typ": "x"})
    assert client.post("/intake24/api/surveys/demo/create-user", json={"token": nested_token}).status_code == 400
