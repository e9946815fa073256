"""The rule engine every verifier shares: rules, Hypothesis properties, the report and its JUnit file.

A verifier (``verify sympto-webhook``, ``verify sympto-events``) is a list of :class:`Rule` s, each
checked by a small function that raises :class:`CheckFailure` on the first request breaking it. This
module runs those functions as Hypothesis properties (so a failure is shrunk to the simplest request
that shows it, replayable by seed), turns each into a :class:`RuleResult` (MUST rules fail the run,
SHOULD rules warn and fail under ``strict``), and renders the :class:`Report` as text for people and
as JUnit XML for CI. It lives apart from the verifiers so that both print and write the same way, and
a fix to either output is made once.
"""

from __future__ import annotations

import random
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

from sandbox.verify.exchange import Answer, SentRequest

MUST = "MUST"
SHOULD = "SHOULD"
PASS, FAIL, WARN, SKIP = "PASS", "FAIL", "WARN", "SKIP"
#: A body longer than this is cut short in a report (the whole of it is rarely what explains a failure).
SHOWN_BODY_CHARACTERS = 300


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    title: str


class CheckFailure(Exception):
    """A rule broken by one concrete request."""

    def __init__(self, message: str, case: str, request: SentRequest | None, answer: Answer | None) -> None:
        super().__init__(message)
        self.message = message
        self.case = case
        self.request = request
        self.answer = answer


@dataclass
class RuleResult:
    rule: Rule
    outcome: str
    message: str = ""
    failure: CheckFailure | None = None
    requests: int = 0


def shown_request(request: SentRequest, authorization: str | None = None) -> str:
    """The request as a report shows it; with ``authorization``, that label stands for the real header."""
    headers = [
        f"{name}: {value}"
        for name, value in request.headers.items()
        if authorization is None or name.lower() != "authorization"
    ]
    if authorization is not None:
        headers.insert(0, f"Authorization: <{authorization}>")
    body = request.body.decode("utf-8", "replace")
    if len(body) > SHOWN_BODY_CHARACTERS:
        body = f"{body[:SHOWN_BODY_CHARACTERS]}… ({len(request.body)} bytes)"
    return "\n".join([f"{request.method} {request.url}", *headers, "", body])


def shown_answer(answer: Answer) -> str:
    if answer.status is None:
        return f"no response: {answer.error}"
    kind = answer.content_type or "no Content-Type"
    return f"HTTP {answer.status} ({kind}, {answer.latency_ms:g} ms)\n{answer.text()}"


#: How a verifier shows the request of a failure (the webhook's hides its credentials).
RequestView = Callable[[CheckFailure, SentRequest], str]


def _plain(_failure: CheckFailure, request: SentRequest) -> str:
    return shown_request(request)


def describe_failure(failure: CheckFailure, view: RequestView = _plain) -> str:
    parts = [f"case: {failure.case}"]
    if failure.request is not None:
        parts.append("request:\n" + _indent(view(failure, failure.request)))
    if failure.answer is not None:
        parts.append("response:\n" + _indent(shown_answer(failure.answer)))
    return "\n".join(parts)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


@dataclass
class Report:
    """One run's results. ``name`` is the verifier's (the JUnit suite's name)."""

    name: str
    seed: int
    results: list[RuleResult] = field(default_factory=list)
    view: RequestView = field(default=_plain, repr=False)

    @property
    def exit_code(self) -> int:
        return 1 if any(result.outcome == FAIL for result in self.results) else 0

    def outcomes(self) -> dict[str, str]:
        return {result.rule.id: result.outcome for result in self.results}

    def counts(self) -> dict[str, int]:
        return {outcome: sum(r.outcome == outcome for r in self.results) for outcome in (PASS, FAIL, WARN, SKIP)}

    def describe(self, failure: CheckFailure) -> str:
        return describe_failure(failure, self.view)

    def render_text(self) -> str:
        lines = []
        for result in self.results:
            count = f" ({result.requests} request{'s' if result.requests > 1 else ''})" if result.requests else ""
            lines.append(f"{result.outcome:<4}  {result.rule.level:<6}  {result.rule.id}: {result.rule.title}{count}")
            if result.message:
                lines.extend("      " + line for line in result.message.splitlines())
            if result.failure is not None:
                lines.extend("      " + line for line in self.describe(result.failure).splitlines())
        counts = self.counts()
        lines.append(
            f"{counts[PASS]} passed, {counts[FAIL]} failed, {counts[WARN]} warned, {counts[SKIP]} skipped "
            f"(seed {self.seed}; rerun with --seed {self.seed}); exit {self.exit_code}"
        )
        return "\n".join(lines)


def junit_xml(report: Report) -> str:
    """The report as JUnit XML: one test case per rule; FAIL → failure, SKIP → skipped, WARN → system-out."""
    counts = report.counts()
    suite = ET.Element(
        "testsuite",
        name=report.name,
        tests=str(len(report.results)),
        failures=str(counts[FAIL]),
        errors="0",
        skipped=str(counts[SKIP]),
    )
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="seed", value=str(report.seed))
    for result in report.results:
        case = ET.SubElement(suite, "testcase", classname=f"{report.name}.{result.rule.level}", name=result.rule.id)
        detail = "\n".join(filter(None, [result.message, report.describe(result.failure) if result.failure else ""]))
        if result.outcome == FAIL:
            ET.SubElement(case, "failure", message=result.message[:500]).text = detail
        elif result.outcome == SKIP:
            ET.SubElement(case, "skipped", message=result.message[:500])
        elif result.outcome == WARN:
            ET.SubElement(case, "system-out").text = "WARNING: " + detail
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


class Options(Protocol):
    """What the engine reads of a verifier's options."""

    @property
    def examples(self) -> int: ...

    @property
    def seed(self) -> int | None: ...

    @property
    def strict(self) -> bool: ...


OptionsT = TypeVar("OptionsT", bound=Options)


class Engine(Generic[OptionsT]):
    """A verifier's base: checks rules as Hypothesis properties and counts the requests each one sends.

    ``NAME`` names the report; ``UNSTEADY`` is appended to a failure the partner did not reproduce
    (Hypothesis's ``FlakyFailure``: the same request answered differently). ``now`` is the clock the
    verifier signs and mints with (a test may pass its own); :meth:`prepare` is a verifier's own set-up.
    """

    NAME = ""
    UNSTEADY = " (the partner did not answer this request the same way every time)"

    def __init__(
        self, options: OptionsT, progress: Callable[[str], None] | None = None, now: Callable[[], float] = time.time
    ) -> None:
        self.options = options
        self.progress = progress or (lambda _line: None)
        self.now = now
        self.seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**32)
        self._rule = ""
        self._requests = 0
        self.prepare()

    def prepare(self) -> None:
        """Set-up that needs the options, the clock or the seed (nothing by default)."""

    def report(self, view: RequestView = _plain) -> Report:
        return Report(self.NAME, self.seed, view=view)

    def counted(self) -> None:
        """One more request for the current rule (every fifth is reported as progress)."""
        self._requests += 1
        if self._requests % 5 == 1:
            self.progress(f"{self._rule}: {self._requests} requests")

    def check(self, rule: Rule, run: Callable[[], None]) -> RuleResult:
        self._rule, self._requests = rule.id, 0
        self.progress(f"{rule.id}: starting")
        try:
            run()
        except CheckFailure as failure:
            outcome = FAIL if rule.level == MUST or self.options.strict else WARN
            return RuleResult(rule, outcome, failure.message, failure, self._requests)
        return RuleResult(rule, PASS, requests=self._requests)

    def property(
        self, strategy: st.SearchStrategy[Any], explicit: Sequence[tuple[Any, ...]], check: Callable[..., None]
    ) -> Callable[[], None]:
        """A Hypothesis run of ``check`` over ``strategy``; the shrunk :class:`CheckFailure` propagates."""

        def run() -> None:
            def prop(case: tuple[Any, ...]) -> None:
                check(*case)

            test: Any = given(strategy)(prop)
            for case in reversed(explicit):
                test = example(case)(test)
            test = settings(
                max_examples=self.options.examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=False,
                verbosity=Verbosity.quiet,
                print_blob=False,
                phases=(Phase.explicit, Phase.generate, Phase.shrink),
            )(test)
            test = seed(self.seed)(test)
            try:
                test()
            except FlakyFailure as flaky:
                found = next((e for e in flaky.exceptions if isinstance(e, CheckFailure)), None)
                if found is None:
                    raise
                found.message += self.UNSTEADY
                raise found from None

        return run
