"""Admission: bodies are read before a runner slot is taken, slots are bounded, fair, and lent while waiting."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from sandbox.core.admission import Admission, FifoSlots, waiting

MAX_BODY = 1000
WAIT = 10.0


def call(admission: Admission, environ: dict[str, Any]) -> bytes:
    statuses: list[str] = []
    body = b"".join(admission(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["200 OK"]
    return body


def echo_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answers with the body it can read, as the real app would read it."""
    start_response("200 OK", [])
    length = environ.get("CONTENT_LENGTH")
    stream = environ["wsgi.input"]
    return [stream.read(int(length)) if length else stream.read()]


def environ_for(stream: Any, length: int | None = None, terminated: bool = False) -> dict[str, Any]:
    environ: dict[str, Any] = {"wsgi.input": stream}
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    if terminated:
        environ["wsgi.input_terminated"] = True
    return environ


class StallingStream:
    """A client that sends its body only when told to (``release``)."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)
        self.release = threading.Event()
        self.reading = threading.Event()

    def read(self, size: int = -1) -> bytes:
        self.reading.set()
        assert self.release.wait(WAIT)
        return self.data.read(size)


class BreakingStream:
    """A client that sends part of its body, then goes away."""

    def __init__(self) -> None:
        self.sent = False

    def read(self, size: int = -1) -> bytes:
        if self.sent:
            raise ConnectionResetError("the client went away")
        self.sent = True
        return b'{"partial'


def test_a_body_cut_short_reaches_the_app_as_far_as_it_arrived() -> None:
    admission = Admission(echo_app, runners=1, max_body_bytes=MAX_BODY)
    assert call(admission, environ_for(BreakingStream(), length=100)) == b'{"partial'


class UnreadableStream:
    def read(self, size: int = -1) -> bytes:
        raise AssertionError("an oversized body must not be read")


def test_the_app_sees_the_whole_body() -> None:
    admission = Admission(echo_app, runners=1, max_body_bytes=MAX_BODY)
    assert call(admission, environ_for(io.BytesIO(b'{"a": 1}'), length=8)) == b'{"a": 1}'


def test_a_body_over_the_limit_is_left_unread_for_the_app_to_refuse() -> None:
    seen: list[Any] = []
    stream = UnreadableStream()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.append(environ["wsgi.input"])
        start_response("200 OK", [])
        return [b""]

    call(Admission(app, runners=1, max_body_bytes=MAX_BODY), environ_for(stream, length=MAX_BODY + 1))
    assert seen == [stream]


def test_a_chunked_body_is_read_to_one_byte_past_the_limit() -> None:
    admission = Admission(echo_app, runners=1, max_body_bytes=MAX_BODY)
    body = call(admission, environ_for(io.BytesIO(b"x" * (MAX_BODY * 3)), terminated=True))
    assert body == b"x" * (MAX_BODY + 1)


def test_a_stalled_body_holds_no_slot() -> None:
    admission = Admission(echo_app, runners=1, max_body_bytes=MAX_BODY)
    stalled = StallingStream(b"late")
    slow = threading.Thread(target=call, args=(admission, environ_for(stalled, length=4)))
    slow.start()
    try:
        assert stalled.reading.wait(WAIT)
        assert call(admission, environ_for(io.BytesIO(b"fast"), length=4)) == b"fast"
    finally:
        stalled.release.set()
        slow.join(WAIT)


@pytest.mark.parametrize("runners", [1, 2, 3])
def test_no_more_than_runners_requests_run_at_once(runners: int) -> None:
    lock = threading.Lock()
    running = peak = 0

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        start_response("200 OK", [])
        return [b""]

    admission = Admission(app, runners=runners, max_body_bytes=MAX_BODY)
    threads = [threading.Thread(target=call, args=(admission, environ_for(io.BytesIO(b"")))) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert peak == runners


def test_waiting_lends_the_slot_to_another_request() -> None:
    """With one runner, a request waiting for a second one would deadlock unless it lends its slot."""
    second_done = threading.Event()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/first":
            with waiting():
                assert second_done.wait(WAIT)
        start_response("200 OK", [])
        return [b""]

    admission = Admission(app, runners=1, max_body_bytes=MAX_BODY)
    first = threading.Thread(target=call, args=(admission, {**environ_for(io.BytesIO(b"")), "PATH_INFO": "/first"}))
    first.start()
    time.sleep(0.05)
    second = threading.Thread(target=call, args=(admission, environ_for(io.BytesIO(b""))))
    second.start()
    second.join(WAIT)
    assert not second.is_alive(), "the second request never got the slot the first one waits with"
    second_done.set()
    first.join(WAIT)
    assert not first.is_alive()


def test_waiting_outside_a_gated_request_does_nothing() -> None:
    with waiting():
        pass


def test_slots_go_to_waiters_in_arrival_order() -> None:
    slots = FifoSlots(1)
    slots.acquire()
    order: list[int] = []

    def waiter(number: int) -> None:
        slots.acquire()
        order.append(number)
        slots.release()

    threads = []
    for number in range(5):
        thread = threading.Thread(target=waiter, args=(number,))
        thread.start()
        threads.append(thread)
        time.sleep(0.02)  # each is queued before the next arrives
    slots.release()
    for thread in threads:
        thread.join(WAIT)
    assert order == [0, 1, 2, 3, 4]


def test_at_least_one_runner() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Admission(echo_app, runners=0, max_body_bytes=MAX_BODY)
