"""``log_level`` and ``log_format``: TOML ([server] or [logging]) < environment < CLI, bad values refused in one line,
and the formatters, which never let a terminal escape through and always write parseable JSON."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import config
from sandbox.core import logs
from tests.support import executable


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sandbox.toml"
    path.write_text(text)
    return str(path)


def test_defaults_are_info_and_text() -> None:
    settings = config.load(None, environ={})
    assert (settings.log_level, settings.log_format) == ("info", "text")


IN_SERVER = '[server]\nlog_level = "WARNING"\nlog_format = "json"\n'
IN_LOGGING = '[logging]\nlevel = "warning"\nformat = "JSON"\n'


@pytest.mark.parametrize("text", [IN_SERVER, IN_LOGGING])
def test_the_file_sets_them_in_server_or_logging(tmp_path: Path, text: str) -> None:
    settings = config.load(write(tmp_path, text), environ={})
    assert (settings.log_level, settings.log_format) == ("warning", "json")
    assert "logging" not in settings.vendors


def test_environment_beats_the_file_and_the_flag_beats_both(tmp_path: Path) -> None:
    path = write(tmp_path, '[logging]\nlevel = "error"\nformat = "json"\n')
    environ = {"VENDOR_SANDBOX_LOG_LEVEL": "debug", "VENDOR_SANDBOX_LOG_FORMAT": "text"}
    from_environment = config.load(path, environ=environ)
    assert (from_environment.log_level, from_environment.log_format) == ("debug", "text")
    from_flags = config.load(path, environ=environ, log_level="critical", log_format="json")
    assert (from_flags.log_level, from_flags.log_format) == ("critical", "json")


def test_workers_receive_them_through_the_environment() -> None:
    settings = config.load(None, environ={}, log_level="warning", log_format="json")
    handed = config.load(None, environ=config.to_environment(settings))
    assert (handed.log_level, handed.log_format) == ("warning", "json")


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ('[server]\nlog_level = "loud"\n', {}, "[server] log_level must be one of debug, info, warning"),
        ('[logging]\nformat = "xml"\n', {}, "[logging] format must be one of text, json, not 'xml'"),
        ("[logging]\nlevel = 3\n", {}, "[logging] level must be a string"),
        ('[logging]\ncolour = "red"\n', {}, "unknown key [logging] colour; known: level, format"),
        (
            '[server]\nlog_level = "info"\n[logging]\nlevel = "debug"\n',
            {},
            "give one of [server] log_level and [logging] level, not both",
        ),
        ("", {"VENDOR_SANDBOX_LOG_LEVEL": "verbose"}, "VENDOR_SANDBOX_LOG_LEVEL must be one of debug, info"),
        ("", {"VENDOR_SANDBOX_LOG_FORMAT": "yaml"}, "VENDOR_SANDBOX_LOG_FORMAT must be one of text, json, not 'yaml'"),
    ],
)
def test_bad_values_are_refused_naming_where_they_came_from(
    tmp_path: Path, text: str, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(config.ConfigError) as refused:
        config.load(write(tmp_path, text), environ=environ)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("args", "environment", "expected"),
    [
        (["--log-format", "xml"], {}, "Invalid value for '--log-format': 'xml' is not one of 'text', 'json'."),
        (["--log-level", "loud"], {}, "Invalid value for '--log-level': 'loud' is not one of 'debug'"),
        ([], {"VENDOR_SANDBOX_LOG_LEVEL": "loud"}, "Error: VENDOR_SANDBOX_LOG_LEVEL must be one of debug, info"),
    ],
)
def test_serve_refuses_a_bad_value_in_one_line_before_starting(
    tmp_path: Path, args: list[str], environment: dict[str, str], expected: str
) -> None:
    result = subprocess.run(
        [executable(), "serve", "--port", "0", *args],
        cwd=tmp_path,
        env={**environment, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    [error] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert expected in error
    assert "Traceback" not in result.stderr
    assert not (tmp_path / ".vendor-sandbox").exists()  # refused before anything was prepared


def record(message: str, *args: object, exchange: dict[str, object] | None = None) -> logging.LogRecord:
    made = logging.LogRecord(logs.ACCESS_LOGGER, logging.INFO, __file__, 1, message, args, None)
    if exchange is not None:
        made.exchange = exchange
    return made


def test_text_lines_escape_terminal_controls_and_json_lines_always_parse() -> None:
    path = "/cirrusmd/\x1b]2;owned\x07\nfake line"
    text = logs.TextFormatter().format(record("inbound cirrusmd GET %s 404", path))
    assert "\x1b" not in text
    assert "\n" not in text
    assert "\\x1b]2;owned\\x07\\nfake line" in text
    document = json.loads(logs.JsonFormatter().format(record("x", exchange={"path": path, "status": None})))
    assert (document["path"], document["status"], document["logger"]) == (path, None, logs.ACCESS_LOGGER)


def test_granian_warnings_about_deliberate_settings_are_dropped_and_errors_kept() -> None:
    deliberate = logging.LogRecord("_granian", logging.WARNING, __file__, 1, logs.DELIBERATE[0] + " ...", (), None)
    other = logging.LogRecord("_granian", logging.WARNING, __file__, 1, "Killing worker-1 after ...", (), None)
    error = logging.LogRecord("_granian", logging.ERROR, __file__, 1, logs.DELIBERATE[0], (), None)
    kept = [logs.DeliberateSettings().filter(r) for r in (deliberate, other, error)]
    assert kept == [False, True, True]


def test_other_libraries_warnings_share_the_format_and_their_info_stays_out() -> None:
    probe = (
        "import logging; from sandbox.core import logs; logs.configure('info', 'json'); "
        "logging.getLogger('some.library').warning('careful'); logging.getLogger('some.library').info('chatter')"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    [line] = result.stderr.splitlines()
    assert json.loads(line)["message"] == "careful"
    assert json.loads(line)["level"] == "warning"


def test_an_outbound_call_without_an_answer_shows_a_dash_for_its_status(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=logs.ACCESS_LOGGER)
    logs.access(
        vendor="sympto",
        direction="outbound",
        method="POST",
        path="http://partner.test/webhook",
        status=None,
        verdict="rejected",
        rule="connection_error",
        latency_ms=12.34,
    )
    [line] = caplog.records
    assert line.getMessage() == "outbound sympto POST http://partner.test/webhook - rejected connection_error 12.3 ms"
