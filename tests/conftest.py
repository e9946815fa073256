"""Shared fixtures: an app on a throw-away SQLite file with a frozen clock, its client, a live server, and a
real PostgreSQL server (one per test session, one database per test) for the store and shared-state tests.

Where PostgreSQL's server binaries are absent those tests skip, saying why; with ``CI=true`` they fail
instead, because CI installs PostgreSQL (``.ci/run``) and must run them.

Hypothesis profiles: ``ci`` (default, quick) and ``thorough`` (``HYPOTHESIS_PROFILE=thorough``).
"""

from __future__ import annotations

import itertools
import os
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from sandbox import config
from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core import registry
from sandbox.core.clock import Clock
from sandbox.testing.live import LiveServer
from sandbox.testing.postgres import PostgresUnavailable, TemporaryPostgres

settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The vendor packages are imported once, here, before any test runs: pytester's in-process runs restore
# sys.modules afterwards, and a vendor first imported inside one would be imported again later, defining its
# tables twice in the shared metadata.
registry.vendors()

#: A fixed instant for the frozen clock: 2026-11-21T12:00:00Z.
FROZEN_AT = 1_795_262_400.0


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sandbox.db'}"


@pytest.fixture
def sandbox_settings(database_url: str) -> Settings:
    """The built-in default configuration (demo tenants) on a throw-away database."""
    return replace(config.load_file(None), database=database_url)


@pytest.fixture
def clock() -> Clock:
    frozen = Clock()
    frozen.freeze(FROZEN_AT)
    return frozen


@pytest.fixture
def app(sandbox_settings: Settings, clock: Clock) -> Iterator[Flask]:
    application = create_app(sandbox_settings, clock=clock, random_seed=1234)
    yield application
    application.extensions["sandbox.store"].dispose()


@pytest.fixture
def app_from_config(database_url: str, clock: Clock) -> Iterator[Callable[[str], Flask]]:
    """Build the app from a config file's text (no demo sections are added) on the throw-away database and the
    frozen clock: the boundary and default tests set or leave out exactly the keys they are about."""
    built: list[Flask] = []

    def build(text: str) -> Flask:
        settings = replace(config.from_mapping(tomllib.loads(text), "test config"), database=database_url)
        application = create_app(settings, clock=clock, random_seed=1234)
        built.append(application)
        return application

    yield build
    for application in built:
        application.extensions["sandbox.store"].dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def apps_on_one_database(request: pytest.FixtureRequest) -> Iterator[list[Flask]]:
    """Two apps on one database, as two workers or two instances share it (the demo tenants, the system clock):
    on SQLite, then on PostgreSQL, for the tests of what every process sees."""
    url = request.getfixturevalue("database_url" if request.param == "sqlite" else "postgres_url")
    settings = replace(config.load_file(None), database=url)
    built = [create_app(settings, random_seed=1), create_app(settings, random_seed=2)]
    yield built
    for application in built:
        application.extensions["sandbox.store"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


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
