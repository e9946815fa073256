"""The ``[intake24]`` config section and the response schemas the contract publishes."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from contracts.intake24.schemas import CreateUserResponseSchema, MessageBodySchema, ValidationErrorBodySchema
from sandbox.vendors.intake24.service import Intake24Settings
from tests.vendors.intake24.support import Mint


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"nonsense": 1}, "unknown key [intake24] nonsense"),
        ({"rate_limit_max": "many"}, "rate_limit_max must be a whole number"),
        ({"rate_limit_exempt_loopback": 1}, "rate_limit_exempt_loopback must be true or false"),
        ({"notification_allowed_hosts": "partner.example"}, "notification_allowed_hosts must be a list"),
        ({"surveys": [{"allowGenUsers": True}]}, "slug must be a non-empty string"),
    ],
)
def test_bad_sections_are_refused(section: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        Intake24Settings.from_section(section)


def test_section_values_are_read() -> None:
    settings = Intake24Settings.from_section(
        {"rate_limit_max": 10, "notification_allowed_hosts": ["p.example"], "rate_limit_exempt_loopback": True}
    )
    assert (settings.rate_limit_max, settings.notification_allowed_hosts) == (10, ("p.example",))
    assert settings.rate_limit_exempt_loopback is True


def test_bodies_match_the_published_schemas(client: FlaskClient, mint: Mint) -> None:
    url = "/intake24/api/surveys/demo/create-user"
    ok = client.post(url, json={"token": mint({"username": "s", "customFields": [{"name": "a", "value": 1}]})})
    assert CreateUserResponseSchema().validate(ok.get_json()) == {}
    assert ValidationErrorBodySchema().validate(client.post(url, json={}).get_json()) == {}
    assert MessageBodySchema().validate(client.post(url, json={"token": "a.b.c"}).get_json()) == {}
