"""The verifiers' HTTP client on its own: one request, a timeout, a size cap, and a transport failure told in words.

Each test serves one connection from a loopback socket bound to port 0 (the test reads the port back from the bound
socket, nothing is released and bound again), so what the client sent and what it made of the answer are both exact.
"""

from __future__ import annotations

import socket
import threading
from types import SimpleNamespace

import pytest

from sandbox.verify import exchange
from sandbox.verify.exchange import MAX_RESPONSE_BYTES, Answer, SentRequest, send


class OneConnection:
    """Accepts one connection on 127.0.0.1, keeps the bytes of the request it reads, then answers ``reply``.

    ``reply=None`` answers nothing (the connection stays open until the test ends): a partner that never answers.
    """

    def __init__(self, reply: bytes | None, *, hold_open: bool = False) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.reply = reply
        self.hold_open = hold_open
        self.received = b""
        self.done = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(5)
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(5)
            while b"\r\n\r\n" not in self.received:
                chunk = connection.recv(65536)
                if not chunk or chunk.startswith(b"\x16"):  # closed, or a TLS handshake: hang up
                    self.done.set()
                    return
                self.received += chunk
            head, _, body = self.received.partition(b"\r\n\r\n")
            lengths = [
                int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
            ]
            length = lengths[0] if lengths else 0
            while len(body) < length:
                body += connection.recv(65536)
            self.received = head + b"\r\n\r\n" + body
            self.done.set()
            if self.reply is None:
                self.release.wait(5)
                return
            connection.sendall(self.reply)
            if self.hold_open:
                self.release.wait(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request_head(self) -> list[bytes]:
        assert self.done.wait(5)
        return self.received.partition(b"\r\n\r\n")[0].split(b"\r\n")

    def close(self) -> None:
        self.release.set()
        self.thread.join(5)
        self.listener.close()


def http_reply(body: bytes, status: str = "200 OK", headers: tuple[str, ...] = ()) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def test_the_answer_carries_status_headers_and_body() -> None:
    server = OneConnection(http_reply(b'{"ok":true}', "201 Created", ("Content-Type: application/json",)))
    try:
        answer = send(SentRequest("GET", server.url + "/hook", {"X-Probe": "1"}), timeout=5)
    finally:
        server.close()
    assert answer.status == 201
    assert answer.error is None
    assert answer.body == b'{"ok":true}'
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.content_type == "application/json"
    assert answer.latency_ms >= 0


def test_the_request_goes_with_its_method_path_query_headers_and_body() -> None:
    server = OneConnection(http_reply(b""))
    try:
        send(SentRequest("POST", server.url + "/a/b?x=1&y=2", {"X-Probe": "yes"}, b"payload"), timeout=5)
        head = server.request_head()
    finally:
        server.close()
    assert head[0] == b"POST /a/b?x=1&y=2 HTTP/1.1"
    assert b"X-Probe: yes" in head
    assert b"Content-Length: 7" in head
    assert server.received.endswith(b"\r\n\r\npayload")


@pytest.mark.parametrize(
    ("suffix", "target"),
    [("", b"/"), ("?q=1", b"/?q=1"), ("/p?", b"/p"), ("/p", b"/p")],
)
def test_an_empty_path_is_the_root_and_an_empty_query_adds_no_question_mark(suffix: str, target: bytes) -> None:
    server = OneConnection(http_reply(b""))
    try:
        send(SentRequest("GET", server.url + suffix, {}), timeout=5)
        head = server.request_head()
    finally:
        server.close()
    assert head[0] == b"GET " + target + b" HTTP/1.1"


def test_a_request_without_a_body_sends_no_content_length() -> None:
    """An empty body is no body: a GET goes without ``Content-Length: 0``, as a plain GET does."""
    server = OneConnection(http_reply(b""))
    try:
        send(SentRequest("GET", server.url + "/", {}), timeout=5)
        head = server.request_head()
    finally:
        server.close()
    assert not any(line.lower().startswith(b"content-length") for line in head)


@pytest.mark.parametrize("extra", [0, 1, 10])
def test_a_response_is_cut_at_the_size_cap(extra: int) -> None:
    server = OneConnection(http_reply(b"x" * (MAX_RESPONSE_BYTES + extra)))
    try:
        answer = send(SentRequest("GET", server.url + "/", {}), timeout=5)
    finally:
        server.close()
    assert answer.status == 200
    assert len(answer.body) == MAX_RESPONSE_BYTES


def test_no_more_than_the_cap_and_one_byte_is_waited_for() -> None:
    """A partner promising more than the cap and stalling after the cap and one byte is not waited for."""
    body = b"x" * (MAX_RESPONSE_BYTES + 1)
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {10 * MAX_RESPONSE_BYTES}\r\n\r\n".encode()
    server = OneConnection(head + body, hold_open=True)
    try:
        answer = send(SentRequest("GET", server.url + "/", {}), timeout=3)
    finally:
        server.close()
    assert (answer.status, answer.error, len(answer.body)) == (200, None, MAX_RESPONSE_BYTES)


def test_the_size_cap_is_one_mebibyte() -> None:
    assert MAX_RESPONSE_BYTES == 1024 * 1024


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/x", "file:///etc/passwd", "127.0.0.1:8080/hook", "http:///no-host", "https://"],
)
def test_only_an_absolute_http_url_is_sent(url: str) -> None:
    answer = send(SentRequest("GET", url, {}), timeout=1)
    assert answer == Answer(status=None, error=f"{url!r} is not an absolute http(s) URL")


def test_a_long_url_is_quoted_in_the_error_to_200_characters() -> None:
    url = "gopher://" + "h" * 300
    answer = send(SentRequest("GET", url, {}), timeout=1)
    assert answer.error == f"{url[:200]!r} is not an absolute http(s) URL"


def test_an_invalid_port_is_an_invalid_url_not_a_crash() -> None:
    answer = send(SentRequest("GET", "http://127.0.0.1:99999/", {}), timeout=1)
    assert answer.status is None
    assert answer.error == "invalid URL: Port out of range 0-65535"


def test_an_https_url_speaks_tls() -> None:
    """The same plain-HTTP partner answers an http URL and fails the TLS handshake of an https one."""
    server = OneConnection(http_reply(b"plain"))
    try:
        answer = send(SentRequest("GET", f"https://127.0.0.1:{server.port}/", {}), timeout=5)
    finally:
        server.close()
    assert answer.status is None
    assert answer.error is not None
    assert answer.error.startswith("SSL")  # SSLEOFError: the plain partner hung up on the handshake


def test_a_partner_that_never_answers_is_a_timeout_with_its_bound() -> None:
    server = OneConnection(None)
    try:
        answer = send(SentRequest("GET", server.url + "/", {}), timeout=0.25)
    finally:
        server.close()
    assert answer.status is None
    assert answer.error == "no answer within 0.25 s"
    assert answer.latency_ms >= 200


def test_a_refused_connection_names_the_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound, never listening: a connection to it is refused
        port = unused.getsockname()[1]
        answer = send(SentRequest("GET", f"http://127.0.0.1:{port}/", {}), timeout=5)
    assert answer.status is None
    assert answer.error is not None
    assert answer.error.startswith("ConnectionRefusedError: ")
    assert answer.latency_ms >= 0


def test_a_broken_answer_is_named_with_its_first_200_characters() -> None:
    line = "X" * 300
    server = OneConnection(line.encode() + b"\r\n\r\n")
    try:
        answer = send(SentRequest("GET", server.url + "/", {}), timeout=5)
    finally:
        server.close()
    assert answer.status is None
    assert answer.error == f"BadStatusLine: {(line + chr(13) + chr(10))[:200]}"


def test_the_latency_is_in_milliseconds_to_a_tenth(monkeypatch: pytest.MonkeyPatch) -> None:
    readings = iter([100.0, 100.23456])
    monkeypatch.setattr(exchange, "time", SimpleNamespace(perf_counter=lambda: next(readings)))
    server = OneConnection(http_reply(b""))
    try:
        answer = send(SentRequest("GET", server.url + "/", {}), timeout=5)
    finally:
        server.close()
    assert answer.latency_ms == 234.6


def test_the_latency_of_a_failure_is_measured_too(monkeypatch: pytest.MonkeyPatch) -> None:
    readings = iter([5.0, 5.5])
    monkeypatch.setattr(exchange, "time", SimpleNamespace(perf_counter=lambda: next(readings)))
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        answer = send(SentRequest("GET", f"http://127.0.0.1:{unused.getsockname()[1]}/", {}), timeout=5)
    assert answer.latency_ms == 500.0


def test_the_content_type_is_found_whatever_the_case_of_its_name() -> None:
    assert Answer(200, {"content-TYPE": "text/plain"}).content_type == "text/plain"
    assert Answer(200, {"X-Other": "a"}).content_type == ""
    assert Answer(200).content_type == ""


def test_an_answer_defaults_to_nothing() -> None:
    answer = Answer(None)
    assert (answer.headers, answer.body, answer.latency_ms, answer.error) == ({}, b"", 0.0, None)
    assert SentRequest("GET", "http://h/", {}).body == b""


def test_the_text_of_a_body_is_kept_whole_up_to_its_limit() -> None:
    assert Answer(200, body=b"a" * 300).text() == "a" * 300
    assert Answer(200, body=b"abc").text(limit=3) == "abc"


def test_a_longer_text_is_cut_and_says_its_size_in_bytes() -> None:
    assert Answer(200, body=b"a" * 301).text() == "a" * 300 + "… (301 bytes)"
    assert Answer(200, body="é".encode() * 4).text(limit=2) == "éé… (8 bytes)"


def test_undecodable_bytes_are_shown_as_replacement_characters() -> None:
    assert Answer(200, body=b"ok\xff").text() == "ok\ufffd"
