"""``verify sympto-webhook``'s report, minting and options on plain values: what a partner reads is exact.

The partner-facing tests (``test_sympto_webhook.py``) check each rule's verdict over real HTTP; these pin what the
report says about a failure (the request without its credentials, the answer, the counts and the rerun seed), the
JUnit document CI reads, and the codes the verifier mints, so a change in any of them fails here.
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from contracts.jws import sign_hmac
from contracts.sympto.codes import CODE_LIFETIME_SECONDS
from sandbox.verify import sympto_webhook
from sandbox.verify.engine import describe_failure, shown_answer
from sandbox.verify.exchange import Answer, SentRequest
from sandbox.verify.sympto_webhook import (
    BAD_CREDENTIALS,
    EXPIRED_CODE,
    FAIL,
    MINT_HOOK,
    PASS,
    SKIP,
    VALID_CODE,
    WARN,
    CheckFailure,
    HookMinter,
    JwtMinter,
    MintFailure,
    Report,
    RuleResult,
    VerifyOptions,
    credentials_hidden,
    junit_xml,
    shown_request,
)

OPTIONS = VerifyOptions(url="http://127.0.0.1:1/webhook", client_id="id", client_secret="secret", jwt_secret="k")


def report_of(seed: int, results: list[RuleResult]) -> Report:
    """The webhook verifier's report: its name, and requests shown with the credentials hidden."""
    return Report(sympto_webhook.NAME, seed, results, view=credentials_hidden)


BASIC = "Basic " + base64.b64encode(b"id:secret").decode()


def request_of(body: bytes = b'{"authenticationCode": "abc"}') -> SentRequest:
    return SentRequest(
        "POST",
        "http://127.0.0.1:1/webhook",
        {"Authorization": BASIC, "Content-Type": "application/json"},
        body,
    )


def failure(answer: Answer | None = None, request: SentRequest | None = None) -> CheckFailure:
    return CheckFailure(
        "expected 200, got 500",
        "a valid code for 'a@example.test'; JSON body; the right Basic credentials",
        request if request is not None else request_of(),
        answer,
    )


# --- options --------------------------------------------------------------------------------------


@pytest.mark.parametrize("ways", [{}, {"jwt_secret": "k", "mint_url": "http://127.0.0.1:1/mint"}])
def test_options_need_exactly_one_way_to_mint(ways: dict[str, Any]) -> None:
    message = "give exactly one of jwt_secret (mint codes like Sympto's sample) or mint_url"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        VerifyOptions(url="u", client_id="i", client_secret="s", **ways)


def test_options_need_at_least_one_example() -> None:
    assert VerifyOptions(url="u", client_id="i", client_secret="s", jwt_secret="k", examples=1).examples == 1
    with pytest.raises(ValueError, match=r"^examples must be at least 1$"):
        VerifyOptions(url="u", client_id="i", client_secret="s", jwt_secret="k", examples=0)


# --- the report -----------------------------------------------------------------------------------


def test_the_exit_code_is_1_on_a_failure_only() -> None:
    report = report_of(7, [RuleResult(MINT_HOOK, SKIP), RuleResult(BAD_CREDENTIALS, WARN)])
    assert report.exit_code == 0
    report.results.append(RuleResult(VALID_CODE, FAIL))
    assert report.exit_code == 1


def test_counts_tally_each_outcome() -> None:
    results = [RuleResult(VALID_CODE, o) for o in (PASS, PASS, FAIL, WARN, SKIP, SKIP, SKIP)]
    assert report_of(1, results).counts() == {PASS: 2, FAIL: 1, WARN: 1, SKIP: 3}


def test_the_text_report_lists_each_rule_its_requests_and_the_rerun_seed() -> None:
    report = report_of(
        42,
        [
            RuleResult(MINT_HOOK, SKIP, "not applicable\nsecond line"),
            RuleResult(VALID_CODE, PASS, requests=1),
            RuleResult(BAD_CREDENTIALS, WARN, requests=2),
        ],
    )
    assert report.render_text().splitlines() == [
        "SKIP  MUST    mint-hook: the --mint-url test hook answers a code for an email",
        "      not applicable",
        "      second line",
        'PASS  MUST    valid-code-returns-email: a valid code with the right credentials gets 200 and {"email": '
        "<the email it was minted for>} (1 request)",
        "WARN  SHOULD  rejects-bad-credentials: wrong or missing Basic credentials are rejected (2 requests)",
        "1 passed, 0 failed, 1 warned, 1 skipped (seed 42; rerun with --seed 42); exit 0",
    ]


def test_the_text_report_shows_a_failure_under_its_rule() -> None:
    answer = Answer(500, {"Content-Type": "text/plain"}, b"boom", 12.5)
    report = report_of(3, [RuleResult(VALID_CODE, FAIL, "expected 200, got 500", failure(answer), 1)])
    lines = report.render_text().splitlines()
    assert lines[1] == "      expected 200, got 500"
    assert lines[2] == "      case: a valid code for 'a@example.test'; JSON body; the right Basic credentials"
    assert lines[3] == "      request:"
    assert lines[4] == "        POST http://127.0.0.1:1/webhook"
    assert "      response:" in lines
    assert "        HTTP 500 (text/plain, 12.5 ms)" in lines
    assert lines[-1].endswith("exit 1")


def test_a_shown_request_hides_the_credentials_behind_the_case_that_names_them() -> None:
    shown = shown_request(request_of(), "the right Basic credentials")
    assert shown.splitlines() == [
        "POST http://127.0.0.1:1/webhook",
        "Authorization: <the right Basic credentials>",
        "Content-Type: application/json",
        "",
        '{"authenticationCode": "abc"}',
    ]
    assert "c2VjcmV0" not in shown
    assert "secret" not in shown


def test_a_shown_request_hides_an_authorization_header_in_any_case() -> None:
    request = SentRequest("POST", "http://h/w", {"authorization": BASIC}, b"")
    assert shown_request(request, "x").splitlines()[1:3] == ["Authorization: <x>", ""]


def test_a_shown_body_is_cut_after_300_characters_with_its_length() -> None:
    exact = request_of(b"a" * 300)
    assert shown_request(exact, "c").splitlines()[-1] == "a" * 300
    longer = request_of(b"a" * 301)
    assert shown_request(longer, "c").splitlines()[-1] == "a" * 300 + "… (301 bytes)"
    binary = request_of(b"\xff" + b"b" * 2)
    assert shown_request(binary, "c").splitlines()[-1] == "\ufffdbb"


def test_a_shown_answer_says_its_status_type_and_time_or_why_there_was_none() -> None:
    assert (
        shown_answer(Answer(None, error="ConnectionRefusedError: nope")) == "no response: ConnectionRefusedError: nope"
    )
    assert shown_answer(Answer(404, {}, b"gone", 3.0)) == "HTTP 404 (no Content-Type, 3 ms)\ngone"
    assert shown_answer(Answer(200, {"Content-Type": "application/json"}, b"{}", 0.25)) == (
        "HTTP 200 (application/json, 0.25 ms)\n{}"
    )


def test_a_failure_is_described_with_its_case_request_and_response() -> None:
    answer = Answer(500, {"Content-Type": "text/plain"}, b"boom", 1.0)
    assert describe_failure(failure(answer), credentials_hidden).splitlines() == [
        "case: a valid code for 'a@example.test'; JSON body; the right Basic credentials",
        "request:",
        "  POST http://127.0.0.1:1/webhook",
        "  Authorization: <the right Basic credentials>",
        "  Content-Type: application/json",
        "  ",
        '  {"authenticationCode": "abc"}',
        "response:",
        "  HTTP 500 (text/plain, 1 ms)",
        "  boom",
    ]


def test_a_failure_without_request_or_answer_is_its_case_alone() -> None:
    bare = CheckFailure("m", "mint a code for x", None, None)
    assert describe_failure(bare, credentials_hidden) == "case: mint a code for x"


def junit(report: Report) -> ET.Element:
    return ET.fromstring(junit_xml(report))


def test_the_junit_document_counts_and_names_each_rule() -> None:
    answer = Answer(500, {}, b"boom", 1.0)
    report = report_of(
        9,
        [
            RuleResult(MINT_HOOK, SKIP, "not applicable: codes are minted with --jwt-secret"),
            RuleResult(VALID_CODE, FAIL, "expected 200, got 500", failure(answer), 1),
            RuleResult(BAD_CREDENTIALS, WARN, "answered an email", failure(answer), 1),
            RuleResult(EXPIRED_CODE, PASS),
        ],
    )
    assert junit_xml(report).startswith("<?xml version='1.0' encoding='utf-8'?>\n<testsuite")
    suite = junit(report)
    assert suite.tag == "testsuite"
    assert suite.attrib == {"name": "sympto-webhook", "tests": "4", "failures": "1", "errors": "0", "skipped": "1"}
    prop = suite.find("properties/property")
    assert prop is not None
    assert prop.attrib == {"name": "seed", "value": "9"}
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("sympto-webhook.MUST", "mint-hook"),
        ("sympto-webhook.MUST", "valid-code-returns-email"),
        ("sympto-webhook.SHOULD", "rejects-bad-credentials"),
        ("sympto-webhook.SHOULD", "rejects-expired-codes"),
    ]
    skipped, failed, warned, passed = cases
    assert [child.tag for child in skipped] == ["skipped"]
    assert skipped[0].get("message") == "not applicable: codes are minted with --jwt-secret"
    assert [child.tag for child in failed] == ["failure"]
    assert failed[0].get("message") == "expected 200, got 500"
    assert failed[0].text is not None
    assert failed[0].text.startswith("expected 200, got 500\ncase: a valid code")
    assert "HTTP 500" in failed[0].text
    assert [child.tag for child in warned] == ["system-out"]
    assert warned[0].text is not None
    assert warned[0].text.startswith("WARNING: answered an email\ncase: ")
    assert list(passed) == []


def test_the_junit_messages_are_cut_at_500_characters_and_a_bare_failure_is_its_message() -> None:
    long = "x" * 501
    report = report_of(1, [RuleResult(VALID_CODE, FAIL, long), RuleResult(MINT_HOOK, SKIP, long)])
    failed, skipped = junit(report).findall("testcase")
    assert failed[0].get("message") == "x" * 500
    assert failed[0].text == long
    assert skipped[0].get("message") == "x" * 500


def test_a_warning_without_a_failure_is_its_message() -> None:
    report = report_of(1, [RuleResult(BAD_CREDENTIALS, WARN, "only this")])
    (warned,) = junit(report).findall("testcase")
    assert warned[0].text == "WARNING: only this"


# --- minting --------------------------------------------------------------------------------------


def test_a_minted_code_lives_the_sample_lifetime_from_now() -> None:
    minter = JwtMinter("k", now=lambda: 1_000.9)
    assert minter.mint("a@example.test") == sign_hmac(
        {"email": "a@example.test", "iat": 1_000, "exp": 1_000 + CODE_LIFETIME_SECONDS}, "k"
    )


def test_an_expired_code_expired_exactly_age_seconds_ago() -> None:
    minter = JwtMinter("k", now=lambda: 10_000.5)
    assert minter.expired("a@example.test", 120) == sign_hmac(
        {"email": "a@example.test", "iat": 9_880 - CODE_LIFETIME_SECONDS, "exp": 9_880}, "k"
    )
    assert JwtMinter.can_expire is True
    assert HookMinter.can_expire is False


def hook_answers(monkeypatch: pytest.MonkeyPatch, answer: Answer) -> list[tuple[SentRequest, float]]:
    sent: list[tuple[SentRequest, float]] = []

    def send(request: SentRequest, timeout: float) -> Answer:
        sent.append((request, timeout))
        return answer

    monkeypatch.setattr(sympto_webhook, "send", send)
    return sent


@pytest.mark.parametrize(
    ("mint_url", "expected"),
    [
        ("http://127.0.0.1:1/mint", "http://127.0.0.1:1/mint?email=a%2Bb%40example.test"),
        ("http://127.0.0.1:1/mint?k=1", "http://127.0.0.1:1/mint?k=1&email=a%2Bb%40example.test"),
    ],
)
def test_the_mint_hook_is_asked_with_a_get_for_the_email(
    monkeypatch: pytest.MonkeyPatch, mint_url: str, expected: str
) -> None:
    sent = hook_answers(monkeypatch, Answer(200, {}, json.dumps({"token": "the-code"}).encode()))
    assert HookMinter(mint_url, 2.5).mint("a+b@example.test") == "the-code"
    ((request, timeout),) = sent
    assert request == SentRequest("GET", expected, {"Accept": "application/json"})
    assert timeout == 2.5


def test_a_mint_hook_cannot_mint_expired_codes() -> None:
    with pytest.raises(NotImplementedError) as raised:
        HookMinter("http://127.0.0.1:1/mint", 1.0).expired("a@example.test", 120)
    assert str(raised.value) == "a mint hook cannot mint expired codes"


def test_the_mint_hook_rule_mints_a_code_for_the_probe_email(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = hook_answers(monkeypatch, Answer(200, {}, b'{"token": "c"}'))
    options = VerifyOptions(url="http://127.0.0.1:1/w", client_id="i", client_secret="s", mint_url="http://h/mint")
    sympto_webhook.Verifier(options).mint_hook()
    ((request, _timeout),) = sent
    assert request.url == "http://h/mint?email=verifier.probe%40example.test"


def test_the_mint_hooks_answer_shape_is_spelled_out_when_it_is_wrong() -> None:
    request = SentRequest("GET", "http://127.0.0.1:1/mint?email=x", {})
    with pytest.raises(MintFailure) as raised:
        sympto_webhook.code_from_mint_answer(request, Answer(200, {}, b"{}"))
    assert raised.value.message == (
        'the mint hook must answer JSON with "token", "authenticationCode", or a "url" carrying '
        "?authCode<endpointQueryParam>=<code>"
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answer(None, error="refused"), "the mint hook answered refused, not 200"),
        (Answer(201, {}, b'{"token": "x"}'), "the mint hook answered 201, not 200"),
        (Answer(200, {}, b"\xff"), "the mint hook's body is not JSON"),
        (Answer(200, {}, b"{"), "the mint hook's body is not JSON"),
        (Answer(200, {}, b'{"token": ""}'), 'the mint hook must answer JSON with "token"'),
        (Answer(200, {}, b'{"url": "http://p/?authCodeX="}'), 'the mint hook must answer JSON with "token"'),
        (Answer(200, {}, b'["token"]'), 'the mint hook must answer JSON with "token"'),
    ],
)
def test_an_unusable_mint_answer_says_why(answer: Answer, message: str) -> None:
    request = SentRequest("GET", "http://127.0.0.1:1/mint?email=x", {})
    with pytest.raises(MintFailure) as raised:
        sympto_webhook.code_from_mint_answer(request, answer)
    assert raised.value.message.startswith(message)
    assert str(raised.value) == raised.value.message
    assert raised.value.request is request
    assert raised.value.answer is answer


def test_a_mint_failure_is_the_check_failure_of_the_case(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = Answer(503, {}, b"down")
    hook_answers(monkeypatch, answer)
    options = VerifyOptions(url="http://127.0.0.1:1/w", client_id="i", client_secret="s", mint_url="http://h/mint")
    verifier = sympto_webhook.Verifier(options)
    with pytest.raises(CheckFailure) as raised:
        verifier.mint("a@example.test", "the case")
    assert raised.value.message == "could not mint a code: the mint hook answered 503, not 200"
    assert raised.value.case == "the case"
    assert raised.value.answer is answer
    assert raised.value.request is not None
    assert raised.value.request.url == "http://h/mint?email=a%40example.test"


# --- the negative rules' verdicts -------------------------------------------------------------------


def answering(monkeypatch: pytest.MonkeyPatch, webhook: Answer, mint: Answer | None = None) -> list[SentRequest]:
    """The partner's side: the webhook answers ``webhook`` to every POST, the mint hook ``mint`` to every GET."""
    sent: list[SentRequest] = []

    def send(request: SentRequest, timeout: float) -> Answer:
        sent.append(request)
        if request.method == "GET":
            assert mint is not None
            return mint
        return webhook

    monkeypatch.setattr(sympto_webhook, "send", send)
    return sent


HANDS_OVER = Answer(200, {"Content-Type": "application/json"}, b'{"email": "a@example.test"}')


def test_an_email_for_an_invalid_code_fails_with_the_code_it_was_derived_from(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = answering(monkeypatch, HANDS_OVER)
    mutation = sympto_webhook.CodeMutation("alg_none", 7, "random-code")
    with pytest.raises(CheckFailure) as raised:
        sympto_webhook.Verifier(OPTIONS).invalid_code("a@example.test", mutation, "json")
    assert raised.value.message == (
        "the webhook answered email 'a@example.test' for an invalid code: verify the code's signature and reject "
        "anything that does not verify"
    )
    assert raised.value.case == (
        f"{mutation.describe()} (from a code for 'a@example.test'); body json; the right Basic credentials"
    )
    (request,) = sent
    code = json.loads(request.body)["authenticationCode"]
    assert sympto_webhook.strategies.jwt_claims(code)["email"] == "a@example.test"  # type: ignore[index]


def test_an_email_for_bad_credentials_fails_naming_them(monkeypatch: pytest.MonkeyPatch) -> None:
    answering(monkeypatch, HANDS_OVER)
    credentials = sympto_webhook.Credentials("missing", "x")
    with pytest.raises(CheckFailure) as raised:
        sympto_webhook.Verifier(OPTIONS).bad_credentials("a@example.test", credentials)
    assert raised.value.message == (
        f"the webhook answered email 'a@example.test' to a caller with {credentials.describe()}: check "
        "`Authorization: Basic base64(clientId:clientSecret)` (Sympto strongly recommends it)"
    )


def test_an_email_for_an_expired_code_fails_saying_its_age(monkeypatch: pytest.MonkeyPatch) -> None:
    answering(monkeypatch, HANDS_OVER)
    with pytest.raises(CheckFailure) as raised:
        sympto_webhook.Verifier(OPTIONS).expired_code("a@example.test", 120)
    assert raised.value.message == (
        "the webhook answered email 'a@example.test' for a code that expired 120 s ago: check `exp` (Sympto "
        "strongly recommends that codes expire)"
    )


@pytest.mark.parametrize("rule", ["invalid_code", "bad_credentials"])
def test_a_mint_hook_failing_during_a_rule_names_the_rules_case(monkeypatch: pytest.MonkeyPatch, rule: str) -> None:
    answering(monkeypatch, Answer(401), mint=Answer(503))
    options = VerifyOptions(url="http://127.0.0.1:1/w", client_id="i", client_secret="s", mint_url="http://h/mint")
    verifier = sympto_webhook.Verifier(options)
    run = (
        (lambda: verifier.invalid_code("a@example.test", sympto_webhook.CodeMutation("random", 1, "zz"), "form"))
        if rule == "invalid_code"
        else (lambda: verifier.bad_credentials("a@example.test", sympto_webhook.Credentials("missing", "x")))
    )
    with pytest.raises(CheckFailure) as raised:
        run()
    assert raised.value.message == "could not mint a code: the mint hook answered 503, not 200"
    assert raised.value.case.endswith(
        "; body form; the right Basic credentials" if rule == "invalid_code" else "; JSON body; no Authorization header"
    )
