"""CirrusMD's settings when the config leaves them out (issue #20: defaults tested as defaults).

The demo section writes every key out, so the values the sandbox falls back to were never exercised. Here the
``[cirrusmd]`` section names a client and nothing else; the defaults are observed through HTTP (the documented
numbers are typed here on purpose: a changed default must fail a test).
"""

from __future__ import annotations

from collections.abc import Callable

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import bearer, claims, sign
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import DEMO, SESSIONS, member_body, post_session

NOW = int(FROZEN_AT)
ONLY_A_CLIENT = f"""
[[cirrusmd.clients]]
client_id = "{DEMO.client_id}"
shared_secret = "{DEMO.shared_secret}"
"""


@pytest.fixture
def default_client(app_from_config: Callable[[str], Flask]) -> FlaskClient:
    return app_from_config(ONLY_A_CLIENT).test_client()


def status(client: FlaskClient, **changes: int) -> int:
    token = sign(DEMO, claims(DEMO, FROZEN_AT, **changes))
    return client.post(SESSIONS, json=member_body(), headers={"Authorization": bearer(token)}).status_code


def test_the_default_leeway_is_5_seconds(default_client: FlaskClient) -> None:
    assert status(default_client, exp=NOW + 125) == 201
    assert status(default_client, exp=NOW + 126) == 401
    assert status(default_client, exp=NOW - 4, iat=NOW - 60) == 201
    assert status(default_client, exp=NOW - 5, iat=NOW - 60) == 401
    assert status(default_client, iat=NOW + 5) == 201
    assert status(default_client, iat=NOW + 6) == 401


def test_the_default_access_token_lifetime_is_an_hour(default_client: FlaskClient) -> None:
    token = post_session(default_client, FROZEN_AT).json["access_token"]
    issued = jwt.decode(token, options={"verify_signature": False})
    assert issued["exp"] - issued["iat"] == 3600


def test_with_no_cirrusmd_section_there_is_no_client(app_from_config: Callable[[str], Flask]) -> None:
    client = app_from_config("").test_client()
    assert client.get("/__sandbox/cirrusmd/clients").json == {"clients": []}
    assert post_session(client, FROZEN_AT).status_code == 401
