"""The bridge through Granian's ASGI interface, which ``serve`` uses because its scope carries the raw
request path (``raw_path``), which the RSGI scope does not (its ``path`` is percent-decoded).

These drive :class:`~sandbox.core.bridge.Bridge` with fake ASGI ``receive``/``send``; the body reading,
queue and deadline are the RSGI tests' (``test_bridge.py``), and a real ``serve`` is exercised in
``tests/vendors/intake24/test_serve_raw_path.py`` and ``tests/system/durability/``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from sandbox.core.bridge import Bridge, environ_for_asgi
from sandbox.core.errors import REFUSAL_KEY

WAIT = 10.0


def http_scope(raw_path: bytes = b"/a%2Fb/%ZZ", query: bytes = b"x=%2F", **changes: Any) -> dict[str, Any]:
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/a/b/%ZZ",
        "raw_path": raw_path,
        "query_string": query,
        "server": ("127.0.0.1", "8000"),
        "client": ("127.0.0.1", "50000"),
        "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")],
    }
    return scope | changes


class Client:
    """``receive`` gives ``messages`` one by one, then waits (a stalled client) or disconnects."""

    def __init__(self, *messages: dict[str, Any], stall: bool = False) -> None:
        self.messages = list(messages)
        self.stall = stall
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        await asyncio.sleep(0)
        if self.messages:
            return self.messages.pop(0)
        if self.stall:
            await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


def echo(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Raw", environ["RAW_URI"])])
    return [body]


def run(bridge: Bridge, scope: dict[str, Any], client: Client) -> None:
    try:
        asyncio.run(asyncio.wait_for(bridge(scope, client.receive, client.send), WAIT))
    finally:
        bridge.runners.shutdown()


def bridge_for(app: Any, body_timeout: float = WAIT) -> Bridge:
    return Bridge(app, threads=2, max_body_bytes=1000, body_timeout=body_timeout, max_pending=4)


def test_the_environ_carries_the_raw_request_target() -> None:
    """``RAW_URI``/``REQUEST_URI`` are the target as sent (gunicorn's and werkzeug's keys); ``PATH_INFO``
    stays the decoded path, as PEP 3333 has it."""
    environ = environ_for_asgi(http_scope())
    assert environ["RAW_URI"] == environ["REQUEST_URI"] == "/a%2Fb/%ZZ?x=%2F"
    assert environ["PATH_INFO"] == "/a/b/%ZZ"
    assert environ["QUERY_STRING"] == "x=%2F"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"], environ["REMOTE_ADDR"]) == (
        "127.0.0.1",
        "8000",
        "127.0.0.1",
    )
    assert (environ["HTTP_HOST"], environ["CONTENT_TYPE"]) == ("127.0.0.1:8000", "application/json")


def test_header_values_the_rsgi_interface_would_drop_are_dropped() -> None:
    """Only visible ASCII (and tab), as Granian's RSGI headers give them; repeated headers joined."""
    headers = [
        (b"host", b"h"),
        (b"x-a", b"caf\xc3\xa9"),
        (b"x-b", b"1"),
        (b"x-b", b"2"),
        (b"cookie", b"a=1"),
        (b"cookie", b"b=2"),
    ]
    environ = environ_for_asgi(http_scope(headers=headers))
    assert "HTTP_X_A" not in environ
    assert (environ["HTTP_X_B"], environ["HTTP_COOKIE"]) == ("1,2", "a=1;b=2")


def test_a_request_gets_its_whole_body_and_the_answer_is_sent_from_the_loop() -> None:
    client = Client(
        {"type": "http.request", "body": b'{"a"', "more_body": True},
        {"type": "http.request", "body": b": 1}", "more_body": False},
    )
    run(bridge_for(echo), http_scope(headers=[(b"host", b"h"), (b"content-length", b"8")]), client)
    start, body = client.sent
    assert start["type"] == "http.response.start"
    assert start["status"] == 200
    assert (b"x-raw", b"/a%2Fb/%ZZ?x=%2F") in start["headers"]
    assert body == {"type": "http.response.body", "body": b'{"a": 1}'}


def test_a_client_gone_mid_body_reaches_the_app_as_far_as_it_arrived() -> None:
    client = Client({"type": "http.request", "body": b'{"partial', "more_body": True})
    run(bridge_for(echo), http_scope(headers=[(b"host", b"h"), (b"content-length", b"100")]), client)
    assert client.sent[1]["body"] == b'{"partial'


def test_a_stalled_body_is_handed_to_the_app_as_a_timeout() -> None:
    seen: list[Any] = []

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(environ.get(REFUSAL_KEY))
        start_response("408 REQUEST TIMEOUT", [])
        return []

    client = Client({"type": "http.request", "body": b"{", "more_body": True}, stall=True)
    run(bridge_for(app, body_timeout=0.2), http_scope(headers=[(b"host", b"h"), (b"content-length", b"100")]), client)
    assert seen[0].kind == "timeout"
    assert client.sent[0]["status"] == 408


def test_an_answer_that_breaks_off_is_sent_as_far_as_it_got() -> None:
    def dropping(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def broken() -> Iterator[bytes]:
            yield b"{"
            raise ConnectionAbortedError("fault: dropped")

        start_response("201 CREATED", [("Content-Length", "4096")])
        return broken()

    client = Client()
    run(bridge_for(dropping), http_scope(method="GET"), client)
    assert client.sent == [
        {"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"4096")]},
        {"type": "http.response.body", "body": b"{", "more_body": True},
    ]


def test_the_app_runs_in_a_thread_and_a_failure_is_raised_in_the_loop() -> None:
    threads: list[threading.Thread] = []

    def failing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        threads.append(threading.current_thread())
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run(bridge_for(failing), http_scope(method="GET"), Client())
    assert threads
    assert threads[0] is not threading.main_thread()


def test_lifespan_starts_and_at_shutdown_stops_the_runner_threads() -> None:
    bridge = bridge_for(echo)
    bridge.runners.submit(lambda: None)  # starts a runner thread
    client = Client({"type": "lifespan.startup"}, {"type": "lifespan.shutdown"})
    asyncio.run(asyncio.wait_for(bridge({"type": "lifespan"}, client.receive, client.send), WAIT))
    assert [message["type"] for message in client.sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert bridge.runners._threads == []


def test_header_values_are_kept_or_dropped_byte_for_byte_as_granians_rsgi_headers_would() -> None:
    """The lean check (``isascii`` and ``isprintable``, a byte walk only when they fail) keeps exactly
    visible ASCII and tab, for every byte value; repeated Content-Type and Content-Length: the first counts."""
    for byte in range(256):
        value = b"a" + bytes([byte]) + b"z"
        environ = environ_for_asgi(http_scope(headers=[(b"host", b"h"), (b"x-probe", value)]))
        visible = byte == 9 or 32 <= byte < 127
        assert ("HTTP_X_PROBE" in environ) is visible, byte
        if visible:
            assert environ["HTTP_X_PROBE"] == value.decode("latin-1")
    headers = [
        (b"content-type", b"a/b"),
        (b"content-type", b"c/d"),
        (b"content-length", b"3"),
        (b"content-length", b"4"),
    ]
    environ = environ_for_asgi(http_scope(headers=headers))
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"], environ["HTTP_HOST"]) == ("a/b", "3", "")


def test_header_keys_are_made_once_per_name_and_the_memory_of_them_is_bounded() -> None:
    """Every request brings the same dozen header names: their ``HTTP_*`` keys are remembered, but header
    names are the client's to choose, so at most ``_HEADER_KEYS_LIMIT`` of them; past it keys are still right."""
    from sandbox.core import bridge

    limit = bridge._HEADER_KEYS_LIMIT
    names = [f"x-many-{index}".encode() for index in range(limit + 50)]
    environ = environ_for_asgi(http_scope(headers=[(name, b"v") for name in names]))
    assert all(environ[f"HTTP_X_MANY_{index}"] == "v" for index in range(limit + 50))
    assert len(bridge._HEADER_KEYS) <= limit
    assert bridge._HEADER_KEYS["host"] == "HTTP_HOST"
