"""``verify sympto-events``' whole run on plain values: every rule against an in-process receiver that checks the
signature as the contract says (all pass, each rule drawing what its name says), the report's skips, and the
details each failure carries. (Over real HTTP, with the reference receivers: ``test_sympto_events.py``.)"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from contracts.sympto import events as contract
from sandbox.verify import sympto_events
from sandbox.verify.engine import CheckFailure
from sandbox.verify.exchange import Answer, SentRequest
from sandbox.verify.sympto_events import (
    IN_TIME,
    PASS,
    REDELIVERY,
    RULES,
    SKIP,
    STALE,
    TAMPERED,
    UNKNOWN_FIELDS,
    WRONG_SECRET,
    EventsOptions,
    Verifier,
)
from tests.verify.support import NOW, PATIENT, RESPONSE, SECRET

KNOWN = {*contract.PATIENT_FIELDS, "patientTvId", "Status", "Response"}
KNOWN_RESPONSE = {"patientSurveyId", "instrumentType", "completionMedium", "response"}


class Receiver:
    """A correct receiver: 200 exactly when the signature verifies within the tolerance, else 401."""

    def __init__(self, now: Callable[[], float] = lambda: NOW) -> None:
        self.sent: list[SentRequest] = []
        self.now = now

    def __call__(self, request: SentRequest, timeout: float) -> Answer:
        self.sent.append(request)
        header = request.headers.get(contract.SIGNATURE_HEADER)
        problem = contract.check_signature(header, request.body, SECRET, self.now())
        return Answer(200 if problem is None else 401, latency_ms=1.0)


def options(**changes: Any) -> EventsOptions:
    values: dict[str, Any] = {"url": "http://127.0.0.1:1/events", "endpoint_secret": SECRET, "seed": 7, **changes}
    return EventsOptions(**values)


def extra_fields(request: SentRequest) -> set[str]:
    document = json.loads(request.body)
    if "Response" in document:
        return set(document["Response"]) - KNOWN_RESPONSE
    return set(document) - KNOWN


def test_a_correct_receiver_passes_every_rule_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = Receiver()
    monkeypatch.setattr(sympto_events, "send", receiver)
    lines: list[str] = []
    report = Verifier(options(examples=4), lines.append, now=lambda: NOW).run()
    assert [(r.rule, r.outcome) for r in report.results] == [(rule, PASS) for rule in RULES]
    assert all(r.requests >= 1 for r in report.results)
    assert report.results[RULES.index(REDELIVERY)].requests == 2 * report.results[RULES.index(IN_TIME)].requests
    assert lines[-1] == "done"
    assert report.exit_code == 0
    assert sum(r.requests for r in report.results) == len(receiver.sent)


def test_unknown_fields_are_one_to_three_new_fields_and_stale_ages_are_beyond_the_tolerance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receiver = Receiver()
    monkeypatch.setattr(sympto_events, "send", receiver)
    report = Verifier(options(examples=10), now=lambda: NOW).run()
    by_rule = {r.rule: r.requests for r in report.results}
    start = sum(by_rule[rule] for rule in RULES[: RULES.index(UNKNOWN_FIELDS)])
    unknown = receiver.sent[start : start + by_rule[UNKNOWN_FIELDS]]
    counts = [len(extra_fields(request)) for request in unknown]
    assert counts
    assert all(1 <= n <= 3 for n in counts), counts
    assert 1 in counts
    assert all(2 <= len(name) <= 13 for request in unknown for name in extra_fields(request))
    stale = receiver.sent[-by_rule[STALE] :]
    for request in stale:
        timestamp, _values = contract.parse_signature(request.headers[contract.SIGNATURE_HEADER])
        assert timestamp is not None
        assert contract.DEFAULT_TOLERANCE_SECONDS + 60 <= NOW - timestamp <= 30 * 86400 + 1


def test_verify_runs_every_rule_and_returns_the_reports_exit_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sympto_events, "send", Receiver(time.time))
    lines: list[str] = []
    report, code = sympto_events.verify(options(examples=1), lines.append)
    assert lines[0] == "accepts-valid-events: starting"
    assert lines[-1] == "done"
    assert [r.outcome for r in report.results] == [PASS] * len(RULES)
    assert code == 0 == report.exit_code


def test_the_skipped_rules_say_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sympto_events, "send", lambda _request, _timeout: Answer(401))
    lines: list[str] = []
    report = Verifier(options(examples=1), lines.append, now=lambda: NOW).run()
    assert lines[-1] == "done"
    why = "cannot be judged: no validly signed event got a 200 (see accepts-valid-events)"
    assert [(r.outcome, r.message) for r in report.results[1:]] == [(SKIP, why)] * (len(RULES) - 1)


def test_deliveries_name_the_verifier_and_carry_the_event(monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = Receiver()
    monkeypatch.setattr(sympto_events, "send", receiver)
    check = Verifier(options(), now=lambda: NOW)
    check.valid_event(PATIENT)
    check.wrong_secret(PATIENT, "another")
    for request in receiver.sent:
        agent = {k.lower(): v for k, v in request.headers.items()}["user-agent"]
        assert agent == "vendor-sandbox verify sympto-events"
        assert json.loads(request.body)["firstName"] == "Ada"


def test_fresh_ids_are_version_4_uuids() -> None:
    check = Verifier(options(), now=lambda: NOW)
    response = check.fresh(RESPONSE)["Response"]
    ids = [
        response["patientSurveyId"],
        response["response"]["responseId"],
        response["completionMedium"][0]["user"]["tvid"],
    ]
    ids.append(check.fresh(PATIENT)["patientTvId"])
    assert [uuid.UUID(value).version for value in ids] == [4] * 4
    assert len(set(ids)) == 4


def test_a_failure_carries_its_request_answer_and_the_whole_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([Answer(500), Answer(200), Answer(200), Answer(200), Answer(409)])
    monkeypatch.setattr(sympto_events, "send", lambda _request, _timeout: next(answers))
    check = Verifier(options(), now=lambda: NOW)
    with pytest.raises(CheckFailure) as invalid:
        check.valid_event(PATIENT)
    assert (invalid.value.request is not None, invalid.value.answer) == (True, Answer(500))
    with pytest.raises(CheckFailure) as tampered:
        check.tampered(PATIENT, 0)
    assert tampered.value.message == (
        "the receiver answered 200 to a body that does not match its signature: compute the HMAC over the raw "
        "body and compare it with v"
    )
    with pytest.raises(CheckFailure) as wrong:
        check.wrong_secret(PATIENT, "another")
    assert wrong.value.message == (
        "the receiver answered 200 to an event signed with another secret: key the HMAC with your endpointSecret"
    )
    with pytest.raises(CheckFailure) as again:
        check.redelivery(PATIENT)
    assert again.value.message == (
        "a redelivery got 409: Sympto delivers at least once, so answer 200 to an event you already have (and do "
        "not process it twice)"
    )
    assert {TAMPERED, WRONG_SECRET} <= set(RULES)


def test_the_same_seed_gives_the_same_event_ids() -> None:
    first, again, other = (Verifier(options(seed=s), now=lambda: NOW) for s in (7, 7, 8))
    for check in (first, again, other):
        check.prepare()
    ids = [check.fresh(PATIENT)["patientTvId"] for check in (first, again, other)]
    assert ids[0] == ids[1] != ids[2]


def test_a_failed_first_delivery_or_redelivery_carries_its_request_and_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([Answer(500), Answer(200), Answer(409)])
    monkeypatch.setattr(sympto_events, "send", lambda _request, _timeout: next(answers))
    check = Verifier(options(), now=lambda: NOW)
    for status in (500, 409):
        with pytest.raises(CheckFailure) as failed:
            check.redelivery(PATIENT)
        assert failed.value.request is not None
        assert json.loads(failed.value.request.body)["firstName"] == "Ada"
        assert failed.value.answer == Answer(status)


def test_failures_are_shrunk_to_the_simplest_case(monkeypatch: pytest.MonkeyPatch) -> None:
    """A receiver that answers 200 to everything is shown the first byte changed and the youngest stale timestamp;
    a one-character wrong secret; one that refuses unknown fields is shown a single one-character field."""
    monkeypatch.setattr(sympto_events, "send", lambda _request, _timeout: Answer(200, latency_ms=1.0))
    report = Verifier(options(examples=10), now=lambda: NOW).run()
    failures = {r.rule: r.failure for r in report.results if r.failure is not None}
    assert failures[TAMPERED].case.endswith("with byte 0 changed after signing")
    assert failures[WRONG_SECRET].case.endswith("signed with 1-character secret that is not yours")
    stale = f"t {contract.DEFAULT_TOLERANCE_SECONDS + 60:.0f} s in the past"
    assert failures[STALE].case.endswith(stale)

    def refuses_unknown(request: SentRequest, _timeout: float) -> Answer:
        try:
            unknown = extra_fields(request)
        except ValueError:
            unknown = {"(not JSON)"}
        return Answer(400 if unknown else 200, latency_ms=1.0)

    monkeypatch.setattr(sympto_events, "send", refuses_unknown)
    report = Verifier(options(examples=10), now=lambda: NOW).run()
    unknown = report.results[RULES.index(UNKNOWN_FIELDS)].failure
    assert unknown is not None
    assert unknown.request is not None
    assert extra_fields(unknown.request) == {"x0"}


def test_stale_timestamps_are_at_most_thirty_days_old(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seed 5 draws (about) the oldest age the rule allows, so the bound itself is checked, not only typical ages."""
    receiver = Receiver()
    monkeypatch.setattr(sympto_events, "send", receiver)
    report = Verifier(options(examples=25, seed=5), now=lambda: NOW).run()
    stale = receiver.sent[-report.results[RULES.index(STALE)].requests :]
    ages = []
    for request in stale:
        timestamp, _values = contract.parse_signature(request.headers[contract.SIGNATURE_HEADER])
        assert timestamp is not None
        ages.append(NOW - timestamp)
    assert 30 * 86400 - 60 < max(ages) <= 30 * 86400 + 1  # + 1: the header's t is whole seconds


def test_refused_rules_carry_the_request_they_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The partner is shown the exact request a wrongly accepted tampered or wrongly signed event was."""
    sent: list[SentRequest] = []

    def always_200(request: SentRequest, _timeout: float) -> Answer:
        sent.append(request)
        return Answer(200)

    monkeypatch.setattr(sympto_events, "send", always_200)
    check = Verifier(options(), now=lambda: NOW)
    for rule in (lambda: check.tampered(PATIENT, 0), lambda: check.wrong_secret(PATIENT, "another")):
        with pytest.raises(CheckFailure) as failed:
            rule()
        assert failed.value.request is sent[-1]
        assert failed.value.answer == Answer(200)


def test_a_refused_unknown_field_event_carries_its_request_answer_and_the_whole_advice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sympto_events, "send", lambda _request, _timeout: Answer(400))
    check = Verifier(options(), now=lambda: NOW)
    with pytest.raises(CheckFailure) as failed:
        check.unknown_fields(PATIENT, {"a": 1})
    assert failed.value.message == (
        "an event with unknown fields got 400: ignore fields you do not know (Sympto adds fields without notice)"
    )
    assert failed.value.case == "a patient event with 1 extra field(s)"
    assert failed.value.request is not None
    assert json.loads(failed.value.request.body)["xa"] == 1
    assert failed.value.answer == Answer(400)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
def test_a_refused_valid_event_asks_about_the_secret_only_when_the_refusal_is_an_auth_one(
    monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setattr(sympto_events, "send", lambda _request, _timeout: Answer(status))
    check = Verifier(options(), now=lambda: NOW)
    with pytest.raises(CheckFailure) as failed:
        check.valid_event(PATIENT)
    hint = " (is --endpoint-secret the one POST /responses/webhook answered?)" if status in (400, 401, 403) else ""
    assert failed.value.message == (
        f"expected 200, got {status}{hint}: Sympto counts anything but 200 as a failure and redelivers"
    )


def test_events_with_unknown_fields_are_compact_utf8_json_like_every_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sympto sends compact JSON with non-ASCII text as UTF-8, not escaped; the extra fields change nothing."""
    receiver = Receiver()
    monkeypatch.setattr(sympto_events, "send", receiver)
    check = Verifier(options(), now=lambda: NOW)
    check.unknown_fields(PATIENT, {"é": "ü, ñ: ok"})
    body = receiver.sent[-1].body
    assert body == json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert "xé".encode() in body
