"""The RSGI bridge: bodies read in the event loop under a deadline and a bound, then the WSGI app in a thread.

These drive :class:`~sandbox.core.bridge.Bridge` with a fake RSGI scope and protocol; the real
server is exercised in ``tests/system/durability/test_stalled_bodies.py``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from sandbox.core.bridge import Bridge, body_limit, environ_for
from sandbox.core.errors import REFUSAL_KEY, Refusal

MAX_BODY = 1000
WAIT = 10.0


class FakeHeaders:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return self.pairs


@dataclass
class FakeScope:
    headers: FakeHeaders
    method: str = "POST"
    path: str = "/cirrusmd/sdk/v2/public/sessions"
    query_string: str = ""
    http_version: str = "1.1"
    server: str = "127.0.0.1:8000"
    client: str = "127.0.0.1:50000"
    scheme: str = "http"
    authority: str | None = None
    proto: str = "http"


def scope_with(*pairs: tuple[str, str], **changes: Any) -> FakeScope:
    return FakeScope(FakeHeaders([("host", "127.0.0.1:8000"), *pairs]), **changes)


@dataclass
class FakeProtocol:
    """A client: ``chunks`` arrive one by one; then the body ends, or the client stalls (``stall``)."""

    chunks: list[bytes] = field(default_factory=list)
    stall: bool = False
    iterated: bool = False
    sent: list[tuple[int, list[tuple[str, str]], bytes]] = field(default_factory=list)
    streamed: list[bytes] = field(default_factory=list)

    def __aiter__(self) -> AsyncIterator[bytes]:
        self.iterated = True
        return self._body()

    async def _body(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            await asyncio.sleep(0)
            yield chunk
        if self.stall:
            await asyncio.sleep(3600)
        yield b""  # Granian's end of body (also after a broken connection)

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.sent.append((status, headers, body))

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> FakeProtocol:
        self.sent.append((status, headers, b""))
        return self

    async def send_bytes(self, data: bytes) -> None:
        self.streamed.append(data)


class Recorder:
    """A WSGI app that records the environ and body it was given and answers 200 with the body."""

    def __init__(self) -> None:
        self.environs: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.environs.append(environ)
        body = environ["wsgi.input"].read()
        self.bodies.append(body)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]


def bridge_for(app: Any, *, body_timeout: float = WAIT, max_pending: int = 10) -> Bridge:
    return Bridge(app, threads=4, max_body_bytes=MAX_BODY, body_timeout=body_timeout, max_pending=max_pending)


def serve(bridge: Bridge, *exchanges: tuple[FakeScope, FakeProtocol]) -> None:
    async def all_of_them() -> None:
        await asyncio.gather(*(bridge.__rsgi__(scope, protocol) for scope, protocol in exchanges))

    try:
        asyncio.run(asyncio.wait_for(all_of_them(), WAIT))
    finally:
        bridge.runners.shutdown()


def test_the_environ_is_the_one_granians_wsgi_interface_builds() -> None:
    scope = scope_with(
        ("content-type", "application/json"),
        ("content-length", "2"),
        ("x-partner", "a"),
        ("x-partner", "b"),
        ("cookie", "a=1"),
        ("cookie", "b=2"),
        path="/cirrusmd/é",
        query_string="x=1",
        client="[::1]:50000",
    )
    environ = environ_for(scope)
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["PATH_INFO"] == "/cirrusmd/é".encode().decode("latin-1")  # PEP 3333: bytes as latin-1
    assert environ["QUERY_STRING"] == "x=1"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"], environ["REMOTE_ADDR"]) == ("127.0.0.1", "8000", "::1")
    assert (environ["SERVER_PROTOCOL"], environ["wsgi.url_scheme"]) == ("HTTP/1.1", "http")
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"]) == ("application/json", "2")
    assert "HTTP_CONTENT_TYPE" not in environ
    assert environ["HTTP_X_PARTNER"] == "a,b"
    assert environ["HTTP_COOKIE"] == "a=1;b=2"
    assert environ["HTTP_HOST"] == "127.0.0.1:8000"


def test_without_a_host_header_the_authority_is_the_host() -> None:
    environ = environ_for(FakeScope(FakeHeaders([]), http_version="2", authority="sandbox.test"))
    assert (environ["HTTP_HOST"], environ["SERVER_PROTOCOL"]) == ("sandbox.test", "HTTP/2")


@pytest.mark.parametrize(
    ("pairs", "http_version", "limit"),
    [
        ([("content-length", "10")], "1.1", 10),
        ([("content-length", "0")], "1.1", 0),
        ([("content-length", str(MAX_BODY + 1))], "1.1", 0),  # refused from its length, never read
        ([], "1.1", 0),  # HTTP/1 without a length or chunked encoding has no body
        ([("transfer-encoding", "chunked")], "1.1", MAX_BODY + 1),
        ([], "2", MAX_BODY + 1),
    ],
)
def test_how_much_body_to_wait_for(pairs: list[tuple[str, str]], http_version: str, limit: int) -> None:
    assert body_limit(environ_for(scope_with(*pairs, http_version=http_version)), MAX_BODY) == limit


def test_the_app_gets_the_whole_body_and_its_answer_is_sent() -> None:
    app = Recorder()
    protocol = FakeProtocol([b'{"a"', b": 1}"])
    serve(bridge_for(app), (scope_with(("content-length", "8")), protocol))
    assert app.bodies == [b'{"a": 1}']
    assert protocol.sent == [(200, [("Content-Type", "text/plain")], b'{"a": 1}')]


def test_a_body_cut_short_reaches_the_app_as_far_as_it_arrived() -> None:
    app = Recorder()
    serve(bridge_for(app), (scope_with(("content-length", "100")), FakeProtocol([b'{"partial'])))
    assert app.bodies == [b'{"partial']
    assert REFUSAL_KEY not in app.environs[0]


def test_a_body_over_the_limit_is_not_read() -> None:
    app = Recorder()
    protocol = FakeProtocol([b"x" * (MAX_BODY + 1)])
    serve(bridge_for(app), (scope_with(("content-length", str(MAX_BODY + 1))), protocol))
    assert not protocol.iterated
    assert app.bodies == [b""]
    assert app.environs[0]["CONTENT_LENGTH"] == str(MAX_BODY + 1)  # the app refuses it with its 413


def test_a_chunked_body_is_read_to_one_byte_past_the_limit() -> None:
    app = Recorder()
    chunks = [b"x" * 600, b"x" * 600, b"x" * 600]
    serve(bridge_for(app), (scope_with(("transfer-encoding", "chunked")), FakeProtocol(chunks)))
    assert app.bodies == [b"x" * (MAX_BODY + 1)]  # enough for the app to see that it is too large


def test_a_stalled_body_is_handed_to_the_app_as_a_timeout_after_the_deadline() -> None:
    app = Recorder()
    protocol = FakeProtocol([b"{"], stall=True)
    serve(bridge_for(app, body_timeout=0.2), (scope_with(("content-length", "1000")), protocol))
    assert app.environs[0][REFUSAL_KEY] == Refusal("timeout", 0.2)
    assert app.bodies == [b"{"]  # what arrived, for the journal
    assert [status for status, _, _ in protocol.sent] == [200]


def run_scenario(bridge: Bridge, scenario: Callable[[], Awaitable[None]]) -> None:
    try:
        asyncio.run(asyncio.wait_for(scenario(), WAIT))
    finally:
        bridge.runners.shutdown()


def test_a_body_beyond_the_bound_waits_its_turn_while_requests_without_a_body_run_at_once() -> None:
    app = Recorder()
    bridge = bridge_for(app, body_timeout=0.5, max_pending=1)
    stalled = FakeProtocol([b"{"], stall=True)
    queued = FakeProtocol([b"{}"])

    async def scenario() -> None:
        first = asyncio.ensure_future(bridge.__rsgi__(scope_with(("content-length", "1000")), stalled))
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(bridge.__rsgi__(scope_with(("content-length", "2")), queued))
        await asyncio.sleep(0.05)
        assert bridge.pending == 2
        assert not queued.iterated  # not read while the other body holds the only turn
        await bridge.__rsgi__(scope_with(method="GET", path="/__sandbox/health"), FakeProtocol())
        assert len(app.environs) == 1  # the request without a body ran at once
        await asyncio.gather(first, second)

    run_scenario(bridge, scenario)
    assert [environ.get(REFUSAL_KEY) for environ in app.environs] == [None, Refusal("timeout", 0.5), None]
    assert app.bodies[2] == b"{}"  # its turn came before its own deadline
    assert bridge.pending == 0


def test_a_body_beyond_the_queue_is_refused_at_once() -> None:
    app = Recorder()
    bridge = bridge_for(app, body_timeout=0.5, max_pending=1)
    stalled = [FakeProtocol([b"{"], stall=True) for _ in range(2)]  # one reading, one waiting
    late = FakeProtocol([b"{}"])

    async def scenario() -> None:
        waiting = [asyncio.ensure_future(bridge.__rsgi__(scope_with(("content-length", "1000")), p)) for p in stalled]
        await asyncio.sleep(0.05)
        await bridge.__rsgi__(scope_with(("content-length", "2")), late)
        assert [environ.get(REFUSAL_KEY) for environ in app.environs] == [Refusal("busy", 2)]
        await asyncio.gather(*waiting)

    run_scenario(bridge, scenario)
    assert not late.iterated
    assert [status for status, _, _ in late.sent] == [200]


def test_an_answer_that_breaks_off_is_streamed_as_far_as_it_got() -> None:
    def dropping(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def broken() -> Iterator[bytes]:
            yield b"{"
            raise ConnectionAbortedError("fault: dropped")

        start_response("201 CREATED", [("Content-Length", "4096")])
        return broken()

    protocol = FakeProtocol()
    serve(bridge_for(dropping), (scope_with(method="GET"), protocol))
    assert protocol.sent == [(201, [("Content-Length", "4096")], b"")]
    assert protocol.streamed == [b"{"]


def test_the_app_runs_in_a_thread_not_in_the_event_loop() -> None:
    threads: list[threading.Thread] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        threads.append(threading.current_thread())
        start_response("204 NO CONTENT", [])
        return []

    serve(bridge_for(app), (scope_with(method="GET"), FakeProtocol()))
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()


def test_a_failing_app_is_raised_in_the_loop_for_granian_to_answer_500() -> None:
    def failing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        serve(bridge_for(failing), (scope_with(method="GET"), FakeProtocol()))


@pytest.mark.parametrize("changes", [{"threads": 0}, {"max_pending": 0}, {"body_timeout": 0}])
def test_limits_must_be_usable(changes: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"threads": 1, "max_body_bytes": MAX_BODY, "body_timeout": 1.0, "max_pending": 1}
    with pytest.raises(ValueError, match="at least 1"):
        Bridge(Recorder(), **(arguments | changes))
