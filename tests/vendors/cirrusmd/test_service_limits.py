"""CirrusMD size limits and the per-client member quota, through HTTP.

CirrusMD publishes no limits besides ``origin_label`` (30); the sandbox's own are strings of at
most 255 characters (``email`` 254) and ``metadata`` of at most 16 KiB as compact JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.schemas import METADATA_MAX_BYTES, ORIGIN_LABEL_MAX, WELCOME_MESSAGE_MAX
from contracts.cirrusmd.tokens import Credentials
from contracts.fields import DEFAULT_MAX_LENGTH, EMAIL_MAX_LENGTH, json_size
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.core.limits import Limits
from sandbox.vendors.cirrusmd.wire import SERVICE_KEY
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import member_body, post_session


def _metadata_of_size(size: int) -> dict[str, str]:
    """An object whose compact JSON is exactly ``size`` bytes."""
    padding = size - json_size({"k": ""})
    found = {"k": "x" * padding}
    assert json_size(found) == size
    return found


@pytest.mark.parametrize("field", ["external_user_id", "first_name", "last_name", "member_id", "external_plan_id"])
def test_a_string_of_255_characters_is_stored_and_256_is_refused(client: FlaskClient, field: str) -> None:
    extra = {"origin_label": "Clinic"} if field == "external_plan_id" else {}
    inside = post_session(client, FROZEN_AT, member_body(**{field: "é" * (DEFAULT_MAX_LENGTH - 1)}, **extra))
    assert inside.status_code == 201, inside.json
    at_limit = post_session(client, FROZEN_AT, member_body(**{field: "é" * DEFAULT_MAX_LENGTH}, **extra))
    assert at_limit.status_code == 201, at_limit.json
    beyond = post_session(client, FROZEN_AT, member_body(**{field: "é" * (DEFAULT_MAX_LENGTH + 1)}, **extra))
    assert beyond.status_code == 422
    assert f"`{field}` must be at most 255 characters, got 256" in beyond.json["error_message"]


def test_an_email_of_254_characters_is_stored_and_255_is_refused(client: FlaskClient) -> None:
    def email(length: int) -> str:
        return "j" * (length - len("@example.com")) + "@example.com"

    assert post_session(client, FROZEN_AT, member_body(email=email(EMAIL_MAX_LENGTH - 1))).status_code == 201
    assert post_session(client, FROZEN_AT, member_body(email=email(EMAIL_MAX_LENGTH))).status_code == 201
    beyond = post_session(client, FROZEN_AT, member_body(email=email(EMAIL_MAX_LENGTH + 1)))
    assert beyond.status_code == 422
    assert "`email` must be at most 254 characters, got 255" in beyond.json["error_message"]


def test_metadata_of_16_kib_is_stored_and_one_byte_more_is_refused(client: FlaskClient, app: Flask) -> None:
    inside = post_session(client, FROZEN_AT, member_body(metadata=_metadata_of_size(METADATA_MAX_BYTES - 1)))
    assert inside.status_code == 201
    at_limit = post_session(client, FROZEN_AT, member_body(metadata=_metadata_of_size(METADATA_MAX_BYTES)))
    assert at_limit.status_code == 201
    beyond = post_session(
        client, FROZEN_AT, member_body(external_user_id="u2", metadata=_metadata_of_size(METADATA_MAX_BYTES + 1))
    )
    assert beyond.status_code == 422
    assert beyond.json == {
        "error_message": "Invalid session request: `metadata` must be at most 16384 bytes as compact JSON, got 16385."
    }
    assert app.extensions["sandbox.cirrusmd"].member("demo-client", "u2") is None


def test_the_megabyte_metadata_of_the_issue_is_refused(client: FlaskClient, app: Flask) -> None:
    response = post_session(client, FROZEN_AT, member_body(metadata={"blob": "m" * 1_000_000}))
    assert response.status_code == 422
    assert app.extensions["sandbox.cirrusmd"].count_members("demo-client") == 0


def test_the_openapi_document_states_the_limits(client: FlaskClient) -> None:
    schema = client.get("/__sandbox/openapi.json").json["components"]["schemas"]["CirrusmdSessionRequest"]
    assert schema["properties"]["first_name"]["maxLength"] == DEFAULT_MAX_LENGTH
    assert schema["properties"]["email"]["maxLength"] == EMAIL_MAX_LENGTH
    assert schema["properties"]["metadata"]["x-maxJsonBytes"] == METADATA_MAX_BYTES


@pytest.fixture
def small_app(sandbox_settings: Settings, clock: Clock) -> Iterator[Flask]:
    """A sandbox whose CirrusMD clients may keep 2 members each."""
    application = create_app(replace(sandbox_settings, limits=Limits(members=2)), clock=clock, random_seed=7)
    yield application
    application.extensions["sandbox.store"].dispose()


def test_a_new_member_beyond_the_quota_is_refused_and_journaled(small_app: Flask) -> None:
    client = small_app.test_client()
    for n in (1, 2):
        assert post_session(client, FROZEN_AT, member_body(external_user_id=f"u{n}")).status_code == 201
    beyond = post_session(client, FROZEN_AT, member_body(external_user_id="u3"))
    assert beyond.status_code == 422
    message = beyond.json["error_message"]
    assert "CirrusMD client 'demo-client' already has 2 members" in message
    assert "[limits] members" in message
    assert "VENDOR_SANDBOX_LIMITS_MEMBERS" in message
    assert small_app.extensions["sandbox.cirrusmd"].count_members("demo-client") == 2
    (entry,) = client.get("/__sandbox/journal?vendor=cirrusmd&limit=1").json["entries"]
    assert (entry["verdict"], entry["rule"], entry["status"]) == ("rejected", "quota_members", 422)


def test_at_the_quota_a_repeat_still_works_and_another_client_still_creates(small_app: Flask) -> None:
    client = small_app.test_client()
    other = Credentials(client_id="other", shared_secret="other-secret-0123456789")
    assert (
        client.put("/__sandbox/cirrusmd/clients/other", json={"shared_secret": other.shared_secret}).status_code == 200
    )
    for n in (1, 2):
        assert post_session(client, FROZEN_AT, member_body(external_user_id=f"u{n}")).status_code == 201
    assert post_session(client, FROZEN_AT, member_body(external_user_id="u3")).status_code == 422
    again = post_session(client, FROZEN_AT, member_body(external_user_id="u1", first_name="Janet"))
    assert again.status_code == 201
    assert small_app.extensions["sandbox.cirrusmd"].member("demo-client", "u1")["first_name"] == "Janet"
    assert post_session(client, FROZEN_AT, member_body(), credentials=other).status_code == 201


# --- the SSO Patient Origin Intro fields at their exact edges (issue #20) ------------------------------------


def test_an_origin_label_of_30_characters_is_stored_and_31_is_refused(client: FlaskClient, app: Flask) -> None:
    assert ORIGIN_LABEL_MAX == 30  # CirrusMD's documented limit (sso-patient-origin-intro.md)
    for length in (ORIGIN_LABEL_MAX - 1, ORIGIN_LABEL_MAX):
        body = member_body(external_plan_id="plan-1", origin_label="é" * length)
        assert post_session(client, FROZEN_AT, body).status_code == 201, length
        assert app.extensions[SERVICE_KEY].member("demo-client", "partner-user-1")["origin_label"] == "é" * length
    beyond = post_session(
        client, FROZEN_AT, member_body(external_plan_id="plan-1", origin_label="é" * (ORIGIN_LABEL_MAX + 1))
    )
    assert beyond.status_code == 422
    assert f"`origin_label` must be at most {ORIGIN_LABEL_MAX} characters, got 31" in beyond.json["error_message"]


@pytest.mark.parametrize(("length", "stored"), [(199, 199), (200, 200), (201, 200)])
def test_a_welcome_message_is_kept_to_200_characters_and_truncated_beyond(
    client: FlaskClient, app: Flask, length: int, stored: int
) -> None:
    assert WELCOME_MESSAGE_MAX == 200  # CirrusMD's documented truncation
    response = post_session(client, FROZEN_AT, member_body(welcome_message="w" * (length - 1) + "é"))
    assert response.status_code == 201
    kept = app.extensions[SERVICE_KEY].member("demo-client", "partner-user-1")["welcome_message"]
    assert kept == ("w" * (length - 1) + "é")[:WELCOME_MESSAGE_MAX]
    assert len(kept) == stored


def test_a_zipcode_of_255_characters_is_stored_and_256_is_refused(client: FlaskClient) -> None:
    assert post_session(client, FROZEN_AT, member_body(zipcode="9" * (DEFAULT_MAX_LENGTH - 1))).status_code == 201
    assert post_session(client, FROZEN_AT, member_body(zipcode="9" * DEFAULT_MAX_LENGTH)).status_code == 201
    beyond = post_session(client, FROZEN_AT, member_body(zipcode="9" * (DEFAULT_MAX_LENGTH + 1)))
    assert beyond.status_code == 422
    assert "`zipcode` must be at most 255 characters, got 256" in beyond.json["error_message"]
