"""The control-plane commands against a running sandbox (a live loopback server in a thread)."""

from __future__ import annotations

import http.client
import json

from click.testing import CliRunner

from sandbox.cli import main
from sandbox.terminal import printable
from sandbox.testing.live import LiveServer
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import post_session


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_faults_arm_list_clear_and_the_request_that_meets_it(live_server: LiveServer, client: object) -> None:
    url = ["--url", live_server.url]
    assert "cirrusmd.token_expired" in run("faults", "list", *url)
    assert "armed #" in run("faults", "arm", "cirrusmd.token_expired", "--times", "1", *url)
    assert "cirrusmd.token_expired" in run("faults", "list", "--armed", *url)
    assert post_session(client, FROZEN_AT).status_code == 401  # type: ignore[arg-type]
    assert run("faults", "list", "--armed", *url) == ""
    run("faults", "arm", "cirrusmd.wrong_scope", *url)
    assert run("faults", "clear", *url) == "disarmed 1\n"


def test_journal_reset_clock_and_openapi(live_server: LiveServer, client: object) -> None:
    url = ["--url", live_server.url]
    post_session(client, FROZEN_AT)  # type: ignore[arg-type]
    lines = run("journal", *url).splitlines()
    assert len(lines) == 1
    assert "POST   /cirrusmd/sdk/v2/public/sessions → 201 accepted" in lines[0]
    as_json = json.loads(run("journal", "--json", *url))
    assert as_json["status"] == 201
    assert run("journal", "--follow", "--max-polls", "2", "--interval", "0", *url).count("\n") == 1

    assert run("clock", "set", "--frozen-at", "2030-01-01T00:00:00Z", *url).startswith("frozen 2030-01-01T00:00:00")
    assert run("clock", "show", *url).startswith("frozen")
    assert run("reset", *url).startswith("reset: cirrusmd")
    assert run("journal", *url) == ""
    assert run("clock", "show", *url).startswith("system")
    assert json.loads(run("openapi", *url))["openapi"] == "3.0.3"


def test_unreachable_sandbox_is_a_clear_error() -> None:
    result = CliRunner().invoke(main, ["reset", "--url", "http://127.0.0.1:1"])
    assert result.exit_code == 1
    assert "cannot reach the sandbox at http://127.0.0.1:1" in result.output


def test_clock_set_needs_exactly_one_option() -> None:
    result = CliRunner().invoke(main, ["clock", "set", "--offset", "5", "--system"])
    assert result.exit_code == 2
    assert "exactly one of --offset, --frozen-at, --system" in result.output


def test_recorded_data_is_printed_with_control_characters_escaped(live_server: LiveServer, client: object) -> None:
    """A request path (or an armed fault's tenant) carrying terminal escapes is shown inert, never replayed."""
    url = ["--url", live_server.url]
    connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
    connection.request("GET", "/cirrusmd/%1B[31mred%1B]0;pwned%07%C2%9B")
    assert connection.getresponse().status == 404
    connection.close()
    run("faults", "arm", "cirrusmd.token_expired", "--tenant", "\x1b[2Jwiped", *url)

    journal = run("journal", *url)
    assert "/cirrusmd/\\x1b[31mred\\x1b]0;pwned\\x07\\x9b → 404" in journal
    armed = run("faults", "list", "--armed", *url)
    assert "tenant=\\x1b[2Jwiped" in armed
    for output in (journal, armed):
        assert not {"\x1b", "\x07", "\x9b"} & set(output)
    assert json.loads(run("journal", "--json", *url))["path"] == "/cirrusmd/\x1b[31mred\x1b]0;pwned\x07\x9b"


def test_printable_escapes_c0_c1_and_del_and_keeps_structural_newlines() -> None:
    assert printable("a\x00b\tc\nd\re\x7ff\x85g\x9bh é→") == "a\\x00b\\tc\\nd\\re\\x7ff\\x85g\\x9bh é→"
    assert printable("line one\x1b[1m\nline two", keep_newlines=True) == "line one\\x1b[1m\nline two"
