"""The sandbox never calls itself (issue 12, item 1), attacked through a real ``vendor-sandbox serve``.

A Sympto clinic admin (a partner-facing caller) registers an ``endpointURL`` aimed at the sandbox's
own control plane, in every spelling of "this machine"; a plain page load (an ``<img>`` can send
one) must not reach it: armed faults, the clock offset, the journal and another clinic's patients
survive, and the journal shows the refused outbound call. The same for an Intake24 notification
URL, a partner redirecting to the control plane, and a partner relaying the call to it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, Response, request

from contracts.jws import sign_hmac
from sandbox.core.selfcall import MARKER_HEADER
from sandbox.testing.live import LiveServer
from sandbox.testing.sandbox import VendorSandbox
from tests.support import SandboxProcess, executable

PARTNER_ID = "partner-client-id"
PARTNER_SECRET = "partner-client-secret"
ATTACKER = ("clinic-a", "admin-a@example.test", "clinic-a-secret-0123456789")
VICTIM = ("clinic-b", "admin-b@example.test", "clinic-b-secret-0123456789")
PATIENT = {
    "firstName": "Pat",
    "lastName": "Ient",
    "timeZone": "America/Los_Angeles",
    "email": "pat-b@example.test",
    "notificationType": ["email"],
}
OFFSET_SECONDS = 3600.0
SURVEY_SECRET = "survey-secret-0123456789-0123456789"
#: Every spelling of "this machine" an integrator (or an attacker) might write.
SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "0x7f.1",
    "2130706433",
    "localhost",
    "localhost.",
    "0.0.0.0",
    "[::ffff:127.0.0.1]",
    "[::1]",
]
#: The spellings that resolve here to the address the sandbox listens on (127.0.0.1).
RESOLVE_TO_THE_SANDBOX = {"127.0.0.1", "127.1", "0x7f.1", "2130706433", "localhost", "0.0.0.0", "[::ffff:127.0.0.1]"}
TARGETS = ["/__sandbox/reset", "/__sandbox/reset?vendor=sympto&tenant=clinic-b"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """Two workers: what one worker learns about where it listens, the other must know too."""
    process = SandboxProcess(Path(tmp_path_factory.mktemp("selfcall")), "--workers", "2")
    yield process
    process.kill()


@pytest.fixture
def sandbox(server: SandboxProcess) -> VendorSandbox:
    sandbox = VendorSandbox(server.url)
    sandbox.reset()
    return sandbox


def bearer(base: str, clinic: tuple[str, str, str]) -> dict[str, str]:
    answer = requests.post(
        f"{base}/sympto/authorization", json={"clientId": clinic[1], "clientSecret": clinic[2]}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['Response']}"}


def plant_state(sandbox: VendorSandbox) -> dict[str, Any]:
    """Two clinics (B with a patient), an armed fault, a shifted clock and journal entries."""
    base = sandbox.base_url
    for clinic_id, email, secret in (ATTACKER, VICTIM):
        sandbox.sympto_clinic(clinic_id, email, secret)
    created = requests.post(f"{base}/sympto/providers/patients", json=PATIENT, headers=bearer(base, VICTIM), timeout=10)
    assert created.status_code == 200, created.text
    fault = sandbox.faults.arm("cirrusmd.token_expired", times=5)
    sandbox.clock.shift(OFFSET_SECONDS)
    return {"fault": fault["id"], "journal": {e["id"] for e in sandbox.journal.entries()}}


def assert_state_survived(sandbox: VendorSandbox, planted: dict[str, Any]) -> None:
    assert [fault["id"] for fault in sandbox.faults.armed()] == [planted["fault"]]
    assert sandbox.clock.state()["offset_seconds"] == OFFSET_SECONDS
    assert "pat-b@example.test" in {user.get("email") for user in sandbox.sympto_users("clinic-b")}
    assert planted["journal"] <= {e["id"] for e in sandbox.journal.entries()}, "the journal was wiped"


def register(base: str, url: str) -> requests.Response:
    return requests.post(
        f"{base}/sympto/clinicAdmin/clinics/endpoint",
        headers=bearer(base, ATTACKER),
        json={"endpointURL": url, "clientId": PARTNER_ID, "clientSecret": PARTNER_SECRET, "endpointQueryParam": "Evil"},
        timeout=10,
    )


def verdict(page: str) -> dict[str, Any]:
    marker = '<script type="application/json" id="sandbox-verdict">'
    start = page.index(marker) + len(marker)
    found: dict[str, Any] = json.loads(page[start : page.index("</script>", start)])
    return found


def outbound_entries(sandbox: VendorSandbox, vendor: str, wait: float = 0.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + wait
    while True:
        found = [e.entry for e in sandbox.journal.entries(vendor, direction="outbound")]
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_sympto_endpoint_url_aimed_at_the_control_plane_changes_nothing(
    server: SandboxProcess, sandbox: VendorSandbox, spelling: str, target: str
) -> None:
    planted = plant_state(sandbox)
    registered = register(server.url, f"http://{spelling}:{server.port}{target}")
    if registered.status_code == 200:  # Sympto refuses IPv6 literals (and a trailing dot) at registration
        page = requests.get(f"{server.url}/sympto/?authCodeEvil=x", timeout=20)
        assert_state_survived(sandbox, planted)
        assert page.status_code == 401
        found = verdict(page.text)
        assert found["ok"] is False
        if spelling in RESOLVE_TO_THE_SANDBOX:
            assert found["rule"] == "self_call", found
            assert "Point the URL at your partner service, not at the sandbox" in found["message"]
            [call] = outbound_entries(sandbox, "sympto")
            assert (call["verdict"], call["rule"], call["status"], call["tenant"]) == (
                "rejected",
                "self_call",
                None,
                "clinic-a",
            )
    else:
        assert spelling not in ("127.0.0.1", "localhost"), registered.text
    assert_state_survived(sandbox, planted)


def test_a_sympto_endpoint_url_aimed_at_the_sandboxs_own_page_load_does_not_loop(
    server: SandboxProcess, sandbox: VendorSandbox
) -> None:
    plant_state(sandbox)
    assert register(server.url, f"http://127.0.0.1:{server.port}/sympto/?authCodeEvil=again").status_code == 200
    started = time.monotonic()
    page = requests.get(f"{server.url}/sympto/?authCodeEvil=x", timeout=20)
    assert verdict(page.text)["rule"] == "self_call"
    assert time.monotonic() - started < 3
    assert [e["rule"] for e in outbound_entries(sandbox, "sympto")] == ["self_call"]


def start_intake24_session(base: str, slug: str) -> None:
    created = requests.post(
        f"{base}/intake24/api/surveys/{slug}/create-user",
        json={"token": sign_hmac({"username": "respondent-1"}, SURVEY_SECRET, "HS256")},
        timeout=10,
    )
    assert created.status_code == 200, created.text
    login = requests.post(
        f"{base}/intake24/api/auth/login/token", json={"token": created.json()["authToken"]}, timeout=10
    )
    assert login.status_code == 200, login.text
    session = requests.post(
        f"{base}/intake24/api/surveys/{slug}/session",
        json={},
        headers={"Authorization": "Bearer " + login.json()["accessToken"]},
        timeout=10,
    )
    assert session.status_code == 200, session.text


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_intake24_notification_url_aimed_at_the_control_plane_changes_nothing(
    server: SandboxProcess, sandbox: VendorSandbox, spelling: str, target: str
) -> None:
    planted = plant_state(sandbox)
    url = f"http://{spelling}:{server.port}{target}"
    sandbox.intake24_survey(
        "hooks",
        allowGenUsers=True,
        genUserKey=SURVEY_SECRET,
        notifications=[{"type": "survey.session.started", "channel": "webhook", "url": url}],
    )
    start_intake24_session(server.url, "hooks")
    [call] = outbound_entries(sandbox, "intake24", wait=10)
    assert_state_survived(sandbox, planted)
    assert (call["verdict"], call["status"]) == ("rejected", None)
    if spelling in RESOLVE_TO_THE_SANDBOX:
        assert call["rule"] == "self_call", call
    assert_state_survived(sandbox, planted)


@pytest.mark.parametrize("status", [302, 307])
def test_a_partner_redirecting_to_the_control_plane_is_refused_as_a_self_call(
    server: SandboxProcess, sandbox: VendorSandbox, status: int
) -> None:
    """The page load follows redirects as axios does (issue 13, item 17); the hop to the sandbox's own
    control plane is refused (rule ``self_call``) before anything is sent: 307 would repeat the POST."""
    planted = plant_state(sandbox)
    partner = Flask("redirecting-partner")
    partner.add_url_rule(
        "/hook",
        "hook",
        lambda: ("", status, {"Location": f"{server.url}/__sandbox/reset?vendor=sympto&tenant=clinic-b"}),
        methods=["POST"],
    )
    with LiveServer(partner) as other:
        assert register(server.url, other.url + "/hook").status_code == 200
        page = requests.get(f"{server.url}/sympto/?authCodeEvil=x", timeout=20)
    assert verdict(page.text)["rule"] == "self_call"
    calls = outbound_entries(sandbox, "sympto")
    assert sorted((e["status"] or 0, e["rule"] or "") for e in calls) == [(0, "self_call"), (status, "")]
    assert_state_survived(sandbox, planted)


def test_a_partner_relaying_the_call_to_the_control_plane_is_refused_by_the_marker(
    server: SandboxProcess, sandbox: VendorSandbox
) -> None:
    """A port forward or reverse proxy on another port: the address check cannot see through it; the marker can."""
    planted = plant_state(sandbox)
    relay = Flask("relay")

    @relay.post("/hook")
    def forward() -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        answer = requests.post(
            f"{server.url}/__sandbox/reset",
            params={"vendor": "sympto", "tenant": "clinic-b"},
            headers=headers,
            timeout=10,
        )
        return Response(answer.content, status=answer.status_code, content_type=answer.headers.get("Content-Type"))

    with LiveServer(relay) as other:
        assert register(server.url, other.url + "/hook").status_code == 200
        page = requests.get(f"{server.url}/sympto/?authCodeEvil=x", timeout=20)
    found = verdict(page.text)
    assert (found["rule"], found["partner"]["status"]) == ("not_200", 403)
    assert "sent by the sandbox itself" in found["partner"]["body_excerpt"]
    assert_state_survived(sandbox, planted)


def test_the_control_plane_and_the_vendor_routes_refuse_a_request_carrying_the_marker(
    server: SandboxProcess, sandbox: VendorSandbox
) -> None:
    planted = plant_state(sandbox)
    refused = requests.post(f"{server.url}/__sandbox/reset", headers={MARKER_HEADER: "1"}, timeout=10)
    assert refused.status_code == 403
    assert list(refused.json()) == ["error"]  # the control plane's own shape
    assert "sent by the sandbox itself" in refused.json()["error"]
    page = requests.get(f"{server.url}/sympto/providers/patient", headers={MARKER_HEADER: "1"}, timeout=10)
    assert page.status_code == 403
    assert (page.json()["Status"], page.json()["Code"]) == ("ERROR", "sandbox_self_call")  # Sympto's shape
    assert_state_survived(sandbox, planted)
    [entry] = [e for e in sandbox.journal.entries("sympto", rule="sandbox_self_call")]
    assert entry["verdict"] == "rejected"


def test_serve_on_port_0_names_the_port_it_chose_and_never_calls_it(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [executable(), "serve", "--port", "0", "--workers", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        found = re.search(r"on http://127\.0\.0\.1:(\d+) ", banner)
        assert found, banner
        port = int(found.group(1))
        assert port != 0
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(base + "/__sandbox/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, "serve --port 0 stopped"
            assert time.monotonic() < deadline, "serve --port 0 did not start"
            time.sleep(0.05)
        sandbox = VendorSandbox(base)
        sandbox.reset()
        planted = plant_state(sandbox)
        assert register(base, f"http://127.1:{port}/__sandbox/reset").status_code == 200
        page = requests.get(f"{base}/sympto/?authCodeEvil=x", timeout=20)
        assert verdict(page.text)["rule"] == "self_call"
        assert_state_survived(sandbox, planted)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        if process.stdout:
            process.stdout.close()
