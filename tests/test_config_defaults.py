"""The server's settings when the config file leaves them out (issue #20: defaults tested as defaults).

The shipped file writes most keys out, so the values the sandbox falls back to were seen only by reading the
constants. Here the app is built from an empty config and each default is observed where it acts: the body limit
through HTTP, the journal's bounds and the per-tenant quotas on the services that enforce them. The documented numbers
are typed here on purpose: a changed default must fail a test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from sandbox import config
from sandbox.core.journal import JOURNAL_KEY
from sandbox.vendors.cirrusmd.wire import SERVICE_KEY as CIRRUSMD
from sandbox.vendors.intake24.wire import SERVICE_KEY as INTAKE24
from sandbox.vendors.sympto.wire import SERVICE_KEY as SYMPTO

MEBIBYTE = 1 << 20
WEEK = 7 * 24 * 3600


@pytest.fixture
def empty(app_from_config: Callable[[str], Flask]) -> Flask:
    return app_from_config("")


def test_the_default_body_limit_is_one_mebibyte(empty: Flask) -> None:
    client = empty.test_client()

    def put_clock(size: int) -> int:
        data = b'{"mode": "system", "p": "' + b"x" * (size - len(b'{"mode": "system", "p": ""}')) + b'"}'
        return client.put("/__sandbox/clock", data=data, headers={"Content-Type": "application/json"}).status_code

    assert put_clock(MEBIBYTE) == 400  # read whole (and refused for its unknown key)
    assert put_clock(MEBIBYTE + 1) == 413


def test_the_default_journal_bounds(empty: Flask) -> None:
    journal = empty.extensions[JOURNAL_KEY]
    assert (journal.max_entries, journal.max_age_seconds, journal.max_per_tenant) == (10_000, WEEK, 10_000)


def test_the_default_quotas(empty: Flask) -> None:
    assert empty.extensions[CIRRUSMD].settings.max_members == 10_000
    assert empty.extensions[INTAKE24].settings.max_respondents == 10_000
    sympto = empty.extensions[SYMPTO].settings
    assert (sympto.max_users, sympto.max_groups) == (10_000, 10_000)


def test_the_default_server_settings() -> None:
    """What ``serve`` uses with no config and no environment (the listener's settings act only in a real process)."""
    settings = config.load(None, environ={})
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert (settings.body_timeout_seconds, settings.max_pending_bodies) == (10.0, 256)
    assert (settings.admin_token, settings.allowed_hosts, settings.limits.armed_faults) == (None, (), 1000)
