"""Safe against a real vendor: a dry run sends nothing, the rate is bounded, identities are the run's own,
an unreachable upstream is one clear line and exit 2, usage mistakes are exit 2 before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from sandbox.drift.pacing import Pacer
from tests.drift.conftest import CREDENTIALS, FAST, Upstream, drift, run_id, summary
from tests.support import closed_port


def _journal(upstream: Upstream) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = requests.get(upstream.control + "/journal", timeout=5).json()["entries"]
    return entries


@pytest.mark.parametrize("vendor", ["cirrusmd", "intake24", "sympto"])
def test_a_dry_run_prints_the_corpus_and_sends_nothing(upstream: Upstream, vendor: str) -> None:
    result = drift(vendor, "--upstream", upstream.url(vendor), *CREDENTIALS[vendor], *FAST, "--dry-run")
    assert result.exit_code == 0, result.output
    assert _journal(upstream) == []
    ids = [line.split()[0] for line in result.stdout.splitlines() if line.startswith(f"{vendor}:")]
    assert len(ids) == len(set(ids)) > 15
    assert "dry run: nothing sent" in result.stdout
    assert "may create" in result.stdout
    assert "drift-" in result.stdout
    for secret_option in CREDENTIALS[vendor][3:]:
        assert secret_option not in result.output


def test_the_run_notes_what_it_may_create_before_it_starts(upstream: Upstream) -> None:
    result = drift("sympto", "--upstream", upstream.url("sympto"), *CREDENTIALS["sympto"], *FAST)
    assert result.exit_code == 0, result.output
    note = result.stderr.splitlines()[0]
    identity = run_id(result)
    assert note.startswith(f"drift run {identity} (seed 7): ")
    assert f"patient drift-{identity}-0@example.test" in note
    assert "at most 1000 requests/s" in note


def test_every_identity_created_upstream_is_namespaced_by_the_run(upstream: Upstream) -> None:
    runs = {}
    for vendor in ("cirrusmd", "intake24", "sympto"):
        result = drift(vendor, "--upstream", upstream.url(vendor), *CREDENTIALS[vendor], *FAST)
        assert result.exit_code == 0, result.output
        runs[vendor] = f"drift-{run_id(result)}-"
    members = requests.get(upstream.control + "/cirrusmd/members", timeout=5).json()["members"]
    respondents = requests.get(upstream.control + "/intake24/surveys/demo/respondents", timeout=5).json()
    users = requests.get(upstream.control + "/sympto/users?clinic_id=demo-clinic", timeout=5).json()["users"]
    assert members
    assert all(m["external_user_id"].startswith(runs["cirrusmd"]) for m in members)
    names = [r["username"] for r in respondents["respondents"]]
    assert names
    assert all(name.startswith(runs["intake24"]) for name in names)
    patients = [u["email"] for u in users if u["email"] != "demo-admin@example.test"]
    assert patients
    assert all(email.startswith(runs["sympto"]) and email.endswith("@example.test") for email in patients)


def test_the_upstream_gets_no_more_than_the_rate(upstream: Upstream) -> None:
    rate = 5.0
    result = drift(
        "cirrusmd",
        "--upstream",
        upstream.url("cirrusmd"),
        *CREDENTIALS["cirrusmd"],
        *("--examples", "3", "--seed", "7", "--rate", str(rate), "--only", "cirrusmd:valid:*"),
    )
    assert result.exit_code == 0, result.output
    arrivals = sorted(float(str(entry["at"])) for entry in _journal(upstream))
    assert len(arrivals) == summary(result)[0] + 1  # the cases and the first GET that reads the upstream's clock
    # the upstream's own arrival stamps (less a little: the first request may be handled late)
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 1) / rate - 0.2


def test_the_pacer_spaces_calls_by_the_interval() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait()
    assert slept == [0.25] * 4
    now[0] += 10  # an idle moment is not credit for a burst
    pacer.wait()
    pacer.wait()
    assert slept == [0.25] * 5


def test_an_unreachable_upstream_is_one_line_and_exit_2() -> None:
    with closed_port() as port:  # nothing listens there, and nothing can start to while the test runs
        result = drift("cirrusmd", "--upstream", f"http://127.0.0.1:{port}/cirrusmd", *CREDENTIALS["cirrusmd"], *FAST)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: cannot reach the upstream http://127.0.0.1:{port}/cirrusmd (ConnectionError)"]
    assert "Traceback" not in result.output
    assert "DIVERGED" not in result.stdout


def test_a_url_with_credentials_is_never_echoed() -> None:
    with closed_port() as port:  # unreachable on purpose: the refusal's message is what is read
        result = drift(
            "cirrusmd",
            "--upstream",
            f"http://user:hunter2@127.0.0.1:{port}/cirrusmd?key=k3y",
            *CREDENTIALS["cirrusmd"],
            *FAST,
        )
    assert result.exit_code == 2
    assert "hunter2" not in result.output
    assert "k3y" not in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["cirrusmd", "--upstream", "http://127.0.0.1:9/cirrusmd", "--client-id", "c"], "cirrusmd needs --secret"),
        (["intake24", "--upstream", "http://127.0.0.1:9/intake24", "--jwt-secret", "k"], "intake24 needs --survey"),
        (
            ["sympto", "--upstream", "http://127.0.0.1:9/sympto", *CREDENTIALS["sympto"], "--secret", "x"],
            "--secret is not a sympto option",
        ),
        (["cirrusmd", *CREDENTIALS["cirrusmd"]], "give --upstream URL"),
        (["cirrusmd", "--upstream", "ftp://127.0.0.1/cirrusmd", *CREDENTIALS["cirrusmd"]], "http:// or https://"),
        (
            ["cirrusmd", "--upstream", "http://127.0.0.1:9/cirrusmd", "--against", "x.json", *CREDENTIALS["cirrusmd"]],
            "not both",
        ),
        (
            ["cirrusmd", "--upstream", "http://127.0.0.1:9/cirrusmd", *CREDENTIALS["cirrusmd"], "--only", "nothing:*"],
            "--only matches no case",
        ),
    ],
)
def test_usage_mistakes_are_exit_2_before_anything_is_sent(arguments: list[str], message: str) -> None:
    result = drift(*arguments)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_cases_from_a_file_are_sent_and_compared(upstream: Upstream, tmp_path: Path) -> None:
    cases = tmp_path / "cases.json"
    cases.write_text(
        json.dumps(
            [
                {
                    "name": "plan-only",
                    "path": "/sdk/v2/public/sessions",
                    "auth": "valid",
                    "rule": "invalid_body",
                    "headers": {"Accept": "application/json"},
                    "body": {"external_user_id": "{id}", "external_plan_id": "p", "metadata": {}},
                },
                {
                    "name": "short-lived",
                    "path": "/sdk/v2/public/sessions",
                    "auth": "valid",
                    "claims": {"exp": "now+30"},
                    "body": {
                        "external_user_id": "{id}",
                        "email": "a@example.test",
                        "first_name": "A",
                        "last_name": "B",
                        "dob": "1990-01-01",
                        "gender": "female",
                        "member_id": "m",
                        "metadata": {},
                    },
                },
            ]
        ),
        encoding="utf-8",
    )
    result = drift(
        "cirrusmd",
        "--upstream",
        upstream.url("cirrusmd"),
        *CREDENTIALS["cirrusmd"],
        *FAST,
        "--cases",
        str(cases),
        "--only",
        "cirrusmd:file:*",
    )
    assert result.exit_code == 0, result.output
    assert summary(result) == (2, 2, 0)
    statuses = sorted(entry["status"] for entry in _journal(upstream) if entry.get("method") == "POST")
    assert statuses == [201, 422]
    members = requests.get(upstream.control + "/cirrusmd/members", timeout=5).json()["members"]
    assert [m["external_user_id"] for m in members] == [f"drift-{run_id(result)}-f1"]


def test_a_broken_cases_file_is_a_usage_error(tmp_path: Path) -> None:
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps([{"name": "x", "path": "no-slash"}]), encoding="utf-8")
    result = drift(
        "cirrusmd", "--upstream", "http://127.0.0.1:9/cirrusmd", *CREDENTIALS["cirrusmd"], "--cases", str(cases)
    )
    assert result.exit_code == 2
    assert "--cases entry 1 needs a `path`" in result.stderr
