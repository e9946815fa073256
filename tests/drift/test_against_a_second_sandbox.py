"""Against a second sandbox: identical where nothing differs; where a setting or a fault differs, the
divergent cases are found and named with their rule."""

from __future__ import annotations

import json
import time
from email.utils import formatdate
from pathlib import Path

import pytest
import requests
from werkzeug.serving import WSGIRequestHandler

from tests.drift.conftest import CREDENTIALS, FAST, Upstream, UpstreamFactory, drift, summary


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


def _personal_access_token(upstream: Upstream) -> str:
    issued = requests.post(upstream.control + "/intake24/personal-access-tokens", json={"name": "drift"}, timeout=5)
    assert issued.status_code == 201, issued.text
    return str(issued.json()["jwt"])


def test_the_intake24_respondent_api_is_compared_with_an_admin_token(
    upstream_factory: UpstreamFactory, tmp_path: Path
) -> None:
    upstream = upstream_factory()
    token = _personal_access_token(upstream)
    # make the upstream's survey id differ from the emulator's: each side must use its own
    requests.put(upstream.control + "/intake24/surveys/other", json={"allowGenUsers": False}, timeout=5)
    requests.delete(upstream.control + "/intake24/surveys/demo", timeout=5)
    requests.put(
        upstream.control + "/intake24/surveys/demo",
        json={
            "allowGenUsers": True,
            "genUserKey": "demo-intake24-jwt-secret-change-me",
            "userPersonalIdentifiers": True,
            "userCustomFields": True,
        },
        timeout=5,
    )
    surveys = requests.get(upstream.control + "/intake24/surveys", timeout=5).json()["surveys"]
    survey_id = next(str(s["id"]) for s in surveys if s["slug"] == "demo")
    assert survey_id != "1"
    recording, page = tmp_path / "recording.json", tmp_path / "drift.html"
    admin = ("--admin-token", token, "--survey-id", survey_id)
    result = drift(
        "intake24",
        "--upstream",
        upstream.url("intake24"),
        *CREDENTIALS["intake24"],
        *admin,
        *FAST,
        "--record",
        str(recording),
        "--html",
        str(page),
    )
    assert result.exit_code == 0, result.output
    for case in ("respondent", "search", "unknown_respondent", "page_zero", "no_token"):
        assert f"intake24:admin:{case}" in recording.read_text(encoding="utf-8")
    document = json.loads(recording.read_text(encoding="utf-8"))
    entry = next(c for c in document["cases"] if c["id"] == "intake24:admin:respondent")["answer"]["body"]
    assert entry["username"] == "drift-<run>-0"
    assert entry["surveyAuthUrl"] == "<base>/survey/a/<token>"  # a sign-in link is a credential
    shown = result.output + recording.read_text(encoding="utf-8") + page.read_text(encoding="utf-8")
    assert token not in shown
    assert drift("intake24", "--against", str(recording)).exit_code == 0


def test_an_admin_token_needs_the_survey_id() -> None:
    result = drift(
        "intake24", "--upstream", "http://127.0.0.1:9/intake24", *CREDENTIALS["intake24"], "--admin-token", "t"
    )
    assert result.exit_code == 2
    assert "needs both --admin-token and --survey-id" in result.stderr
