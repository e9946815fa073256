"""``vendor-sandbox journal``: the control plane's filters as options, ``--count``, and lines that say why."""

from __future__ import annotations

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from contracts.cirrusmd.tokens import CASES
from contracts.control.journal_filters import FILTERS
from sandbox.cli import journal as journal_command
from sandbox.cli import main
from sandbox.core.journal import Exchange, journal
from sandbox.testing.live import LiveServer
from tests.conftest import FROZEN_AT
from tests.vendors.cirrusmd.support import DEMO, SESSIONS, member_body, post_session


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _record_outbound(app: Flask, path: str, rule: str | None, status: int | None, message: str | None) -> None:
    with app.app_context():
        journal().record(
            vendor="sympto",
            tenant="demo-clinic",
            direction="outbound",
            method="POST",
            path=path,
            status=status,
            verdict="rejected",
            rule=rule,
            message=message,
            request=Exchange({}, b"{}"),
            response=Exchange({}, b""),
            latency_ms=5000.0,
            correlation_id="c",
        )


def _exchanges(client: FlaskClient, app: Flask) -> None:
    post_session(client, FROZEN_AT)
    authorization = CASES["expired"].authorization(DEMO, FROZEN_AT)
    assert authorization is not None
    assert client.post(SESSIONS, json=member_body(), headers={"Authorization": authorization}).status_code == 401
    _record_outbound(app, "http://127.0.0.1:9/hook", "timeout", None, "the partner did not answer within 5 s")


def test_every_filter_of_the_control_plane_is_an_option() -> None:
    options = {option for param in journal_command.params for option in getattr(param, "opts", [])}
    assert {f"--{spec.name}" for spec in FILTERS} <= options


def test_filters_narrow_the_lines_and_the_count(live_server: LiveServer, client: FlaskClient, app: Flask) -> None:
    url = ["--url", live_server.url]
    _exchanges(client, app)
    assert len(run("journal", *url).splitlines()) == 3
    assert run("journal", "--count", *url) == "3\n"
    rejected = run("journal", "--verdict", "rejected", "--direction", "inbound", *url).splitlines()
    assert len(rejected) == 1
    assert "[token_expired]" in rejected[0]
    assert run("journal", "--count", "--status", "4xx", *url) == "1\n"
    assert run("journal", "--count", "--rule", "timeout", "--direction", "outbound", *url) == "1\n"
    assert run("journal", "--count", "--path", "/cirrusmd/sdk", "--method", "post", *url) == "2\n"
    assert run("journal", "--count", "--from", str(FROZEN_AT + 1), *url) == "0\n"
    assert run("journal", "--count", "--until", "2026-11-21T12:00:01Z", "--vendor", "cirrusmd", *url) == "2\n"


def test_a_bad_filter_value_is_the_sandboxs_400_message(live_server: LiveServer) -> None:
    result = CliRunner().invoke(main, ["journal", "--status", "4x", "--url", live_server.url])
    assert result.exit_code == 1
    assert "→ 400: status: `status` must be a status such as 401 or a class such as 4xx" in result.output


def test_lines_say_why_and_show_a_missing_answer_as_no_response(
    live_server: LiveServer, client: FlaskClient, app: Flask
) -> None:
    url = ["--url", live_server.url]
    _exchanges(client, app)
    _record_outbound(app, "http://127.0.0.1:9/\x1b[31mred", "connection_refused", None, "refused: \x1b]0;x\x07")
    lines = run("journal", *url).splitlines()
    assert "→ 201 accepted" in lines[0]
    assert "None" not in lines[0]
    assert "→ 401 rejected [token_expired]" in lines[1]
    message = lines[1].split(" ms: ", 1)[1]
    assert "expired" in message.lower()
    assert "→ no response (timeout) rejected 5000.0 ms: the partner did not answer within 5 s" in lines[2]
    assert "None" not in lines[2]
    assert "→ no response (connection_refused) rejected" in lines[3]
    assert "\\x1b[31mred" in lines[3]
    assert "refused: \\x1b]0;x\\x07" in lines[3]
    assert not {"\x1b", "\x07"} & set("".join(lines))
