"""Run mutmut's mutants against chosen test files, one forked pytest per mutant, and score them.

`mutmut run` first runs its whole configured pool to learn which test reaches which function, then each mutant
runs every pooled test that reached it. On a 2-core machine that first step alone takes 8 to 25 minutes, and a
surviving mutant of a function every request reaches runs hundreds of tests. For a module with direct rule tests
this tool is the quicker measure (docs/development.md, "Mutation testing", calls it "by hand"): one process imports
pytest and the test modules once, then forks one child per mutant with `MUTANT_UNDER_TEST` set, as mutmut's own
runner forks, and the child runs the named test files with `-x`. What it measures is a lower bound of what the
whole pool kills: the pool has more tests.

    .venv/bin/python tools/mutation_by_hand.py generate
    .venv/bin/python tools/mutation_by_hand.py names sandbox/core/clock.py > /tmp/clock.names
    .venv/bin/python tools/mutation_by_hand.py names sandbox/core/jwt.py --sample 90 --seed 20261131 > /tmp/jwt.names
    .venv/bin/python tools/mutation_by_hand.py run /tmp/clock.json /tmp/clock.names tests/core/test_clock_modes.py \
        --reach
    .venv/bin/python tools/mutation_by_hand.py summary /tmp/clock.json

`generate` writes `mutants/` as `mutmut run` does before it runs anything (the copy of the sources with every
mutant of the `only_mutate` modules switched off), without running the pool. `run` keeps its results in the JSON
file after each mutant, so a stopped run resumes where it stopped. Exit code 1 of the child is "killed" (a test
failed); 0 is "survived"; anything else (a crash at collection, a timeout) is reported as such and not counted
as killed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

KILLED = 1
SURVIVED = 0


def generate() -> None:
    """Write mutants/ with mutmut's own functions: the same files `mutmut run` would test."""
    from mutmut import __main__ as mutmut_main

    mutmut_main.set_mutant_under_test("mutant_generation")
    os.makedirs("mutants", exist_ok=True)
    mutmut_main.copy_src_dir()
    mutmut_main.copy_also_copy_files()
    mutmut_main.setup_source_paths()
    mutmut_main.store_lines_covered_by_tests()
    stats = mutmut_main.create_mutants(1)
    print(f"{stats.mutated} files mutated, {stats.ignored} copied, {stats.unmodified} unchanged", file=sys.stderr)


def mutant_names(source: str) -> list[str]:
    """Every mutant of one source file, sorted, read from the .meta file mutmut writes beside its mutated copy."""
    meta = Path("mutants") / (source + ".meta")
    if not meta.exists():
        raise SystemExit(f"{meta} does not exist: run `generate` first (is {source} in only_mutate?)")
    return sorted(json.loads(meta.read_text())["exit_code_by_key"])


def uniform_sample(names: list[str], size: int, seed: int) -> list[str]:
    """A seeded uniform sample, as the documented sampled scores draw it (over the sorted names)."""
    return sorted(random.Random(seed).sample(sorted(names), min(size, len(names))))  # noqa: S311 (a reproducible draw)


def function_of(mutant: str) -> str:
    """The mutated function's name as mutmut's trampoline records it: the mutant's name without `__mutmut_N`."""
    return mutant.partition("__mutmut_")[0]


def record_reach(reach_path: Path, tests: list[str]) -> None:
    """Run the tests once, unmutated, in a forked child; write which test reaches which function, and its duration.

    This is mutmut's own first step ("stats") over the named test files only: with `MUTANT_UNDER_TEST=stats`
    every trampoline reports the function it guards, and a pytest plugin files the reports under the test that is
    running. A function called only while the modules are imported is reached by no test here.
    """
    pid = os.fork()
    if pid == 0:
        import pytest
        from mutmut.mutation import trampoline

        hits: set[str] = set()
        trampoline.record_trampoline_hit = lambda name, caller=None: hits.add(name)  # type: ignore[attr-defined]
        os.environ["MUTANT_UNDER_TEST"] = "stats"
        reach: dict[str, list[str]] = {}
        seconds: dict[str, float] = {}

        class Recorder:
            def pytest_runtest_logstart(self, nodeid: str, location: object) -> None:
                hits.clear()
                seconds[nodeid] = 0.0

            def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
                seconds[report.nodeid] = seconds.get(report.nodeid, 0.0) + report.duration
                if report.when == "teardown":
                    for function in hits:
                        reach.setdefault(function, []).append(report.nodeid)
                    hits.clear()

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        code = int(pytest.main(["-q", "-p", "no:cacheprovider", *tests], plugins=[Recorder()]))
        reach_path.write_text(json.dumps({"exit": code, "reach": reach, "seconds": seconds}, indent=0))
        os._exit(0)
    os.waitpid(pid, 0)
    recorded = json.loads(reach_path.read_text())
    if recorded["exit"] != 0:
        reach_path.unlink()
        raise SystemExit(f"the tests do not pass unmutated in mutants/ (pytest exit {recorded['exit']})")


def tests_for(mutant: str, reach: dict[str, object], killers: dict[str, list[str]]) -> list[str]:
    """The named tests that reach the mutant's function: first those that killed its siblings, then fastest first.

    mutmut orders by speed alone. Mutants of one function mostly fall to the same few tests, so the tests that
    already killed a sibling (the latest first) are tried before the rest: the set run is the same, only the order
    changes, and with it how soon `-x` stops a killed mutant.
    """
    function = function_of(mutant)
    reaching = reach["reach"].get(function, [])  # type: ignore[attr-defined]
    seconds = reach["seconds"]
    by_speed = sorted(reaching, key=lambda nodeid: seconds.get(nodeid, 0.0))  # type: ignore[attr-defined]
    first = [nodeid for nodeid in dict.fromkeys(reversed(killers.get(function, []))) if nodeid in set(reaching)]
    return first + [nodeid for nodeid in by_speed if nodeid not in set(first)]


def run(
    results_path: Path,
    names_path: Path,
    tests: list[str],
    timeout: float,
    *,
    reach: bool,
    fresh_tests: list[str] | None = None,
) -> None:
    """Fork one pytest per mutant from a parent that has imported the tests once; record each exit code.

    With `reach`, each mutant runs only the tests that reached its function in an unmutated run (recorded once,
    in `<results>.reach.json`), as `mutmut run` selects them; a mutant whose function no test reached (it runs
    only at import, or nothing calls it) runs every named test in a fresh interpreter that starts with the mutant
    switched on, so that import-time code runs mutated too. The verdicts are the same as without `reach`: a test
    that does not reach the mutated function cannot tell the mutant apart.

    `fresh_tests` narrows the fresh runs to the given tests: a fresh interpreter cannot skip what does not reach the
    mutant, so a whole folder that builds an app per test would make each import-time survivor cost the timeout.
    The verdict of a narrowed fresh run is a lower bound (its "tests" says which tests ran).
    """
    names = [line.strip() for line in names_path.read_text().splitlines() if line.strip()]
    results: dict[str, dict[str, object]] = {}
    if results_path.exists():
        results = json.loads(results_path.read_text())
    reach_path = results_path.with_suffix(".reach.json")
    root = Path("mutants").resolve()
    os.chdir(root)
    sys.path.insert(0, str(root))
    os.environ["PY_IGNORE_IMPORTMISMATCH"] = "1"
    os.environ["MUTANT_UNDER_TEST"] = ""
    import pytest

    if pytest.main(["-q", "-p", "no:cacheprovider", "--co", *tests]) != 0:
        raise SystemExit("the tests do not collect in mutants/")
    recorded: dict[str, object] = {}
    if reach:
        if not reach_path.exists():
            started = time.monotonic()
            record_reach(reach_path, tests)
            print(f"reach recorded in {time.monotonic() - started:.1f} s: {reach_path}", flush=True)
        recorded = json.loads(reach_path.read_text())
    killers: dict[str, list[str]] = {}
    for name, result in results.items():
        if isinstance(result.get("by"), str):
            killers.setdefault(function_of(name), []).append(str(result["by"]))
    for name in names:
        if name in results:
            continue
        started = time.monotonic()
        selected = tests_for(name, recorded, killers) if reach else tests
        killer: str | None = None
        outcome: int | str
        if reach and not selected:
            outcome = run_fresh(name, fresh_tests or tests, timeout)
        else:
            outcome, killer = run_in_two_steps(name, selected, killers, timeout)
        results[name] = {"rc": outcome, "s": round(time.monotonic() - started, 1)}
        if reach:
            results[name]["tests"] = len(selected) if selected else "fresh: " + (" ".join(fresh_tests or []) or "all")
        if killer is not None:
            results[name]["by"] = killer
            killers.setdefault(function_of(name), []).append(killer)
        results_path.write_text(json.dumps(results, indent=0))
        print(name, outcome, results[name]["s"], results[name].get("tests", ""), flush=True)


def run_in_two_steps(
    name: str, selected: list[str], killers: dict[str, list[str]], timeout: float
) -> tuple[int | str, str | None]:
    """The tests that killed a sibling alone first, then (if the mutant survived them) the others.

    Collecting the test files is most of a forked run's cost when a function is reached from many files; the first
    step collects only the files of the likely killers. The tests run are the same as one run of `selected`.
    """
    likely = [nodeid for nodeid in selected if nodeid in set(killers.get(function_of(name), []))][:3]
    if likely and len(likely) < len(selected):
        started = time.monotonic()
        outcome, killer = run_forked(name, likely, timeout)
        if outcome == KILLED:
            return outcome, killer
        if outcome == "timeout":
            return outcome, None
        timeout -= time.monotonic() - started
        selected = [nodeid for nodeid in selected if nodeid not in set(likely)]
    return run_forked(name, selected, timeout)


def run_forked(name: str, tests: list[str], timeout: float) -> tuple[int | str, str | None]:
    """One forked pytest with the mutant switched on: its exit code (or "timeout") and the test that failed."""
    import pytest

    read_end, write_end = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        os.environ["MUTANT_UNDER_TEST"] = name

        class Killer:
            def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
                if report.failed:
                    os.write(write_end, report.nodeid.encode() + b"\n")

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os._exit(int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests], plugins=[Killer()])))
    os.close(write_end)
    os.set_blocking(read_end, False)
    reported = b""
    outcome: int | str = "timeout"
    while time.monotonic() - started < timeout:
        reported += _drain(read_end)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            outcome = os.waitstatus_to_exitcode(status)
            break
        time.sleep(0.02)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    reported += _drain(read_end)
    os.close(read_end)
    failed = reported.decode(errors="replace").split("\n")[0] or None
    return outcome, failed if outcome == KILLED else None


def _drain(descriptor: int) -> bytes:
    """What a non-blocking pipe holds now (the child's failing test ids)."""
    chunks = b""
    while True:
        try:
            chunk = os.read(descriptor, 65536)
        except BlockingIOError:
            return chunks
        if not chunk:
            return chunks
        chunks += chunk


def run_fresh(name: str, tests: list[str], timeout: float) -> int | str:
    """A new interpreter that imports everything with the mutant on: for functions that only run at import.

    It may write bytecode even where ``PYTHONDONTWRITEBYTECODE`` is set: the mutated tree's compiled code is the same
    whichever mutant is on (each function picks its mutant from ``MUTANT_UNDER_TEST`` when called), and without the
    cache every fresh run compiles the whole tree again (about 60 s instead of 6 on a loaded 2-core machine, enough
    to time out).
    """
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment["MUTANT_UNDER_TEST"] = name
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    try:
        finished = subprocess.run(  # noqa: S603 (our own interpreter and test paths)
            command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    return finished.returncode


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion: what a sampled score is quoted with."""
    if total == 0:
        return (0.0, 1.0)
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (max(0.0, centre - half), min(1.0, centre + half))


def summary(results_path: Path) -> None:
    """Killed, survived and other outcomes, the score and its Wilson interval, and each mutant not killed."""
    results = json.loads(results_path.read_text())
    killed = [name for name, result in results.items() if result["rc"] == KILLED]
    others = {name: result["rc"] for name, result in results.items() if result["rc"] != KILLED}
    low, high = wilson(len(killed), len(results))
    score = 100 * len(killed) / len(results) if results else 0.0
    print(f"run {len(results)}, killed {len(killed)}, not killed {len(others)}")
    print(f"score {score:.1f} % (95 % Wilson {100 * low:.1f}-{100 * high:.1f} %)")
    for name, outcome in sorted(others.items()):
        label = "survived" if outcome == SURVIVED else f"exit {outcome}"
        print(f"  {name}: {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("generate", help="write mutants/ without running the pool")
    names_parser = commands.add_parser("names", help="print the mutants of one source file")
    names_parser.add_argument("source", help="a path under source_paths, e.g. sandbox/core/clock.py")
    names_parser.add_argument("--sample", type=int, help="a uniform sample of this size")
    names_parser.add_argument("--seed", type=int, default=2026)
    run_parser = commands.add_parser("run", help="run each named mutant against the test files")
    run_parser.add_argument("results", type=Path)
    run_parser.add_argument("names", type=Path)
    run_parser.add_argument("tests", nargs="+")
    run_parser.add_argument("--timeout", type=float, default=300.0)
    run_parser.add_argument(
        "--reach",
        action="store_true",
        help="run each mutant on the tests that reach its function only (recorded once); fresh interpreter if none",
    )
    run_parser.add_argument(
        "--fresh-tests",
        nargs="+",
        help="with --reach: the tests a mutant no test reaches runs in its fresh interpreter (default: all named)",
    )
    summary_parser = commands.add_parser("summary", help="score a results file")
    summary_parser.add_argument("results", type=Path)
    arguments = parser.parse_args()
    if arguments.command == "generate":
        generate()
    elif arguments.command == "names":
        names = mutant_names(arguments.source)
        if arguments.sample:
            names = uniform_sample(names, arguments.sample, arguments.seed)
        print("\n".join(names))
    elif arguments.command == "run":
        run(
            arguments.results.resolve(),
            arguments.names.resolve(),
            arguments.tests,
            arguments.timeout,
            reach=arguments.reach,
            fresh_tests=arguments.fresh_tests,
        )
    else:
        summary(arguments.results)


if __name__ == "__main__":
    main()
