"""``vendor-sandbox verify``'s output on plain values: progress on stderr, the report on stdout, the JUnit file.

The command tests (``test_sympto_webhook.py``, ``test_sympto_events.py``) run a real verifier through click's runner,
whose stderr is never a terminal; these call the CLI's runner with a stand-in verifier, so the terminal's one
rewritten progress line, the report's own line breaks and the JUnit file's encoding are pinned without a partner.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.verify import cli
from sandbox.verify.engine import MUST, PASS, SHOULD, WARN, Report, Rule, RuleResult

REPORT = Report(
    "demo",
    7,
    [
        RuleResult(Rule("accepts-post", MUST, "answers POST"), PASS, requests=2),
        RuleResult(Rule("is-quick", SHOULD, "answers in time"), WARN, "answered in 6 s → more than 5 s", requests=1),
    ],
)


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, as a developer's shell is."""

    def isatty(self) -> bool:
        return True


def _verifier(exit_code: int) -> Callable[[Callable[[str], None]], tuple[Report, int]]:
    def verifier(progress: Callable[[str], None]) -> tuple[Report, int]:
        progress("accepts-post: starting")
        progress("accepts-post: 1 requests")
        return REPORT, exit_code

    return verifier


def _run(junit: Path | None = None, exit_code: int = 0) -> int:
    with pytest.raises(SystemExit) as exited:
        cli._run(_verifier(exit_code), junit)
    return int(exited.value.code or 0)


def test_on_a_terminal_progress_rewrites_one_line_and_clears_it_before_the_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert _run(exit_code=3) == 3
    assert terminal.getvalue() == (
        "\r\x1b[Kverifying accepts-post: starting\r\x1b[Kverifying accepts-post: 1 requests\r\x1b[K"
    )
    assert capsys.readouterr().out == REPORT.render_text() + "\n"


def test_off_a_terminal_only_each_rules_start_is_a_line_of_its_own(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run() == 0
    said = capsys.readouterr()
    assert said.err == "verifying accepts-post: starting\n"
    assert said.out == REPORT.render_text() + "\n"  # the report's own line breaks, not escaped ones
    assert "\\n" not in said.out


def test_the_junit_file_is_utf_8_whatever_the_locale(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A CI machine with a Latin-1 locale still gets the UTF-8 its XML declaration promises."""
    monkeypatch.setattr(io, "text_encoding", lambda encoding, stacklevel=2: encoding or "latin-1")
    junit = tmp_path / "report.xml"
    assert _run(junit) == 0
    assert "6 s → more than 5 s" in junit.read_bytes().decode("utf-8")


def test_hypothesis_caches_go_to_a_scratch_directory_named_for_the_verifier(monkeypatch: pytest.MonkeyPatch) -> None:
    homes: list[object] = []
    monkeypatch.setattr(cli, "set_hypothesis_home_dir", homes.append)
    assert _run() == 0
    scratch = Path(str(homes[0]))
    assert scratch.name.startswith("vendor-sandbox-verify-")
    assert homes[1:] == [None]
    assert not scratch.exists()  # removed once the verifier is done
