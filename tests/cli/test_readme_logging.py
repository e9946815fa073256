"""The operations document (the README's "Command line", "Configuration" and "The journal", moved to
``docs/operations.md``) documents the version flag, the log settings and the ``dropped`` verdict as they are."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from click.testing import CliRunner

from sandbox import config
from sandbox.cli import main
from sandbox.core import logs

OPERATIONS = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    start = OPERATIONS.index(f"\n## {heading}\n")
    end = OPERATIONS.find("\n## ", start + 1)
    return OPERATIONS[start : None if end < 0 else end]


def test_the_command_line_section_lists_version_and_the_log_flags_with_every_choice() -> None:
    text = section("Command line")
    assert "vendor-sandbox --version\n" in text
    synopsis = next(line for line in text.splitlines() if line.startswith("vendor-sandbox serve "))
    assert "[--log-level LEVEL] [--log-format text|json]" in synopsis
    for level in logs.LEVELS:
        assert f"`{level}`" in text
    for kind in logs.FORMATS:
        assert f"--log-format {kind}" in text or kind in synopsis
    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    assert "--log-level" in help_text
    assert "--log-format" in help_text


def test_the_documented_version_line_has_the_shape_the_command_prints() -> None:
    printed = CliRunner().invoke(main, ["--version"]).output.strip()
    assert re.fullmatch(r"vendor-sandbox \S+", printed)
    assert "`vendor-sandbox 0.1.0`" in section("Command line")


def test_the_configuration_sections_toml_loads_with_its_logging_keys() -> None:
    text = section("Configuration")
    assert "`VENDOR_SANDBOX_LOG_LEVEL`" in text
    assert "`VENDOR_SANDBOX_LOG_FORMAT`" in text
    block = re.search(r"```toml\n(.*?)```", text, re.DOTALL)
    assert block is not None
    settings = config.from_mapping(tomllib.loads(block.group(1)), "docs/operations.md")
    assert (settings.log_level, settings.log_format) == ("info", "text")
    assert "logging" not in settings.vendors


def test_the_journal_section_names_the_dropped_verdict() -> None:
    assert "`dropped`" in section("The journal")
