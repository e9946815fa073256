"""Control-plane limits: paged member and journal listings, per-tenant journal retention, the
armed-fault quota, the size of a custom fault's body, and the ``[limits]`` configuration."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import Credentials
from sandbox import config
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.core.limits import Limits
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import member_body, post_session


def _add_members(client: FlaskClient, count: int) -> None:
    for n in range(count):
        assert post_session(client, FROZEN_AT, member_body(external_user_id=f"u{n}")).status_code == 201


def test_the_member_listing_is_paged(client: FlaskClient) -> None:
    _add_members(client, 5)
    first = client.get("/__sandbox/cirrusmd/members?limit=2").json
    assert [m["external_user_id"] for m in first["members"]] == ["u0", "u1"]
    assert (first["total"], first["next_offset"]) == (5, 2)
    last = client.get("/__sandbox/cirrusmd/members?limit=2&offset=4").json
    assert [m["external_user_id"] for m in last["members"]] == ["u4"]
    assert last["next_offset"] is None
    assert client.get("/__sandbox/cirrusmd/members?client_id=demo-client&limit=1").json["total"] == 5


def test_the_member_listing_refuses_a_page_over_1000(client: FlaskClient) -> None:
    response = client.get("/__sandbox/cirrusmd/members?limit=1001")
    assert response.status_code == 400
    assert "limit" in response.json["error"]


def test_the_member_listing_answers_100_by_default(client: FlaskClient, app: Flask) -> None:
    service = app.extensions["sandbox.cirrusmd"]
    for n in range(101):
        service.create_session("demo-client", member_body(external_user_id=f"u{n}", dob="1977-01-11"), "http://x")
    listing = client.get("/__sandbox/cirrusmd/members").json
    assert (len(listing["members"]), listing["total"], listing["next_offset"]) == (100, 101, 100)


def test_the_journal_pages_backwards_with_before(client: FlaskClient) -> None:
    _add_members(client, 3)
    newest = client.get("/__sandbox/journal?limit=2").json["entries"]
    older = client.get(f"/__sandbox/journal?limit=2&before={newest[-1]['id']}").json["entries"]
    assert [e["id"] for e in older] == [newest[-1]["id"] - 1]


@pytest.fixture
def small_app(sandbox_settings: Settings, clock: Clock) -> Iterator[Flask]:
    limits = Limits(journal_rows=3, armed_faults=2)
    application = create_app(replace(sandbox_settings, limits=limits), clock=clock, random_seed=11)
    yield application
    application.extensions["sandbox.store"].dispose()


def test_the_journal_keeps_at_most_journal_rows_per_tenant(small_app: Flask) -> None:
    client = small_app.test_client()
    other = Credentials(client_id="other", shared_secret="other-secret-0123456789")
    client.put("/__sandbox/cirrusmd/clients/other", json={"shared_secret": other.shared_secret})
    assert post_session(client, FROZEN_AT, member_body(), credentials=other).status_code == 201
    _add_members(client, 5)
    small_app.extensions["sandbox.journal"].prune()
    demo = client.get("/__sandbox/journal?tenant=demo-client").json["entries"]
    assert [e["request"]["body"]["external_user_id"] for e in demo] == ["u4", "u3", "u2"]
    assert len(client.get("/__sandbox/journal?tenant=other").json["entries"]) == 1


def test_arming_beyond_the_quota_is_refused_until_one_is_disarmed(small_app: Flask) -> None:
    client = small_app.test_client()
    armed = [client.post("/__sandbox/faults", json={"name": "cirrusmd.token_expired"}) for _ in range(2)]
    assert [r.status_code for r in armed] == [201, 201]
    beyond = client.post("/__sandbox/faults", json={"vendor": "sympto", "status": 503})
    assert beyond.status_code == 409
    assert "2 faults are armed already" in beyond.json["error"]
    assert "[limits] armed_faults" in beyond.json["error"]
    assert client.delete(f"/__sandbox/faults/{armed[0].json['id']}").status_code == 200
    assert client.post("/__sandbox/faults", json={"vendor": "sympto", "status": 503}).status_code == 201


def test_a_custom_fault_body_over_64_kib_is_refused(client: FlaskClient) -> None:
    fits = client.post("/__sandbox/faults", json={"vendor": "sympto", "status": 503, "body": "x" * 65_534})
    assert fits.status_code == 201
    beyond = client.post("/__sandbox/faults", json={"vendor": "sympto", "status": 503, "body": "x" * 65_535})
    assert beyond.status_code == 400
    assert "body: must be at most 65536 bytes as compact JSON, got 65537" in beyond.json["error"]


def test_limits_come_from_the_file_then_the_environment(tmp_path: Path) -> None:
    file = tmp_path / "sandbox.toml"
    file.write_text("[limits]\nmembers = 50\narmed_faults = 7\n")
    from_file = config.load(str(file), environ={})
    assert (from_file.limits.members, from_file.limits.armed_faults, from_file.limits.users) == (50, 7, 10_000)
    from_env = config.load(str(file), environ={"VENDOR_SANDBOX_LIMITS_MEMBERS": "60"})
    assert from_env.limits.members == 60
    assert config.load(None, environ=config.to_environment(from_env)) == from_env


def test_the_default_config_states_every_limit() -> None:
    assert config.load(None, environ={}).limits == Limits()
    assert "[limits]" in config.default_config_text()


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ("[limits]\nmember = 5\n", {}, "unknown key [limits] member"),
        ("[limits]\nmembers = 0\n", {}, "[limits] members must be a whole number of at least 1, got 0"),
        ('[limits]\nusers = "5"\n', {}, "[limits] users must be a whole number of at least 1, got '5'"),
        ("", {"VENDOR_SANDBOX_LIMITS_USERS": "lots"}, "VENDOR_SANDBOX_LIMITS_USERS must be a whole number"),
    ],
)
def test_bad_limits_are_refused_with_the_key_named(
    tmp_path: Path, text: str, environ: dict[str, str], message: str
) -> None:
    file = tmp_path / "bad.toml"
    file.write_text(text)
    with pytest.raises(config.ConfigError) as raised:
        config.load(str(file), environ=environ)
    assert message in str(raised.value)
