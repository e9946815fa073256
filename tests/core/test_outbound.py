"""Outbound calls: host names IDNA refuses are a DNS failure, and an armed delay can turn into a timeout."""

from __future__ import annotations

from flask import Flask, jsonify, request

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


def partner_app() -> Flask:
    partner = Flask("partner")
    partner.add_url_rule(
        "/redirect", "redirect", lambda: ("", 302, {"Location": "http://169.254.169.254/x"}), methods=["POST"]
    )
    partner.add_url_rule("/huge", "huge", lambda: "x" * (2 << 20), methods=["POST"])
    partner.add_url_rule("/echo-host", "echo_host", lambda: jsonify(host=request.host), methods=["POST"])
    return partner


def test_redirects_are_returned_not_followed(app: Flask) -> None:
    outbound = Outbound(app.extensions[JOURNAL_KEY])
    with LiveServer(partner_app()) as server:
        result = outbound.post(server.url + "/redirect", b"{}", {}, vendor="x", tenant=None, correlation_id="c")
    assert result.status == 302
    assert result.headers["Location"] == "http://169.254.169.254/x"


def test_responses_over_the_cap_are_cut_off(app: Flask) -> None:
    outbound = Outbound(app.extensions[JOURNAL_KEY], max_response_bytes=1 << 20)
    with LiveServer(partner_app()) as server:
        result = outbound.post(server.url + "/huge", b"{}", {}, vendor="x", tenant=None, correlation_id="c")
    assert (result.status, result.error) == (None, "response_too_large")


def test_only_allowed_hosts_are_called_and_the_checked_address_is_the_one_connected(
    app: Flask, monkeypatch: object
) -> None:
    import socket

    outbound = Outbound(app.extensions[JOURNAL_KEY], allow_loopback=True)
    with LiveServer(partner_app()) as server:
        refused = outbound.post("http://10.1.2.3:9/hook", b"{}", {}, vendor="x", tenant=None, correlation_id="c")
        assert (refused.status, refused.error) == (None, "host_not_allowed")

        # A name that resolves to loopback is allowed, and the connection goes to the address that was
        # checked, with the original name in Host: a second, different DNS answer is never consulted.
        answers = iter(
            [
                [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", server.port))],
                [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.9.9", server.port))],
            ]
        )
        real = socket.getaddrinfo

        def rebinding_dns(host: str, *args: object, **kwargs: object) -> object:
            return next(answers) if host == "partner.example" else real(host, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)  # type: ignore[attr-defined]
        result = outbound.post(
            f"http://partner.example:{server.port}/echo-host", b"{}", {}, vendor="x", tenant=None, correlation_id="c"
        )
    assert result.status == 200
    assert result.json() == {"host": f"partner.example:{server.port}"}
    assert next(answers)[0][4][0] == "10.9.9.9"  # the rebinding answer was never asked for
