"""One run: each case to the upstream (or its recorded answer), then to the emulator at the upstream's
instant; both answers normalised and compared. Failures are data (:class:`~sandbox.drift.model.Outcome`),
only an unreachable upstream stops the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.drift.compare import differences
from sandbox.drift.model import Answer, Case, Outcome, Request
from sandbox.drift.normalise import Normaliser
from sandbox.drift.recording import Exchange, Recording
from sandbox.drift.sides import Emulator, Upstream


@dataclass
class Result:
    vendor: str
    run_id: str
    seed: int
    #: Where the upstream's answers came from: its (masked) URL, or ``recording <file>``.
    source: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def identical(self) -> int:
        return sum(1 for o in self.outcomes if not o.diverged and not o.missing)

    @property
    def divergences(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.diverged]

    @property
    def missing(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.missing]

    def summary(self) -> str:
        line = f"{len(self.outcomes)} cases, {self.identical} identical, {len(self.divergences)} divergences"
        if self.missing:
            line += f", {len(self.missing)} not in the recording"
        return line


class Runner:
    """Compares ``emulator`` with ``upstream`` (live) or with ``against`` (a recording); ``record`` keeps
    the upstream's answers."""

    def __init__(
        self,
        emulator: Emulator,
        normaliser: Normaliser,
        *,
        upstream: Upstream | None = None,
        against: Recording | None = None,
        record: Recording | None = None,
        upstream_session: dict[str, str] | None = None,
        emulator_session: dict[str, str] | None = None,
    ) -> None:
        if (upstream is None) == (against is None):
            raise ValueError("compare with an upstream or with a recording, not both")
        self.emulator = emulator
        self.normaliser = normaliser
        self.upstream = upstream
        self.against = against
        self.record = record
        self._upstream_session: dict[str, str] = dict(upstream_session or {})
        self._emulator_session: dict[str, str] = dict(emulator_session or {})

    def _upstream_answer(self, case: Case) -> tuple[Request | None, Answer, int, float] | None:
        if self.against is not None:
            exchange = self.against.exchanges.get(case.id)
            if exchange is None:
                return None
            return None, exchange.answer, exchange.minted_at, exchange.upstream_time
        assert self.upstream is not None
        minted_at = int(self.upstream.now())
        request = case.build(minted_at, self._upstream_session)
        raw, at = self.upstream.send(request)
        if case.capture is not None:
            self._upstream_session.update(case.capture(raw))
        answer = self.normaliser.answer(raw)
        if self.record is not None:
            self.record.add(Exchange(case.id, minted_at, at, answer))
        return request, answer, minted_at, at

    def run_case(self, case: Case) -> Outcome:
        found = self._upstream_answer(case)
        if found is None:
            return Outcome(case, None, None, None, missing=True)
        sent, theirs, minted_at, at = found
        request = case.build(minted_at, self._emulator_session)
        raw = self.emulator.send(request, at)
        if case.capture is not None:
            self._emulator_session.update(case.capture(raw))
        ours = self.normaliser.answer(raw)
        diffs = differences(theirs, ours, self.normaliser.rules.ordered_keys)
        return Outcome(case, sent or request, theirs, ours, diffs)
