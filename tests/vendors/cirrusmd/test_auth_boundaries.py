"""CirrusMD's time rules at their edges, through HTTP, on the frozen clock (issue #20).

With the lifetime limit changed from 120 s to 180 s, no test failed: the only "too long" token lived 300 s. Here each
time rule is sent at its limit, one second inside and one second outside. The limits are read from where they are
defined (``contracts.cirrusmd.messages.MAX_TOKEN_LIFETIME_SECONDS``, the running service's leeway), so a changed rule
fails these tests and a changed configuration moves them.

With the default leeway of 5 s and the 120 s limit: ``exp`` = now+125 → 201, now+126 → 401.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.messages import MAX_TOKEN_LIFETIME_SECONDS
from contracts.cirrusmd.tokens import bearer, claims, sign
from sandbox.core.journal import journal
from sandbox.vendors.cirrusmd.wire import SERVICE_KEY
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import DEMO, SESSIONS, member_body

NOW = int(FROZEN_AT)
#: One second: the claims are whole seconds, so this is the smallest step across an edge.
STEP = 1


def leeway(app: Flask) -> int:
    seconds = app.extensions[SERVICE_KEY].settings.leeway_seconds
    assert seconds == int(seconds), "the edges below are whole seconds"
    return int(seconds)


def send(client: FlaskClient, **changes: Any) -> tuple[int, str | None]:
    """POST a session whose token has ``changes`` on CirrusMD's valid claims; the status and the rule journaled."""
    token = sign(DEMO, claims(DEMO, FROZEN_AT, **changes))
    response = client.post(SESSIONS, json=member_body(), headers={"Authorization": bearer(token)})
    with client.application.app_context():
        entry = journal().entries(vendor="cirrusmd", limit=1)[0]
    return response.status_code, entry["rule"]


ACCEPTED = (201, None)


def edges(limit: int, sign_outside: int) -> tuple[int, int, int]:
    """The value just inside, at, and just outside ``limit``, where outside is ``sign_outside`` (+1 or -1)."""
    return limit - sign_outside * STEP, limit, limit + sign_outside * STEP


def test_exp_at_most_the_lifetime_limit_plus_the_leeway_ahead(client: FlaskClient, app: Flask) -> None:
    inside, at, outside = edges(NOW + MAX_TOKEN_LIFETIME_SECONDS + leeway(app), +1)
    assert send(client, exp=inside) == ACCEPTED
    assert send(client, exp=at) == ACCEPTED
    assert send(client, exp=outside) == (401, "token_lifetime_too_long")


def test_the_documented_edge_125_accepted_126_refused(client: FlaskClient, app: Flask) -> None:
    """The issue's own numbers, valid while the limit is 120 s and the demo leeway 5 s."""
    assert (MAX_TOKEN_LIFETIME_SECONDS, leeway(app)) == (120, 5)
    assert send(client, exp=NOW + 125) == ACCEPTED
    assert send(client, exp=NOW + 126) == (401, "token_lifetime_too_long")


def test_exp_is_expired_once_the_leeway_behind_is_reached(client: FlaskClient, app: Flask) -> None:
    inside, at, outside = edges(NOW - leeway(app), -1)
    assert send(client, exp=inside, iat=NOW - 60) == ACCEPTED
    assert send(client, exp=at, iat=NOW - 60) == (401, "token_expired")
    assert send(client, exp=outside, iat=NOW - 60) == (401, "token_expired")


def test_iat_at_most_the_leeway_in_the_future(client: FlaskClient, app: Flask) -> None:
    inside, at, outside = edges(NOW + leeway(app), +1)
    assert send(client, iat=inside) == ACCEPTED
    assert send(client, iat=at) == ACCEPTED
    assert send(client, iat=outside) == (401, "issued_in_future")


def test_nbf_at_most_the_leeway_in_the_future(client: FlaskClient, app: Flask) -> None:
    inside, at, outside = edges(NOW + leeway(app), +1)
    assert send(client, nbf=inside) == ACCEPTED
    assert send(client, nbf=at) == ACCEPTED
    assert send(client, nbf=outside) == (401, "not_yet_valid")


CLIENT = '[[cirrusmd.clients]]\nclient_id = "demo-client"\nshared_secret = "demo-cirrusmd-shared-secret-change-me"\n'


@pytest.mark.parametrize("configured", [0, 30])
def test_a_configured_leeway_moves_every_edge(app_from_config: Callable[[str], Flask], configured: int) -> None:
    client = app_from_config(f"[cirrusmd]\nleeway_seconds = {configured}\n{CLIENT}").test_client()
    limit = NOW + MAX_TOKEN_LIFETIME_SECONDS + configured
    assert send(client, exp=limit) == ACCEPTED
    assert send(client, exp=limit + STEP) == (401, "token_lifetime_too_long")
    assert send(client, exp=NOW - configured + STEP, iat=NOW - 60) == ACCEPTED
    assert send(client, exp=NOW - configured, iat=NOW - 60) == (401, "token_expired")
    assert send(client, iat=NOW + configured) == ACCEPTED
    assert send(client, iat=NOW + configured + STEP) == (401, "issued_in_future")
