"""The command line can do what the control plane can: custom faults, tenant clocks, tokens for every
vendor (checked by the sandbox itself), and every command and option explains itself."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from urllib.parse import quote

import click
import pytest
import requests
from click.testing import CliRunner
from flask.testing import FlaskClient

from contracts.intake24.tokens import CASES as INTAKE24_CASES
from contracts.sympto.codes import CASES as SYMPTO_CASES
from contracts.sympto.codes import REFUSED_RULE, REFUSED_STATUS
from sandbox.cli import main
from sandbox.fixtures.partners.sympto import correct
from sandbox.testing.live import LiveServer
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import SESSIONS, member_body, valid_headers
from tests.vendors.sympto.support import JWT_SECRET, PARAM, PARTNER_ID, PARTNER_SECRET, login, register_endpoint


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def fails(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2, result.output
    return result.output


def _post(live: LiveServer) -> requests.Response:
    return requests.post(live.url + SESSIONS, json=member_body(), headers=valid_headers(FROZEN_AT), timeout=10)


# --- faults arm -----------------------------------------------------------------------------------


def test_faults_arm_a_custom_answer_with_headers_and_body(live_server: LiveServer) -> None:
    url = ["--url", live_server.url]
    said = run(
        "faults", "arm", "--vendor", "cirrusmd", "--status", "503", "--header", "Retry-After: 7",
        "--body", '{"error": "down for maintenance"}', "--times", "1", *url,
    )  # fmt: skip
    assert said.startswith("armed #")
    assert "cirrusmd.custom_answer → 503; for the next 1 matching request(s)" in said
    answer = _post(live_server)
    assert (answer.status_code, answer.headers["Retry-After"], answer.json()) == (
        503,
        "7",
        {"error": "down for maintenance"},
    )
    assert _post(live_server).status_code == 201


def test_faults_arm_a_plain_delay(live_server: LiveServer) -> None:
    said = run("faults", "arm", "--vendor", "cirrusmd", "--delay", "0.4", "--times", "1", "--url", live_server.url)
    assert "cirrusmd.custom_delay → delay 0.4 s; for the next 1 matching request(s)" in said
    started = time.perf_counter()
    assert _post(live_server).status_code == 201
    assert time.perf_counter() - started >= 0.4


def test_faults_arm_a_drop(live_server: LiveServer) -> None:
    said = run("faults", "arm", "--vendor", "cirrusmd", "--drop", "--times", "1", "--url", live_server.url)
    assert "cirrusmd.custom_drop → connection dropped" in said
    with pytest.raises(
        (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError, http.client.IncompleteRead)
    ):
        _post(live_server)
    assert _post(live_server).status_code == 201


def test_faults_arm_says_when_a_fault_stays_armed_until_disarmed(live_server: LiveServer) -> None:
    said = run("faults", "arm", "cirrusmd.token_expired", "--url", live_server.url)
    assert "→ 401; stays armed until disarmed (vendor-sandbox faults clear)" in said
    assert _post(live_server).status_code == 401
    assert _post(live_server).status_code == 401
    assert run("faults", "clear", "--url", live_server.url) == "disarmed 1\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give a catalogue NAME, or --vendor"),
        (("cirrusmd.token_expired", "--vendor", "cirrusmd"), "give a catalogue NAME, or --vendor"),
        (("--vendor", "cirrusmd"), "a custom fault needs --status"),
        (("cirrusmd.token_expired", "--status", "500"), "use --vendor instead of NAME"),
        (("--vendor", "cirrusmd", "--drop", "--body", "x"), "--header and --body go with --status"),
        (("--vendor", "cirrusmd", "--status", "500", "--header", "no-colon"), "is not NAME:VALUE"),
    ],
)
def test_faults_arm_refuses_incomplete_or_mixed_forms(args: tuple[str, ...], message: str) -> None:
    assert message in fails("faults", "arm", *args, "--url", "http://127.0.0.1:1")


def test_a_header_the_control_plane_refuses_is_its_message(live_server: LiveServer) -> None:
    result = CliRunner().invoke(
        main,
        [
            "faults",
            "arm",
            "--vendor",
            "cirrusmd",
            "--status",
            "500",
            "--header",
            "Bad Name:x",
            "--url",
            live_server.url,
        ],
    )
    assert result.exit_code == 1
    assert "not a valid HTTP header name" in result.output


# --- clock --------------------------------------------------------------------------------------


def test_clock_show_lists_tenant_clocks_and_scope_sets_one(live_server: LiveServer, client: FlaskClient) -> None:
    url = ["--url", live_server.url]
    said = run("clock", "set", "--scope", "cirrusmd:demo-client", "--frozen-at", "2026-11-21T13:00:00Z", *url)
    assert said.startswith("cirrusmd:demo-client: frozen 2026-11-21T13:00:00")
    shown = run("clock", "show", *url).splitlines()
    assert shown[0].startswith("frozen 2026-11-21T12:00:00")
    assert shown[1].startswith("cirrusmd:demo-client: frozen 2026-11-21T13:00:00")
    assert run("clock", "show", "--scope", "cirrusmd:demo-client", *url).startswith("cirrusmd:demo-client: frozen")
    run("clock", "set", "--scope", "intake24:demo", "--offset", "60", *url)
    assert run("clock", "show", *url).splitlines()[2].startswith("intake24:demo: offset ")
    # the reason to show it: this tenant's fresh tokens are now an hour old
    assert client.post(SESSIONS, json=member_body(), headers=valid_headers(FROZEN_AT)).status_code == 401
    run("clock", "set", "--scope", "cirrusmd:demo-client", "--system", *url)
    assert [line.split(":")[0] for line in run("clock", "show", *url).splitlines()[1:]] == ["intake24"]
    assert client.post(SESSIONS, json=member_body(), headers=valid_headers(FROZEN_AT)).status_code == 201


def test_clock_scope_for_an_unknown_vendor_is_the_sandboxs_404(live_server: LiveServer) -> None:
    result = CliRunner().invoke(main, ["clock", "show", "--scope", "nobody:x", "--url", live_server.url])
    assert result.exit_code == 1
    assert "404: unknown vendor 'nobody'" in result.output


# --- token intake24 / sympto -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(INTAKE24_CASES))
def test_token_intake24_gets_the_answer_it_predicts(client: FlaskClient, kind: str) -> None:
    token = run("token", "intake24", "--kind", kind, "--username", f"p-{kind}", "--now", str(FROZEN_AT)).strip()
    answer = client.post("/intake24/api/surveys/demo/create-user", json={"token": token})
    listed = run("token", "intake24", "--list", "--now", str(FROZEN_AT))
    if kind == "valid":
        assert answer.status_code == 200, answer.json
        assert answer.json["username"] == "p-valid"
        assert "valid " in listed
        assert "→ 200" in listed
        return
    expected = INTAKE24_CASES[kind].build(f"p-{kind}", "demo-intake24-jwt-secret-change-me", int(FROZEN_AT))[1]
    assert (answer.status_code, answer.json["message"]) == (expected.status, expected.message)
    assert f"→ {expected.status} {expected.message}" in listed


@pytest.fixture
def partner() -> Iterator[LiveServer]:
    with LiveServer(correct.create_app(PARTNER_ID, PARTNER_SECRET, JWT_SECRET)) as server:
        yield server


@pytest.mark.parametrize("kind", [kind for kind in SYMPTO_CASES if kind != "huge"])
def test_token_sympto_codes_sign_in_or_are_refused_as_predicted(
    client: FlaskClient, partner: LiveServer, kind: str
) -> None:
    """The sandbox forwards the code to a correct webhook, which judges it; the page load reports the outcome."""
    register_endpoint(client, login(client), partner.url + "/webhook")
    code = run("token", "sympto", "--email", "demo-admin@example.test", "--secret", JWT_SECRET, "--kind", kind).strip()
    page = client.get(f"/sympto/?authCode{PARAM}={quote(code)}")
    entry = client.get("/__sandbox/journal?vendor=sympto&direction=inbound&limit=1").json["entries"][0]
    if kind == "valid":
        assert page.status_code == 200
        assert "Signed in as <strong>demo-admin@example.test</strong>" in page.get_data(as_text=True)
        return
    assert (page.status_code, entry["rule"]) == (REFUSED_STATUS, REFUSED_RULE)


def test_token_sympto_lists_its_kinds_and_needs_email_and_secret() -> None:
    listed = run("token", "sympto", "--list")
    assert set(SYMPTO_CASES) == {line.split()[0] for line in listed.splitlines()}
    assert "refused: 401 [not_200]" in listed
    assert "give --email and --secret" in fails("token", "sympto")


# --- help ---------------------------------------------------------------------------------------


def _commands(command: click.Command, path: str, parent: click.Context | None) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        context = click.Context(command, parent=parent, info_name=path)
        for name in command.list_commands(context):
            found = command.get_command(context, name)
            assert found is not None, f"{path} {name}"
            yield from _commands(found, f"{path} {name}", context)


def test_every_command_and_option_has_help_text() -> None:
    walked = list(_commands(main, "vendor-sandbox", None))
    names = {path for path, _ in walked}
    assert {"vendor-sandbox token sympto", "vendor-sandbox verify sympto-webhook", "vendor-sandbox drift"} <= names
    missing = [path for path, command in walked if not (command.help or command.short_help or "").strip()]
    missing += [
        f"{path} {'/'.join(option.opts)}"
        for path, command in walked
        for option in command.params
        if isinstance(option, click.Option) and not (option.help or "").strip()
    ]
    assert missing == []
