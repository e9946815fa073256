"""The verifiers' shared engine on plain values: what a run without ``--seed`` replays with.

The verifiers' own tests (``test_sympto_webhook_report.py``, ``test_sympto_events_rules.py``) pin the report, the
JUnit document and each rule's checks; these pin the engine's choices that no partner can see.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import FlakyFailure

from sandbox.verify.engine import FAIL, MUST, PASS, CheckFailure, Engine, Rule
from sandbox.verify.exchange import SentRequest


@dataclass(frozen=True)
class Options:
    examples: int = 1
    seed: int | None = None
    strict: bool = False


def test_a_run_without_a_seed_draws_one_from_the_whole_32_bit_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed printed for ``--seed`` is any unsigned 32-bit number, up to the largest, and never beyond it."""
    monkeypatch.setattr(random.SystemRandom, "randrange", lambda _self, stop: stop - 1)
    assert Engine(Options()).seed == 2**32 - 1
    assert Engine(Options(seed=12)).seed == 12


def test_a_rule_counts_its_requests_passed_or_failed_and_reports_every_fifth_as_progress() -> None:
    engine = Engine(Options(seed=1))
    lines: list[str] = []
    engine.progress = lines.append

    def send(count: int) -> None:
        for _ in range(count):
            engine.counted()

    def three_then_fail() -> None:
        send(3)
        raise CheckFailure("broken", "the third request", None, None)

    failed = engine.check(Rule("breaks", MUST, "breaks"), three_then_fail)
    assert (failed.outcome, failed.requests, failed.message) == (FAIL, 3, "broken")
    passed = engine.check(Rule("holds", MUST, "holds"), lambda: send(11))
    assert (passed.outcome, passed.requests) == (PASS, 11)
    every_fifth = ["holds: 1 requests", "holds: 6 requests", "holds: 11 requests"]
    assert lines == ["breaks: starting", "breaks: 1 requests", "holds: starting", *every_fifth]


@pytest.fixture
def hypothesis_defaults() -> Iterator[None]:
    """Hypothesis's own defaults, as the CLI runs (the suite's profile sets no deadline and fewer health checks)."""
    settings.load_profile("default")
    try:
        yield
    finally:
        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _cases(engine: Engine[Options], explicit: list[tuple[int]]) -> list[int]:
    seen: list[int] = []
    engine.property(st.tuples(st.integers()), explicit, seen.append)()
    return seen


@pytest.mark.usefixtures("hypothesis_defaults")
def test_a_rule_runs_its_explicit_cases_first_in_order_then_as_many_generated_as_asked() -> None:
    seen = _cases(Engine(Options(examples=5, seed=3)), [(-1,), (-2,)])
    assert seen[:2] == [-1, -2]
    assert len(seen) == 2 + 5


@pytest.mark.usefixtures("hypothesis_defaults")
def test_the_same_seed_generates_the_same_cases_and_another_seed_others() -> None:
    first = _cases(Engine(Options(examples=10, seed=3)), [])
    assert _cases(Engine(Options(examples=10, seed=3)), []) == first
    assert _cases(Engine(Options(examples=10, seed=4)), []) != first


@pytest.mark.usefixtures("hypothesis_defaults")
def test_a_slow_partner_is_no_failure_and_large_cases_are_still_checked() -> None:
    """Hypothesis's deadline (200 ms) and health checks judge test suites, not partners: neither stops a rule."""
    engine = Engine(Options(examples=1, seed=3))
    slow = engine.check(Rule("slow", MUST, "slow"), engine.property(st.tuples(st.integers()), [], _slowly))
    assert (slow.outcome, slow.message) == (PASS, "")
    # A smallest case over half Hypothesis's buffer fails its `large_base_example` health check: 8 KB in the CLI,
    # but 32 KB under pytest, whose schemathesis plugin raises the buffer (`engine.BUFFER_SIZE`); 20,000 bytes are
    # over both halves, so this case is "large" here as it is for a partner.
    sizes: list[int] = []
    large = st.tuples(st.binary(min_size=20_000))
    Engine(Options(examples=3, seed=3)).property(large, [], lambda body: sizes.append(len(body)))()
    assert sizes
    assert min(sizes) >= 20_000


def _slowly(_value: int) -> None:
    time.sleep(0.25)


@pytest.mark.usefixtures("hypothesis_defaults")
def test_of_two_different_failures_the_rule_reports_one_with_only_the_verifiers_words() -> None:
    def two_bugs(value: int) -> None:
        if value > 10:
            raise CheckFailure("too big", f"{value}", None, None)
        if value < -10:
            raise CheckFailure("too small", f"{value}", None, None)

    engine = Engine(Options(examples=5, seed=3))
    result = engine.check(Rule("r", MUST, "r"), engine.property(st.tuples(st.integers()), [(20,), (-20,)], two_bugs))
    assert (result.outcome, result.message) == (FAIL, "too big")
    assert result.failure is not None
    assert getattr(result.failure, "__notes__", []) == []  # no "Falsifying example: prop(...)", no blob


@pytest.mark.usefixtures("hypothesis_defaults")
def test_a_failure_is_replayed_by_its_seed_and_never_saved_in_a_database(tmp_path: Path) -> None:
    def fails(value: int) -> None:
        if value > 10:
            raise CheckFailure("too big", f"{value}", None, None)

    engine = Engine(Options(examples=20, seed=3))
    set_hypothesis_home_dir(tmp_path)
    try:
        assert engine.check(Rule("r", MUST, "r"), engine.property(st.tuples(st.integers()), [], fails)).outcome == FAIL
    finally:
        set_hypothesis_home_dir(None)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("hypothesis_defaults")
def test_a_failure_the_partner_does_not_repeat_is_reported_as_unsteady() -> None:
    calls: list[int] = []

    def fails_once(value: int) -> None:
        calls.append(value)
        if len(calls) == 1:
            raise CheckFailure("answered 500", f"{value}", None, None)

    engine = Engine(Options(examples=5, seed=3))
    result = engine.check(Rule("r", MUST, "r"), engine.property(st.tuples(st.integers()), [], fails_once))
    assert (result.outcome, result.message) == (FAIL, "answered 500" + Engine.UNSTEADY)
    assert result.failure is not None
    assert result.failure.case == str(calls[0])


@pytest.mark.usefixtures("hypothesis_defaults")
def test_an_unsteady_error_that_is_no_rule_failure_is_not_hidden() -> None:
    calls: list[int] = []

    def crashes_once(value: int) -> None:
        calls.append(value)
        if len(calls) == 1:
            raise ZeroDivisionError

    engine = Engine(Options(examples=5, seed=3))
    with pytest.raises(FlakyFailure):
        engine.check(Rule("r", MUST, "r"), engine.property(st.tuples(st.integers()), [], crashes_once))


@pytest.mark.usefixtures("hypothesis_defaults")
def test_the_failure_reported_is_the_last_request_the_partner_was_sent() -> None:
    """Once the failure is shrunk and replayed the rule stops: the partner's log ends with the reported case."""
    sent: list[tuple[int, str]] = []

    def fails_above_ten(number: int, text: str) -> None:
        sent.append((number, text))
        if number > 10:
            raise CheckFailure("too big", repr((number, text)), None, None)

    engine = Engine(Options(examples=10, seed=3))
    strategy = st.tuples(st.integers(), st.text())
    result = engine.check(Rule("r", MUST, "r"), engine.property(strategy, [], fails_above_ten))
    assert result.failure is not None
    assert result.failure.case == repr(sent[-1]) == repr((11, ""))
    assert getattr(result.failure, "__notes__", []) == []


def test_the_report_shows_a_failures_request_through_the_verifiers_own_view() -> None:
    """The webhook's verifier hides the credentials: its view, given to ``report``, is what the report shows."""
    engine = Engine(Options(seed=1))
    report = engine.report(lambda failure, request: f"{request.method} (shown by the verifier for {failure.case})")
    failure = CheckFailure("m", "the case", SentRequest("POST", "http://x.test/", {"Authorization": "secret"}), None)
    assert report.describe(failure) == "case: the case\nrequest:\n  POST (shown by the verifier for the case)"
