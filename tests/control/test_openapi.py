"""The OpenAPI document is generated from the contracts and says what the code enforces."""

from __future__ import annotations

from flask.testing import FlaskClient

from contracts.cirrusmd.schemas import GENDERS, ORIGIN_LABEL_MAX, SESSION_REQUEST
from contracts.fields import EMAIL_PATTERN


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
