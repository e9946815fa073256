"""The import rules of the layering hold, and the check that says so would notice if they did not.

Why: the layering (core at the bottom, vendors independent and below the outer layers, contracts below
``sandbox``, vendor-neutral code naming no vendor, no cycles) is what lets a vendor be one package that
nothing else names. Written only in DESIGN.md it erodes one convenient import at a time; the contracts in
``[tool.importlinter]`` of ``pyproject.toml`` make each rule a failing test. A check that can never fail
proves nothing, so each contract is also shown to break on a copy of the tree with one bad import planted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the packages under ``tree``, with the contracts of ``tree/pyproject.toml``.

    A separate process, with ``tree`` first on the path: the analysed ``sandbox`` and ``contracts`` are the
    ones under ``tree``, never the copies this test process (or an editable install) already imported.
    """
    assert LINT_IMPORTS.exists(), "import-linter is missing: pip install -e '.[test]'"
    environment = {**os.environ, "PYTHONPATH": str(tree), "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def contract_lines(output: str) -> dict[str, str]:
    """``{contract name: "KEPT" or "BROKEN"}`` from the summary ``lint-imports`` prints first."""
    verdicts: dict[str, str] = {}
    for line in output.splitlines():
        for verdict in ("KEPT", "BROKEN"):
            name, marker, _ = line.partition(f" {verdict}")
            if marker and line.startswith("("):
                verdicts[name.strip()] = verdict
    return verdicts


def test_the_layering_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    verdicts = contract_lines(result.stdout)
    # One contract per rule of the layering, (a) to (e); none silently dropped from the configuration.
    assert {name[:3] for name in verdicts} == {"(a)", "(b)", "(c)", "(d)", "(e)"}, result.stdout
    assert set(verdicts.values()) == {"KEPT"}, result.stdout


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the packages and of the contracts, to plant bad imports in."""
    tree = tmp_path_factory.mktemp("pristine")
    for package in ("sandbox", "contracts"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


# (file under the tree, line appended to it, the contract that must break, what the line does)
PLANTED = [
    ("sandbox/core/clock.py", "import sandbox.vendors.sympto.service", "(a)", "the core imports a vendor"),
    ("sandbox/core/limits.py", "import sandbox.control.routes", "(a)", "the core imports the control plane"),
    ("sandbox/core/limits.py", "import sandbox", "(a)", "the core imports the root package (and so the app)"),
    ("sandbox/registry.py", '"""A new module nobody placed in a layer."""', "(a)", "a new module outside the layers"),
    ("sandbox/vendors/cirrusmd/service.py", "import sandbox.vendors.intake24.auth", "(b)", "a vendor imports another"),
    ("sandbox/vendors/sympto/models.py", "import sandbox.cli", "(b)", "a vendor imports the CLI"),
    ("sandbox/vendors/intake24/auth.py", "import sandbox.testing.plugin", "(b)", "a vendor imports the plugin"),
    ("contracts/fields.py", "import sandbox.core.clock", "(c)", "the contracts import the sandbox"),
    ("contracts/cirrusmd/messages.py", "import contracts.sympto.codes", "(c)", "a vendor's contracts import another's"),
    ("contracts/fields.py", "import contracts.intake24.messages", "(c)", "shared contracts name a vendor"),
    ("sandbox/control/routes.py", "import sandbox.vendors.cirrusmd.models", "(d)", "the control plane names a vendor"),
    ("sandbox/cli.py", "import sandbox.vendors.sympto", "(d)", "the CLI names a vendor"),
    ("sandbox/config.py", "import sandbox.vendors.intake24.service", "(d)", "the config names a vendor"),
    ("sandbox/core/journal.py", "import sandbox.core.faults", "(e)", "a cycle in the core (faults imports journal)"),
    ("sandbox/vendors/cirrusmd/models.py", "import sandbox.vendors.cirrusmd.service", "(e)", "a cycle in a vendor"),
]


@pytest.mark.parametrize(("path", "line", "rule", "what"), PLANTED, ids=[case[3] for case in PLANTED])
def test_a_planted_bad_import_breaks_its_contract(
    pristine: Path, tmp_path: Path, path: str, line: str, rule: str, what: str
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(pristine, tree)
    target = tree / path
    existing = target.read_text(encoding="utf-8") if target.exists() else ""
    target.write_text(f"{existing}\n{line}\n", encoding="utf-8")

    result = lint_imports(tree)

    assert result.returncode == 1, f"{what}: not caught\n{result.stdout}{result.stderr}"
    broken = {name for name, verdict in contract_lines(result.stdout).items() if verdict == "BROKEN"}
    assert any(name.startswith(rule) for name in broken), f"{what}: expected a {rule} contract broken\n{result.stdout}"
