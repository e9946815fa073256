"""Every control-plane operation, sent a body without a Content-Type or with a wrong one (and, on a
token-protected sandbox, without its token), answers a status its OpenAPI operation documents, with
a body that matches the schema documented for that status: the document tells the truth about errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import schemathesis
from flask import Flask
from werkzeug.test import TestResponse

from sandbox.app import create_app
from sandbox.config import Settings

ADMIN_TOKEN = "error-shapes-admin-token"
#: A value for each path parameter that names something the demo configuration has.
PATH_VALUES = {
    "slug": "demo",
    "client_id": "demo-client",
    "clinic_id": "demo-clinic",
    "fault_id": "1",
    "token_id": "1",
}
#: (label, headers, body): no Content-Type at all, then media types the control plane does not read.
WRONG_BODIES = [
    ("no Content-Type", {}, b'{"name": "x"}'),
    ("text/plain", {"Content-Type": "text/plain"}, b'{"name": "x"}'),
    ("form", {"Content-Type": "application/x-www-form-urlencoded"}, b"name=x"),
    ("multipart", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x--\r\n"),
]
METHODS = ("get", "put", "post", "delete", "patch")


def _document(app: Flask) -> dict[str, Any]:
    document: dict[str, Any] | None = (
        app.test_client().get("/__sandbox/openapi.json", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json
    )
    assert document is not None
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, item in sorted(document["paths"].items())
        if path.startswith("/__sandbox/")
        for method in METHODS
        if method in item
    ]


@pytest.fixture(params=["open", "token"])
def app(request: pytest.FixtureRequest, sandbox_settings: Settings) -> Iterator[Flask]:
    token = ADMIN_TOKEN if request.param == "token" else None
    application = create_app(replace(sandbox_settings, admin_token=token))
    yield application
    application.extensions["sandbox.store"].dispose()


def _problem(schema: Any, path: str, method: str, response: TestResponse, what: str) -> str | None:
    """What is untrue about this answer, or None: its status is documented, its body matches."""
    operation = schema[path][method.upper()]
    documented = set(operation.definition.raw["responses"])
    seen = f"{method.upper()} {path} with {what}: {response.status_code} {response.get_data(as_text=True)[:200]}"
    if str(response.status_code) not in documented:
        return f"{seen} (documents only {sorted(documented)})"
    try:
        operation.validate_response(response)
    except Exception as failure:  # schemathesis raises a group of check failures
        return f"{seen} (does not match the documented schema: {str(failure)[:300]})"
    return None


def _url(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no test value for a parameter of {path}"
    return path


def test_a_body_without_or_with_a_wrong_content_type_gets_a_documented_answer(app: Flask) -> None:
    document = _document(app)
    schema = schemathesis.openapi.from_dict(document)
    client = app.test_client()
    authorization = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if app.extensions["sandbox.settings"].admin_token else {}
    operations = _operations(document)
    assert len(operations) > 20
    problems: list[str | None] = []
    for path, method in operations:
        for label, headers, data in WRONG_BODIES:
            response = client.open(_url(path), method=method.upper(), headers={**headers, **authorization}, data=data)
            problems.append(_problem(schema, path, method, response, label))
            client.post("/__sandbox/reset", headers=authorization)
    untrue = [problem for problem in problems if problem]
    assert not untrue, "\n".join(untrue)


@pytest.mark.parametrize("app", ["token"], indirect=True)
def test_a_token_protected_sandbox_answers_a_documented_401_without_the_token(app: Flask) -> None:
    document = _document(app)
    schema = schemathesis.openapi.from_dict(document)
    client = app.test_client()
    problems: list[str | None] = []
    for path, method in _operations(document):
        if path != "/__sandbox/health":
            response = client.open(_url(path), method=method.upper(), json={})
            assert response.status_code == 401, (path, method, response.status_code)
            problems.append(_problem(schema, path, method, response, "no admin token"))
    untrue = [problem for problem in problems if problem]
    assert not untrue, "\n".join(untrue)


@pytest.mark.parametrize("app", ["open"], indirect=True)
@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("invalid settings", {"allowGenUsers": "sometimes"}),
        ("not an object", [1, 2]),
        ("unknown field type", {"genUserKey": 12}),
    ],
)
def test_a_refused_survey_answers_the_documented_settings_error(app: Flask, label: str, body: Any) -> None:
    """``PUT /__sandbox/intake24/surveys/{slug}`` is left out of the Schemathesis run, so its
    ``{"error", "errors"}`` answer is checked against the document here."""
    document = _document(app)
    response = app.test_client().put("/__sandbox/intake24/surveys/refused", json=body)
    assert response.status_code == 400
    assert (
        _problem(schemathesis.openapi.from_dict(document), "/__sandbox/intake24/surveys/{slug}", "put", response, label)
        is None
    )


@pytest.mark.parametrize("app", ["open"], indirect=True)
def test_an_oversized_body_gets_the_documented_413(app: Flask) -> None:
    document = _document(app)
    schema = schemathesis.openapi.from_dict(document)
    client = app.test_client()
    limit = app.config["MAX_CONTENT_LENGTH"]
    oversized = b'{"name": "' + b"x" * limit + b'"}'
    problems: list[str | None] = []
    with_bodies = [
        (path, method) for path, method in _operations(document) if "requestBody" in document["paths"][path][method]
    ]
    assert len(with_bodies) >= 6
    for path, method in with_bodies:
        response = client.open(
            _url(path), method=method.upper(), headers={"Content-Type": "application/json"}, data=oversized
        )
        assert response.status_code == 413, (path, method, response.status_code)
        problems.append(_problem(schema, path, method, response, "an oversized body"))
    untrue = [problem for problem in problems if problem]
    assert not untrue, "\n".join(untrue)
