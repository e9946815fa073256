"""A real PostgreSQL server for the shared-state tests (one per test session, one database per test).

Where PostgreSQL's server binaries are absent the tests skip, saying why; with ``CI=true`` they fail
instead, because CI installs PostgreSQL (``.ci/run``) and must run them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from sandbox.testing.postgres import PostgresUnavailable, TemporaryPostgres

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    try:
        server = TemporaryPostgres()
    except PostgresUnavailable as reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: TemporaryPostgres) -> str:
    """A fresh, empty database on the session's server."""
    return postgres_server.create_database(f"sandbox_test_{os.getpid()}_{next(_names)}")
