"""Drift tests: a second sandbox as the upstream (in process on a loopback port), the command run in process."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from sandbox import config
from sandbox.app import create_app
from sandbox.cli import main
from sandbox.testing.live import LiveServer

#: Each vendor's demo credentials as drift options.
CREDENTIALS = {
    "cirrusmd": ["--client-id", "demo-client", "--secret", "demo-cirrusmd-shared-secret-change-me"],
    "intake24": ["--survey", "demo", "--jwt-secret", "demo-intake24-jwt-secret-change-me"],
    "sympto": ["--admin", "demo-admin@example.test", "--api-secret", "demo-sympto-api-secret"],
}
SECRETS = ("demo-cirrusmd-shared-secret-change-me", "demo-intake24-jwt-secret-change-me", "demo-sympto-api-secret")
#: Fast runs: few drawn examples, no pacing to speak of.
FAST = ["--examples", "2", "--seed", "7", "--rate", "1000"]
SUMMARY = re.compile(r"(\d+) cases, (\d+) identical, (\d+) divergences")
RUN_ID = re.compile(r"\(run ([0-9a-f]{8}), seed")


@dataclass
class Upstream:
    app: Flask
    server: LiveServer

    def url(self, vendor: str) -> str:
        return f"{self.server.url}/{vendor}"

    @property
    def control(self) -> str:
        return f"{self.server.url}/__sandbox"


UpstreamFactory = Callable[..., Upstream]


@pytest.fixture
def upstream_factory(tmp_path: Path) -> Iterator[UpstreamFactory]:
    """``make(cirrusmd={"leeway_seconds": 0})``: a sandbox with the demo tenants and these vendor settings changed."""
    started: list[Upstream] = []

    def make(**vendor_changes: dict[str, Any]) -> Upstream:
        settings = config.load_file(None)
        vendors = {name: {**section, **vendor_changes.get(name, {})} for name, section in settings.vendors.items()}
        database = f"sqlite:///{tmp_path / f'upstream-{len(started)}.db'}"
        app = create_app(replace(settings, vendors=vendors, database=database), random_seed=99)
        upstream = Upstream(app, LiveServer(app).start())
        started.append(upstream)
        return upstream

    yield make
    for upstream in started:
        upstream.server.stop()
        upstream.app.extensions["sandbox.store"].dispose()


@pytest.fixture
def upstream(upstream_factory: UpstreamFactory) -> Upstream:
    return upstream_factory()


def drift(*args: str) -> Result:
    """``vendor-sandbox drift ARGS`` in process; ``result.stdout`` / ``result.stderr`` apart."""
    return CliRunner().invoke(main, ["drift", *args], catch_exceptions=False)


def summary(result: Result) -> tuple[int, int, int]:
    found = SUMMARY.search(result.stdout)
    assert found is not None, result.output
    cases, identical, divergences = (int(group) for group in found.groups())
    return cases, identical, divergences


def run_id(result: Result) -> str:
    found = RUN_ID.search(result.stdout)
    assert found is not None, result.output
    return found.group(1)
