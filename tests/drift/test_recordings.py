"""``--record`` then ``--against``: the upstream's answers kept once, the emulator compared later without it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.drift.conftest import CREDENTIALS, FAST, SECRETS, UpstreamFactory, drift, run_id, summary

#: A whole JWT (a rejected credential may be quoted by its first 4 characters, "eyJh…", and that is fine).
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")


@pytest.mark.parametrize("vendor", ["cirrusmd", "intake24", "sympto"])
def test_a_recording_replays_without_the_upstream(
    upstream_factory: UpstreamFactory, tmp_path: Path, vendor: str
) -> None:
    upstream = upstream_factory()
    recording = tmp_path / "recording.json"
    recorded = drift(
        vendor, "--upstream", upstream.url(vendor), *CREDENTIALS[vendor], *FAST, "--record", str(recording)
    )
    assert recorded.exit_code == 0, recorded.output
    upstream.server.stop()  # the upstream is gone: the comparison needs only the file

    # no credentials needed: the emulator is configured with the recorded identity and a secret of its own
    replayed = drift(vendor, "--against", str(recording))
    assert replayed.exit_code == 0, replayed.output
    assert summary(replayed) == summary(recorded)
    assert run_id(replayed) == run_id(recorded)
    assert f"against recording {recording}" in replayed.stdout


def test_a_recording_holds_no_secret_and_no_token(upstream_factory: UpstreamFactory, tmp_path: Path) -> None:
    upstream = upstream_factory()
    for vendor in ("cirrusmd", "sympto"):
        recording = tmp_path / f"{vendor}.json"
        result = drift(
            vendor, "--upstream", upstream.url(vendor), *CREDENTIALS[vendor], *FAST, "--record", str(recording)
        )
        assert result.exit_code == 0, result.output
        text = recording.read_text(encoding="utf-8")
        for secret in SECRETS:
            assert secret not in text
        assert not JWT.search(text)  # no JWT: CirrusMD's access_token is a placeholder
        document = json.loads(text)
        assert document["format"] == "vendor-sandbox drift recording 1"
        assert len(document["cases"]) == summary(result)[0]
    sympto = json.loads((tmp_path / "sympto.json").read_text(encoding="utf-8"))
    login = next(case for case in sympto["cases"] if case["id"] == "sympto:login:valid")
    assert login["answer"]["body"] == {"Status": "OK", "Response": "<token>"}


def test_a_recording_of_a_different_vendor_shows_the_divergences_later(
    upstream_factory: UpstreamFactory, tmp_path: Path
) -> None:
    upstream = upstream_factory(cirrusmd={"leeway_seconds": 0})
    recording = tmp_path / "recording.json"
    recorded = drift(
        "cirrusmd",
        "--upstream",
        upstream.url("cirrusmd"),
        *CREDENTIALS["cirrusmd"],
        *FAST,
        "--record",
        str(recording),
        "--only",
        "cirrusmd:boundary:*",
    )
    assert recorded.exit_code == 1
    replayed = drift("cirrusmd", "--against", str(recording), "--only", "cirrusmd:boundary:*")
    assert replayed.exit_code == 1, replayed.output
    assert summary(replayed) == (7, 4, 3)
    assert "DIVERGED cirrusmd:boundary:iat_future_within_leeway" in replayed.stdout


def test_an_answer_changed_in_the_recording_is_a_divergence(upstream_factory: UpstreamFactory, tmp_path: Path) -> None:
    upstream = upstream_factory()
    recording = tmp_path / "recording.json"
    assert (
        drift(
            "sympto", "--upstream", upstream.url("sympto"), *CREDENTIALS["sympto"], *FAST, "--record", str(recording)
        ).exit_code
        == 0
    )
    document = json.loads(recording.read_text(encoding="utf-8"))
    case = next(c for c in document["cases"] if c["id"] == "sympto:patient:duplicate_email")
    case["answer"]["status"] = 409
    del document["cases"][-1]
    recording.write_text(json.dumps(document), encoding="utf-8")
    replayed = drift("sympto", "--against", str(recording))
    assert replayed.exit_code == 1, replayed.output
    assert "DIVERGED sympto:patient:duplicate_email (rule duplicate_email" in replayed.stdout
    assert "MISSING sympto:login_token:unknown_email: not in the recording" in replayed.stdout
    assert "1 divergences, 1 not in the recording" in replayed.stdout


def test_an_unusable_recording_is_a_usage_error(tmp_path: Path) -> None:
    not_one = tmp_path / "other.json"
    not_one.write_text('{"cases": []}', encoding="utf-8")
    result = drift("cirrusmd", "--against", str(not_one))
    assert result.exit_code == 2
    assert "is not a drift recording" in result.stderr
    missing = drift("cirrusmd", "--against", str(tmp_path / "nowhere.json"))
    assert missing.exit_code == 2
    assert "cannot read the recording" in missing.stderr


def test_a_recording_of_another_vendor_is_refused(upstream_factory: UpstreamFactory, tmp_path: Path) -> None:
    upstream = upstream_factory()
    recording = tmp_path / "recording.json"
    drift(
        "sympto",
        "--upstream",
        upstream.url("sympto"),
        *CREDENTIALS["sympto"],
        *FAST,
        "--record",
        str(recording),
        "--only",
        "sympto:login:valid",
    )
    result = drift("cirrusmd", "--against", str(recording))
    assert result.exit_code == 2
    assert "records sympto, not cirrusmd" in result.stderr


def test_a_replay_rebuilds_the_recorded_requests_whatever_the_emulators_leeway(
    upstream_factory: UpstreamFactory, tmp_path: Path
) -> None:
    """Recorded with a 5 s leeway on both sides; replayed on an emulator configured with 0 s: the recorded
    boundary requests are rebuilt as they were, so exactly the within-leeway cases now diverge."""
    upstream = upstream_factory()
    recording = tmp_path / "recording.json"
    only = ("--only", "cirrusmd:boundary:*")
    assert (
        drift(
            "cirrusmd",
            "--upstream",
            upstream.url("cirrusmd"),
            *CREDENTIALS["cirrusmd"],
            *FAST,
            *only,
            "--record",
            str(recording),
        ).exit_code
        == 0
    )
    settings = tmp_path / "strict.toml"
    settings.write_text("[cirrusmd]\nleeway_seconds = 0\n", encoding="utf-8")
    replayed = drift("cirrusmd", "--against", str(recording), "--config", str(settings), *only)
    assert replayed.exit_code == 1, replayed.output
    diverged = {line.split()[1] for line in replayed.stdout.splitlines() if line.startswith("DIVERGED ")}
    assert diverged == {
        "cirrusmd:boundary:exp_within_leeway",
        "cirrusmd:boundary:expired_within_leeway",
        "cirrusmd:boundary:iat_future_within_leeway",
    }
