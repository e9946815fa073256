"""`tools/mutation_by_hand.py` on a project of one rule module: the scores in docs/development.md come from it.

The project's rule `allowed` reads a limit built at import (`CEILING = ceiling()`), as the contracts' field builders
run in class bodies. A forked run cannot switch such a mutant on (the parent imported the module unmutated); `--reach`
must run it in a fresh interpreter, and must run each other mutant only on the tests that reach its function.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "mutation_by_hand.py"

RULES = """\
def ceiling() -> int:
    return 120


CEILING = ceiling()


def allowed(seconds: int) -> bool:
    return seconds <= CEILING


def unused(number: int) -> int:
    return number + 1
"""

TESTS = """\
from rules.limits import allowed


def test_the_edge() -> None:
    assert allowed(120)
    assert not allowed(121)


def test_reaching_nothing() -> None:
    assert True
"""


def _project(root: Path) -> Path:
    (root / "rules").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "rules" / "__init__.py").write_text("")
    (root / "tests" / "__init__.py").write_text("")
    (root / "rules" / "limits.py").write_text(RULES)
    (root / "tests" / "test_limits.py").write_text(TESTS)
    (root / "pyproject.toml").write_text('[tool.mutmut]\nsource_paths = ["rules"]\nonly_mutate = ["rules/limits.py"]\n')
    return root


def _tool(root: Path, *arguments: str) -> str:
    finished = subprocess.run(
        [sys.executable, str(TOOL), *arguments], cwd=root, capture_output=True, text=True, timeout=120, check=True
    )
    return finished.stdout


def _outcomes(root: Path, *options: str) -> dict[str, dict[str, object]]:
    results = root / f"results{len(options)}.json"
    _tool(root, "run", str(results), str(root / "names"), "tests/test_limits.py", *options)
    outcomes: dict[str, dict[str, object]] = json.loads(results.read_text())
    return outcomes


def test_reach_switches_import_time_mutants_on_and_runs_only_the_reaching_tests(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    _tool(root, "generate")
    names = _tool(root, "names", "rules/limits.py").split()
    assert names == [
        "rules.limits.x_allowed__mutmut_1",  # <= made <
        "rules.limits.x_ceiling__mutmut_1",  # 120 made 121, at import
        "rules.limits.x_unused__mutmut_1",
        "rules.limits.x_unused__mutmut_2",
    ]
    (root / "names").write_text("\n".join(names))

    reached = _outcomes(root, "--reach")
    allowed = reached["rules.limits.x_allowed__mutmut_1"]
    assert (allowed["rc"], allowed["tests"], allowed["by"]) == (1, 1, "tests/test_limits.py::test_the_edge")
    assert {name: (outcome["rc"], outcome["tests"]) for name, outcome in reached.items() if "allowed" not in name} == {
        "rules.limits.x_ceiling__mutmut_1": (1, "fresh: all"),
        "rules.limits.x_unused__mutmut_1": (0, "fresh: all"),
        "rules.limits.x_unused__mutmut_2": (0, "fresh: all"),
    }
    reach = json.loads((root / "results1.reach.json").read_text())["reach"]
    assert reach == {"rules.limits.x_allowed": ["tests/test_limits.py::test_the_edge"]}

    forked = _outcomes(root)  # without --reach: every mutant forked from a parent that imported the rules unmutated
    assert {name: outcome["rc"] for name, outcome in forked.items()} == {
        "rules.limits.x_allowed__mutmut_1": 1,
        "rules.limits.x_ceiling__mutmut_1": 0,
        "rules.limits.x_unused__mutmut_1": 0,
        "rules.limits.x_unused__mutmut_2": 0,
    }

    scored = _tool(root, "summary", str(root / "results1.json"))
    assert "run 4, killed 2, not killed 2" in scored
    assert "score 50.0 %" in scored


def test_fresh_tests_narrow_what_an_unreached_mutant_runs_in_its_fresh_interpreter(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    (root / "tests" / "test_nothing.py").write_text("def test_nothing() -> None:\n    assert True\n")
    _tool(root, "generate")
    (root / "names").write_text("rules.limits.x_allowed__mutmut_1\nrules.limits.x_ceiling__mutmut_1\n")

    narrowed = _outcomes(root, "--reach", "--fresh-tests", "tests/test_nothing.py")

    # The reaching test still kills the reached mutant; the import-time mutant ran only test_nothing, which passes.
    assert {name: (outcome["rc"], outcome["tests"]) for name, outcome in narrowed.items()} == {
        "rules.limits.x_allowed__mutmut_1": (1, 1),
        "rules.limits.x_ceiling__mutmut_1": (0, "fresh: tests/test_nothing.py"),
    }


def test_a_fresh_run_keeps_the_compiled_tree_even_where_bytecode_writing_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_bytecode.py").write_text(
        "import sys\n\n\ndef test_bytecode_is_written() -> None:\n    assert not sys.dont_write_bytecode\n"
    )
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.chdir(root)

    assert _loaded_tool().run_fresh("rules.limits.x_allowed__mutmut_1", ["tests/test_bytecode.py"], 120) == 0


def _loaded_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_by_hand", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tests_that_killed_a_sibling_run_first_then_the_rest_fastest_first() -> None:
    tool = _loaded_tool()
    reach = {
        "reach": {"m.x_rule": ["t::slow", "t::fast", "t::killer", "t::other_killer"], "m.x_other": ["t::fast"]},
        "seconds": {"t::slow": 3.0, "t::fast": 0.1, "t::killer": 2.0, "t::other_killer": 1.0},
    }
    assert tool.tests_for("m.x_rule__mutmut_7", reach, {}) == ["t::fast", "t::other_killer", "t::killer", "t::slow"]
    killers = {"m.x_rule": ["t::other_killer", "t::killer", "t::gone"], "m.x_other": ["t::slow"]}
    assert tool.tests_for("m.x_rule__mutmut_7", reach, killers) == [
        "t::killer",
        "t::other_killer",
        "t::fast",
        "t::slow",
    ]
    assert tool.tests_for("m.x_other__mutmut_1", reach, killers) == ["t::fast"]  # only tests that reach it
    assert tool.tests_for("m.x_unreached__mutmut_1", reach, killers) == []
