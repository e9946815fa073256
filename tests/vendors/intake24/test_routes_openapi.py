"""The OpenAPI document covers every Intake24 endpoint, with the methods Flask routes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from contracts.intake24.schemas import JWT_PATTERN, is_jwt_shaped

INTAKE24_PATHS = [
    "/intake24/api/surveys/{slug}/create-user",
    "/intake24/api/auth/login/token",
    "/intake24/api/surveys/{slug}/session",
    "/intake24/api/surveys/{slug}/session/{session_id}",
    "/intake24/api/surveys/{slug}/submission",
    "/intake24/api/admin/surveys/{survey_id}/respondents",
    "/intake24/api/admin/surveys/{survey_id}/respondents/{username}",
    "/intake24/survey/",
    "/intake24/survey/{slug}",
    "/intake24/survey/{slug}/{view}",
    "/intake24/survey/{slug}/create-user/{token}",
    "/intake24/survey/a/{token}",
    "/intake24/survey/{slug}/recall/{action}",
    "/__sandbox/intake24/surveys",
    "/__sandbox/intake24/surveys/{slug}",
    "/__sandbox/intake24/surveys/{slug}/respondents",
    "/__sandbox/intake24/surveys/{slug}/sessions",
    "/__sandbox/intake24/notifications",
    "/__sandbox/intake24/personal-access-tokens",
    "/__sandbox/intake24/personal-access-tokens/{token_id}",
]
#: Every routed path is documented (the survey-settings PUT is left out of the Schemathesis run only).
UNDOCUMENTED: set[str] = set()


def routed(app: Flask) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/intake24/", "/__sandbox/intake24/")):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            found.setdefault(path, set()).update(m.lower() for m in (rule.methods or ()) - {"HEAD", "OPTIONS"})
    return found


def test_the_document_lists_every_intake24_path(client: FlaskClient) -> None:
    paths = client.get("/__sandbox/openapi.json").get_json()["paths"]
    assert sorted(p for p in paths if p.startswith(("/intake24/", "/__sandbox/intake24/"))) == sorted(INTAKE24_PATHS)


def test_every_routed_method_is_documented(app: Flask, client: FlaskClient) -> None:
    paths = client.get("/__sandbox/openapi.json").get_json()["paths"]
    for path, methods in routed(app).items():
        if path in UNDOCUMENTED:
            continue
        assert set(paths[path]) == methods, path


def test_survey_app_pages_are_html_and_redirects_name_their_location(client: FlaskClient) -> None:
    paths = client.get("/__sandbox/openapi.json").get_json()["paths"]
    view = paths["/intake24/survey/{slug}/{view}"]["get"]["responses"]
    assert list(view["200"]["content"]) == ["text/html"]
    assert view["302"]["headers"]["Location"]["required"] is True


def test_the_create_user_token_pattern_is_the_jwt_shape_check() -> None:
    for token in ("a.b.c", "..", "  x.y.z ", "a.b", "a.b.c.d", "a+b.c.d", "a.b.c="):
        assert bool(re.search(JWT_PATTERN, token)) == is_jwt_shaped(token.strip()), token


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def test_every_api_operation_documents_the_middleware_answers_with_resolvable_schemas(client: FlaskClient) -> None:
    """The Express chain runs before every ``/api`` view (``Declarations(finish=...)``): each operation
    lists its 400, 413 and 429 (with the rate limiter's headers), and every reference resolves."""
    document = client.get("/__sandbox/openapi.json").get_json()
    components = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        if not path.startswith("/intake24/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            if path.startswith("/intake24/api/"):
                assert {"400", "413", "429"} <= set(responses), (method, path)
                assert {"RateLimit", "RateLimit-Policy", "Retry-After"} <= set(responses["429"]["headers"])
            for reference in _references(operation):
                assert reference.removeprefix("#/components/schemas/") in components, (method, path, reference)


def test_a_custom_field_value_is_documented_as_not_nullable(client: FlaskClient) -> None:
    """Intake24 refuses a null custom field value (every alternative of its union fails), so the
    document must not say ``nullable``; the required fields are the name and the value."""
    custom_field = client.get("/__sandbox/openapi.json").get_json()["components"]["schemas"]["CustomField"]
    assert "nullable" not in custom_field["properties"]["value"]
    assert custom_field["required"] == ["name", "value"]
