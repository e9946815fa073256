"""Outbound calls: host names IDNA refuses are a DNS failure, and an armed delay can turn into a timeout."""

from __future__ import annotations

from flask import Flask, jsonify

from sandbox.core.journal import JOURNAL_KEY
from sandbox.core.outbound import Outbound
from sandbox.testing.live import LiveServer


def test_a_host_name_idna_refuses_is_a_dns_failure_not_a_crash(app: Flask) -> None:
    outbound = Outbound(app.extensions[JOURNAL_KEY])
    for url in ("http://a..b/hook", "http://" + "x" * 70 + ".test/"):
        result = outbound.post(url, b"{}", {}, vendor="sympto", tenant=None, correlation_id="c")
        assert (result.status, result.error) == (None, "dns_failure")


def test_a_delay_within_the_timeout_keeps_the_answer_and_past_it_is_a_timeout(app: Flask) -> None:
    partner = Flask("partner")
    partner.post("/hook")(lambda: jsonify(ok=True))
    outbound = Outbound(app.extensions[JOURNAL_KEY], timeout_seconds=0.2)
    with LiveServer(partner) as server:
        slow = outbound.post(
            server.url + "/hook", b"{}", {}, vendor="x", tenant=None, correlation_id="c", delay_seconds=0.05
        )
        assert (slow.status, slow.latency_ms >= 50) == (200, True)
        late = outbound.post(
            server.url + "/hook", b"{}", {}, vendor="x", tenant=None, correlation_id="c", delay_seconds=5
        )
        assert (late.status, late.error) == (None, "timeout")
        assert 200 <= late.latency_ms < 1000
