"""The verifiers' shared engine on plain values: what a run without ``--seed`` replays with.

The verifiers' own tests (``test_sympto_webhook_report.py``, ``test_sympto_events_rules.py``) pin the report, the
JUnit document and each rule's checks; these pin the engine's choices that no partner can see.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from sandbox.verify.engine import FAIL, MUST, PASS, CheckFailure, Engine, Rule


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
