"""``log_level`` and ``log_format``: TOML ([server] or [logging]) < environment < CLI, bad values refused in one line.
(The formatters: tests/core/test_logs.py.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sandbox import config
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
