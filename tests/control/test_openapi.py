"""The OpenAPI document is generated from the contracts and says what the code enforces."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.schemas import GENDERS, ORIGIN_LABEL_MAX, SESSION_REQUEST
from contracts.fields import EMAIL_PATTERN
from sandbox.core import apidoc, openapi


def test_document_covers_vendor_and_control_endpoints(client: FlaskClient) -> None:
    document = client.get("/__sandbox/openapi.json").json
    assert document["openapi"] == "3.0.3"
    assert "/cirrusmd/sdk/v2/public/sessions" in document["paths"]
    for path in (
        "/__sandbox/health",
        "/__sandbox/reset",
        "/__sandbox/journal",
        "/__sandbox/faults",
        "/__sandbox/faults/catalogue",
        "/__sandbox/clock",
        "/__sandbox/cirrusmd/clients/{client_id}",
    ):
        assert path in document["paths"], path


def test_session_request_schema_matches_the_contract(client: FlaskClient) -> None:
    schema = client.get("/__sandbox/openapi.json").json["components"]["schemas"]["CirrusmdSessionRequest"]
    required = sorted(name for name, field in SESSION_REQUEST.fields.items() if field.required)
    assert sorted(schema["required"]) == required
    assert schema["properties"]["gender"]["enum"] == list(GENDERS)
    assert schema["properties"]["origin_label"]["maxLength"] == ORIGIN_LABEL_MAX
    assert schema["properties"]["metadata"]["type"] == "object"
    assert schema["properties"]["email"]["pattern"] == EMAIL_PATTERN


def test_responses_are_documented_per_status(client: FlaskClient) -> None:
    operation = client.get("/__sandbox/openapi.json").json["paths"]["/cirrusmd/sdk/v2/public/sessions"]["post"]
    assert sorted(operation["responses"]) == ["201", "401", "413", "422"]
    assert operation["security"] == [{"bearer": []}]


def test_every_served_route_is_documented_or_left_out_with_a_reason(app: Flask) -> None:
    """Under ``/__sandbox`` and every vendor prefix: a route is in the document, or its view says why not."""
    assert openapi.undocumented_routes(app, openapi.build("test", app)) == []


def test_an_undeclared_view_is_named_by_the_check(app: Flask) -> None:
    app.add_url_rule("/__sandbox/forgotten", "forgotten", lambda: "", methods=["GET", "POST"])
    app.add_url_rule("/cirrusmd/forgotten/<thing>", "vendor_forgotten", lambda thing: thing)
    app.add_url_rule("/__sandbox/page", "page", apidoc.undocumented("a page for people")(lambda: ""))
    app.add_url_rule("/elsewhere", "elsewhere", lambda: "")  # under no vendor's or the control plane's prefix
    assert openapi.undocumented_routes(app, openapi.build("test", app)) == [
        "GET /__sandbox/forgotten (forgotten)",
        "POST /__sandbox/forgotten (forgotten)",
        "GET /cirrusmd/forgotten/<thing> (vendor_forgotten)",
    ]


def test_leaving_a_view_out_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="say why"):
        apidoc.undocumented(" ")


def test_the_control_planes_paths_are_declared_on_its_views(app: Flask) -> None:
    """The neutral control paths are documented from their views, statuses and schemas included."""
    document = openapi.build("test", app)
    paths = document["paths"]
    assert sorted(paths["/__sandbox/faults"]) == ["delete", "get", "post"]
    assert sorted(paths["/__sandbox/faults"]["post"]["responses"]) == ["201", "400", "401", "403", "404", "409", "413"]
    assert paths["/__sandbox/faults"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "oneOf": [{"$ref": "#/components/schemas/ArmCatalogueFault"}, {"$ref": "#/components/schemas/ArmCustomFault"}]
    }
    assert sorted(paths["/__sandbox/health"]["get"]["responses"]) == ["200", "403"]
    assert sorted(paths["/__sandbox/clock"]["put"]["responses"]) == ["200", "400", "401", "403", "404", "413"]
    assert paths["/__sandbox/faults/{fault_id}"]["delete"]["parameters"][0]["schema"]["type"] == "integer"
    schemas = document["components"]["schemas"]
    for name in ("ControlError", "Health", "Clock", "ClockUpdate", "JournalCount", "ArmCatalogueFault", "Disarmed"):
        assert name in schemas, name
