"""The summary, JUnit XML and the self-contained HTML report; nothing in them is a secret or live markup."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask, Response

from sandbox.testing.live import LiveServer
from tests.drift.conftest import CREDENTIALS, FAST, SECRETS, UpstreamFactory, drift, summary

#: A whole JWT (a rejected credential may be quoted by its first 4 characters, "eyJh…", and that is fine).
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")

HOSTILE = '<script>alert("drift")</script><img src=x onerror=alert(1)>\x1b[31m'


@pytest.fixture
def hostile_upstream() -> Iterator[str]:
    """A deliberately divergent 'vendor': every answer is a 200 HTML page with markup and a terminal escape."""
    app = Flask("hostile")

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def everything(path: str) -> Response:
        return Response(HOSTILE, 200, {"Content-Type": "text/html", "Retry-After": "<b>soon</b>"})

    with LiveServer(app) as server:
        yield server.url


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        if tag not in ("meta",):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open, f"</{tag}> closes nothing"
        assert self.open[-1] == tag, f"</{tag}> closes <{self.open[-1]}>"
        self.open.pop()


def test_junit_and_html_reports_are_written_and_well_formed(upstream_factory: UpstreamFactory, tmp_path: Path) -> None:
    upstream = upstream_factory(cirrusmd={"leeway_seconds": 0})
    junit, page = tmp_path / "out" / "drift.xml", tmp_path / "out" / "drift.html"
    result = drift(
        "cirrusmd",
        "--upstream",
        upstream.url("cirrusmd"),
        *CREDENTIALS["cirrusmd"],
        *FAST,
        "--junit",
        str(junit),
        "--html",
        str(page),
    )
    assert result.exit_code == 1
    cases, _identical, divergences = summary(result)

    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    assert root.get("name") == "vendor-sandbox drift"
    assert (root.get("tests"), root.get("failures")) == (str(cases), str(divergences))
    failed = {
        case.get("name"): case.find("failure") for case in root.iter("testcase") if case.find("failure") is not None
    }
    assert set(failed) == {
        "cirrusmd:boundary:exp_within_leeway",
        "cirrusmd:boundary:expired_within_leeway",
        "cirrusmd:boundary:iat_future_within_leeway",
    }
    failure = failed["cirrusmd:boundary:exp_within_leeway"]
    assert failure is not None
    assert "disagree on status, body" in (failure.get("message") or "")
    assert "must NOT exceed" in (failure.text or "")

    text = page.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(text)
    parser.close()
    assert parser.open == []
    assert "script" not in parser.tags
    assert "link" not in parser.tags
    assert "img" not in parser.tags
    assert not [value for name, value in parser.attributes if name in ("src", "href")]
    assert text.count("<section>") == divergences
    assert f"{cases} cases, {cases - divergences} identical, {divergences} divergences" in text


def test_answers_are_escaped_in_every_report(hostile_upstream: str, tmp_path: Path) -> None:
    junit, page = tmp_path / "drift.xml", tmp_path / "drift.html"
    result = drift(
        "sympto",
        "--upstream",
        hostile_upstream + "/sympto",
        *CREDENTIALS["sympto"],
        *FAST,
        "--junit",
        str(junit),
        "--html",
        str(page),
        "--only",
        "sympto:login:*",
    )
    assert result.exit_code == 1
    assert summary(result) == (3, 0, 3)
    assert "\x1b" not in result.output
    assert "\\x1b[31m" in result.stdout
    text = page.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(text)
    assert "script" not in parser.tags
    assert "img" not in parser.tags
    assert "b" not in parser.tags
    assert "&lt;script&gt;" in text
    ET.parse(junit)  # well-formed even with markup and control characters in the answers


def test_no_report_shows_a_secret_or_a_token(hostile_upstream: str, tmp_path: Path) -> None:
    """Every case diverges from the hostile upstream, so every request and every emulator answer is shown."""
    for vendor in ("cirrusmd", "intake24", "sympto"):
        junit, page = tmp_path / f"{vendor}.xml", tmp_path / f"{vendor}.html"
        dry = drift(vendor, "--upstream", f"{hostile_upstream}/{vendor}", *CREDENTIALS[vendor], *FAST, "--dry-run")
        result = drift(
            vendor,
            "--upstream",
            f"{hostile_upstream}/{vendor}",
            *CREDENTIALS[vendor],
            *FAST,
            "--junit",
            str(junit),
            "--html",
            str(page),
        )
        assert result.exit_code == 1
        cases, identical, divergences = summary(result)
        assert divergences == cases
        assert identical == 0
        shown = dry.output + result.output + junit.read_text(encoding="utf-8") + page.read_text(encoding="utf-8")
        assert "Authorization: Bearer [redacted]" in shown or "[redacted]" in shown
        for secret in SECRETS:
            assert secret not in shown
        assert not JWT.search(shown)  # neither the tokens sent nor those the emulator issued
