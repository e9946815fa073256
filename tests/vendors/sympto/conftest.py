"""Sympto fixtures: the demo clinic admin's bearer token, a sandbox with tuned settings, a partner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.app import create_app
from sandbox.config import Settings
from sandbox.core.clock import Clock
from sandbox.fixtures.partners.sympto import correct
from sandbox.testing.live import LiveServer
from tests.vendors.sympto.support import JWT_SECRET, PARTNER_ID, PARTNER_SECRET, login


@pytest.fixture
def headers(client: FlaskClient) -> dict[str, str]:
    return login(client)


@pytest.fixture
def make_app(sandbox_settings: Settings, clock: Clock) -> Iterator[Callable[..., Flask]]:
    """A sandbox whose ``[sympto]`` section has ``overrides`` applied."""
    made: list[Flask] = []

    def make(**overrides: Any) -> Flask:
        vendors = dict(sandbox_settings.vendors)
        vendors["sympto"] = {**vendors["sympto"], **overrides}
        application = create_app(replace(sandbox_settings, vendors=vendors), clock=clock, random_seed=99)
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["sandbox.store"].dispose()


@pytest.fixture
def partner() -> Iterator[LiveServer]:
    """The correct reference partner on a real loopback port."""
    with LiveServer(correct.create_app(PARTNER_ID, PARTNER_SECRET, JWT_SECRET)) as server:
        yield server
