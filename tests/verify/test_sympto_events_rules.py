"""``verify sympto-events``' rules and report on plain values: what each rule sends and how it judges the answer.

The reference receivers (``test_sympto_events.py``) prove each rule over real HTTP; these replace the transport with a
recorder, so each rule's request (signature header, changed byte, secret, timestamp) and its verdict at the edge
(exactly 200, exactly the time limit) are pinned, and so is the report a partner reads.
"""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET

import pytest

from contracts.sympto import events as contract
from sandbox.verify import sympto_events
from sandbox.verify.engine import CheckFailure, RuleResult, describe_failure
from sandbox.verify.exchange import Answer, SentRequest
from sandbox.verify.sympto_events import (
    BAD_HEADER,
    FAIL,
    PASS,
    SKIP,
    STALE,
    VALID,
    WARN,
    EventsOptions,
    Report,
    Verifier,
    junit_xml,
)
from tests.verify.support import NOW, PATIENT, RESPONSE, SECRET


class Recorder:
    """The receiver's side: every request sent, answered from a script (200 by default)."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[SentRequest, float]] = []

    def __call__(self, request: SentRequest, timeout: float) -> Answer:
        self.sent.append((request, timeout))
        return self.answers.pop(0) if self.answers else Answer(200)


def verifier(monkeypatch: pytest.MonkeyPatch, *answers: Answer, **changes: object) -> tuple[Verifier, Recorder]:
    recorder = Recorder(*answers)
    monkeypatch.setattr(sympto_events, "send", recorder)
    values: dict[str, object] = {"url": "http://127.0.0.1:1/events", "endpoint_secret": SECRET, "seed": 5, **changes}
    return Verifier(EventsOptions(**values), now=lambda: NOW), recorder  # type: ignore[arg-type]


def header_of(request: SentRequest) -> str | None:
    return request.headers.get(contract.SIGNATURE_HEADER)


def test_options_need_an_example_and_a_secret() -> None:
    assert EventsOptions(url="u", endpoint_secret="s", examples=1).examples == 1
    with pytest.raises(ValueError, match=r"^examples must be at least 1$"):
        EventsOptions(url="u", endpoint_secret="s", examples=0)
    with pytest.raises(ValueError, match=r"^endpoint_secret must not be empty$"):
        EventsOptions(url="u", endpoint_secret="")


def test_a_valid_event_is_signed_now_with_the_endpoint_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    check, recorder = verifier(monkeypatch, timeout_seconds=2.0)
    check.valid_event(PATIENT)
    ((request, timeout),) = recorder.sent
    assert request.method == "POST"
    assert request.url == "http://127.0.0.1:1/events"
    assert request.headers["Content-Type"] == "application/json"
    assert header_of(request) == contract.signature_header(request.body, SECRET, int(NOW))
    assert timeout == 2.0 + sympto_events.GRACE_SECONDS
    assert json.loads(request.body)["patientTvId"] != ""


def test_a_delivered_body_is_the_sandboxs_own_encoding_non_ascii_characters_as_utf_8(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A receiver is tested with the bytes Sympto's events arrive in (compact JSON, UTF-8), not an escaped variant."""
    check, recorder = verifier(monkeypatch)
    check.valid_event({**PATIENT, "firstName": "Zoë"})
    ((request, _timeout),) = recorder.sent
    assert "Zoë".encode() in request.body
    assert request.body == contract.encode(json.loads(request.body))


def test_each_delivery_gets_fresh_ids_and_keeps_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    check, _recorder = verifier(monkeypatch)
    first, second = check.fresh(RESPONSE), check.fresh(RESPONSE)
    ids = [(d["Response"]["patientSurveyId"], d["Response"]["response"]["responseId"]) for d in (first, second)]
    assert len({*ids[0], *ids[1]}) == 4
    assert first["Response"]["completionMedium"][0]["user"]["tvid"] not in ("", ids[0][0], ids[0][1])
    assert RESPONSE["Response"]["patientSurveyId"] == ""
    assert check.fresh(PATIENT)["firstName"] == "Ada"


@pytest.mark.parametrize("status", [201, 204, 401, 500])
def test_a_valid_event_needs_exactly_200(monkeypatch: pytest.MonkeyPatch, status: int) -> None:
    check, _recorder = verifier(monkeypatch, Answer(status))
    with pytest.raises(CheckFailure) as raised:
        check.valid_event(PATIENT)
    assert raised.value.message.startswith(f"expected 200, got {status}")
    assert ("--endpoint-secret" in raised.value.message) is (status == 401)
    assert raised.value.case == "a validly signed patient event"


def test_a_tampered_body_differs_in_one_bit_of_the_chosen_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    check, recorder = verifier(monkeypatch, Answer(400))
    check.tampered(PATIENT, 3)
    ((request, _timeout),) = recorder.sent
    header = header_of(request)
    assert header is not None
    timestamp, _values = contract.parse_signature(header)
    assert timestamp == int(NOW)
    original = bytearray(request.body)
    original[3] ^= 0x01
    assert contract.check_signature(header, bytes(original), SECRET, int(NOW)) is None
    assert contract.check_signature(header, request.body, SECRET, int(NOW)) is not None


def test_a_tampered_body_accepted_with_200_fails_and_any_other_status_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    check, _recorder = verifier(monkeypatch, Answer(200), Answer(201))
    with pytest.raises(CheckFailure, match="does not match its signature") as raised:
        check.tampered(RESPONSE, 10**6)
    assert raised.value.case.startswith("a response event with byte ")
    check.tampered(RESPONSE, 0)  # 201: not a delivery Sympto counts, so not accepted


def test_another_secret_is_never_the_endpoint_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    check, recorder = verifier(monkeypatch, Answer(401), Answer(200))
    check.wrong_secret(PATIENT, SECRET)
    ((request, _timeout),) = recorder.sent
    header = header_of(request)
    assert header == contract.signature_header(request.body, SECRET + "x", int(NOW))
    with pytest.raises(CheckFailure, match="signed with another secret") as raised:
        check.wrong_secret(PATIENT, "other")
    assert raised.value.case == "a patient event signed with 5-character secret that is not yours"


def test_each_malformed_header_is_what_its_name_says(monkeypatch: pytest.MonkeyPatch) -> None:
    check, recorder = verifier(monkeypatch, *[Answer(401)] * len(contract.MALFORMED_HEADERS))
    for kind in contract.MALFORMED_HEADERS:
        check.bad_header(PATIENT, kind)
    sent = {
        kind: (request.body, header_of(request))
        for kind, (request, _t) in zip(contract.MALFORMED_HEADERS, recorder.sent, strict=True)
    }
    body, missing = sent["missing"]
    assert missing is None
    assert all(json.loads(request.body)["firstName"] == "Ada" for request, _t in recorder.sent)  # the event itself
    right = contract.signature(body, SECRET)
    assert sent["empty"][1] == ""
    assert sent["no timestamp"][1] == f"v={contract.signature(sent['no timestamp'][0], SECRET)}"
    assert sent["no signature"][1] == f"t={int(NOW)}"
    assert sent["garbage"][1] == "not a signature"
    truncated_body, truncated = sent["signature truncated"]
    assert truncated == f"t={int(NOW)},v={contract.signature(truncated_body, SECRET)[:32]}"
    flipped_body, flipped = sent["signature upper-case with a flipped digit"]
    flipped_right = contract.signature(flipped_body, SECRET)
    assert flipped is not None
    value = flipped.split(",v=")[1]
    assert value != flipped_right.upper()
    assert value[:-1] == flipped_right[:-1].upper()
    assert value[-1] in "01"
    assert len(right) == 64
    b64_body, b64 = sent["signature in base64 (the sandbox signs hex, as the documented example)"]
    assert b64 == f"t={int(NOW)},v=" + base64.b64encode(bytes.fromhex(contract.signature(b64_body, SECRET))).decode()


def test_a_bad_header_accepted_with_200_fails_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    check, recorder = verifier(monkeypatch, Answer(200))
    with pytest.raises(CheckFailure, match="without a valid X-Sympto-Webhook-Signature") as raised:
        check.bad_header(PATIENT, "garbage")
    assert raised.value.case == "a patient event with the signature header garbage"
    assert raised.value.message == (
        "the receiver answered 200 without a valid X-Sympto-Webhook-Signature: refuse a missing or malformed header"
    )
    ((request, _timeout),) = recorder.sent
    assert raised.value.request is request  # the report shows what was sent and what came back
    assert raised.value.answer == Answer(200)


def test_a_redelivery_is_the_same_body_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    check, recorder = verifier(monkeypatch)
    check.redelivery(PATIENT)
    (first, _t1), (second, _t2) = recorder.sent
    assert first.body == second.body


@pytest.mark.parametrize(
    ("answers", "message"),
    [((Answer(500),), "the first delivery got 500, not 200"), ((Answer(200), Answer(409)), "a redelivery got 409")],
)
def test_a_redelivery_needs_200_both_times(
    monkeypatch: pytest.MonkeyPatch, answers: tuple[Answer, ...], message: str
) -> None:
    check, _recorder = verifier(monkeypatch, *answers)
    with pytest.raises(CheckFailure) as raised:
        check.redelivery(PATIENT)
    assert raised.value.message.startswith(message)
    assert raised.value.case == "the same patient event delivered twice, each freshly signed"


def test_unknown_fields_go_inside_the_envelope_and_never_replace_a_known_one(monkeypatch: pytest.MonkeyPatch) -> None:
    check, recorder = verifier(monkeypatch, Answer(200), Answer(400))
    check.unknown_fields(RESPONSE, {"Status": 1})
    ((request, _t),) = recorder.sent
    document = json.loads(request.body)
    assert document["Status"] == "OK"
    assert document["Response"]["xStatus"] == 1
    assert header_of(request) == contract.signature_header(request.body, SECRET, int(NOW))
    with pytest.raises(CheckFailure, match="an event with unknown fields got 400") as raised:
        check.unknown_fields(PATIENT, {"a": 1, "b": 2})
    assert raised.value.case == "a patient event with 2 extra field(s)"


@pytest.mark.parametrize(("latency_ms", "late"), [(1500.0, False), (1500.1, True)])
def test_an_answer_is_in_time_up_to_the_limit(monkeypatch: pytest.MonkeyPatch, latency_ms: float, late: bool) -> None:
    check, _recorder = verifier(monkeypatch, Answer(200, latency_ms=latency_ms), timeout_seconds=1.5)
    if not late:
        check.in_time(PATIENT)
        return
    with pytest.raises(CheckFailure, match=r"took 1500.1 ms \(limit 1500 ms\)") as raised:
        check.in_time(PATIENT)
    assert raised.value.message.endswith(
        "answer first, process later (a late answer is a failed delivery, and Sympto redelivers)"
    )
    assert raised.value.case == "a validly signed patient event"
    assert raised.value.answer == Answer(200, latency_ms=latency_ms)


def test_no_answer_is_never_in_time(monkeypatch: pytest.MonkeyPatch) -> None:
    check, _recorder = verifier(monkeypatch, Answer(None, error="timed out"))
    with pytest.raises(CheckFailure):
        check.in_time(PATIENT)


def test_a_stale_event_is_signed_age_seconds_ago(monkeypatch: pytest.MonkeyPatch) -> None:
    check, recorder = verifier(monkeypatch, Answer(400), Answer(200))
    check.stale(PATIENT, 400.4)
    ((request, _t),) = recorder.sent
    assert header_of(request) == contract.signature_header(request.body, SECRET, int(NOW - 400.4))
    with pytest.raises(CheckFailure, match=r"a timestamp 900 s old \(tolerance 300 s\)") as raised:
        check.stale(PATIENT, 900.0)
    assert raised.value.case == "a validly signed patient event with t 900 s in the past"


def test_a_refused_valid_event_skips_every_other_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    check, _recorder = verifier(monkeypatch, *[Answer(401)] * 50, examples=1)
    report = check.run()
    assert report.results[0].outcome == FAIL
    assert [r.outcome for r in report.results[1:]] == [SKIP] * (len(sympto_events.RULES) - 1)
    assert [r.rule for r in report.results] == list(sympto_events.RULES)
    assert report.exit_code == 1


def test_the_stale_rule_warns_and_fails_under_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing() -> None:
        raise CheckFailure("m", "c", None, None)

    check, _recorder = verifier(monkeypatch)
    assert check.check(STALE, failing).outcome == WARN
    assert check.check(BAD_HEADER, failing).outcome == FAIL
    strict, _recorder = verifier(monkeypatch, strict=True)
    assert strict.check(STALE, failing).outcome == FAIL
    assert check.check(STALE, lambda: None).outcome == PASS


def failure_with(answer: Answer | None) -> CheckFailure:
    request = SentRequest("POST", "http://h/events", {contract.SIGNATURE_HEADER: "t=1,v=ab"}, b"x" * 301)
    return CheckFailure("expected 200, got 500", "a validly signed patient event", request, answer)


def test_a_failure_is_described_with_its_request_and_answer() -> None:
    lines = describe_failure(failure_with(Answer(500, {"Content-Type": "text/plain"}, b"boom", 2.5))).splitlines()
    assert lines == [
        "case: a validly signed patient event",
        "request:",
        "  POST http://h/events",
        "  X-Sympto-Webhook-Signature: t=1,v=ab",
        "  ",
        "  " + "x" * 300 + "… (301 bytes)",
        "response:",
        "  HTTP 500 (text/plain, 2.5 ms)",
        "  boom",
    ]
    assert describe_failure(failure_with(Answer(None, error="refused"))).splitlines()[-2:] == [
        "response:",
        "  no response: refused",
    ]
    assert describe_failure(failure_with(Answer(204))).splitlines()[-2:] == [
        "response:",
        "  HTTP 204 (no Content-Type, 0 ms)",
    ]
    bare = CheckFailure("m", "only the case", None, None)
    assert describe_failure(bare) == "case: only the case"


def test_a_body_of_exactly_300_characters_is_shown_whole() -> None:
    request = SentRequest("POST", "http://h/events", {}, b"y" * 300)
    lines = describe_failure(CheckFailure("m", "c", request, None)).splitlines()
    assert lines[-1] == "  " + "y" * 300


def test_the_report_text_and_junit() -> None:
    report = Report(
        sympto_events.NAME,
        3,
        [
            RuleResult(VALID, PASS, requests=1),
            RuleResult(BAD_HEADER, FAIL, "expected 200, got 500", failure_with(Answer(500)), 2),
            RuleResult(STALE, WARN, "old"),
            RuleResult(sympto_events.IN_TIME, SKIP, "skipped " + "z" * 600),
        ],
    )
    assert report.outcomes() == {
        "accepts-valid-events": PASS,
        "rejects-bad-signature-header": FAIL,
        "rejects-stale-timestamps": WARN,
        "answers-in-time": SKIP,
    }
    assert report.counts() == {PASS: 1, FAIL: 1, WARN: 1, SKIP: 1}
    assert report.exit_code == 1
    lines = report.render_text().splitlines()
    assert lines[0] == "PASS  MUST    accepts-valid-events: a validly signed event gets 200 (1 request)"
    assert lines[1].endswith("never gets 200 (2 requests)")
    assert lines[2] == "      expected 200, got 500"
    assert lines[3] == "      case: a validly signed patient event"
    assert lines[-1] == "1 passed, 1 failed, 1 warned, 1 skipped (seed 3; rerun with --seed 3); exit 1"
    assert Report(sympto_events.NAME, 3, [RuleResult(STALE, WARN)]).exit_code == 0
    suite = ET.fromstring(junit_xml(report))
    assert suite.attrib == {"name": "sympto-events", "tests": "4", "failures": "1", "errors": "0", "skipped": "1"}
    assert suite.find("properties/property").attrib == {"name": "seed", "value": "3"}  # type: ignore[union-attr]
    valid, bad, stale, skipped = suite.findall("testcase")
    assert (valid.get("classname"), valid.get("name"), list(valid)) == (
        "sympto-events.MUST",
        "accepts-valid-events",
        [],
    )
    assert stale.get("classname") == "sympto-events.SHOULD"
    assert bad[0].tag == "failure"
    assert bad[0].get("message") == "expected 200, got 500"
    assert (bad[0].text or "").startswith("expected 200, got 500\ncase: a validly signed patient event\n")
    assert stale[0].tag == "system-out"
    assert stale[0].text == "WARNING: old"
    assert skipped[0].tag == "skipped"
    assert skipped[0].get("message") == ("skipped " + "z" * 600)[:500]
