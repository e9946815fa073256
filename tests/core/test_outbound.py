"""Outbound calls: host names IDNA refuses are a DNS failure, an armed delay can turn into a timeout, and no call
reaches the sandbox itself (a call resolving to its own sockets is refused; the marker header on every request).
How its own sockets are matched in every spelling: tests/core/test_selfcall.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, jsonify, request

from sandbox.core.journal import JOURNAL_KEY
from sandbox.core.outbound import Outbound, _Hop, _redirected
from sandbox.core.selfcall import MARKER_HEADER, OWN_ENDPOINTS, OwnEndpoints
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


# --- the sandbox never calls itself (sandbox.core.selfcall) ------------------------------------------


def test_a_call_resolving_to_the_sandbox_is_refused_and_journaled_while_loopback_partners_still_work(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    own = OwnEndpoints()
    outbound = Outbound(app.extensions[JOURNAL_KEY], own_endpoints=own, allowed_hosts=["partner.example"])
    with LiveServer(partner_app()) as sandbox_like, LiveServer(partner_app()) as partner:
        own.add("127.0.0.1", sandbox_like.port)
        real = socket.getaddrinfo

        def dns(host: str, *args: object, **kwargs: object) -> object:
            if host == "partner.example":  # a name the tenant allowed, pointing at the sandbox
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", sandbox_like.port))]
            return real(host, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(socket, "getaddrinfo", dns)
        for host in ("127.0.0.1", "127.1", "0x7f.1", "2130706433", "localhost", "partner.example"):
            url = f"http://{host}:{sandbox_like.port}/echo-host"
            refused = outbound.post(url, b"{}", {}, vendor="x", tenant="t", correlation_id="c")
            assert (refused.status, refused.error) == (None, "self_call"), host
            assert "Point the URL at your partner service, not at the sandbox" in (refused.error_detail or "")
        fine = outbound.post(partner.url + "/echo-host", b"{}", {}, vendor="x", tenant="t", correlation_id="c")
    assert fine.status == 200
    entries = app.extensions[JOURNAL_KEY].entries(vendor="x")
    refusals = [e for e in entries if e["rule"] == "self_call"]
    assert len(refusals) == 6
    assert all((e["direction"], e["verdict"], e["status"]) == ("outbound", "rejected", None) for e in refusals)


def test_every_outbound_request_carries_the_marker_and_a_caller_cannot_drop_it(app: Flask) -> None:
    partner = Flask("marker")
    partner.post("/hook")(lambda: jsonify(marker=request.headers.getlist(MARKER_HEADER)))
    outbound = Outbound(app.extensions[JOURNAL_KEY], own_endpoints=OwnEndpoints())
    with LiveServer(partner) as server:
        plain = outbound.post(server.url + "/hook", b"{}", {}, vendor="x", tenant=None, correlation_id="c")
        spoofed = outbound.post(
            server.url + "/hook", b"{}", {MARKER_HEADER.lower(): "0"}, vendor="x", tenant=None, correlation_id="c"
        )
    assert plain.json() == spoofed.json() == {"marker": ["1"]}
    assert app.extensions[JOURNAL_KEY].entries(vendor="x")[0]["request"]["headers"][MARKER_HEADER] == "1"


def test_live_server_registers_a_sandbox_while_it_serves_and_never_a_partner(app: Flask) -> None:
    with LiveServer(app) as sandbox:
        assert ("127.0.0.1", sandbox.port) in OWN_ENDPOINTS.endpoints()
        with LiveServer(partner_app()) as partner:
            assert ("127.0.0.1", partner.port) not in OWN_ENDPOINTS.endpoints()
    assert ("127.0.0.1", sandbox.port) not in OWN_ENDPOINTS.endpoints()  # the port may serve a partner next


# --- following redirects (issue 13, item 17): opt-in, and every hop checked like the first call -------------


def redirecting_partner() -> Flask:
    """``/to?url=...&status=...`` redirects there; ``/echo`` answers the method, body and credentials it got."""
    partner = Flask("redirecting")

    @partner.route("/to", methods=["GET", "POST"])
    def to() -> tuple[str, int, dict[str, str]]:
        return "", int(request.args.get("status", "302")), {"Location": request.args["url"]}

    @partner.route("/echo", methods=["GET", "POST"])
    def echo() -> object:
        return jsonify(
            method=request.method,
            body=request.get_data(as_text=True),
            authorization=request.headers.get("Authorization"),
            content_type=request.headers.get("Content-Type"),
        )

    return partner


def test_redirects_are_followed_only_when_asked_and_each_hop_is_journaled(app: Flask) -> None:
    outbound = Outbound(app.extensions[JOURNAL_KEY], own_endpoints=OwnEndpoints())
    with LiveServer(redirecting_partner()) as server:
        url = f"{server.url}/to?status=307&url=/echo"
        headers = {"Authorization": "Basic czpz", "Content-Type": "application/json"}
        kept = outbound.post(url, b'{"a": 1}', headers, vendor="x", tenant=None, correlation_id="c")
        followed = outbound.post(
            url, b'{"a": 1}', headers, vendor="x", tenant=None, correlation_id="c", max_redirects=5
        )
    assert kept.status == 307
    assert followed.status == 200
    assert followed.json() == {
        "method": "POST",
        "body": '{"a": 1}',
        "authorization": "Basic czpz",
        "content_type": "application/json",
    }
    assert followed.redirects == (url,)
    entries = app.extensions[JOURNAL_KEY].entries(vendor="x")
    assert [(e["status"], e["path"]) for e in reversed(entries)][1:] == [(307, url), (200, f"{server.url}/echo")]
    assert entries[0]["request"]["headers"]["Authorization"] == "Basic [redacted]"


def test_a_302_after_a_post_becomes_a_get_without_body_or_content_headers(app: Flask) -> None:
    outbound = Outbound(app.extensions[JOURNAL_KEY], own_endpoints=OwnEndpoints())
    with LiveServer(redirecting_partner()) as server:
        result = outbound.post(
            f"{server.url}/to?status=302&url=/echo",
            b'{"a": 1}',
            {"Content-Type": "application/json"},
            vendor="x",
            tenant=None,
            correlation_id="c",
            max_redirects=5,
        )
    assert result.json() == {"method": "GET", "body": "", "authorization": None, "content_type": None}


def test_a_redirect_hop_is_held_to_the_allow_list(app: Flask) -> None:
    outbound = Outbound(app.extensions[JOURNAL_KEY], own_endpoints=OwnEndpoints())
    with LiveServer(partner_app()) as server:
        result = outbound.post(
            server.url + "/redirect", b"{}", {}, vendor="x", tenant=None, correlation_id="c", max_redirects=5
        )
    assert (result.status, result.error, result.url) == (None, "host_not_allowed", "http://169.254.169.254/x")
    assert result.redirects == (server.url + "/redirect",)
    entries = app.extensions[JOURNAL_KEY].entries(vendor="x")
    assert [(e["status"], e["verdict"], e["rule"]) for e in entries[:2]] == [
        (None, "rejected", "host_not_allowed"),
        (302, "accepted", None),
    ]


def test_a_redirect_hop_to_the_sandbox_itself_is_refused_as_a_self_call(app: Flask) -> None:
    own = OwnEndpoints()
    outbound = Outbound(app.extensions[JOURNAL_KEY], own_endpoints=own)
    with LiveServer(partner_app()) as sandbox_like, LiveServer(redirecting_partner()) as partner:
        own.add("127.0.0.1", sandbox_like.port)
        for spelling in ("127.0.0.1", "localhost", "127.1", "[::ffff:127.0.0.1]"):
            target = f"http://{spelling}:{sandbox_like.port}/echo-host"
            result = outbound.post(
                f"{partner.url}/to?status=307&url={target}",
                b"{}",
                {},
                vendor="x",
                tenant=None,
                correlation_id="c",
                max_redirects=5,
            )
            assert (result.status, result.error) == (None, "self_call"), spelling


def test_one_redirect_more_than_the_limit_is_an_error(app: Flask) -> None:
    outbound = Outbound(app.extensions[JOURNAL_KEY], own_endpoints=OwnEndpoints())
    with LiveServer(redirecting_partner()) as server:
        loop = f"{server.url}/to?status=307&url=/to%3Fstatus%3D307%26url%3D%252Fecho"
        within = outbound.post(loop, b"{}", {}, vendor="x", tenant=None, correlation_id="c", max_redirects=2)
        beyond = outbound.post(loop, b"{}", {}, vendor="x", tenant=None, correlation_id="c", max_redirects=1)
    assert within.status == 200
    assert (beyond.status, beyond.error) == (None, "too_many_redirects")
    assert "more than 1 times" in (beyond.error_detail or "")


def test_a_redirect_to_another_host_or_from_https_to_http_drops_credentials(app: Flask) -> None:
    outbound = Outbound(app.extensions[JOURNAL_KEY], own_endpoints=OwnEndpoints())
    with LiveServer(redirecting_partner()) as server:
        other_host = f"http://localhost:{server.port}/echo"
        result = outbound.post(
            f"{server.url}/to?status=307&url={other_host}",
            b"{}",
            {"Authorization": "Basic czpz", "Cookie": "a=b"},
            vendor="x",
            tenant=None,
            correlation_id="c",
            max_redirects=5,
        )
    assert result.json()["authorization"] is None


@pytest.mark.parametrize(
    ("start", "location", "kept"),
    [
        ("https://partner.example/hook", "/next", True),
        ("https://partner.example/hook", "https://api.partner.example/next", True),  # a subdomain
        ("https://partner.example/hook", "http://partner.example/next", False),  # https -> http
        ("https://partner.example/hook", "https://partner.example.evil/next", False),
        ("https://api.partner.example/hook", "https://partner.example/next", False),  # the parent domain
        ("https://partner.example/hook", "https://partner.example:8443/next", False),  # another port
        ("http://partner.example/hook", "https://partner.example/next", True),  # an upgrade to https
        ("http://partner.example:8080/hook", "http://partner.example:8080/next", True),
    ],
)
def test_credentials_follow_a_redirect_only_on_the_same_host_or_a_subdomain(
    start: str, location: str, kept: bool
) -> None:
    hop = _Hop("POST", start, b"{}", {"Authorization": "Basic czpz", "Cookie": "a=b", "Accept": "*/*"})
    after = _redirected(hop, 307, location)
    assert ("Authorization" in after.headers, "Cookie" in after.headers) == (kept, kept)
    assert after.headers["Accept"] == "*/*"


def test_a_location_with_non_ascii_bytes_or_spaces_is_percent_encoded_not_a_crash(app: Flask) -> None:
    seen: list[str] = []

    def partner(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        seen.append(environ.get("RAW_URI") or environ["PATH_INFO"])
        if environ["PATH_INFO"] == "/start":
            start_response("307 Temporary Redirect", [("Location", "/caf\xc3\xa9 au lait?x=\xff")])
            return [b""]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    outbound = Outbound(app.extensions[JOURNAL_KEY], own_endpoints=OwnEndpoints())
    with LiveServer(partner) as server:
        result = outbound.post(
            server.url + "/start", b"{}", {}, vendor="x", tenant=None, correlation_id="c", max_redirects=5
        )
    assert result.status == 200
    assert result.url == server.url + "/caf%C3%A9%20au%20lait?x=%FF"


def test_the_allow_list_comes_before_dns(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A host nobody listed is refused as ``host_not_allowed`` whether or not it resolves; a listed one that
    does not resolve is a DNS failure; with loopback not allowed, an unlisted name is never looked up, while
    an address literal aimed at the sandbox is still named a self-call (its address is still checked)."""
    import socket

    journal = app.extensions[JOURNAL_KEY]
    unlisted = Outbound(journal).post(
        "http://partner.invalid/hook", b"{}", {}, vendor="x", tenant=None, correlation_id="c"
    )
    assert (unlisted.status, unlisted.error) == (None, "host_not_allowed")
    listed = Outbound(journal, allowed_hosts=["partner.invalid"])
    answer = listed.post("http://partner.invalid/hook", b"{}", {}, vendor="x", tenant=None, correlation_id="c")
    assert (answer.status, answer.error) == (None, "dns_failure")

    own = OwnEndpoints()
    own.add("127.0.0.1", 8129)
    strict = Outbound(journal, own_endpoints=own, allow_loopback=False)
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def recording(host: str, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("flags", 0) & socket.AI_NUMERICHOST:
            looked_up.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)
    refused = strict.post("http://partner.example/hook", b"{}", {}, vendor="x", tenant=None, correlation_id="c")
    assert (refused.error, looked_up) == ("host_not_allowed", [])
    for spelling in ("127.0.0.1", "127.1", "localhost"):
        itself = strict.post(f"http://{spelling}:8129/x", b"{}", {}, vendor="x", tenant=None, correlation_id="c")
        assert itself.error == "self_call", spelling
