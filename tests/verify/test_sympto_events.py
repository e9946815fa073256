"""``vendor-sandbox verify sympto-events`` against every reference receiver over real loopback HTTP: the
correct one passes every rule, each broken one is caught by the rule it breaks (issue #14 item 7)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sandbox.fixtures.partners.sympto.receivers import RECEIVERS
from sandbox.testing.live import LiveServer
from sandbox.verify.cli import verify
from sandbox.verify.sympto_events import FAIL, PASS, SKIP, WARN, EventsOptions, junit_xml
from sandbox.verify.sympto_events import verify as run_verify

SECRET = "whsec_reference-receiver-secret-0123456789"
EXAMPLES = 4
#: The slow receiver takes 0.4 s: a limit under it, the others' default 5 s.
SLOW_LIMIT = 0.2


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, LiveServer]]:
    started = {name: LiveServer(factory(SECRET)).start() for name, (factory, _rule) in RECEIVERS.items()}
    yield started
    for server in started.values():
        server.stop()


def options(server: LiveServer, **changes: object) -> EventsOptions:
    values: dict[str, object] = {
        "url": server.url + "/events",
        "endpoint_secret": SECRET,
        "examples": EXAMPLES,
        "seed": 11,
        **changes,
    }
    return EventsOptions(**values)  # type: ignore[arg-type]


def test_the_correct_receiver_passes_every_rule(servers: dict[str, LiveServer]) -> None:
    report, code = run_verify(options(servers["correct"]))
    assert code == 0, report.render_text()
    assert set(report.outcomes().values()) == {PASS}
    assert len(report.outcomes()) == 8


@pytest.mark.parametrize("name", [name for name, (_f, rule) in RECEIVERS.items() if rule is not None])
def test_each_broken_receiver_is_judged_by_the_rule_it_breaks(servers: dict[str, LiveServer], name: str) -> None:
    rule = RECEIVERS[name][1]
    limit = {"timeout_seconds": SLOW_LIMIT} if name == "answers_slowly" else {}
    report, code = run_verify(options(servers[name], **limit))
    outcomes = report.outcomes()
    text = report.render_text()
    if rule == "rejects-stale-timestamps":  # a SHOULD: a warning, and a failure under --strict
        assert outcomes[rule] == WARN, text
        assert code == 0
        strict, strict_code = run_verify(options(servers[name], strict=True))
        assert strict.outcomes()[rule] == FAIL
        assert strict_code == 1
    else:
        assert outcomes[rule] == FAIL, text
        assert code == 1
    if rule == "accepts-valid-events":
        assert {outcome for r, outcome in outcomes.items() if r != rule} == {SKIP}
    else:
        assert outcomes["accepts-valid-events"] == PASS, text
    assert "case:" in text  # a concrete counterexample
    assert "request:" in text


def test_an_unreachable_receiver_fails_and_skips_the_rest() -> None:
    report, code = run_verify(EventsOptions(url="http://127.0.0.1:9/events", endpoint_secret=SECRET, examples=1))
    assert code == 1
    assert report.outcomes()["accepts-valid-events"] == FAIL
    assert "no response" in report.render_text()


def test_junit_xml_names_every_rule(servers: dict[str, LiveServer]) -> None:
    report, _ = run_verify(options(servers["trusts_every_event"]))
    suite = ET.fromstring(junit_xml(report))
    assert suite.get("name") == "sympto-events"
    assert len(suite.findall("testcase")) == 8
    assert int(suite.get("failures") or 0) >= 1


def test_the_cli_command(servers: dict[str, LiveServer], tmp_path: Path) -> None:
    junit = tmp_path / "events.xml"
    args = [
        "sympto-events",
        "--url",
        servers["correct"].url + "/events",
        "--endpoint-secret",
        SECRET,
        "--examples",
        "2",
        "--seed",
        "3",
        "--junit",
        str(junit),
    ]
    result = CliRunner().invoke(verify, args)
    assert result.exit_code == 0, result.output
    assert "8 passed, 0 failed" in result.output
    assert junit.exists()
    broken = CliRunner().invoke(verify, [*args[:2], servers["refuses_redelivery"].url + "/events", *args[3:9]])
    assert broken.exit_code == 1
    assert "FAIL  MUST    accepts-redelivery" in broken.output


def test_the_cli_refuses_an_empty_secret() -> None:
    result = CliRunner().invoke(verify, ["sympto-events", "--url", "http://127.0.0.1:9/", "--endpoint-secret", ""])
    assert result.exit_code != 0
