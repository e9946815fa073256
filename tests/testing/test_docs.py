"""The partner-kit documentation's code blocks are run, so the examples cannot drift.

Fenced blocks are picked by their info string: ``python test`` blocks are test files run by pytest with the
plugin; ``python run`` and ``sh run`` blocks run, in order, against a live sandbox (its URL replaces
``http://127.0.0.1:8000``, the running Python's folder replaces ``.venv/bin/``); a ``text expect`` block right
after a run block lists lines its output must contain.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.testing.sandbox import VendorSandbox

#: pytest's own plugin tester, for this module only (a non-root conftest may not load plugins).
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
#: The document whose examples are tested (the lead may point this at README.md).
DOCUMENT = ROOT / "README.md"
DEFAULT_URL = "http://127.0.0.1:8000"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[str, str]]:
    return [(info.strip(), code) for info, code in FENCE.findall(DOCUMENT.read_text(encoding="utf-8"))]


def test_the_document_has_examples_for_each_user() -> None:
    kinds = [info for info, _ in blocks()]
    assert kinds.count("python test") >= 3
    assert kinds.count("python run") >= 1
    assert kinds.count("sh run") >= 2
    text = DOCUMENT.read_text(encoding="utf-8")
    for heading in ("point your client at the sandbox", "test your integration in 10 lines", "expired-token 401"):
        assert heading in text


def test_the_test_examples_pass_under_the_plugin(pytester: pytest.Pytester) -> None:
    examples = [code for info, code in blocks() if info == "python test"]
    for number, code in enumerate(examples):
        pytester.makepyfile(**{f"test_doc_{number}": code})
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes["passed"] >= len(examples)


def test_the_run_examples_work_against_a_running_sandbox(vendor_sandbox: VendorSandbox) -> None:
    environment = {
        **os.environ,
        "VENDOR_SANDBOX_URL": vendor_sandbox.base_url,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    found = blocks()
    ran = 0
    for index, (info, code) in enumerate(found):
        if info not in ("python run", "sh run"):
            continue
        source = code.replace(DEFAULT_URL, vendor_sandbox.base_url)
        source = source.replace(".venv/bin/", f"{Path(sys.executable).parent}/")  # the README's venv, from any folder
        command = [sys.executable, "-c", source] if info == "python run" else ["bash", "-euo", "pipefail", "-c", source]
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, f"block {index} ({info}) failed:\n{code}\n{done.stdout}\n{done.stderr}"
        ran += 1
        if index + 1 < len(found) and found[index + 1][0] == "text expect":
            for line in filter(None, (line.strip() for line in found[index + 1][1].splitlines())):
                assert line in done.stdout, f"block {index} output lacks {line!r}:\n{done.stdout}"
    assert ran >= 3
