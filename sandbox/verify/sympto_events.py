"""``vendor-sandbox verify sympto-events``: tell a partner exactly what is wrong with their event receiver.

The verifier plays Sympto delivering events (the Patient Data Model, and the enveloped Response Data
Model) to the partner's receiver, signed as :mod:`contracts.sympto.events` says, and lets Hypothesis
generate the events and the ways to spoil them. Each rule raises :class:`CheckFailure` on the first
request that breaks it; Hypothesis shrinks it to the simplest. MUST rules fail the run; the SHOULD rule
(refusing stale timestamps) warns, and fails under ``strict``. When no valid event gets a 200 the
negative rules cannot be judged (a receiver refusing everything passes them): they are skipped.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from contracts.sympto import events as contract
from contracts.sympto import signed
from sandbox.verify.engine import FAIL as FAIL
from sandbox.verify.engine import MUST, SHOULD, CheckFailure, Engine, Rule
from sandbox.verify.engine import PASS as PASS
from sandbox.verify.engine import SKIP as SKIP
from sandbox.verify.engine import WARN as WARN
from sandbox.verify.engine import Report as Report
from sandbox.verify.engine import RuleResult as RuleResult
from sandbox.verify.engine import junit_xml as junit_xml
from sandbox.verify.exchange import Answer, SentRequest, send

NAME = "sympto-events"
DEFAULT_TOLERANCE_SECONDS = float(contract.DEFAULT_TOLERANCE_SECONDS)
VALID = Rule("accepts-valid-events", MUST, "a validly signed event gets 200")
TAMPERED = Rule("rejects-tampered-body", MUST, "a body changed after signing never gets 200")
WRONG_SECRET = Rule("rejects-wrong-secret", MUST, "an event signed with another secret never gets 200")
BAD_HEADER = Rule(
    "rejects-bad-signature-header", MUST, "a missing or malformed X-Sympto-Webhook-Signature never gets 200"
)
REDELIVERY = Rule("accepts-redelivery", MUST, "the same event delivered again (at least once) gets 200 again")
UNKNOWN_FIELDS = Rule("tolerates-unknown-fields", MUST, "an event with fields the receiver does not know gets 200")
IN_TIME = Rule("answers-in-time", MUST, "every valid event is answered within the time limit")
STALE = Rule("rejects-stale-timestamps", SHOULD, "a timestamp older than the tolerance should be refused")
RULES = (VALID, TAMPERED, WRONG_SECRET, BAD_HEADER, REDELIVERY, UNKNOWN_FIELDS, IN_TIME, STALE)
#: Transport time limit beyond the rule's limit: a late 200 is still seen (and judged by answers-in-time).
GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class EventsOptions:
    url: str
    endpoint_secret: str
    examples: int = 25
    seed: int | None = None
    strict: bool = False
    tolerance_seconds: float = contract.DEFAULT_TOLERANCE_SECONDS
    timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.examples < 1:
            raise ValueError("examples must be at least 1")
        if not self.endpoint_secret:
            raise ValueError("endpoint_secret must not be empty")


# --- generated events -------------------------------------------------------------------------------


#: Values of the extra fields ``tolerates-unknown-fields`` adds (any JSON a new Sympto field might hold).
_extra_values = st.dictionaries(
    st.text(min_size=1, max_size=10),
    st.one_of(st.integers(-5, 100), st.text(max_size=20), st.booleans(), st.none()),
    max_size=4,
)


def events() -> st.SearchStrategy[dict[str, Any]]:
    """Event bodies as the sandbox sends them, drawn from the event schemas (ids filled in per delivery)."""
    return signed.event_documents()


def _kind(document: dict[str, Any]) -> str:
    return "response event" if "Response" in document else "patient event"


class Verifier(Engine[EventsOptions]):
    NAME = NAME
    UNSTEADY = " (the receiver did not answer this delivery the same way every time)"

    def prepare(self) -> None:
        self._ids = random.Random(self.seed)  # noqa: S311 - ids of test events, replayable by seed, not secrets

    # --- one delivery -------------------------------------------------------------------------------

    def fresh(self, document: dict[str, Any]) -> dict[str, Any]:
        """The event with new ids, so no two deliveries of different rules look like one event redelivered."""
        copy: dict[str, Any] = json.loads(json.dumps(document))

        def new_id() -> str:
            return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

        if "Response" in copy:
            response = copy["Response"]
            response["patientSurveyId"] = new_id()
            response["response"]["responseId"] = new_id()
            for item in response["completionMedium"]:
                item["user"]["tvid"] = new_id()
        else:
            copy["patientTvId"] = new_id()
        return copy

    def deliver(self, body: bytes, signature: str | None) -> tuple[SentRequest, Answer]:
        headers = {"Content-Type": "application/json", "User-Agent": "vendor-sandbox verify sympto-events"}
        if signature is not None:
            headers[contract.SIGNATURE_HEADER] = signature
        request = SentRequest("POST", self.options.url, headers, body)
        self.counted()
        return request, send(request, self.options.timeout_seconds + GRACE_SECONDS)

    def signed(self, body: bytes, secret: str | None = None, age: float = 0.0) -> str:
        return contract.signature_header(body, secret or self.options.endpoint_secret, int(self.now() - age))

    # --- the run ------------------------------------------------------------------------------------

    def run(self) -> Report:
        report = self.report()
        valid = self.check(VALID, self.property(st.tuples(events()), [], self.valid_event))
        report.results.append(valid)
        if valid.outcome == FAIL:
            why = "cannot be judged: no validly signed event got a 200 (see accepts-valid-events)"
            report.results.extend(RuleResult(rule, SKIP, why) for rule in RULES[1:])
            self.progress("done")
            return report
        report.results += [
            self.check(TAMPERED, self.property(st.tuples(events(), st.integers(0, 10**6)), [], self.tampered)),
            self.check(
                WRONG_SECRET,
                self.property(st.tuples(events(), st.text(min_size=1, max_size=40)), [], self.wrong_secret),
            ),
            self.check(
                BAD_HEADER,
                self.property(
                    st.tuples(events(), st.sampled_from(sorted(contract.MALFORMED_HEADERS))), [], self.bad_header
                ),
            ),
            self.check(REDELIVERY, self.property(st.tuples(events()), [], self.redelivery)),
            self.check(
                UNKNOWN_FIELDS,
                self.property(
                    st.tuples(
                        events(),
                        st.dictionaries(st.text(min_size=1, max_size=12), _extra_values, min_size=1, max_size=3),
                    ),
                    [],
                    self.unknown_fields,
                ),
            ),
            self.check(IN_TIME, self.property(st.tuples(events()), [], self.in_time)),
            self.check(
                STALE,
                self.property(
                    st.tuples(
                        events(),
                        st.floats(self.options.tolerance_seconds + 60, 30 * 86400, allow_nan=False),
                    ),
                    [],
                    self.stale,
                ),
            ),
        ]
        self.progress("done")
        return report

    # --- the rules ----------------------------------------------------------------------------------

    def _body(self, document: dict[str, Any]) -> bytes:
        return json.dumps(self.fresh(document), separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def valid_event(self, document: dict[str, Any]) -> None:
        body = self._body(document)
        request, answer = self.deliver(body, self.signed(body))
        if answer.status != contract.DELIVERED_STATUS:
            hint = (
                " (is --endpoint-secret the one POST /responses/webhook answered?)"
                if answer.status in (400, 401, 403)
                else ""
            )
            raise CheckFailure(
                f"expected 200, got {answer.status or answer.error}{hint}: Sympto counts anything but 200 as a "
                "failure and redelivers",
                f"a validly signed {_kind(document)}",
                request,
                answer,
            )

    def _refused(self, rule_text: str, case: str, request: SentRequest, answer: Answer) -> None:
        if answer.status == contract.DELIVERED_STATUS:
            raise CheckFailure(rule_text, case, request, answer)

    def tampered(self, document: dict[str, Any], where: int) -> None:
        body = self._body(document)
        signature = self.signed(body)
        position = where % len(body)
        changed = body[:position] + bytes([body[position] ^ 0x01]) + body[position + 1 :]
        request, answer = self.deliver(changed, signature)
        self._refused(
            "the receiver answered 200 to a body that does not match its signature: compute the HMAC over the raw "
            "body and compare it with v",
            f"a {_kind(document)} with byte {position} changed after signing",
            request,
            answer,
        )

    def wrong_secret(self, document: dict[str, Any], other: str) -> None:
        if other == self.options.endpoint_secret:
            other += "x"
        body = self._body(document)
        request, answer = self.deliver(body, self.signed(body, other))
        self._refused(
            "the receiver answered 200 to an event signed with another secret: key the HMAC with your endpointSecret",
            f"a {_kind(document)} signed with {len(other)}-character secret that is not yours",
            request,
            answer,
        )

    def bad_header(self, document: dict[str, Any], kind: str) -> None:
        body = self._body(document)
        header = contract.malformed_header(kind, body, self.options.endpoint_secret, int(self.now()))
        request, answer = self.deliver(body, header)
        self._refused(
            "the receiver answered 200 without a valid X-Sympto-Webhook-Signature: refuse a missing or malformed "
            "header",
            f"a {_kind(document)} with the signature header {kind}",
            request,
            answer,
        )

    def redelivery(self, document: dict[str, Any]) -> None:
        body = self._body(document)
        case = f"the same {_kind(document)} delivered twice, each freshly signed"
        request, first = self.deliver(body, self.signed(body))
        if first.status != contract.DELIVERED_STATUS:
            raise CheckFailure(f"the first delivery got {first.status or first.error}, not 200", case, request, first)
        request, again = self.deliver(body, self.signed(body))
        if again.status != contract.DELIVERED_STATUS:
            raise CheckFailure(
                f"a redelivery got {again.status or again.error}: Sympto delivers at least once, so answer 200 to an "
                "event you already have (and do not process it twice)",
                case,
                request,
                again,
            )

    def unknown_fields(self, document: dict[str, Any], extra: dict[str, Any]) -> None:
        fresh = self.fresh(document)
        target = fresh.get("Response", fresh)
        for key, value in extra.items():
            target.setdefault(f"x{key}", value)
        body = json.dumps(fresh, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        request, answer = self.deliver(body, self.signed(body))
        if answer.status != contract.DELIVERED_STATUS:
            raise CheckFailure(
                f"an event with unknown fields got {answer.status or answer.error}: ignore fields you do not know "
                "(Sympto adds fields without notice)",
                f"a {_kind(document)} with {len(extra)} extra field(s)",
                request,
                answer,
            )

    def in_time(self, document: dict[str, Any]) -> None:
        body = self._body(document)
        request, answer = self.deliver(body, self.signed(body))
        limit_ms = self.options.timeout_seconds * 1000
        if answer.status is None or answer.latency_ms > limit_ms:
            raise CheckFailure(
                f"the receiver took {answer.latency_ms:g} ms (limit {limit_ms:g} ms): answer first, process later "
                "(a late answer is a failed delivery, and Sympto redelivers)",
                f"a validly signed {_kind(document)}",
                request,
                answer,
            )

    def stale(self, document: dict[str, Any], age: float) -> None:
        body = self._body(document)
        request, answer = self.deliver(body, self.signed(body, age=age))
        self._refused(
            f"the receiver answered 200 to a timestamp {age:.0f} s old (tolerance {self.options.tolerance_seconds:g} "
            "s): compare t with your clock to refuse replays",
            f"a validly signed {_kind(document)} with t {age:.0f} s in the past",
            request,
            answer,
        )


def verify(options: EventsOptions, progress: Callable[[str], None] | None = None) -> tuple[Report, int]:
    """Run every rule against the partner's receiver; return the report and the exit code."""
    report = Verifier(options, progress).run()
    return report, report.exit_code
