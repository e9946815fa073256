"""What a real ``vendor-sandbox serve`` prints: its version, one access line per exchange (redacted),
in text or JSON, silenced by ``--log-level warning``, without Granian's start-up chatter, and a
dropped connection logged and journaled as ``dropped``, never as an accepted answer plus a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest
import requests
from flask import Flask, jsonify

from sandbox.testing.live import LiveServer
from tests.support import SandboxProcess, executable

#: The demo Sympto clinic admin (README, "Demo tenants").
DEMO_ADMIN = "demo-admin@example.test"
DEMO_SECRET = "demo-sympto-api-secret"
#: Sent where the journal and the log must never show it: a request body, and a declared secret query parameter.
BODY_SECRET = "body-secret-4f1d8a2c-never-logged"
QUERY_SECRET = "auth-code-9b7e31d0-never-logged"
PARTNER_SECRET = "partner-secret-0123456789"
#: ``SandboxProcess`` quiets the access lines (its pipe is read only at the end): these tests want the default.
DEFAULT_LEVEL = {"VENDOR_SANDBOX_LOG_LEVEL": "info"}


def version() -> str:
    return metadata.version("vendor-sandbox")


@pytest.fixture(scope="module")
def partner() -> Iterator[LiveServer]:
    """A partner's webhook that says yes to everything: the sandbox's outbound call has somewhere to go."""
    app = Flask("partner")

    @app.post("/webhook")
    def webhook() -> object:
        return jsonify(userAuthToken="partner-token", ok=True)

    with LiveServer(app) as server:
        yield server


def exchanges(sandbox: SandboxProcess, partner: LiveServer) -> None:
    """An accepted and a rejected inbound exchange, and an outbound call to the partner."""
    accepted = requests.post(
        f"{sandbox.url}/sympto/authorization", json={"clientId": DEMO_ADMIN, "clientSecret": DEMO_SECRET}, timeout=10
    )
    assert accepted.status_code == 200, accepted.text
    rejected = requests.post(
        f"{sandbox.url}/sympto/authorization", json={"clientId": DEMO_ADMIN, "clientSecret": BODY_SECRET}, timeout=10
    )
    assert rejected.status_code >= 400, rejected.text
    registered = requests.post(
        f"{sandbox.url}/sympto/clinicAdmin/clinics/endpoint",
        headers={"Authorization": f"Bearer {accepted.json()['Response']}"},
        json={
            "endpointURL": f"{partner.url}/webhook",
            "clientId": "partner-id",
            "clientSecret": PARTNER_SECRET,
            "endpointQueryParam": "Log",
        },
        timeout=10,
    )
    assert registered.status_code == 200, registered.text
    requests.get(f"{sandbox.url}/sympto/?authCodeLog={QUERY_SECRET}", timeout=20)


def stopped_output(sandbox: SandboxProcess) -> str:
    assert sandbox.terminate() == 0
    return sandbox.output


def assert_nothing_secret(output: str) -> None:
    for secret in (BODY_SECRET, QUERY_SECRET, PARTNER_SECRET, DEMO_SECRET):
        assert secret not in output


def test_version_prints_the_installed_distributions_version() -> None:
    result = subprocess.run([executable(), "--version"], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout == f"vendor-sandbox {version()}\n"


def test_text_access_lines_banner_version_and_no_granian_chatter(tmp_path: Path, partner: LiveServer) -> None:
    sandbox = SandboxProcess(tmp_path, environment=DEFAULT_LEVEL)
    try:
        health = requests.get(sandbox.url + "/__sandbox/health", timeout=10).json()
        exchanges(sandbox, partner)
    finally:
        output = stopped_output(sandbox)
    assert health["version"] == version()
    lines = output.splitlines()
    assert lines[0].startswith(f"vendor-sandbox {version()} on {sandbox.url} "), output
    access = [line for line in lines if "] inbound " in line or "] outbound " in line]
    assert any(" inbound sympto POST /sympto/authorization 200 accepted " in line for line in access), output
    assert any(" inbound sympto POST /sympto/authorization 401 rejected " in line for line in access), output
    assert any(" outbound sympto POST " in line and f"{partner.url}/webhook" in line for line in access), output
    assert any("/sympto/?authCodeLog=[redacted]" in line for line in access), output
    assert all(line.endswith(" ms") and line.split()[1] == "[INFO]" for line in access), output
    assert_nothing_secret(output)
    # Granian's own lines repeat the banner ("Starting granian", "Listening at", "Spawning worker"):
    # none at the default level, and no warning about a setting serve made on purpose.
    assert "granian" not in output.lower(), output
    assert "WARNING" not in output, output
    assert "threads" not in output, output


def test_json_lines_each_parse_and_carry_the_exchange(tmp_path: Path, partner: LiveServer) -> None:
    sandbox = SandboxProcess(tmp_path, "--log-format", "json", environment=DEFAULT_LEVEL)
    try:
        exchanges(sandbox, partner)
    finally:
        output = stopped_output(sandbox)
    documents = [json.loads(line) for line in output.splitlines()]  # every line, the banner included
    assert documents[0]["message"].startswith(f"vendor-sandbox {version()} on ")
    access = [d for d in documents if d["logger"] == "vendor_sandbox.access"]
    seen = {(d["direction"], d["method"], d["status"], d["verdict"]) for d in access}
    assert ("inbound", "POST", 200, "accepted") in seen, access
    assert ("inbound", "POST", 401, "rejected") in seen, access
    outbound = [d for d in access if d["direction"] == "outbound"]
    assert outbound, access
    assert outbound[0]["path"] == f"{partner.url}/webhook", access
    assert all(set(d) >= {"time", "level", "vendor", "path", "rule", "ms", "correlation_id"} for d in access)
    assert any(d["path"] == "/sympto/?authCodeLog=[redacted]" for d in access), access
    assert_nothing_secret(output)


def test_log_level_warning_silences_the_access_lines(tmp_path: Path, partner: LiveServer) -> None:
    sandbox = SandboxProcess(tmp_path, "--log-level", "warning", environment=DEFAULT_LEVEL)  # the flag wins
    try:
        exchanges(sandbox, partner)
    finally:
        output = stopped_output(sandbox)
    assert output.splitlines()[0].startswith(f"vendor-sandbox {version()} on "), output  # the banner stays
    assert "[INFO]" not in output, output
    assert " inbound " not in output, output
    assert " outbound " not in output, output


def test_a_dropped_connection_is_journaled_and_logged_as_dropped_without_a_traceback(tmp_path: Path) -> None:
    sandbox = SandboxProcess(tmp_path, environment=DEFAULT_LEVEL)
    try:
        armed = requests.post(
            f"{sandbox.url}/__sandbox/faults", json={"vendor": "cirrusmd", "drop": True, "times": 1}, timeout=10
        )
        assert armed.status_code in (200, 201), armed.text
        with pytest.raises(requests.exceptions.RequestException):
            requests.post(f"{sandbox.url}/cirrusmd/sdk/v2/public/sessions", json={}, timeout=10)
        entries = requests.get(f"{sandbox.url}/__sandbox/journal", params={"vendor": "cirrusmd"}, timeout=10).json()
        [entry] = entries["entries"]
        dropped = requests.get(f"{sandbox.url}/__sandbox/journal", params={"verdict": "dropped"}, timeout=10)
    finally:
        output = stopped_output(sandbox)
    assert (entry["verdict"], entry["rule"]) == ("dropped", "fault:cirrusmd.custom_drop")
    assert [e["id"] for e in dropped.json()["entries"]] == [entry["id"]]
    [line] = [line for line in output.splitlines() if " inbound cirrusmd " in line]
    assert " 200 dropped fault:cirrusmd.custom_drop " in line, output
    assert "accepted" not in line
    for noise in ("ConnectionAbortedError", "Traceback", "[ERROR]"):
        assert noise not in output, output


def test_a_real_granian_error_stays_visible(tmp_path: Path) -> None:
    """The quieting hides Granian's chatter, not its errors: a worker killed under it is reported."""
    sandbox = SandboxProcess(tmp_path, environment=DEFAULT_LEVEL)
    try:
        children = Path(f"/proc/{sandbox.process.pid}/task/{sandbox.process.pid}/children")
        [worker] = children.read_text().split()
        os.kill(int(worker), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:  # a new worker (respawn_failed_workers) that answers: the death was seen and reported
            respawned = children.read_text().split() not in ([], [worker])
            try:
                if respawned and requests.get(sandbox.url + "/__sandbox/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the worker was not respawned"
            time.sleep(0.1)
    finally:
        output = stopped_output(sandbox)
    assert "[ERROR] Unexpected exit from worker-1" in output, output


def test_log_level_debug_shows_granians_own_lines(tmp_path: Path) -> None:
    sandbox = SandboxProcess(tmp_path, "--log-level", "debug")
    output = stopped_output(sandbox)
    assert "[INFO] Starting granian" in output, output
    assert "[INFO] Granian shutdown completed" in output, output
