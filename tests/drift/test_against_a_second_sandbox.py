"""Against a second sandbox: identical where nothing differs; where a setting or a fault differs, the
divergent cases are found and named with their rule."""

from __future__ import annotations

import time
from email.utils import formatdate
from pathlib import Path

import pytest
import requests
from werkzeug.serving import WSGIRequestHandler

from tests.drift.conftest import CREDENTIALS, FAST, UpstreamFactory, drift, summary


@pytest.mark.parametrize("vendor", ["cirrusmd", "intake24", "sympto"])
def test_an_identical_second_sandbox_shows_no_divergence(upstream_factory: UpstreamFactory, vendor: str) -> None:
    upstream = upstream_factory()
    result = drift(vendor, "--upstream", upstream.url(vendor), *CREDENTIALS[vendor], *FAST)
    assert result.exit_code == 0, result.output
    cases, identical, divergences = summary(result)
    assert cases == identical > 15
    assert divergences == 0
    assert "DIVERGED" not in result.stdout


def test_a_different_cirrusmd_leeway_is_found_at_the_boundaries(upstream_factory: UpstreamFactory) -> None:
    upstream = upstream_factory(cirrusmd={"leeway_seconds": 0})  # the emulator keeps the default 5 s
    result = drift("cirrusmd", "--upstream", upstream.url("cirrusmd"), *CREDENTIALS["cirrusmd"], *FAST)
    assert result.exit_code == 1, result.output
    diverged = {line.split()[1] for line in result.stdout.splitlines() if line.startswith("DIVERGED ")}
    assert diverged == {
        "cirrusmd:boundary:exp_within_leeway",
        "cirrusmd:boundary:expired_within_leeway",
        "cirrusmd:boundary:iat_future_within_leeway",
    }
    assert "DIVERGED cirrusmd:boundary:exp_within_leeway (a request the vendor should accept" in result.stdout
    cases, identical, divergences = summary(result)
    assert (divergences, identical) == (3, cases - 3)
    # both answers side by side: the upstream refused (401), the emulator accepted (201)
    block = result.stdout.split("DIVERGED cirrusmd:boundary:exp_within_leeway", 1)[1].split("DIVERGED", 1)[0]
    assert "differs: status, body" in block
    assert "401 application/json" in block
    assert "201 application/json" in block
    assert "must NOT exceed" in block


def test_an_armed_fault_upstream_is_a_divergence_named_with_its_case(upstream_factory: UpstreamFactory) -> None:
    upstream = upstream_factory()
    armed = requests.post(upstream.control + "/faults", json={"name": "intake24.user_generation_disabled"}, timeout=5)
    assert armed.status_code in (200, 201), armed.text
    result = drift(
        "intake24",
        "--upstream",
        upstream.url("intake24"),
        *CREDENTIALS["intake24"],
        *FAST,
        "--only",
        "intake24:valid:*",
    )
    assert result.exit_code == 1, result.output
    cases, _identical, divergences = summary(result)
    assert divergences == cases == 4
    assert "DIVERGED intake24:valid:new_respondent (a request the vendor should accept; the contracts expect 200)" in (
        result.stdout
    )
    assert "differs: status, body" in result.stdout


def test_the_emulator_takes_the_upstreams_clock_from_its_date_header(
    upstream_factory: UpstreamFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vendor's clock is an hour ahead of ours: its tokens' times and its expiry rules follow its clock."""
    ahead = 3600
    monkeypatch.setattr(
        WSGIRequestHandler, "date_time_string", lambda _self, _at=None: formatdate(time.time() + ahead, usegmt=True)
    )
    upstream = upstream_factory()
    upstream.app.extensions["sandbox.clock"].shift(ahead)
    result = drift(
        "cirrusmd",
        "--upstream",
        upstream.url("cirrusmd"),
        *CREDENTIALS["cirrusmd"],
        *FAST,
        "--only",
        "cirrusmd:valid:*",
        "--only",
        "cirrusmd:boundary:*",
        "--only",
        "cirrusmd:token:expired",
    )
    assert result.exit_code == 0, result.output
    cases, identical, _ = summary(result)
    assert cases == identical == 13


def test_config_gives_the_emulator_the_vendors_settings(upstream_factory: UpstreamFactory, tmp_path: Path) -> None:
    """With the upstream's leeway in ``--config``, the boundary cases move with it and agree again."""
    upstream = upstream_factory(cirrusmd={"leeway_seconds": 0})
    settings = tmp_path / "vendor.toml"
    settings.write_text("[cirrusmd]\nleeway_seconds = 0\n", encoding="utf-8")
    result = drift(
        "cirrusmd",
        "--upstream",
        upstream.url("cirrusmd"),
        *CREDENTIALS["cirrusmd"],
        *FAST,
        *("--config", str(settings), "--only", "cirrusmd:boundary:*"),
    )
    assert result.exit_code == 0, result.output
    assert summary(result) == (7, 7, 0)
    broken = tmp_path / "broken.toml"
    broken.write_text("[cirrusmd\n", encoding="utf-8")
    refused = drift(
        "cirrusmd", "--upstream", upstream.url("cirrusmd"), *CREDENTIALS["cirrusmd"], "--config", str(broken)
    )
    assert refused.exit_code == 2
    assert "is not valid TOML" in refused.stderr
