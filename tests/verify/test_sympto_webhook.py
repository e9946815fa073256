"""``vendor-sandbox verify sympto-webhook`` against every reference partner over real loopback HTTP."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask, Response, request
from hypothesis import given
from hypothesis import strategies as st

from contracts.sympto import webhook
from sandbox.core.outbound import OutboundResult
from sandbox.fixtures.partners.sympto import PARTNERS, correct
from sandbox.testing.live import LiveServer
from sandbox.vendors.sympto.outbound import judge as page_load_judge
from sandbox.verify import cli, sympto_webhook
from sandbox.verify.cli import verify
from sandbox.verify.exchange import Answer, SentRequest
from sandbox.verify.sympto_webhook import (
    FAIL,
    PASS,
    SKIP,
    WARN,
    MintFailure,
    Report,
    VerifyOptions,
    code_from_mint_answer,
    junit_xml,
    returned_email,
)
from sandbox.verify.sympto_webhook import verify as run_verify
from tests.vendors.sympto.support import JWT_SECRET, PARTNER_ID, PARTNER_SECRET

EXAMPLES = 8


def outcomes(report: Report) -> dict[str, str]:
    return {result.rule.id: result.outcome for result in report.results}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, LiveServer]]:
    started = {
        name: LiveServer(factory(PARTNER_ID, PARTNER_SECRET, JWT_SECRET)).start()
        for name, (factory, _rule) in PARTNERS.items()
    }
    yield started
    for server in started.values():
        server.stop()


def options(server: LiveServer, **changes: object) -> VerifyOptions:
    values: dict[str, object] = {
        "url": server.url + "/webhook",
        "client_id": PARTNER_ID,
        "client_secret": PARTNER_SECRET,
        "jwt_secret": JWT_SECRET,
        "examples": EXAMPLES,
        "seed": 7,
        **changes,
    }
    return VerifyOptions(**values)  # type: ignore[arg-type]


def partner_options(servers: dict[str, LiveServer], name: str, **changes: object) -> VerifyOptions:
    """How a partner is verified: with --jwt-secret, except where its rule (mint-hook) needs --mint-url."""
    server = servers[name]
    if PARTNERS[name][1] == "mint-hook":
        changes = {"jwt_secret": None, "mint_url": server.url + "/mint", **changes}
    return options(server, **changes)


def test_correct_partner_passes_every_rule(servers: dict[str, LiveServer]) -> None:
    report, code = run_verify(options(servers["correct"]))
    assert code == 0
    assert outcomes(report) == {
        "mint-hook": SKIP,
        "accepts-post": PASS,
        "valid-code-returns-email": PASS,
        "no-server-error": PASS,
        "no-email-for-invalid-code": PASS,
        "rejects-bad-credentials": PASS,
        "rejects-expired-codes": PASS,
    }


def test_correct_partner_with_mint_url_skips_expiry(servers: dict[str, LiveServer]) -> None:
    server = servers["correct"]
    report, code = run_verify(options(server, jwt_secret=None, mint_url=server.url + "/mint"))
    assert code == 0
    found = outcomes(report)
    assert found["mint-hook"] == PASS
    assert found["rejects-expired-codes"] == SKIP
    assert found["no-email-for-invalid-code"] == PASS


@pytest.mark.parametrize("name", [name for name, (_f, rule) in PARTNERS.items() if rule is not None])
def test_each_broken_partner_is_judged_by_the_rule_it_breaks(servers: dict[str, LiveServer], name: str) -> None:
    rule = PARTNERS[name][1]
    report, code = run_verify(partner_options(servers, name))
    result = next(r for r in report.results if r.rule.id == rule)
    must = result.rule.level == "MUST"
    assert result.outcome == (FAIL if must else WARN), report.render_text()
    assert code == (1 if must else 0)
    assert result.failure is not None
    assert result.failure.request is not None
    assert result.failure.answer is not None
    text = report.render_text()
    assert f"{'FAIL' if must else 'WARN'}  {result.rule.level:<6}  {rule}" in text
    assert "request:\n" in text
    assert "response:\n" in text
    if not must:
        strict, strict_code = run_verify(partner_options(servers, name, strict=True))
        assert outcomes(strict)[rule] == FAIL
        assert strict_code == 1


#: Rules a partner fails besides its own because they need what its flaw takes away (rule → why).
ALSO_FAILED = {"get_only": {"valid-code-returns-email": "no code can be exchanged without POST"}}
#: Rules the verifier cannot check for a partner (skipped, never passed), besides those the mode skips.
CANNOT_CHECK = {
    "get_only": {"no-email-for-invalid-code", "rejects-bad-credentials", "rejects-expired-codes"},
    "wrong_response_key": {"no-email-for-invalid-code", "rejects-bad-credentials", "rejects-expired-codes"},
    "broken_mint_hook": {
        "accepts-post",
        "valid-code-returns-email",
        "no-server-error",
        "no-email-for-invalid-code",
        "rejects-bad-credentials",
        "rejects-expired-codes",
    },
}


@pytest.mark.parametrize("name", [name for name, (_f, rule) in PARTNERS.items() if rule is not None])
def test_each_broken_partner_fails_exactly_its_rule(servers: dict[str, LiveServer], name: str) -> None:
    """Issue #20: a rule whose check is weakened must fail a test, so no other rule may catch its partner
    (the partner that crashed with a traceback hid a no-server-error that no longer failed a bare 500)."""
    rule = PARTNERS[name][1]
    chosen = partner_options(servers, name)
    report, _ = run_verify(chosen)
    found = outcomes(report)
    mode_skips = {"mint-hook"} if chosen.mint_url is None else {"rejects-expired-codes"}

    failed = {r for r, outcome in found.items() if outcome in (FAIL, WARN)}
    skipped = {r for r, outcome in found.items() if outcome == SKIP}
    assert failed == {rule, *ALSO_FAILED.get(name, {})}, report.render_text()
    assert skipped == (mode_skips | CANNOT_CHECK.get(name, set())) - failed, report.render_text()


def test_correct_partner_passes_the_rules_the_broken_ones_fail(servers: dict[str, LiveServer]) -> None:
    """The MUST rules broken partners fail are not also failed by partners that do not break them."""
    report, _ = run_verify(options(servers["no_expiry_check"]))
    assert [r.rule.id for r in report.results if r.outcome in (FAIL, WARN)] == ["rejects-expired-codes"]


def test_sympto_sample_passes_the_must_rules(servers: dict[str, LiveServer]) -> None:
    report, code = run_verify(options(servers["sympto_sample"]))
    assert code == 0
    result = next(r for r in report.results if r.rule.id == "rejects-bad-credentials")
    assert result.failure is not None
    assert "scheme Bearer" in result.failure.case


def test_unreachable_webhook_fails_and_skips_the_rest() -> None:
    with LiveServer(Flask("gone")) as server:
        url = server.url
    report, code = run_verify(
        VerifyOptions(
            url=url + "/webhook",
            client_id="a",
            client_secret="b",
            jwt_secret=JWT_SECRET,
            examples=2,
            seed=1,
            timeout_seconds=1,
        )
    )
    assert code == 1
    found = outcomes(report)
    assert found["accepts-post"] == FAIL
    assert {found[r] for r in found if r not in ("accepts-post", "mint-hook")} == {SKIP}


def test_broken_mint_hook_is_reported(servers: dict[str, LiveServer]) -> None:
    server = servers["correct"]
    report, code = run_verify(options(server, jwt_secret=None, mint_url=server.url + "/no-such-hook"))
    assert code == 1
    assert outcomes(report)["mint-hook"] == FAIL
    assert outcomes(report)["valid-code-returns-email"] == SKIP


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"token": "abc"}', "abc"),
        ('{"authenticationCode": "def"}', "def"),
        ('{"url": "https://sympto.example/?authCodeFoxApp=ghi%2Bj"}', "ghi+j"),
    ],
)
def test_mint_hook_answers(body: str, code: str) -> None:
    request = SentRequest("GET", "http://127.0.0.1/mint?email=x", {})
    assert code_from_mint_answer(request, Answer(status=200, body=body.encode())) == code


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, '{"token": "abc"}'),
        (200, "not json"),
        (200, '{"url": "https://sympto.example/?code=x"}'),
        (200, "[]"),
    ],
)
def test_unusable_mint_hook_answers(status: int, body: str) -> None:
    request = SentRequest("GET", "http://127.0.0.1/mint?email=x", {})
    with pytest.raises(MintFailure):
        code_from_mint_answer(request, Answer(status=status, body=body.encode()))


def test_junit_xml(servers: dict[str, LiveServer]) -> None:
    report, _ = run_verify(options(servers["trusts_unsigned_codes"]))
    suite = ET.fromstring(junit_xml(report))
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["no-email-for-invalid-code"].find("failure") is not None
    assert cases["mint-hook"].find("skipped") is not None
    assert cases["accepts-post"].find("failure") is None
    assert suite.get("failures") == "1"


@pytest.fixture
def run_cli() -> Callable[..., tuple[int, str, str]]:
    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(verify, ["sympto-webhook", *args])
        return result.exit_code, result.stdout, result.stderr

    return run


def test_cli_on_the_correct_partner(
    servers: dict[str, LiveServer], run_cli: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    server = servers["correct"]
    junit = tmp_path / "report.xml"
    code, out, err = run_cli(
        "--url",
        server.url + "/webhook",
        "--client-id",
        PARTNER_ID,
        "--client-secret",
        PARTNER_SECRET,
        "--jwt-secret",
        JWT_SECRET,
        "--examples",
        "5",
        "--seed",
        "3",
        "--junit",
        str(junit),
    )
    assert code == 0, out
    assert "PASS  MUST    valid-code-returns-email" in out
    assert "6 passed, 0 failed, 0 warned, 1 skipped (seed 3" in out
    assert "verifying accepts-post: starting" in err
    assert ET.fromstring(junit.read_text()).get("tests") == "7"


def test_cli_exit_code_and_strict(servers: dict[str, LiveServer], run_cli: Callable[..., tuple[int, str, str]]) -> None:
    server = servers["no_credential_check"]
    common = (
        "--url",
        server.url + "/webhook",
        "--client-id",
        PARTNER_ID,
        "--client-secret",
        PARTNER_SECRET,
        "--mint-url",
        server.url + "/mint",
        "--examples",
        "5",
        "--seed",
        "3",
    )
    code, out, _ = run_cli(*common)
    assert code == 0
    assert "WARN  SHOULD  rejects-bad-credentials" in out
    assert "SKIP  SHOULD  rejects-expired-codes" in out
    code, out, _ = run_cli(*common, "--strict")
    assert code == 1
    assert "FAIL  SHOULD  rejects-bad-credentials" in out


@pytest.mark.parametrize("extra", [(), ("--jwt-secret", "k", "--mint-url", "http://127.0.0.1:1/mint")])
def test_cli_needs_exactly_one_way_to_mint(
    run_cli: Callable[..., tuple[int, str, str]], extra: tuple[str, ...]
) -> None:
    code, _out, err = run_cli("--url", "http://127.0.0.1:1/webhook", "--client-id", "a", "--client-secret", "b", *extra)
    assert code == 2
    assert "give exactly one of --jwt-secret or --mint-url" in err


def test_flaky_partner_is_still_reported() -> None:
    """A webhook that answers the same request differently (every 4th call crashes) is judged, not crashed on."""
    app = correct.create_app(PARTNER_ID, PARTNER_SECRET, JWT_SECRET)
    calls = {"n": 0}

    @app.before_request
    def sometimes_crash() -> Response | None:
        calls["n"] += 1
        return Response("Internal Server Error", status=500) if calls["n"] % 4 == 0 else None

    with LiveServer(app) as server:
        report, code = run_verify(options(server, examples=20))
    assert code == 1
    failed = [r for r in report.results if r.outcome == FAIL]
    assert failed
    assert all(r.failure is not None and r.failure.answer is not None for r in failed)


def test_a_generated_failure_is_shrunk_to_a_simple_request() -> None:
    """A webhook that crashes only on form bodies: the reported request is the simplest form request."""
    app = correct.create_app(PARTNER_ID, PARTNER_SECRET, JWT_SECRET)

    @app.before_request
    def crash_on_forms() -> Response | None:
        if request.mimetype == "application/x-www-form-urlencoded":
            return Response('Traceback (most recent call last):\n  File "app.py", line 1', status=500)
        return None

    with LiveServer(app) as server:
        report, code = run_verify(options(server, examples=30))
    assert code == 1
    result = next(r for r in report.results if r.rule.id == "no-server-error")
    assert result.failure is not None
    assert "body form" in result.failure.case
    email = result.failure.case.split("'")[1]
    assert len(email) <= len("0@0.test"), result.failure.case


def test_cli_keeps_hypothesis_caches_out_of_the_project(
    servers: dict[str, LiveServer], monkeypatch: pytest.MonkeyPatch, run_cli: Callable[..., tuple[int, str, str]]
) -> None:
    """Hypothesis writes ./.hypothesis by default; the CLI points it at a scratch directory, then restores it."""
    homes: list[object] = []
    monkeypatch.setattr(cli, "set_hypothesis_home_dir", homes.append)
    server = servers["correct"]
    code, _out, _err = run_cli(
        "--url",
        server.url + "/webhook",
        "--client-id",
        PARTNER_ID,
        "--client-secret",
        PARTNER_SECRET,
        "--jwt-secret",
        JWT_SECRET,
        "--examples",
        "3",
    )
    assert code == 0
    assert len(homes) == 2
    assert "vendor-sandbox-verify-" in str(homes[0])
    assert homes[1] is None


def test_cli_shows_the_partners_answers_with_control_characters_escaped(
    run_cli: Callable[..., tuple[int, str, str]],
) -> None:
    """A partner's answer is quoted in the report: its terminal escapes are shown, never replayed."""
    hostile = Flask("hostile_partner")

    @hostile.route("/webhook", methods=["GET", "POST"])
    def answer() -> Response:
        return Response("\x1b]0;pwned\x07\x1b[2Jwiped", status=500, mimetype="text/plain")

    with LiveServer(hostile) as server:
        code, out, _err = run_cli(
            "--url",
            server.url + "/webhook",
            "--client-id",
            PARTNER_ID,
            "--client-secret",
            PARTNER_SECRET,
            "--jwt-secret",
            JWT_SECRET,
            "--examples",
            "2",
            "--seed",
            "3",
        )
    assert code == 1
    assert "\\x1b]0;pwned\\x07\\x1b[2Jwiped" in out
    assert "\x1b" not in out
    assert "\x07" not in out


# --- one judge: the verifier and the page load read the partner's answer with contracts.sympto.webhook.judge ---

JSON_TYPE = {"Content-Type": "application/json"}


def test_a_2xx_other_than_200_hands_the_email_over_for_the_verifier_but_signs_no_one_in() -> None:
    """Kept as both were: Sympto signs in only on 200 (the page load answers ``not_200``), while the
    verifier's negative rules count any 2xx carrying an email as handed over (axios takes every 2xx)."""
    body = b'{"email": "dana@example.test"}'
    assert returned_email(Answer(status=201, headers=JSON_TYPE, body=body)) == "dana@example.test"
    page = page_load_judge(OutboundResult(url="http://partner/webhook", status=201, headers=JSON_TYPE, body=body))
    assert (page.email, page.rule) == (None, "not_200")


def test_an_email_that_is_not_unicode_is_not_handed_over() -> None:
    """Unified on the page load's rule: a lone surrogate (``\\ud800``) names no user, so the verifier no
    longer counts it as an email handed over (it did before the judge was shared)."""
    answer = Answer(status=200, headers=JSON_TYPE, body=b'{"email": "\\ud800@example.test"}')
    assert returned_email(answer) is None
    assert webhook.judge(answer.status, answer.content_type, answer.body).rule == "email_not_unicode"


_EMAILS = st.one_of(st.text(max_size=8), st.just("\ud800"), st.just(" "), st.integers(), st.none())
_BODIES = st.one_of(
    st.dictionaries(st.sampled_from(["email", "Email", "user"]), _EMAILS, max_size=2).map(
        lambda document: json.dumps(document).encode()
    ),
    st.sampled_from([b"", b"[]", b'"x"', b"{", b"\xff", b"[" * 5000 + b"]" * 5000]),
)


@given(
    status=st.sampled_from([200, 201, 204, 299, 302, 400, 401, 500]),
    media=st.sampled_from(["application/json", "text/plain", ""]),
    body=_BODIES,
)
def test_the_verifier_and_the_page_load_read_an_answer_alike(status: int, media: str, body: bytes) -> None:
    headers = {"Content-Type": media} if media else {}
    page = page_load_judge(OutboundResult(url="http://partner/webhook", status=status, headers=headers, body=body))
    handed_over = returned_email(Answer(status=status, headers=headers, body=body))
    if status == 200:
        assert handed_over == page.email
    else:
        assert page.email is None
        assert handed_over is None or 200 <= status < 300


def test_the_verifier_does_not_import_the_vendor_package() -> None:
    source = Path(sympto_webhook.__file__).read_text(encoding="utf-8")
    assert "sandbox.vendors" not in source
