"""Hypothesis throws arbitrary methods, path parameters, headers, tokens and bodies at every route of
every vendor and of the control plane: never a 5xx, and every error in the owner's own shape."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import Rule

from contracts.jws import sign_hmac, unsigned

HOSTILE_SEGMENTS = [
    "..",
    "../../etc/passwd",
    "%2e%2e%2f",
    "..%2f..%2f",
    "a" * 3000,
    "😀",
    "\u202e",
    "%00",
    "%ff",
    "%ud800",
    " ",
    "null",
    "-1",
    "99999999999999999999999",
    "0x10",
    "__proto__",
]
HOSTILE_TOKENS = [
    "Bearer " + unsigned({"sub": "demo-client", "scope": "sdk"}),
    "Bearer " + unsigned({"sub": "demo-client"}, header={"alg": "NoNe"}),
    "Bearer " + sign_hmac({"exp": "soon"}, "x", header={"jku": "http://127.0.0.1:1/"}),
    "Bearer " + sign_hmac(b"[1]", "x"),
    "Bearer a.b.c",
    "Bearer ",
    "bearer x",
    "Basic Og==",
    "Basic !!!",
    "Basic " + "A" * 5000,
    "Digest x",
]
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "application/json; charset=latin-1",
    "multipart/form-data; boundary=x",
    "application/xml",
    "",
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
BODIES = st.one_of(
    st.binary(max_size=600),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(
        [
            b'{"a": NaN}',
            b'{"a": 1e999}',
            b'{"a": "\\ud800"}',
            b'{"a":1,"a":2}',
            b"[" * 5000,
            b'{"token": null}',
            b"token=&password=",
            b"\xff\xfe",
            b"",
        ]
    ),
)


def _is_json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))


def cirrusmd_shape(status: int, content_type: str, body: bytes) -> None:
    if status >= 400:
        assert set(_is_json(body)) == {"error_message"}


def intake24_api_shape(status: int, content_type: str, body: bytes) -> None:
    if status >= 400 and status != 401:
        value = _is_json(body)
        assert value == "Invalid route" or (isinstance(value, dict) and "message" in value)


def html_or_redirect(status: int, content_type: str, body: bytes) -> None:
    assert status in (200, 302, 303, 400, 401, 403, 404, 405, 413) or content_type.startswith("text/html")


def sympto_shape(status: int, content_type: str, body: bytes) -> None:
    if content_type.startswith("application/json"):
        assert "Status" in _is_json(body)
    elif status >= 400:
        assert content_type.startswith("text/html")


def control_shape(status: int, content_type: str, body: bytes) -> None:
    """``{"error"}``; the Intake24 survey settings ``PUT`` adds ``errors`` (its documented 400)."""
    if status >= 400:
        assert set(_is_json(body)) in ({"error"}, {"error", "errors"})


SHAPES: list[tuple[str, Callable[[int, str, bytes], None]]] = [
    ("/cirrusmd", cirrusmd_shape),
    ("/intake24/api", intake24_api_shape),
    ("/intake24/survey", html_or_redirect),
    ("/sympto", sympto_shape),
    ("/__sandbox", control_shape),
]


def shape_for(path: str) -> Callable[[int, str, bytes], None]:
    return next(check for prefix, check in SHAPES if path == prefix or path.startswith(prefix + "/"))


def routes(app: Flask) -> list[Rule]:
    found = [
        rule
        for rule in app.url_map.iter_rules()
        if any(rule.rule.startswith(prefix) for prefix, _ in SHAPES) and "/assets/" not in rule.rule
    ]
    return sorted(found, key=lambda rule: rule.rule)


def fill(rule: Rule, values: list[str]) -> str:
    """The rule's path with hostile values, encoded as a client would send them (``/`` and ``%`` kept raw,
    so traversal and pre-encoded sequences reach the server as written)."""
    path = rule.rule
    for index, argument in enumerate(sorted(rule.arguments)):
        value = quote(values[index % len(values)] if values else "x", safe="/%:@!$&'()*+,;=")
        path = re.sub(rf"<(?:[^:>]+:)?{argument}>", lambda _, value=value: value, path)
    return path


@pytest.fixture
def every_route(app: Flask) -> list[Rule]:
    return routes(app)


def test_every_vendor_and_the_control_plane_are_fuzzed(every_route: list[Rule]) -> None:
    prefixes = {prefix for prefix, _ in SHAPES for rule in every_route if rule.rule.startswith(prefix)}
    assert prefixes == {prefix for prefix, _ in SHAPES}


@given(data=st.data())
def test_no_route_answers_5xx_or_leaves_its_owners_shape(
    client: FlaskClient, app: Flask, every_route: list[Rule], data: st.DataObject
) -> None:
    rule = data.draw(st.sampled_from(every_route), label="route")
    segments = data.draw(
        st.lists(st.sampled_from(HOSTILE_SEGMENTS) | st.text(min_size=1, max_size=40), min_size=1, max_size=3),
        label="path parameters",
    )
    path = fill(rule, segments)
    methods = [*sorted((rule.methods or set()) - {"OPTIONS"}), "PATCH", "DELETE", "BREW"]
    method = data.draw(st.sampled_from(methods), label="method")
    headers = {"Authorization": data.draw(st.sampled_from(HOSTILE_TOKENS) | st.text(max_size=60), label="auth")}
    content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="content type")
    if content_type:
        headers["Content-Type"] = content_type
    body = data.draw(BODIES, label="body")
    query = data.draw(
        st.dictionaries(
            st.sampled_from(
                ["token", "auth", "redirect", "limit", "since", "vendor", "authCodeFoxApp", "userAuthToken", "wait"]
            ),
            st.text(max_size=20) | st.sampled_from(HOSTILE_SEGMENTS),
            max_size=3,
        ),
        label="query",
    )
    headers = {name: value for name, value in headers.items() if "\n" not in value and "\r" not in value}

    response = client.open(path, method=method, data=body, headers=headers, query_string=query)

    assert response.status_code < 500, (method, path, response.status_code, response.get_data()[:300])
    assert b"Traceback" not in response.get_data()
    if method != "HEAD":  # a HEAD answer has no body to check
        shape_for(path)(response.status_code, response.content_type or "", response.get_data())
    client.post("/__sandbox/reset")
